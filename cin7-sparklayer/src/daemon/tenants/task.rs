//! One tenant running on this replica (issue 16 items 3 and 4): its own [`Daemon`] worker
//! (schedule, poll, webhook queue, over its own clients) and its inbox pump, which claims the
//! tenant's webhook deliveries from the shared [`WebhookInbox`], queues their IDs for the worker
//! and completes each once a run synced it. Both stop when the supervisor says (lease lost,
//! file changed or removed, rebalancing, shutdown).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cin7_sparklayer_core::ports::WebhookInbox;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::Instrument;

use super::runner::Applied;
use crate::daemon::DaemonHandle;

/// A tenant's task, as the supervisor holds it.
#[derive(Debug)]
pub(crate) struct Running {
    pub(crate) stop: watch::Sender<bool>,
    /// Whether runs may start (the lease is held and the tenant is not stopping).
    pub(crate) held: Arc<AtomicBool>,
    pub(crate) task: JoinHandle<()>,
    pub(crate) handle: DaemonHandle,
    /// The last successful renewal (or the acquisition).
    pub(crate) renewed: Instant,
    pub(crate) started: Instant,
    /// Told to stop; the lease is still renewed until the task ends.
    pub(crate) stopping: bool,
    /// Release the lease when the task has ended (not after losing it).
    pub(crate) release: bool,
}

impl Running {
    /// Stops the tenant's work: no new run starts, the run in flight stops after its record.
    pub(crate) fn stop(&mut self, release: bool) {
        self.held.store(false, Ordering::SeqCst);
        self.stopping = true;
        self.release = release;
        let _ = self.stop.send(true);
    }
}

/// Claims a tenant's webhook deliveries and completes the synced ones.
#[derive(Debug)]
pub(crate) struct Pump {
    pub(crate) tenant: String,
    pub(crate) replica: String,
    pub(crate) inbox: Arc<dyn WebhookInbox>,
    pub(crate) applied: Arc<Applied>,
    pub(crate) handle: DaemonHandle,
    pub(crate) held: Arc<AtomicBool>,
    pub(crate) every: Duration,
    pub(crate) max: usize,
    pub(crate) claim_ttl: Duration,
}

impl Pump {
    /// Every `every` until `stop`: complete what was synced, then claim what waits.
    pub(crate) async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            self.complete().await;
            if *stop.borrow_and_update() {
                break;
            }
            if self.held.load(Ordering::SeqCst) {
                self.claim().await;
            }
            tokio::select! {
                () = tokio::time::sleep(self.every) => {}
                changed = stop.changed() => if changed.is_err() { break },
            }
        }
        // What the last run synced is completed; the rest lapses and is claimed again.
        self.complete().await;
    }

    async fn complete(&self) {
        let done = self.applied.take_done();
        if done.is_empty() {
            return;
        }
        if let Err(e) = self.inbox.complete(&done).await {
            tracing::warn!(error = %e, "cannot complete synced webhook deliveries; retrying");
            self.applied.put_back_done(done);
        }
    }

    async fn claim(&self) {
        let claimed = match self
            .inbox
            .claim(&self.tenant, &self.replica, self.max, self.claim_ttl)
            .await
        {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim webhook deliveries; retrying");
                return;
            }
        };
        for delivery in claimed {
            self.applied.register(&delivery);
            // The queue de-duplicates: a delivery claimed again is queued again harmlessly.
            self.handle.queue_customers(delivery.customers);
            self.handle.queue_products(delivery.products);
        }
    }
}

/// Spawns a tenant's worker and pump, in a `tenant` span.
pub(crate) fn spawn(
    tenant: &str,
    worker: impl std::future::Future<Output = Result<(), crate::daemon::DaemonError>> + Send + 'static,
    pump: Pump,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let span = tracing::info_span!("tenant", tenant);
    tokio::spawn(
        async move {
            let (worked, ()) = tokio::join!(worker, pump.run(stop));
            if let Err(e) = worked {
                tracing::error!("the tenant's worker stopped: {e}");
            }
        }
        .instrument(span),
    )
}
