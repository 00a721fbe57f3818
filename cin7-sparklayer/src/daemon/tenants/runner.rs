//! A tenant's runs (issue 16 items 3 and 4): its own runner behind two gates, the replica's cap
//! on concurrent runs (a semaphore shared by every tenant) and the tenant's lease (no run
//! starts once this replica no longer holds it). What a run applied completes the webhook
//! deliveries it covered ([`Applied`]).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::ports::QueuedDelivery;
use cin7_sparklayer_core::report::{RunMode, RunReport};
use cin7_sparklayer_core::{PortError, RunError};
use tokio::sync::Semaphore;

use super::metrics::TenantMetrics;
use crate::daemon::{PollChanges, SyncRunner};
use crate::{ModeRequest, RunOptions};

/// The IDs of one claimed delivery still to be synced.
#[derive(Debug, Default)]
struct Remaining {
    customers: BTreeSet<String>,
    products: BTreeSet<String>,
}

#[derive(Debug, Default)]
struct AppliedInner {
    pending: BTreeMap<i64, Remaining>,
    done: Vec<i64>,
}

/// Claimed webhook deliveries of a tenant and which are fully synced (to `complete`).
#[derive(Debug, Default)]
pub(crate) struct Applied {
    inner: Mutex<AppliedInner>,
}

impl Applied {
    fn lock(&self) -> MutexGuard<'_, AppliedInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tracks a claimed delivery (a re-claimed one keeps what remains of it).
    pub(crate) fn register(&self, delivery: &QueuedDelivery) {
        self.lock()
            .pending
            .entry(delivery.id)
            .or_insert_with(|| Remaining {
                customers: delivery.customers.iter().cloned().collect(),
                products: delivery.products.iter().cloned().collect(),
            });
    }

    /// The deliveries tracked now: a run only completes those it may have covered.
    fn snapshot(&self) -> Vec<i64> {
        self.lock().pending.keys().copied().collect()
    }

    /// A run that started after `ids` were tracked went through: a full run covers them all, a
    /// records run the IDs it synced.
    fn mark(&self, ids: &[i64], records: Option<(&[String], &[String])>, full: bool) {
        let mut inner = self.lock();
        for id in ids {
            let Some(left) = inner.pending.get_mut(id) else {
                continue;
            };
            if full {
                left.customers.clear();
                left.products.clear();
            } else if let Some((customers, products)) = records {
                for c in customers {
                    left.customers.remove(c);
                }
                for p in products {
                    left.products.remove(p);
                }
            }
            if left.customers.is_empty() && left.products.is_empty() {
                inner.pending.remove(id);
                inner.done.push(*id);
            }
        }
    }

    /// Deliveries fully synced since the last call.
    pub(crate) fn take_done(&self) -> Vec<i64> {
        std::mem::take(&mut self.lock().done)
    }

    /// Deliveries completed in the inbox failed to be: they stay done, to complete next time.
    pub(crate) fn put_back_done(&self, ids: Vec<i64>) {
        self.lock().done.extend(ids);
    }
}

/// A tenant's runner behind the replica's gates.
#[derive(Debug)]
pub(crate) struct TenantRunner<R> {
    pub(crate) inner: R,
    pub(crate) tenant: String,
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) held: Arc<AtomicBool>,
    pub(crate) metrics: Arc<TenantMetrics>,
    pub(crate) applied: Arc<Applied>,
}

fn lease_lost(tenant: &str) -> RunError {
    RunError::Port {
        step: "holding the tenant's lease",
        source: PortError::state(format!(
            "this replica no longer holds tenant {tenant}'s lease"
        )),
    }
}

impl<R: SyncRunner> SyncRunner for TenantRunner<R> {
    async fn run(&self, options: RunOptions) -> Result<RunReport, RunError> {
        // Closed only by a bug; then the run goes ungated rather than never.
        let _permit = self.permits.acquire().await.ok();
        if !self.held.load(Ordering::SeqCst) {
            return Err(lease_lost(&self.tenant));
        }
        let covered = self.applied.snapshot();
        let records = match &options.mode {
            ModeRequest::Records {
                customer_ids,
                product_ids,
            } => Some((customer_ids.clone(), product_ids.clone())),
            _ => None,
        };
        let result = self.inner.run(options).await;
        self.metrics.run_finished(&self.tenant, &result);
        if let Ok(report) = &result
            && !report.interrupted
        {
            let records = records.as_ref().map(|(c, p)| (c.as_slice(), p.as_slice()));
            self.applied
                .mark(&covered, records, report.mode == RunMode::Full);
        }
        result
    }

    fn last_full_run(&self) -> impl Future<Output = Option<DateTime<Utc>>> + Send {
        self.inner.last_full_run()
    }

    async fn changes(
        &self,
        customers_since: DateTime<Utc>,
        products_since: DateTime<Utc>,
    ) -> Result<PollChanges, PortError> {
        if !self.held.load(Ordering::SeqCst) {
            return Ok(PollChanges::default());
        }
        self.inner.changes(customers_since, products_since).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(id: i64, customers: &[&str]) -> QueuedDelivery {
        QueuedDelivery {
            id,
            tenant: "t".to_owned(),
            customers: customers.iter().map(|s| (*s).to_owned()).collect(),
            products: Vec::new(),
            received_at: Utc::now(),
        }
    }

    #[test]
    fn a_delivery_is_done_when_its_ids_were_synced_by_a_run_that_started_after_it() {
        let applied = Applied::default();
        let before = applied.snapshot();
        applied.register(&delivery(1, &["a", "b"]));
        let a = vec!["a".to_owned(), "b".to_owned()];
        applied.mark(&before, Some((&a, &[])), false);
        assert!(
            applied.take_done().is_empty(),
            "the run started before the delivery"
        );
        let covered = applied.snapshot();
        applied.mark(&covered, Some((&a[..1], &[])), false);
        assert!(applied.take_done().is_empty(), "b is not synced yet");
        applied.mark(&covered, Some((&a[1..], &[])), false);
        assert_eq!(applied.take_done(), vec![1]);
        applied.register(&delivery(2, &["c"]));
        applied.mark(&applied.snapshot(), None, true);
        assert_eq!(applied.take_done(), vec![2], "a full run covers everything");
    }
}
