//! The daemon (SPEC §6, E4): scheduled and webhook-driven sync, `/healthz` and `/metrics`.
//! Compiled with the facade's `daemon` cargo feature (axum, the webhook queue, signals).
//!
//! One worker task runs every sync, so two runs never overlap:
//! - **Schedule** ([`Schedule`]): a run at start ([`ModeRequest::Auto`](crate::ModeRequest::Auto): incremental when a
//!   successful run is recorded, else full), then an incremental run every
//!   `schedule.interval`, and a full reconcile when the last one is `full_every` (24 h) old.
//!   A run still going when the next is due delays it.
//! - **Webhooks**: `POST /webhooks/cin7` with `Authorization: Bearer <daemon.webhook_token>`
//!   (constant-time compare; 401 otherwise) queues the customer and product IDs of
//!   `Customer/Updated` and `Product/Updated` deliveries, de-duplicated, and answers 200 at
//!   once. The worker waits `debounce` after the oldest queued ID (so a burst becomes one run),
//!   then runs [`ModeRequest::Records`](crate::ModeRequest::Records) for at most `max_records_per_run` IDs, between
//!   scheduled runs. Malformed bodies (400), unknown events (422) and bodies over `body_limit`
//!   (413) are refused with a log line; they never reach the queue.
//! - **Freshness poll** (E12, [`POLL_OVERLAP`]): every `schedule.poll` (default 30 s) and
//!   between runs (never during one: a poll waits for the run going), the worker asks Cin7 for
//!   the customers and products modified since its cursor ([`SyncRunner::changes`]: 2 requests
//!   when nothing changed, on the engine's own Cin7 client and rate limiter), queues what is new
//!   with the webhook IDs (so each is synced once) and syncs it at once; records runs reuse the
//!   account facts the scheduled runs read. At start the daemon logs the share of Cin7's budget
//!   idle polls take (a warning above 25 %).
//! - **Health**: `GET /healthz` is 200 with the last run's time and outcome ([`Health`]), the
//!   last poll and the freshness of the last change it applied, 503 when the last run could
//!   not start. `GET /metrics` is OpenMetrics text
//!   (`prometheus-client`; Prometheus scrapes it as is).
//! - **Shutdown**: when the future given to [`Daemon::serve`] completes ([`shutdown_signal`]:
//!   Ctrl-C or SIGTERM), the listener stops taking connections, the run in flight is told to
//!   stop after the record it is writing (its state is written and the run is recorded as
//!   interrupted), and `serve` returns. A
//!   run that does not stop within `shutdown_grace` (e.g. an API call still being retried) is
//!   abandoned, which E5 makes safe. If the worker ever dies (a bug), `serve` fails at once.
//!
//! - **Registration**: with `daemon.public_url` set, the daemon registers one webhook per event
//!   in Cin7 (`POST /webhooks`, automation module required) at start and every interval, and
//!   turns back on any that Cin7 switched off after six failed deliveries
//!   ([`WebhookRegistration`]). Each has its own URL and bearer auth:
//!
//! ```json
//! { "Type": "Customer/Updated", "IsActive": true,
//!   "ExternalURL": "https://sync.example.com/webhooks/cin7?event=Customer/Updated",
//!   "ExternalAuthorizationType": "bearerauth", "ExternalBearerToken": "<daemon.webhook_token>" }
//! ```
//!
//! Without `public_url` the merchant registers them by hand. Either way the scheduled runs keep
//! the store current while a webhook is off (webhooks are only a hint, reference §7).
//!
//! - **Many merchants** ([`tenants`], issue 16): `daemon --tenants DIR` runs one such daemon per
//!   tenant file, on replicas that share the tenants through leases.
//!
//! Records runs never move the incremental cursor: the state store ignores them
//! (`StateStore::last_successful_run`, E4).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use cin7_sparklayer::daemon::{Daemon, shutdown_signal};
//! let config = cin7_sparklayer::load_config("sync.toml".as_ref())?;
//! let daemon = Daemon::from_config(&config)?;
//! daemon.serve(shutdown_signal()).await?;
//! # Ok(()) }
//! ```

