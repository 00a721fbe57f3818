//! What `/healthz` and `/metrics` show: the last run, totals since start, the queue.

use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::ports::RequestCounts;
use cin7_sparklayer_core::report::RunReport;
use cin7_sparklayer_core::{PortError, RunError};
use serde::Serialize;
use tokio::sync::watch;

use super::metrics::Metrics;

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
    /// The outcome's name in `/metrics`: `succeeded`, `failed_records`, ….
    pub(crate) fn name(self) -> &'static str {
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

impl LastRun {
    /// The last run as `/healthz` shows it: from its report, or, when it could not start, from
    /// the mode asked for and when it was started.
    fn of(
        asked: &'static str,
        trigger: &'static str,
        started_at: DateTime<Utc>,
        result: &Result<RunReport, RunError>,
    ) -> Self {
        let outcome = Outcome::of(result);
        match result {
            Ok(r) => Self {
                mode: r.mode.to_string(),
                trigger,
                started_at: r.started_at,
                finished_at: r.finished_at,
                outcome,
                failures: r.failures.len(),
                error: None,
            },
            Err(e) => Self {
                mode: asked.to_owned(),
                trigger,
                started_at,
                finished_at: Utc::now(),
                outcome,
                failures: 0,
                error: Some(e.to_string()),
            },
        }
    }
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

/// The last freshness poll (E12), as `/healthz` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastPoll {
    /// When it finished (UTC).
    pub at: DateTime<Utc>,
    /// Records it found new or changed (customers and products).
    pub found: usize,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// The last change a poll found and a run applied (E12), as `/healthz` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedChange {
    /// Its `LastModifiedOn` in Cin7.
    pub modified_at: DateTime<Utc>,
    /// When the run that wrote it ended.
    pub written_at: DateTime<Utc>,
    /// From one to the other, in milliseconds: how fresh Shopify and SparkLayer are.
    pub freshness_ms: i64,
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
    /// The last Cin7 poll (`None`: polling is off or none finished yet), E12.
    pub last_poll: Option<LastPoll>,
    /// The last change a poll found that a run applied, with its freshness (E12).
    pub last_change: Option<AppliedChange>,
}

impl Health {
    /// Whether `/healthz` answers 200 (503 when the last run could not start).
    pub fn is_healthy(&self) -> bool {
        self.status != "error"
    }
}

#[derive(Debug, Default)]
struct Inner {
    last: Option<LastRun>,
    last_report: Option<RunReport>,
    last_success_at: Option<DateTime<Utc>>,
    running: Option<RunningRun>,
    /// Outcome of the last webhook registration, if any.
    webhooks_registered: Option<bool>,
    last_poll: Option<LastPoll>,
    last_change: Option<AppliedChange>,
}

/// Shared status of a running daemon: read by `/healthz` and `/metrics`, and by hosts and
/// tests through [`crate::daemon::DaemonHandle::status`].
#[derive(Debug)]
pub struct Status {
    inner: Mutex<Inner>,
    metrics: Metrics,
    finished: watch::Sender<u64>,
}

impl Default for Status {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            metrics: Metrics::new(),
            finished: watch::Sender::new(0),
        }
    }
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
        self.metrics.run_started();
    }

    pub(crate) fn run_finished(
        &self,
        asked: &'static str,
        trigger: &'static str,
        result: &Result<RunReport, RunError>,
    ) {
        {
            let mut s = self.lock();
            let started_at = s.running.take().map_or_else(Utc::now, |r| r.started_at);
            let last = LastRun::of(asked, trigger, started_at, result);
            self.metrics.run_finished(&last, result.as_ref().ok());
            if let Ok(r) = result {
                if last.outcome == Outcome::Succeeded {
                    s.last_success_at = Some(r.finished_at);
                }
                s.last_report = Some(r.clone());
            }
            s.last = Some(last);
        }
        self.finished.send_modify(|n| *n += 1);
    }

    pub(crate) fn webhook(&self, event: &'static str, result: &'static str) {
        self.metrics.webhook(event, result);
    }

    /// Records a Cin7 webhook registration pass (`daemon.public_url`).
    pub(crate) fn webhooks_registered(&self, ok: bool) {
        self.lock().webhooks_registered = Some(ok);
        self.metrics.webhooks_registered(ok);
    }

    /// Records a freshness poll that found `found` new or changed records with `requests`.
    pub(crate) fn poll_finished(&self, found: usize, requests: RequestCounts) {
        let at = Utc::now();
        self.lock().last_poll = Some(LastPoll {
            at,
            found,
            error: None,
        });
        self.metrics.poll_finished(at, Some(found), requests);
    }

    /// Records a freshness poll that failed.
    pub(crate) fn poll_failed(&self, error: &PortError) {
        let at = Utc::now();
        self.lock().last_poll = Some(LastPoll {
            at,
            found: 0,
            error: Some(error.to_string()),
        });
        self.metrics
            .poll_finished(at, None, RequestCounts::default());
    }

    /// Records the newest polled change a run applied: its `LastModifiedOn`, the run's end.
    pub(crate) fn change_applied(
        &self,
        modified_at: DateTime<Utc>,
        written_at: DateTime<Utc>,
        took: chrono::Duration,
    ) {
        self.lock().last_change = Some(AppliedChange {
            modified_at,
            written_at,
            freshness_ms: took.num_milliseconds(),
        });
        self.metrics
            .change_applied(took.num_milliseconds() as f64 / 1000.0);
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
            last_poll: s.last_poll.clone(),
            last_change: s.last_change.clone(),
        }
    }

    /// `/metrics` as OpenMetrics text, given the queue lengths (customers, products).
    pub fn metrics(&self, queued: (usize, usize)) -> String {
        self.metrics.encode(queued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cin7_sparklayer_core::error::Service;
    use cin7_sparklayer_core::ports::RequestCounts;
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
}
