//! `GET /metrics` (SPEC §6, E4): the daemon's counters and gauges, kept in a `prometheus-client`
//! registry and encoded as OpenMetrics text ([`CONTENT_TYPE`]).
//!
//! Every metric is named `cin7_sparklayer_…`. A counter is registered without its `_total`
//! suffix: the encoder adds it to the samples (`cin7_sparklayer_runs_total{…}`), while the
//! `# HELP`/`# TYPE` lines name the family (`cin7_sparklayer_runs`), as OpenMetrics requires.
//!
//! Adding a metric: a field on [`Metrics`], one line in [`Metrics::new`] (its name and help,
//! in the order `/metrics` lists them), and the call that updates it where the event happens.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::error::Service;
use cin7_sparklayer_core::ports::RequestCounts;
use cin7_sparklayer_core::report::{RecordKind, RunReport};
use prometheus_client::encoding::{
    EncodeGaugeValue, EncodeLabelSet, EncodeMetric, MetricEncoder, text,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Metric, Registry};

use super::status::{LastRun, Outcome};

/// The HTTP content type of [`Metrics::encode`]'s text: OpenMetrics 1.0 (it ends with `# EOF`
/// and names counter families without `_total`, which the Prometheus 0.0.4 format does not).
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The prefix of every metric name.
pub(super) const PREFIX: &str = "cin7_sparklayer";

/// `runs_total`: what a run asked or resolved to, and how it ended.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    mode: String,
    outcome: &'static str,
}

/// `customers_total`, `price_lists_total`: the action taken on a record.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    action: String,
}

/// `skips_total`: why a record was skipped.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

/// `price_rows_total`: `written` or `removed`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChangeLabels {
    change: &'static str,
}

/// `record_failures_total` (`customer`, `product`, `price_list`), `queue_length`
/// (`customer`, `product`).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

/// `requests_total`: the API and `read` or `write`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    api: &'static str,
    kind: &'static str,
}

/// `throttled_requests_total`, `retried_requests_total`: the API.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ApiLabels {
    api: &'static str,
}

/// `webhooks_total`: the event (`unknown` when refused before it was read) and the result.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    event: &'static str,
    result: &'static str,
}

/// `webhook_registrations_total`: `ok` or `failed`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

type Counters<L> = Family<L, Counter>;

/// A gauge with no sample until it is first set: a time that has not happened yet, or a
/// registration not tried yet, where 0 would be a false value.
#[derive(Debug, Clone, Default)]
struct UnsetGauge<V>(Arc<Mutex<Option<V>>>);

impl<V: Copy> UnsetGauge<V> {
    fn set(&self, value: V) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(value);
    }

    fn get(&self) -> Option<V> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<V: EncodeGaugeValue + Copy + fmt::Debug + Send + 'static> EncodeMetric for UnsetGauge<V> {
    fn encode(&self, mut encoder: MetricEncoder) -> fmt::Result {
        self.get().map_or(Ok(()), |v| encoder.encode_gauge(&v))
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Gauge
    }

    fn is_empty(&self) -> bool {
        self.get().is_none()
    }
}

/// The daemon's metrics: typed handles into one registry. Counters count since the daemon
/// started; the handles are cheap to update from any task.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    runs: Counters<RunLabels>,
    customers: Counters<ActionLabels>,
    /// C16: contacts synced as Shopify customers of their own, per action.
    contacts: Counters<ActionLabels>,
    skips: Counters<ReasonLabels>,
    price_lists: Counters<ActionLabels>,
    price_rows: Counters<ChangeLabels>,
    record_failures: Counters<KindLabels>,
    requests: Counters<RequestLabels>,
    throttled_requests: Counters<ApiLabels>,
    retried_requests: Counters<ApiLabels>,
    webhooks: Counters<WebhookLabels>,
    webhook_registrations: Counters<ResultLabels>,
    webhooks_registered: UnsetGauge<i64>,
    last_success: UnsetGauge<f64>,
    last_run: UnsetGauge<f64>,
    run_in_progress: Gauge,
    queue_length: Family<KindLabels, Gauge>,
    poll: PollMetrics,
}

/// The freshness poll's metrics (E12), registered after the others.
#[derive(Debug)]
struct PollMetrics {
    polls: Counters<ResultLabels>,
    records_found: Histogram,
    last_poll: UnsetGauge<f64>,
    last_change_freshness: UnsetGauge<f64>,
}

