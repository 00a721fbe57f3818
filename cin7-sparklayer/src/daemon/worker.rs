//! The one task that runs syncs: scheduled runs and webhook (records) runs, one at a time.

use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use cin7_sparklayer_core::engine::NoProgress;
use cin7_sparklayer_core::report::{RunMode, RunReport};
use cin7_sparklayer_core::{PortError, RunError};
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

use super::poll::{PollChanges, Poller};
use super::queue::{Batch, IdKind, WorkQueue};
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

    /// What changed in Cin7 since these instants (customers, products), for the freshness
    /// poll (E12): IDs and `LastModifiedOn`, at most one request per kind when little changed.
    /// The default finds nothing (a runner that cannot tell relies on its scheduled runs).
    fn changes(
        &self,
        customers_since: DateTime<Utc>,
        products_since: DateTime<Utc>,
    ) -> impl Future<Output = Result<PollChanges, PortError>> + Send {
        let _ = (customers_since, products_since);
        std::future::ready(Ok(PollChanges::default()))
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

    /// [`CustomerSource::customer_changes`](cin7_sparklayer_core::ports::CustomerSource::customer_changes)
    /// and, when pricing is on, `product_changes`, over the engine's own Cin7 client (one
    /// rate limiter for runs, webhooks and polls, E7).
    fn changes(
        &self,
        customers_since: DateTime<Utc>,
        products_since: DateTime<Utc>,
    ) -> impl Future<Output = Result<PollChanges, PortError>> + Send {
        let ports = self.ports().clone();
        let pricing = self.settings().pricing.enabled;
        async move {
            let counts = || {
                ports
                    .customers
                    .request_counts()
                    .plus(ports.products.request_counts())
            };
            let before = counts();
            let customers = ports.customers.customer_changes(customers_since).await?;
            let products = if pricing {
                ports.products.product_changes(products_since).await?
            } else {
                Vec::new()
            };
            Ok(PollChanges {
                customers,
                products,
                requests: counts().since(before),
            })
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
    /// The freshness poll (E12): its period (`None`: off), when it is next due, its cursors.
    pub(crate) poll_every: Option<Duration>,
    pub(crate) next_poll: Instant,
    pub(crate) poller: Poller,
    /// More records than this found by one poll go to an incremental run instead of the queue.
    pub(crate) poll_handover: usize,
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
                self.records("webhook").await;
                continue;
            }
            if scheduled_due {
                self.last_was_records = false;
                self.scheduled(what, what.name()).await;
                continue;
            }
            // Polls come after runs: one never overlaps a run, and waits while one is going.
            let poll_at = self.poll_every.map(|_| self.next_poll);
            if poll_at.is_some_and(|at| at <= now) {
                self.poll().await;
                continue;
            }
            let wake = [records_at, poll_at]
                .into_iter()
                .flatten()
                .fold(scheduled_at, Instant::min);
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

    async fn records(&mut self, trigger: &'static str) {
        let batch = self.queue.take(self.max_records);
        if batch.is_empty() {
            return;
        }
        let mode = ModeRequest::Records {
            customer_ids: batch.customers.clone(),
            product_ids: batch.products.clone(),
        };
        let result = self.execute(mode, trigger).await;
        match &result {
            Err(_) => {
                self.records_failures = self.records_failures.saturating_add(1);
                let wait = Schedule::backoff(self.records_failures, self.interval);
                self.records_hold = Some(Instant::now() + wait);
                self.queue.put_back(batch);
            }
            Ok(r) if r.interrupted => self.queue.put_back(batch),
            Ok(r) => {
                self.records_failures = 0;
                self.records_hold = None;
                self.applied(Some(&batch), r);
            }
        }
    }

    /// Records the freshness of the newest polled change a run applied.
    fn applied(&mut self, batch: Option<&Batch>, report: &RunReport) {
        if let Some((modified, took)) = self.poller.applied(batch, report) {
            self.status
                .change_applied(modified, report.finished_at, took);
        }
    }

    /// One freshness poll (E12): read what changed, queue what is new and sync it at once (a
    /// burst over `poll_handover` becomes an incremental run).
    async fn poll(&mut self) {
        let Some(every) = self.poll_every else {
            return;
        };
        self.next_poll = Instant::now() + every;
        let (customers, products) = self.poller.since();
        let read = match self.runner.changes(customers, products).await {
            Ok(read) => read,
            Err(e) => {
                tracing::warn!(error = %e, "Cin7 poll failed; the next poll or run catches up");
                self.status.poll_failed(&e);
                return;
            }
        };
        let requests = read.requests;
        let found = self.poller.absorb(read);
        self.status.poll_finished(found.len(), requests);
        if found.is_empty() {
            return;
        }
        tracing::info!(
            customers = found.customers.len(),
            products = found.products.len(),
            "Cin7 poll found changes"
        );
        if found.len() > self.poll_handover {
            let result = self.execute(ModeRequest::Auto, "poll").await;
            match &result {
                Ok(r) if !r.interrupted => self.applied(None, r),
                // Not applied: the records go through the queue instead.
                _ => self.queue_found(found),
            }
            return;
        }
        self.queue_found(found);
        self.last_was_records = true;
        self.records("poll").await;
    }

    fn queue_found(&self, found: super::poll::Found) {
        self.queue.push(IdKind::Customer, found.customers);
        self.queue.push(IdKind::Product, found.products);
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