mod http;
mod lifecycle;
mod metrics;
mod poll;
mod queue;
mod registration;
mod schedule;
mod signal;
mod status;
pub mod tenants;
mod worker;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::engine::SyncEngine;
use cin7_sparklayer_core::{ConfigError, Secret};
use tokio::net::TcpListener;

pub use poll::{POLL_OVERLAP, PollChanges};
pub use registration::WebhookRegistration;
pub use schedule::{RETRY_AFTER_ERROR, RunOutcome, Schedule, ScheduledRun};
pub use signal::shutdown_signal;
pub use status::{AppliedChange, Health, LastPoll, LastRun, Outcome, RunningRun, Status};
pub use worker::SyncRunner;

use crate::{Config, SetupError};

/// An error that stops the daemon from starting or serving: one line saying what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DaemonError {
    /// No webhook token is configured (or it is blank).
    #[error(
        "daemon.webhook_token is not set: set it in the config file or in CIN7_WEBHOOK_TOKEN (Cin7 webhooks must send it as a bearer token)"
    )]
    MissingWebhookToken,
    /// A setting is invalid.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The engine could not be built.
    #[error("{0}")]
    Setup(#[from] SetupError),
    /// The listen address could not be bound.
    #[error(
        "cannot listen on {addr}: {source} (is another process using it? change daemon.listen)"
    )]
    Listen {
        /// `daemon.listen`.
        addr: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP server failed.
    #[error("the HTTP server stopped: {0}")]
    Serve(#[source] std::io::Error),
    /// The coordination store (leases, webhook inbox) cannot be set up.
    #[error("{0}")]
    Coordination(String),
    /// The sync worker ended abnormally (a bug).
    #[error("the sync worker stopped unexpectedly: {0}")]
    Worker(String),
}

/// How the daemon runs. [`DaemonSettings::from_config`] fills it from `[schedule]` and `[daemon]`.
#[derive(Debug, Clone)]
pub struct DaemonSettings {
    /// Address to listen on (`daemon.listen`, default `127.0.0.1:8080`).
    pub listen: String,
    /// The bearer token webhooks must carry (`daemon.webhook_token` / `CIN7_WEBHOOK_TOKEN`).
    pub webhook_token: Secret,
    /// Between scheduled incremental runs (`schedule.interval`, default 6 h).
    pub interval: Duration,
    /// A full reconcile when the last one is this old (default 24 h).
    pub full_every: Duration,
    /// Wait after the oldest queued webhook ID before its records run (default 3 s).
    pub debounce: Duration,
    /// IDs per records run at most (default 250); the rest run next.
    pub max_records_per_run: usize,
    /// IDs the queue holds at most (default 50,000); past that it is dropped and an
    /// incremental catch-up run is done instead.
    pub max_queue: usize,
    /// Largest webhook body accepted, in bytes (default 1 MiB; larger gets 413).
    pub body_limit: usize,
    /// When the last full run started, if the host knows it; `None` asks the runner (the state
    /// store's last successful full run), and when that is unknown too the first scheduled tick
    /// after the start-up run is a full run (unless the start-up run is full).
    pub last_full_run: Option<DateTime<Utc>>,
    /// How often the Cin7 webhooks are checked and re-registered when a
    /// [`WebhookRegistration`] is set (default: `schedule.interval`).
    pub register_every: Duration,
    /// On shutdown, how long the run in flight may take to finish its record (default 25 s,
    /// under the usual 30 s a supervisor waits before SIGKILL). Past it the run is abandoned,
    /// which is safe (E5): state is written per record and the next run completes the rest.
    pub shutdown_grace: Duration,
    /// How often Cin7 is asked what changed between runs (`schedule.poll`, default 30 s;
    /// `None`: off), E12.
    pub poll: Option<Duration>,
    /// More records than this found by one poll are synced by an incremental run (a page of
    /// 100 per request) instead of a records run (a request per record). Default 100.
    pub poll_handover: usize,
    /// `cin7.calls_per_minute`, for the budget the poll takes (logged at start, E7).
    pub cin7_calls_per_minute: u32,
}

impl DaemonSettings {
    /// Default full-reconcile period: a day.
    pub const FULL_EVERY: Duration = Duration::from_secs(24 * 3600);

    /// Settings from a validated configuration, with the defaults above.
    ///
    /// # Errors
    /// [`DaemonError::MissingWebhookToken`] when no non-blank token is configured;
    /// [`DaemonError::Config`] when `schedule.interval` is invalid.
    pub fn from_config(config: &Config) -> Result<Self, DaemonError> {
        let token = config
            .daemon
            .webhook_token
            .clone()
            .filter(|t| !t.is_blank())
            .ok_or(DaemonError::MissingWebhookToken)?;
        config.schedule.validate()?;
        let interval = config.schedule.interval;
        Ok(Self {
            listen: config.daemon.listen.to_string(),
            webhook_token: token,
            interval,
            register_every: interval,
            full_every: Self::FULL_EVERY,
            debounce: Duration::from_secs(3),
            max_records_per_run: 250,
            max_queue: 50_000,
            body_limit: 1024 * 1024,
            last_full_run: None,
            shutdown_grace: Duration::from_secs(25),
            poll: config.schedule.poll,
            poll_handover: 100,
            cin7_calls_per_minute: config.cin7.calls_per_minute,
        })
    }
}

/// The engine the daemon runs: [`crate::engine_from_config`]. Webhook (records) runs do not
/// move the incremental cursor: the state store ignores them (E4).
///
/// # Errors
/// As [`crate::ports_from_config`].
pub fn engine_for_daemon(config: &Config) -> Result<SyncEngine, SetupError> {
    crate::engine_from_config(config)
}

/// The daemon: a sync worker plus the HTTP listener. Build it, then [`Daemon::serve`] it.
#[derive(Debug)]
pub struct Daemon<R = SyncEngine> {
    runner: Arc<R>,
    settings: DaemonSettings,
    queue: Arc<queue::WorkQueue>,
    status: Arc<Status>,
    stop: Arc<AtomicBool>,
    registration: Option<WebhookRegistration>,
}

impl Daemon<SyncEngine> {
    /// The daemon for a validated configuration ([`engine_for_daemon`], [`DaemonSettings::from_config`]).
    ///
    /// # Errors
    /// [`DaemonError`]: a missing webhook token, an invalid interval, a client or state problem.
    pub fn from_config(config: &Config) -> Result<Self, DaemonError> {
        let settings = DaemonSettings::from_config(config)?;
        // One Cin7 client for the runs and the webhook registration: one rate limiter (E7).
        let cin7 = crate::setup::cin7_client(config)?;
        let daemon = Self::new(
            crate::setup::engine_with_cin7(config, cin7.clone())?,
            settings,
        )?;
        Ok(match &config.daemon.public_url {
            Some(url) => daemon.with_registration(WebhookRegistration {
                client: cin7,
                public_url: url.to_string(),
            }),
            None => daemon,
        })
    }
}

impl<R: SyncRunner> Daemon<R> {
    /// A daemon running `runner` with `settings`.
    ///
    /// # Errors
    /// [`DaemonError::MissingWebhookToken`] when the token is blank.
    pub fn new(runner: R, settings: DaemonSettings) -> Result<Self, DaemonError> {
        if settings.webhook_token.is_blank() {
            return Err(DaemonError::MissingWebhookToken);
        }
        Ok(Self {
            runner: Arc::new(runner),
            queue: Arc::new(queue::WorkQueue::new(settings.max_queue)),
            status: Arc::new(Status::default()),
            stop: Arc::new(AtomicBool::new(false)),
            settings,
            registration: None,
        })
    }

    /// Keeps the daemon's webhooks registered in Cin7 while it runs (at start and every
    /// `interval`); see [`WebhookRegistration`].
    pub fn with_registration(mut self, registration: WebhookRegistration) -> Self {
        self.registration = Some(registration);
        self
    }

    /// The daemon's settings.
    pub fn settings(&self) -> &DaemonSettings {
        &self.settings
    }

    /// A handle on the running daemon: status, health, and a way to queue IDs by hand.
    pub fn handle(&self) -> DaemonHandle {
        DaemonHandle {
            queue: self.queue.clone(),
            status: self.status.clone(),
        }
    }

    /// The HTTP routes (`/webhooks/cin7`, `/healthz`, `/metrics`) over this daemon's queue and
    /// status. [`Daemon::serve_on`] serves them; tests can drive them alone.
    pub fn router(&self) -> axum::Router {
        http::router(http::AppState {
            token: self.settings.webhook_token.clone(),
            queue: self.queue.clone(),
            status: self.status.clone(),
            body_limit: self.settings.body_limit,
        })
    }

    /// Binds `listen` and serves until `shutdown` completes; see [`Daemon::serve_on`].
    ///
    /// # Errors
    /// [`DaemonError::Listen`] when the address cannot be bound; else as [`Daemon::serve_on`].
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), DaemonError> {
        let listener = bind(&self.settings.listen).await?;
        self.serve_on(listener, shutdown).await
    }

    /// Serves on `listener` and runs the worker until `shutdown` completes. Then: stop taking
    /// connections, set the run's stop flag (the record in flight finishes and is written),
    /// wait for the worker and return.
    ///
    /// # Errors
    /// [`DaemonError::Serve`] when the server fails; [`DaemonError::Worker`] when the worker
    /// panicked (a bug).
    pub async fn serve_on(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), DaemonError> {
        if let Ok(addr) = listener.local_addr() {
            tracing::info!(%addr, "daemon listening: POST /webhooks/cin7, GET /healthz, GET /metrics");
        }
        self.drive(Some(listener), shutdown).await
    }

    /// Runs only the worker (schedule and queued webhook IDs) until `shutdown` completes, for
    /// hosts that serve [`Daemon::router`] in their own server. Shutdown as [`Daemon::serve_on`].
    ///
    /// # Errors
    /// [`DaemonError::Worker`] when the worker panicked (a bug).
    pub async fn run_worker(
        self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), DaemonError> {
        self.drive(None, shutdown).await
    }
}

