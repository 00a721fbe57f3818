//! Keeping the daemon's webhooks registered in Cin7 (reference `cin7-core-api.md` §7): at start
//! and every interval, so a webhook Cin7 switched off after failed deliveries comes back.
//! A failure is logged and retried at the next interval; the scheduled runs keep the data
//! current meanwhile (webhooks are only a hint).

use std::sync::Arc;
use std::time::Duration;

use cin7_sparklayer_core::Secret;
use tokio::sync::watch;

use super::Status;
use crate::cin7_client::{Cin7Client, SYNC_WEBHOOK_TYPES, WebhookTarget};

/// What registers the webhooks, and where they point.
#[derive(Clone)]
pub struct WebhookRegistration {
    /// The Cin7 client (its own pacing: registration is three requests at most per interval).
    pub client: Cin7Client,
    /// `daemon.public_url`.
    pub public_url: String,
}

impl std::fmt::Debug for WebhookRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookRegistration")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl WebhookRegistration {
    /// One URL per event (the daemon reads the event from `?event=`):
    /// `{public_url}/webhooks/cin7?event=Customer/Updated`, ….
    pub fn targets(&self) -> Vec<WebhookTarget> {
        let base = self.public_url.trim().trim_end_matches('/');
        SYNC_WEBHOOK_TYPES
            .iter()
            .map(|kind| WebhookTarget {
                kind: (*kind).to_owned(),
                url: format!("{base}/webhooks/cin7?event={kind}"),
            })
            .collect()
    }

    /// Registers now, then every `interval`, until `stop` turns true; each outcome goes to
    /// `status` (`/healthz` `webhooks_registered`, `/metrics`).
    pub(crate) async fn keep(
        self,
        token: Secret,
        interval: Duration,
        status: Arc<Status>,
        mut stop: watch::Receiver<bool>,
    ) {
        let targets = self.targets();
        loop {
            match self.client.ensure_webhooks(&targets, &token).await {
                Ok(done) => {
                    status.webhooks_registered(true);
                    for (kind, action) in done {
                        tracing::info!(kind, ?action, "Cin7 webhook registration");
                    }
                }
                Err(e) => {
                    status.webhooks_registered(false);
                    tracing::warn!(
                        error = %e,
                        "could not register the Cin7 webhooks (automation module enabled? daemon.public_url reachable?); retrying at the next interval"
                    );
                }
            }
            tokio::select! {
                () = tokio::time::sleep(interval.max(Duration::from_secs(1))) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}
