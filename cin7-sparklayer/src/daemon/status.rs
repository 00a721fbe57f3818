//! What `/healthz` and `/metrics` show: the last run, totals since start, the queue.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::RunError;
use cin7_sparklayer_core::error::Service;
use cin7_sparklayer_core::ports::RequestCounts;
use cin7_sparklayer_core::report::{RecordKind, RunReport};
use serde::Serialize;
use tokio::sync::watch;

/// How a run ended, as `/healthz` and `/metrics` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every record succeeded.
    Succeeded,
    /// The run went through, some records failed (exit status 2).
    FailedRecords,
    /// Shutdown stopped the run after the record in flight.
    Interrupted,
    /// The run could not start ([`RunError`], exit status 1).
    CouldNotStart,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::FailedRecords => "failed_records",
            Self::Interrupted => "interrupted",
            Self::CouldNotStart => "could_not_start",
        }
    }

    /// The outcome of a run's result.
    pub fn of(result: &Result<RunReport, RunError>) -> Self {
        match result {
            Err(_) => Self::CouldNotStart,
            Ok(r) if r.interrupted => Self::Interrupted,
            Ok(r) if !r.failures.is_empty() => Self::FailedRecords,
            Ok(_) => Self::Succeeded,
        }
    }
}

/// The last finished run, as `/healthz` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastRun {
    /// `full`, `incremental`, `records`; or the mode asked for (`auto`, `full`, `records`)
    /// when the run could not start.
    pub mode: String,
    /// Why the daemon ran it: `startup`, `incremental`, `full`, `catch_up`, `webhook`.
    pub trigger: &'static str,
    /// When it started (UTC).
    pub started_at: DateTime<Utc>,
    /// When it ended (UTC).
    pub finished_at: DateTime<Utc>,
    /// How it ended.
    pub outcome: Outcome,
    /// Records that failed.
    pub failures: usize,
    /// Why it could not start.
    pub error: Option<String>,
}

/// A run in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunningRun {
    /// The mode asked for: `auto`, `full`, `records`.
    pub mode: &'static str,
    /// Why the daemon runs it.
    pub trigger: &'static str,
    /// When it started (UTC).
    pub started_at: DateTime<Utc>,
}

/// The body of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// `starting` (no run finished yet), `ok`, `degraded` (some records failed) or `error`
    /// (the last run could not start: `/healthz` answers 503).
    pub status: &'static str,
    /// The last finished run.
    pub last_run: Option<LastRun>,
    /// When the last run without failures finished.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The run in progress.
    pub running: Option<RunningRun>,
    /// Customer IDs waiting for a webhook run.
    pub queued_customers: usize,
    /// Product IDs waiting for a webhook run.
    pub queued_products: usize,
    /// Whether the last Cin7 webhook registration succeeded (`None` when the daemon does not
    /// register them: no `daemon.public_url`, or not tried yet).
    pub webhooks_registered: Option<bool>,
}

impl Health {
    /// Whether `/healthz` answers 200 (503 when the last run could not start).
    pub fn is_healthy(&self) -> bool {
        self.status != "error"
    }
}

#[derive(Debug, Default)]
struct Totals {
    runs: BTreeMap<(String, &'static str), u64>,
    customers: BTreeMap<String, u64>,
    price_lists: BTreeMap<String, u64>,
    skips: BTreeMap<String, u64>,
    rows_written: u64,
    rows_removed: u64,
    failures: BTreeMap<&'static str, u64>,
    requests: BTreeMap<Service, RequestCounts>,
    webhooks: BTreeMap<(&'static str, &'static str), u64>,
}

#[derive(Debug, Default)]
struct Inner {
    last: Option<LastRun>,
    last_report: Option<RunReport>,
    last_success_at: Option<DateTime<Utc>>,
    running: Option<RunningRun>,
    totals: Totals,
    /// Outcome of the last webhook registration, if any.
    webhooks_registered: Option<bool>,
    /// Registrations by result (`ok`, `failed`).
    registrations: BTreeMap<&'static str, u64>,
}

/// Shared status of a running daemon: read by `/healthz` and `/metrics`, and by hosts and
/// tests through [`crate::daemon::DaemonHandle::status`].
#[derive(Debug)]
pub struct Status {
    inner: Mutex<Inner>,
    finished: watch::Sender<u64>,
}

impl Default for Status {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            finished: watch::Sender::new(0),
        }
    }
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

