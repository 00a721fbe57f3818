//! `/metrics` of a multi-tenant replica (issue 16 item 5): per tenant (label `tenant`) its runs
//! by outcome, its failed records, when its last run without failures finished, whether this
//! replica holds its lease, its webhook deliveries; and the live replicas. One
//! prometheus-client registry, with the single-merchant daemon's prefix and content type.

use std::sync::atomic::AtomicU64;

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::RunError;
use cin7_sparklayer_core::report::RunReport;
use prometheus_client::encoding::{EncodeLabelSet, text};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::super::metrics::{PREFIX, add};
use super::super::status::Outcome;

/// A tenant.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TenantLabels {
    tenant: String,
}

/// A tenant and how something ended.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TenantOutcome {
    tenant: String,
    outcome: &'static str,
}

/// The replica's tenant metrics.
#[derive(Debug)]
pub(crate) struct TenantMetrics {
    runs: Family<TenantOutcome, Counter>,
    record_failures: Family<TenantLabels, Counter>,
    last_success: Family<TenantLabels, Gauge<f64, AtomicU64>>,
    lease_held: Family<TenantLabels, Gauge>,
    webhooks: Family<TenantOutcome, Counter>,
    replicas: Gauge,
    registry: Registry,
}

impl TenantMetrics {
    /// Every family, registered in the order `/metrics` lists them.
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix(PREFIX);
        let r = &mut registry;
        Self {
            runs: add(
                r,
                "tenant_runs",
                "Sync runs finished on this replica, by tenant and outcome",
            ),
            record_failures: add(
                r,
                "tenant_record_failures",
                "Records that failed, by tenant",
            ),
            last_success: add(
                r,
                "tenant_last_success_timestamp_seconds",
                "When the tenant's last run without failures finished on this replica (Unix time)",
            ),
            lease_held: add(
                r,
                "tenant_lease_held",
                "1 while this replica holds the tenant's lease",
            ),
            webhooks: add(
                r,
                "tenant_webhooks",
                "Webhook deliveries received, by tenant and result",
            ),
            replicas: add(
                r,
                "replicas_alive",
                "Replicas alive at the last heartbeat, this one included",
            ),
            registry,
        }
    }

    fn labels(tenant: &str) -> TenantLabels {
        TenantLabels {
            tenant: tenant.to_owned(),
        }
    }

    /// A tenant's run ended.
    pub(crate) fn run_finished(&self, tenant: &str, result: &Result<RunReport, RunError>) {
        let outcome = Outcome::of(result);
        self.runs
            .get_or_create(&TenantOutcome {
                tenant: tenant.to_owned(),
                outcome: outcome.name(),
            })
            .inc();
        if let Ok(report) = result {
            let failed = u64::try_from(report.failures.len()).unwrap_or(u64::MAX);
            self.record_failures
                .get_or_create(&Self::labels(tenant))
                .inc_by(failed);
            if outcome == Outcome::Succeeded {
                self.last_success
                    .get_or_create(&Self::labels(tenant))
                    .set(unix_seconds(report.finished_at));
            }
        }
    }

    /// Whether this replica holds `tenant`'s lease.
    pub(crate) fn lease(&self, tenant: &str, held: bool) {
        self.lease_held
            .get_or_create(&Self::labels(tenant))
            .set(i64::from(held));
    }

    /// A tenant file was removed: its lease gauge goes.
    pub(crate) fn forget(&self, tenant: &str) {
        self.lease_held.remove(&Self::labels(tenant));
    }

    /// A webhook delivery for `tenant` ended with `result` (`accepted`, `unauthorized`, …).
    pub(crate) fn webhook(&self, tenant: &str, result: &'static str) {
        self.webhooks
            .get_or_create(&TenantOutcome {
                tenant: tenant.to_owned(),
                outcome: result,
            })
            .inc();
    }

    /// Replicas alive at the last heartbeat.
    pub(crate) fn replicas(&self, alive: usize) {
        self.replicas.set(i64::try_from(alive).unwrap_or(i64::MAX));
    }

    /// The OpenMetrics text.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String does not fail: only a bug gets here.
        if let Err(e) = text::encode(&mut out, &self.registry) {
            tracing::error!("cannot encode the metrics: {e}");
        }
        out
    }
}

fn unix_seconds(at: DateTime<Utc>) -> f64 {
    at.timestamp_millis() as f64 / 1000.0
}