impl PollMetrics {
    fn register(r: &mut Registry) -> Self {
        let records_found = Histogram::new(FOUND_BUCKETS);
        let polls = add(
            r,
            "polls",
            "Cin7 freshness polls (schedule.poll), by result",
        );
        r.register(
            "poll_records_found",
            "Records (customers and products) each Cin7 poll found new or changed",
            records_found.clone(),
        );
        Self {
            polls,
            records_found,
            last_poll: add(
                r,
                "last_poll_timestamp_seconds",
                "When the last Cin7 poll finished (Unix time)",
            ),
            last_change_freshness: add(
                r,
                "last_change_freshness_seconds",
                "From the LastModifiedOn of the last change a poll found to the end of the run that wrote it",
            ),
        }
    }
}

/// Buckets of `poll_records_found`: records found by one poll.
const FOUND_BUCKETS: [f64; 9] = [0.0, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0];

/// Creates a metric, registers it under `name` and returns its handle.
pub(super) fn add<M: Metric + Clone + Default>(
    registry: &mut Registry,
    name: &str,
    help: &str,
) -> M {
    let metric = M::default();
    registry.register(name, help, metric.clone());
    metric
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every metric, registered in the order `/metrics` lists them. Help texts end without a
    /// full stop: the registry adds one.
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix(PREFIX);
        let r = &mut registry;
        let metrics = Self {
            runs: add(r, "runs", "Sync runs finished, by mode and outcome"),
            customers: add(
                r,
                "customers",
                "Customers per action (create, update, unchanged, skip, revoke, failed)",
            ),
            contacts: add(
                r,
                "contacts",
                "Contacts synced as Shopify customers of their own (C16) per action",
            ),
            skips: add(r, "skips", "Skipped records per reason"),
            price_lists: add(
                r,
                "price_lists",
                "Price lists per action (create, patch, unchanged, empty, failed)",
            ),
            price_rows: add(
                r,
                "price_rows",
                "SKU rows written or removed on price lists",
            ),
            record_failures: add(r, "record_failures", "Records that failed, by kind"),
            requests: add(
                r,
                "requests",
                "HTTP requests made by sync runs and Cin7 polls, per API and kind",
            ),
            throttled_requests: add(
                r,
                "throttled_requests",
                "Requests answered with throttling (429, 503, THROTTLED) and retried, per API",
            ),
            retried_requests: add(
                r,
                "retried_requests",
                "Requests retried for other transient errors, per API",
            ),
            webhooks: add(r, "webhooks", "Webhook deliveries, by event and result"),
            webhook_registrations: add(
                r,
                "webhook_registrations",
                "Cin7 webhook registration passes (daemon.public_url), by result",
            ),
            webhooks_registered: add(
                r,
                "webhooks_registered",
                "1 when the last Cin7 webhook registration succeeded, 0 when it failed",
            ),
            last_success: add(
                r,
                "last_success_timestamp_seconds",
                "When the last run without failures finished (Unix time)",
            ),
            last_run: add(
                r,
                "last_run_timestamp_seconds",
                "When the last run finished (Unix time)",
            ),
            run_in_progress: add(r, "run_in_progress", "1 while a run is going"),
            queue_length: add(r, "queue_length", "IDs waiting for a webhook run"),
            poll: PollMetrics::register(r),
            registry,
        };
        // Shown from the start, at 0.
        for change in ["written", "removed"] {
            let _created = metrics.price_rows.get_or_create(&ChangeLabels { change });
        }
        metrics
    }

    /// A run started.
    pub(crate) fn run_started(&self) {
        self.run_in_progress.set(1);
    }

    /// A run ended: `last` as `/healthz` shows it, with its report unless it could not start.
    pub(crate) fn run_finished(&self, last: &LastRun, report: Option<&RunReport>) {
        self.run_in_progress.set(0);
        self.runs
            .get_or_create(&RunLabels {
                mode: last.mode.clone(),
                outcome: last.outcome.name(),
            })
            .inc();
        self.last_run.set(unix_seconds(last.finished_at));
        if let Some(r) = report {
            self.add_report(r);
            if last.outcome == Outcome::Succeeded {
                self.last_success.set(unix_seconds(r.finished_at));
            }
        }
    }

    /// Adds a report's counts to the totals.
    fn add_report(&self, r: &RunReport) {
        for (counters, counts) in [
            (&self.customers, &r.customers),
            (&self.contacts, &r.contacts),
        ] {
            for (action, n) in counts {
                let action = action.to_string();
                counters.get_or_create(&ActionLabels { action }).inc_by(*n);
            }
        }
        for (reason, n) in &r.skip_reasons {
            let reason = reason.to_string();
            self.skips
                .get_or_create(&ReasonLabels { reason })
                .inc_by(*n);
        }
        for (action, n) in &r.price_lists {
            let action = action.to_string();
            self.price_lists
                .get_or_create(&ActionLabels { action })
                .inc_by(*n);
        }
        let rows = |change| self.price_rows.get_or_create(&ChangeLabels { change });
        rows("written").inc_by(r.price_rows_written);
        rows("removed").inc_by(r.price_rows_removed);
        for f in &r.failures {
            let kind = kind_label(f.kind);
            self.record_failures
                .get_or_create(&KindLabels { kind })
                .inc();
        }
        for (service, counts) in &r.requests {
            self.add_requests(service_label(*service), counts);
        }
    }

    fn add_requests(&self, api: &'static str, c: &RequestCounts) {
        let requests = |kind| self.requests.get_or_create(&RequestLabels { api, kind });
        requests("read").inc_by(c.reads);
        requests("write").inc_by(c.writes);
        let labels = ApiLabels { api };
        self.throttled_requests
            .get_or_create(&labels)
            .inc_by(c.throttled);
        self.retried_requests
            .get_or_create(&labels)
            .inc_by(c.retried);
    }

    /// A Cin7 poll finished: `found` records (`None`: it failed), with its Cin7 requests
    /// (counted in `requests_total` like the runs').
    pub(crate) fn poll_finished(
        &self,
        at: DateTime<Utc>,
        found: Option<usize>,
        requests: RequestCounts,
    ) {
        let result = if found.is_some() { "ok" } else { "failed" };
        self.poll
            .polls
            .get_or_create(&ResultLabels { result })
            .inc();
        if let Some(n) = found {
            self.poll.records_found.observe(n as f64);
        }
        self.poll.last_poll.set(unix_seconds(at));
        self.add_requests("cin7", &requests);
    }

    /// A run applied a polled change `seconds` after its `LastModifiedOn`.
    pub(crate) fn change_applied(&self, seconds: f64) {
        self.poll.last_change_freshness.set(seconds);
    }

    /// A webhook delivery: its event (`unknown` when refused before it was read) and result.
    pub(crate) fn webhook(&self, event: &'static str, result: &'static str) {
        self.webhooks
            .get_or_create(&WebhookLabels { event, result })
            .inc();
    }

    /// A Cin7 webhook registration pass.
    pub(crate) fn webhooks_registered(&self, ok: bool) {
        let result = if ok { "ok" } else { "failed" };
        self.webhook_registrations
            .get_or_create(&ResultLabels { result })
            .inc();
        self.webhooks_registered.set(i64::from(ok));
    }

    /// The OpenMetrics text ([`CONTENT_TYPE`]), given the queue lengths (customers, products).
    pub(crate) fn encode(&self, queued: (usize, usize)) -> String {
        for (kind, n) in [("customer", queued.0), ("product", queued.1)] {
            self.queue_length
                .get_or_create(&KindLabels { kind })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        let mut out = String::new();
        // Writing to a String does not fail, nor do these metrics' encoders: only a bug gets here.
        if let Err(e) = text::encode(&mut out, &self.registry) {
            tracing::error!("cannot encode the metrics: {e}");
        }
        out
    }
}

