//! The one task that runs syncs: scheduled runs and webhook (records) runs, one at a time.

use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use cin7_sparklayer_core::RunError;
use cin7_sparklayer_core::engine::NoProgress;
use cin7_sparklayer_core::report::{RunMode, RunReport};
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

use super::queue::WorkQueue;
use super::schedule::{RunOutcome, Schedule, ScheduledRun};
use super::status::{Outcome, Status};
use crate::{ModeRequest, RunOptions, SyncEngine};

/// What the daemon runs: [`SyncEngine`], or a stand-in in tests and hosts.
pub trait SyncRunner: Send + Sync + 'static {
    /// One sync run with these options (see [`SyncEngine::run`]).
    fn run(&self, options: RunOptions) -> impl Future<Output = Result<RunReport, RunError>> + Send;

    /// When the last successful full run started, if known (read once at start, so a restart
    /// does not force an extra full reconcile). The default says "unknown".
    fn last_full_run(&self) -> impl Future<Output = Option<DateTime<Utc>>> + Send {
        std::future::ready(None)
    }
}

impl SyncRunner for SyncEngine {
    fn run(&self, options: RunOptions) -> impl Future<Output = Result<RunReport, RunError>> + Send {
        SyncEngine::run(self, options)
    }

    fn last_full_run(&self) -> impl Future<Output = Option<DateTime<Utc>>> + Send {
        let state = self.ports().state.clone();
        async move {
            match state.last_full_run().await {
                Ok(at) => at,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the last full run; the next scheduled run will be full");
                    None
                }
            }
        }
    }
}

pub(crate) struct Worker<R> {
    pub(crate) runner: Arc<R>,
    pub(crate) schedule: Schedule,
    pub(crate) queue: Arc<WorkQueue>,
    pub(crate) status: Arc<Status>,
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) debounce: Duration,
    pub(crate) interval: Duration,
    pub(crate) max_records: usize,
    /// Webhook runs wait until then after one could not start.
    pub(crate) records_hold: Option<Instant>,
    pub(crate) records_failures: u32,
    /// Whether the last run was a records run: when both are due, the other kind goes first.
    pub(crate) last_was_records: bool,
}

fn mode_name(mode: &ModeRequest) -> &'static str {
    match mode {
        ModeRequest::Auto => "auto",
        ModeRequest::Full => "full",
        ModeRequest::Records { .. } => "records",
    }
}

impl<R: SyncRunner> Worker<R> {
    /// Runs until `shutdown` turns true (or its sender is dropped). A run in flight is stopped
    /// through the shared stop flag, which the caller sets before signalling shutdown.
    pub(crate) async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow_and_update() {
                break;
            }
            let now = Instant::now();
            if self.queue.take_overflow() {
                self.last_was_records = false;
                tracing::warn!("webhook queue overflowed: running an incremental catch-up instead");
                self.scheduled(ScheduledRun::Incremental, "catch_up").await;
                continue;
            }
            let (scheduled_at, what) = self.schedule.next(now);
            let records_at = self
                .queue
                .due_at(self.debounce)
                .map(|at| self.records_hold.map_or(at, |h| at.max(h)));
            let scheduled_due = scheduled_at <= now;
            let records_due = records_at.is_some_and(|at| at <= now);
            // Neither kind starves the other: when both are due, the one that did not run last goes.
            if records_due && (!scheduled_due || !self.last_was_records) {
                self.last_was_records = true;
                self.records().await;
                continue;
            }
            if scheduled_due {
                self.last_was_records = false;
                self.scheduled(what, what.name()).await;
                continue;
            }
            let wake = records_at.map_or(scheduled_at, |r| r.min(scheduled_at));
            tokio::select! {
                () = sleep_until(wake) => {}
                () = self.queue.notified() => {}
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        tracing::info!("sync worker stopped");
    }

    async fn scheduled(&mut self, what: ScheduledRun, trigger: &'static str) {
        let started = Instant::now();
        let mode = what.mode();
        // A full run covers every queued ID; they go back if it does not complete.
        let covered = (mode == ModeRequest::Full).then(|| self.queue.take_all());
        let result = self.execute(mode, trigger).await;
        let outcome = match &result {
            Err(_) => RunOutcome::CouldNotStart,
            Ok(r) if r.interrupted => RunOutcome::Interrupted,
            Ok(r) => RunOutcome::Completed {
                full: r.mode == RunMode::Full,
            },
        };
        if let Some(batch) = covered
            && outcome != (RunOutcome::Completed { full: true })
        {
            self.queue.put_back(batch);
        }
        self.schedule.record(started, outcome);
    }

    async fn records(&mut self) {
        let batch = self.queue.take(self.max_records);
        if batch.is_empty() {
            return;
        }
        let mode = ModeRequest::Records {
            customer_ids: batch.customers.clone(),
            product_ids: batch.products.clone(),
        };
        let result = self.execute(mode, "webhook").await;
        match &result {
            Err(_) => {
                self.records_failures = self.records_failures.saturating_add(1);
                let wait = Schedule::backoff(self.records_failures, self.interval);
                self.records_hold = Some(Instant::now() + wait);
                self.queue.put_back(batch);
            }
            Ok(r) if r.interrupted => self.queue.put_back(batch),
            Ok(_) => {
                self.records_failures = 0;
                self.records_hold = None;
            }
        }
    }

    async fn execute(
        &self,
        mode: ModeRequest,
        trigger: &'static str,
    ) -> Result<RunReport, RunError> {
        let asked = mode_name(&mode);
        let records = match &mode {
            ModeRequest::Records {
                customer_ids,
                product_ids,
            } => customer_ids.len() + product_ids.len(),
            _ => 0,
        };
        tracing::info!(mode = asked, trigger, records, "sync run starting");
        self.status.run_started(asked, trigger);
        let options = RunOptions {
            mode,
            dry_run: false,
            stop: Some(self.stop.clone()),
            progress: Arc::new(NoProgress),
        };
        let result = self.runner.run(options).await;
        match &result {
            Ok(r) => tracing::info!(
                mode = %r.mode,
                trigger,
                outcome = ?Outcome::of(&result),
                failures = r.failures.len(),
                writes = r.sink_writes(),
                seconds = (r.finished_at - r.started_at).num_milliseconds() as f64 / 1000.0,
                "sync run finished"
            ),
            Err(e) => tracing::error!(mode = asked, trigger, "sync run could not start: {e}"),
        }
        self.status.run_finished(asked, trigger, &result);
        result
    }
}