/// Escapes a Prometheus label value.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Status {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn run_started(&self, mode: &'static str, trigger: &'static str) {
        self.lock().running = Some(RunningRun {
            mode,
            trigger,
            started_at: Utc::now(),
        });
    }

    pub(crate) fn run_finished(
        &self,
        asked: &'static str,
        trigger: &'static str,
        result: &Result<RunReport, RunError>,
    ) {
        let outcome = Outcome::of(result);
        {
            let mut s = self.lock();
            let started_at = s.running.take().map_or_else(Utc::now, |r| r.started_at);
            let last = match result {
                Ok(r) => LastRun {
                    mode: r.mode.to_string(),
                    trigger,
                    started_at: r.started_at,
                    finished_at: r.finished_at,
                    outcome,
                    failures: r.failures.len(),
                    error: None,
                },
                Err(e) => LastRun {
                    mode: asked.to_owned(),
                    trigger,
                    started_at,
                    finished_at: Utc::now(),
                    outcome,
                    failures: 0,
                    error: Some(e.to_string()),
                },
            };
            *s.totals
                .runs
                .entry((last.mode.clone(), outcome.name()))
                .or_default() += 1;
            if let Ok(r) = result {
                let t = &mut s.totals;
                for (k, v) in &r.customers {
                    *t.customers.entry(k.clone()).or_default() += v;
                }
                for (k, v) in &r.price_lists {
                    *t.price_lists.entry(k.clone()).or_default() += v;
                }
                for (k, v) in &r.skip_reasons {
                    *t.skips.entry(k.to_string()).or_default() += v;
                }
                t.rows_written += r.price_rows_written;
                t.rows_removed += r.price_rows_removed;
                for f in &r.failures {
                    *t.failures.entry(kind_label(f.kind)).or_default() += 1;
                }
                for (svc, c) in &r.requests {
                    let e = t.requests.entry(*svc).or_default();
                    *e = e.plus(*c);
                }
                if outcome == Outcome::Succeeded {
                    s.last_success_at = Some(r.finished_at);
                }
                s.last_report = Some(r.clone());
            }
            s.last = Some(last);
        }
        self.finished.send_modify(|n| *n += 1);
    }

    pub(crate) fn webhook(&self, event: &'static str, result: &'static str) {
        *self
            .lock()
            .totals
            .webhooks
            .entry((event, result))
            .or_default() += 1;
    }

    /// Records a Cin7 webhook registration pass (`daemon.public_url`).
    pub(crate) fn webhooks_registered(&self, ok: bool) {
        let mut s = self.lock();
        s.webhooks_registered = Some(ok);
        *s.registrations
            .entry(if ok { "ok" } else { "failed" })
            .or_default() += 1;
    }

    /// The report of the last run that produced one (a run that could not start has none, so
    /// this is then the report of the run before it).
    pub fn last_report(&self) -> Option<RunReport> {
        self.lock().last_report.clone()
    }

    /// Counts finished runs; `wait_for` on it to await a run without polling.
    pub fn runs_finished(&self) -> watch::Receiver<u64> {
        self.finished.subscribe()
    }

    /// `/healthz`, given the queue lengths.
    pub fn health(&self, queued: (usize, usize)) -> Health {
        let s = self.lock();
        let status = match s.last.as_ref().map(|l| l.outcome) {
            None => "starting",
            Some(Outcome::CouldNotStart) => "error",
            Some(Outcome::FailedRecords) => "degraded",
            Some(Outcome::Succeeded | Outcome::Interrupted) => "ok",
        };
        Health {
            status,
            last_run: s.last.clone(),
            last_success_at: s.last_success_at,
            running: s.running.clone(),
            queued_customers: queued.0,
            queued_products: queued.1,
            webhooks_registered: s.webhooks_registered,
        }
    }

    /// `/metrics` in the Prometheus text exposition format (0.0.4), given the queue lengths.
    pub fn prometheus(&self, queued: (usize, usize)) -> String {
        let s = self.lock();
        let t = &s.totals;
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, rows: Vec<(String, String)>| {
            let _ = writeln!(out, "# HELP cin7_sparklayer_{name} {help}");
            let _ = writeln!(out, "# TYPE cin7_sparklayer_{name} {kind}");
            for (labels, value) in rows {
                if labels.is_empty() {
                    let _ = writeln!(out, "cin7_sparklayer_{name} {value}");
                } else {
                    let _ = writeln!(out, "cin7_sparklayer_{name}{{{labels}}} {value}");
                }
            }
        };
        let by = |key: &str, m: &BTreeMap<String, u64>| -> Vec<(String, String)> {
            m.iter()
                .map(|(k, v)| (format!("{key}=\"{}\"", label(k)), v.to_string()))
                .collect()
        };
        family(
            "runs_total",
            "counter",
            "Sync runs finished, by mode and outcome.",
            t.runs
                .iter()
                .map(|((mode, outcome), v)| {
                    (
                        format!("mode=\"{}\",outcome=\"{outcome}\"", label(mode)),
                        v.to_string(),
                    )
                })
                .collect(),
        );
        family(
            "customers_total",
            "counter",
            "Customers per action (create, update, unchanged, skip, revoke, failed).",
            by("action", &t.customers),
        );
        family(
            "skips_total",
            "counter",
            "Skipped records per reason.",
            by("reason", &t.skips),
        );
        family(
            "price_lists_total",
            "counter",
            "Price lists per action (create, patch, unchanged, empty, failed).",
            by("action", &t.price_lists),
        );
        family(
            "price_rows_total",
            "counter",
            "SKU rows written or removed on price lists.",
            vec![
                ("change=\"written\"".into(), t.rows_written.to_string()),
                ("change=\"removed\"".into(), t.rows_removed.to_string()),
            ],
        );
        family(
            "record_failures_total",
            "counter",
            "Records that failed, by kind.",
            t.failures
                .iter()
                .map(|(k, v)| (format!("kind=\"{k}\""), v.to_string()))
                .collect(),
        );
        let per_service = |f: fn(&RequestCounts) -> u64| -> Vec<(String, String)> {
            t.requests
                .iter()
                .map(|(svc, c)| (format!("api=\"{}\"", service_label(*svc)), f(c).to_string()))
                .collect()
        };
        let mut requests = Vec::new();
        for (svc, c) in &t.requests {
            let api = service_label(*svc);
            requests.push((format!("api=\"{api}\",kind=\"read\""), c.reads.to_string()));
            requests.push((
                format!("api=\"{api}\",kind=\"write\""),
                c.writes.to_string(),
            ));
        }
        family(
            "requests_total",
            "counter",
            "HTTP requests made by sync runs, per API and kind.",
            requests,
        );
        family(
            "throttled_requests_total",
            "counter",
            "Requests answered with throttling (429, 503, THROTTLED) and retried, per API.",
            per_service(|c| c.throttled),
        );
        family(
            "retried_requests_total",
            "counter",
            "Requests retried for other transient errors, per API.",
            per_service(|c| c.retried),
        );
        family(
            "webhooks_total",
            "counter",
            "Webhook deliveries, by event and result.",
            t.webhooks
                .iter()
                .map(|((event, result), v)| {
                    (
                        format!("event=\"{event}\",result=\"{result}\""),
                        v.to_string(),
                    )
                })
                .collect(),
        );
        family(
            "webhook_registrations_total",
            "counter",
            "Cin7 webhook registration passes (daemon.public_url), by result.",
            s.registrations
                .iter()
                .map(|(result, v)| (format!("result=\"{result}\""), v.to_string()))
                .collect(),
        );
        family(
            "webhooks_registered",
            "gauge",
            "1 when the last Cin7 webhook registration succeeded, 0 when it failed.",
            s.webhooks_registered
                .map(|ok| (String::new(), u8::from(ok).to_string()))
                .into_iter()
                .collect(),
        );
        let ts = |d: Option<DateTime<Utc>>| -> Vec<(String, String)> {
            d.map(|d| {
                let secs = d.timestamp_millis() as f64 / 1000.0;
                (String::new(), format!("{secs}"))
            })
            .into_iter()
            .collect()
        };
        family(
            "last_success_timestamp_seconds",
            "gauge",
            "When the last run without failures finished (Unix time).",
            ts(s.last_success_at),
        );
        family(
            "last_run_timestamp_seconds",
            "gauge",
            "When the last run finished (Unix time).",
            ts(s.last.as_ref().map(|l| l.finished_at)),
        );
        family(
            "run_in_progress",
            "gauge",
            "1 while a run is going.",
            vec![(String::new(), u8::from(s.running.is_some()).to_string())],
        );
        family(
            "queue_length",
            "gauge",
            "IDs waiting for a webhook run.",
            vec![
                ("kind=\"customer\"".into(), queued.0.to_string()),
                ("kind=\"product\"".into(), queued.1.to_string()),
            ],
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cin7_sparklayer_core::report::RunMode;

    fn report() -> RunReport {
        let mut r = RunReport::new(RunMode::Full, false, Utc::now());
        r.count_customer("create");
        r.count_customer("create");
        r.count_list("patch");
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

    #[test]
    fn health_follows_the_last_run() {
        let s = Status::default();
        assert_eq!(s.health((0, 0)).status, "starting");
        assert!(s.health((0, 0)).is_healthy());
        s.run_started("auto", "startup");
        assert!(s.health((0, 0)).running.is_some());
        s.run_finished("auto", "startup", &Ok(report()));
        let h = s.health((2, 1));
        assert_eq!(h.status, "ok");
        assert!(h.running.is_none());
        assert_eq!(h.queued_customers, 2);
        assert!(h.last_success_at.is_some());
        let err = RunError::Port {
            step: "reading the Cin7 account",
            source: cin7_sparklayer_core::PortError::unauthenticated(
                Service::Cin7,
                "check CIN7_APPLICATION_KEY",
            ),
        };
        s.run_finished("auto", "incremental", &Err(err));
        let h = s.health((0, 0));
        assert_eq!(h.status, "error");
        assert!(!h.is_healthy());
        assert_eq!(h.last_run.as_ref().map(|l| l.mode.as_str()), Some("auto"));
        assert!(h.last_success_at.is_some(), "kept from the earlier run");
        assert_eq!(*s.runs_finished().borrow(), 2);
    }

    #[test]
    fn prometheus_text() {
        let s = Status::default();
        s.run_finished("full", "startup", &Ok(report()));
        s.webhook("Customer/Updated", "accepted");
        s.webhooks_registered(false);
        s.webhooks_registered(true);
        let text = s.prometheus((4, 0));
        for line in [
            "# TYPE cin7_sparklayer_runs_total counter",
            "cin7_sparklayer_runs_total{mode=\"full\",outcome=\"succeeded\"} 1",
            "cin7_sparklayer_customers_total{action=\"create\"} 2",
            "cin7_sparklayer_price_lists_total{action=\"patch\"} 1",
            "cin7_sparklayer_requests_total{api=\"shopify\",kind=\"write\"} 2",
            "cin7_sparklayer_throttled_requests_total{api=\"shopify\"} 1",
            "cin7_sparklayer_webhooks_total{event=\"Customer/Updated\",result=\"accepted\"} 1",
            "cin7_sparklayer_queue_length{kind=\"customer\"} 4",
            "cin7_sparklayer_run_in_progress 0",
            "cin7_sparklayer_webhook_registrations_total{result=\"failed\"} 1",
            "cin7_sparklayer_webhook_registrations_total{result=\"ok\"} 1",
            "cin7_sparklayer_webhooks_registered 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(
            text.lines()
                .any(|l| l.starts_with("cin7_sparklayer_last_success_timestamp_seconds "))
        );
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
