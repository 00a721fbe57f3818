//! The daemon's life (E4, E5): start the worker, the Cin7 webhook registration and the HTTP
//! server; on shutdown stop taking work, give the run in flight `shutdown_grace` to finish its
//! record, then close the server. A worker that dies (a bug) stops the daemon at once.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinError, JoinHandle};
use tokio::time::Instant;
use tracing::Instrument;

use super::poll::{BUDGET_WARNING, Poller, budget_share};
use super::schedule::Schedule;
use super::worker::{SyncRunner, Worker};
use super::{Daemon, DaemonError};

/// The HTTP server's task.
type ServerTask = JoinHandle<std::io::Result<()>>;

impl<R: SyncRunner> Daemon<R> {
    /// Runs the worker (and the server, given a listener) until `shutdown` completes, then
    /// stops them as [`Daemon::serve_on`] says.
    pub(super) async fn drive(
        self,
        listener: Option<TcpListener>,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), DaemonError> {
        self.log_poll_budget();
        let (tx, rx) = watch::channel(false);
        // In the caller's span: a tenant's logs carry its `tenant` (issue 16).
        let mut worker = tokio::spawn(self.worker().await.run(rx.clone()).in_current_span());
        let _registration = AbortOnDrop(self.spawn_registration(&rx));
        let mut server = listener.map(|listener| self.spawn_server(listener, rx));
        let shutdown = std::pin::pin!(shutdown);
        tokio::select! {
            () = shutdown => {}
            // The worker only ends when told to: ending earlier is a panic (a bug). Stop
            // serving and fail, so a supervisor restarts the daemon instead of it taking
            // webhooks that nothing runs.
            joined = &mut worker => {
                let _ = tx.send(true);
                if let Some(server) = server.take() {
                    server.abort();
                }
                return Err(worker_died(joined));
            }
        }
        tracing::info!("shutting down: no new work; the run in flight stops after its record");
        self.stop.store(true, Ordering::SeqCst);
        let _ = tx.send(true);
        let deadline = Instant::now() + self.settings.shutdown_grace;
        let worked = finish_worker(worker, deadline, self.settings.shutdown_grace).await;
        if let Some(server) = server {
            close_server(server, deadline).await?;
        }
        worked?;
        tracing::info!("daemon stopped");
        Ok(())
    }

    /// The sync worker, its schedule seeded with the last full run (the settings', else the
    /// runner's), so a restart does not force an extra full reconcile.
    async fn worker(&self) -> Worker<R> {
        let now = Instant::now();
        let known = match self.settings.last_full_run {
            Some(at) => Some(at),
            None => self.runner.last_full_run().await,
        };
        let last_full = known.and_then(|at| {
            let age = (Utc::now() - at).to_std().unwrap_or_default();
            now.checked_sub(age)
        });
        Worker {
            runner: self.runner.clone(),
            schedule: Schedule::new(self.settings.interval, self.settings.full_every)
                .with_last_full(last_full),
            queue: self.queue.clone(),
            status: self.status.clone(),
            stop: self.stop.clone(),
            debounce: self.settings.debounce,
            interval: self.settings.interval,
            max_records: self.settings.max_records_per_run.max(1),
            records_hold: None,
            records_failures: 0,
            last_was_records: false,
            poll_every: self.settings.poll,
            next_poll: now + self.settings.poll.unwrap_or_default(),
            poller: Poller::new(Utc::now()),
            poll_handover: self.settings.poll_handover.max(1),
        }
    }

    /// Logs the share of Cin7's budget (`cin7.calls_per_minute`) idle polls take (E7, E12).
    fn log_poll_budget(&self) {
        let Some(poll) = self.settings.poll else {
            tracing::info!(
                "Cin7 poll off (schedule.poll = \"off\"): changes wait for webhooks or schedule.interval"
            );
            return;
        };
        let cpm = self.settings.cin7_calls_per_minute;
        let percent = budget_share(poll, cpm) * 100.0;
        let seconds = poll.as_secs_f64();
        if percent > BUDGET_WARNING * 100.0 {
            tracing::warn!(
                poll_seconds = seconds,
                calls_per_minute = cpm,
                "Cin7 poll every {seconds} s takes {percent:.0} % of Cin7's budget when idle (2 calls per poll); runs and webhooks share the rest: consider a longer schedule.poll"
            );
        } else {
            tracing::info!(
                poll_seconds = seconds,
                calls_per_minute = cpm,
                "Cin7 poll every {seconds} s takes {percent:.1} % of Cin7's budget when idle (2 calls per poll)"
            );
        }
    }

    /// Keeps the Cin7 webhooks registered, when `daemon.public_url` is set.
    fn spawn_registration(&self, stop: &watch::Receiver<bool>) -> Option<JoinHandle<()>> {
        self.registration.clone().map(|r| {
            tokio::spawn(r.keep(
                self.settings.webhook_token.clone(),
                self.settings.register_every,
                self.status.clone(),
                stop.clone(),
            ))
        })
    }

    /// Serves [`Daemon::router`] on `listener` until `stop` turns true.
    fn spawn_server(&self, listener: TcpListener, mut stop: watch::Receiver<bool>) -> ServerTask {
        let server = axum::serve(listener, self.router()).with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stop| *stop).await;
        });
        tokio::spawn(async move { server.await })
    }
}

/// The error for a worker that ended before shutdown (a panic: a bug).
fn worker_died(joined: Result<(), JoinError>) -> DaemonError {
    let why = joined
        .err()
        .map_or_else(|| "ended".to_owned(), |e| e.to_string());
    tracing::error!("the sync worker stopped unexpectedly: {why}");
    DaemonError::Worker(why)
}

/// Waits for the worker until `deadline`; past it the run in flight is abandoned.
async fn finish_worker(
    mut worker: JoinHandle<()>,
    deadline: Instant,
    grace: Duration,
) -> Result<(), DaemonError> {
    match tokio::time::timeout_at(deadline, &mut worker).await {
        Ok(joined) => joined.map_err(|e| DaemonError::Worker(e.to_string())),
        Err(_) => {
            // E5: state is written per record, so abandoning the run here is as safe as a
            // kill; the next run completes it.
            tracing::warn!(
                grace_seconds = grace.as_secs(),
                "the run in flight did not stop in time (e.g. an API still being retried); abandoning it"
            );
            worker.abort();
            Ok(())
        }
    }
}

/// Waits for the server to close its connections, a second past `deadline` at most.
async fn close_server(mut server: ServerTask, deadline: Instant) -> Result<(), DaemonError> {
    let until = deadline.max(Instant::now()) + Duration::from_secs(1);
    match tokio::time::timeout_at(until, &mut server).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(e))) => Err(DaemonError::Serve(e)),
        Ok(Err(e)) => Err(DaemonError::Worker(format!("HTTP task: {e}"))),
        Err(_) => {
            tracing::warn!("open HTTP connections did not close in time; dropping them");
            server.abort();
            Ok(())
        }
    }
}

/// Aborts a background task when the daemon stops, whichever way `drive` returns.
struct AbortOnDrop(Option<JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}