fn unix_seconds(at: DateTime<Utc>) -> f64 {
    at.timestamp_millis() as f64 / 1000.0
}

fn service_label(s: Service) -> &'static str {
    match s {
        Service::Cin7 => "cin7",
        Service::Shopify => "shopify",
        Service::SparkLayer => "sparklayer",
        Service::State => "state",
    }
}

fn kind_label(k: RecordKind) -> &'static str {
    match k {
        RecordKind::Customer => "customer",
        RecordKind::Product => "product",
        RecordKind::PriceList => "price_list",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cin7_sparklayer_core::PortError;
    use cin7_sparklayer_core::ports::MalformedRecord;
    use cin7_sparklayer_core::report::RunMode;

    fn report() -> RunReport {
        let mut r = RunReport::new(RunMode::Full, false, Utc::now());
        r.count_customer("create");
        r.count_record("c-1/k-2", "create");
        r.count_list("patch");
        let bad = MalformedRecord {
            id: Some("c-9".into()),
            field: None,
            reason: "not a number".into(),
        };
        r.skip_malformed(RecordKind::Customer, &bad);
        r.price_rows_written = 5;
        let error = PortError::unauthenticated(Service::Shopify, "check the token");
        r.fail(RecordKind::Customer, "c-1", "write", &error);
        r.requests.insert(
            Service::Shopify,
            RequestCounts {
                reads: 3,
                writes: 2,
                throttled: 1,
                retried: 0,
            },
        );
        r
    }

    fn last_run(r: &RunReport, outcome: Outcome) -> LastRun {
        LastRun {
            mode: r.mode.to_string(),
            trigger: "startup",
            started_at: r.started_at,
            finished_at: r.finished_at,
            outcome,
            failures: r.failures.len(),
            error: None,
        }
    }

    /// Every sample the hand-written exposition printed for this history, byte for byte (the
    /// timestamp's value aside).
    #[test]
    fn the_samples_of_the_hand_written_exposition() {
        let m = Metrics::new();
        m.run_started();
        let r = report();
        m.run_finished(&last_run(&r, Outcome::FailedRecords), Some(&r));
        m.webhook("Customer/Updated", "accepted");
        m.webhooks_registered(true);
        let text = m.encode((4, 0));
        for line in [
            r#"cin7_sparklayer_runs_total{mode="full",outcome="failed_records"} 1"#,
            r#"cin7_sparklayer_customers_total{action="create"} 1"#,
            r#"cin7_sparklayer_customers_total{action="skip"} 1"#,
            r#"cin7_sparklayer_contacts_total{action="create"} 1"#,
            r#"cin7_sparklayer_skips_total{reason="malformed"} 1"#,
            r#"cin7_sparklayer_price_lists_total{action="patch"} 1"#,
            r#"cin7_sparklayer_price_rows_total{change="written"} 5"#,
            r#"cin7_sparklayer_price_rows_total{change="removed"} 0"#,
            r#"cin7_sparklayer_record_failures_total{kind="customer"} 1"#,
            r#"cin7_sparklayer_requests_total{api="shopify",kind="read"} 3"#,
            r#"cin7_sparklayer_requests_total{api="shopify",kind="write"} 2"#,
            r#"cin7_sparklayer_throttled_requests_total{api="shopify"} 1"#,
            r#"cin7_sparklayer_retried_requests_total{api="shopify"} 0"#,
            r#"cin7_sparklayer_webhooks_total{event="Customer/Updated",result="accepted"} 1"#,
            r#"cin7_sparklayer_webhook_registrations_total{result="ok"} 1"#,
            "cin7_sparklayer_webhooks_registered 1",
            "cin7_sparklayer_run_in_progress 0",
            r#"cin7_sparklayer_queue_length{kind="customer"} 4"#,
            r#"cin7_sparklayer_queue_length{kind="product"} 0"#,
            "# TYPE cin7_sparklayer_runs counter",
            "# HELP cin7_sparklayer_runs Sync runs finished, by mode and outcome.",
            "# TYPE cin7_sparklayer_queue_length gauge",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        let stamp = text
            .lines()
            .find_map(|l| l.strip_prefix("cin7_sparklayer_last_run_timestamp_seconds "))
            .and_then(|v| v.parse::<f64>().ok());
        assert_eq!(stamp, Some(unix_seconds(r.finished_at)), "{text}");
        assert!(
            !text.contains("last_success_timestamp_seconds "),
            "no run without failures yet: no sample\n{text}"
        );
        assert_eq!(text.lines().last(), Some("# EOF"));
    }

    #[test]
    fn counters_add_up_and_unset_gauges_have_no_sample() {
        let m = Metrics::new();
        let text = m.encode((0, 0));
        assert!(text.contains("cin7_sparklayer_price_rows_total{change=\"written\"} 0"));
        for absent in ["runs_total", "webhooks_registered", "timestamp_seconds"] {
            assert!(!text.contains(absent), "{absent} before any event\n{text}");
        }
        m.run_started();
        assert!(
            m.encode((0, 0))
                .contains("cin7_sparklayer_run_in_progress 1")
        );
        for _ in 0..2 {
            let r = report();
            m.run_finished(&last_run(&r, Outcome::Succeeded), Some(&r));
        }
        m.webhooks_registered(true);
        m.webhooks_registered(false);
        let text = m.encode((0, 2));
        for line in [
            r#"cin7_sparklayer_runs_total{mode="full",outcome="succeeded"} 2"#,
            r#"cin7_sparklayer_requests_total{api="shopify",kind="read"} 6"#,
            r#"cin7_sparklayer_price_rows_total{change="written"} 10"#,
            r#"cin7_sparklayer_webhook_registrations_total{result="failed"} 1"#,
            "cin7_sparklayer_webhooks_registered 0",
            r#"cin7_sparklayer_queue_length{kind="product"} 2"#,
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(text.contains("cin7_sparklayer_last_success_timestamp_seconds "));
    }

    #[test]
    fn label_values_are_escaped() {
        let m = Metrics::new();
        m.runs
            .get_or_create(&RunLabels {
                mode: "a\"b\\c\nd".into(),
                outcome: "succeeded",
            })
            .inc();
        assert!(
            m.encode((0, 0))
                .contains(r#"cin7_sparklayer_runs_total{mode="a\"b\\c\nd",outcome="succeeded"} 1"#)
        );
    }
}