/// A cheap, cloneable handle on a daemon: its status and its webhook queue.
#[derive(Debug, Clone)]
pub struct DaemonHandle {
    queue: Arc<queue::WorkQueue>,
    status: Arc<Status>,
}

impl DaemonHandle {
    /// The live status (what `/healthz` and `/metrics` show, the last report, a run counter).
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The current `/healthz` body.
    pub fn health(&self) -> Health {
        self.status.health(self.queue.lengths())
    }

    /// The current `/metrics` text (OpenMetrics).
    pub fn metrics(&self) -> String {
        self.status.metrics(self.queue.lengths())
    }

    /// Queues customer IDs as a `Customer/Updated` webhook would; returns how many were new.
    pub fn queue_customers(&self, ids: impl IntoIterator<Item = String>) -> usize {
        self.queue.push(queue::IdKind::Customer, ids)
    }

    /// Queues product IDs as a `Product/Updated` webhook would; returns how many were new.
    pub fn queue_products(&self, ids: impl IntoIterator<Item = String>) -> usize {
        self.queue.push(queue::IdKind::Product, ids)
    }

    /// Waiting customer and product IDs.
    pub fn queued(&self) -> (usize, usize) {
        self.queue.lengths()
    }
}

/// Binds the daemon's `listen` address (single-merchant and multi-tenant alike).
async fn bind(listen: &str) -> Result<TcpListener, DaemonError> {
    TcpListener::bind(listen)
        .await
        .map_err(|source| DaemonError::Listen {
            addr: listen.to_owned(),
            source,
        })
}
