//! The multi-tenant daemon (issue 16): `daemon --config ops.toml --tenants DIR` serves one
//! merchant per `DIR/<tenant>.toml` ([`crate::config::TenantConfig`]) on any number of
//! replicas sharing one PostgreSQL database.
//!
//! - **Tenants**: the directory is read every `replicas.scan_every`; files added,
//!   changed or removed are picked up without a restart. A broken file is one error line naming
//!   it; its tenant keeps its previous configuration (or, if new, does not start); the others
//!   are untouched.
//! - **Isolation**: each tenant runs its own [`Daemon`](crate::daemon::Daemon) worker (schedule, E12 poll, webhook
//!   queue) over its own engine: its own Cin7 client and rate limiter, Shopify bucket,
//!   SparkLayer token and state store ([`TenantStates`]). A tenant whose APIs fail or throttle
//!   slows only its own task; a replica-wide semaphore caps runs going at once
//!   (`replicas.max_concurrent_runs`), held only while a run goes.
//! - **Leases**: a tenant's runs, polls and webhook batches happen only while
//!   this replica holds its lease ([`LeaseStore`]),
//!   renewed every `lease_ttl / 3`; each replica takes at most `ceil(tenants / replicas)` and
//!   gives back the excess when replicas join. A replica that dies stops renewing; after the TTL
//!   the others take its tenants over. Leases are released on shutdown and file removal.
//! - **Webhooks**: `POST /webhooks/cin7/{tenant}` on any replica, with that tenant's
//!   `[webhook] token` as bearer (constant-time; 404 for an unknown tenant, 401 for a wrong
//!   token), is stored in the [`WebhookInbox`] before
//!   the 200; the lease holder claims it, syncs its records and completes it. A claim not
//!   completed (the holder died) lapses after the lease TTL and is claimed again.
//! - **Operations**: `GET /healthz` ([`ReplicaHealth`]), `GET /metrics` with a `tenant` label,
//!   and [`list_tenants`] for `daemon tenants`.

mod coordination;
mod directory;
mod http;
mod listing;
mod metrics;
mod runner;
mod supervisor;
mod task;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use cin7_sparklayer_core::Secret;
use cin7_sparklayer_core::engine::SyncEngine;
use cin7_sparklayer_core::ports::{LeaseStore, WebhookInbox};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use coordination::{Coordination, TenantStates, coordination_for_postgres};
pub use listing::{TenantRow, list_tenants, render_tenants};

use super::{DaemonError, DaemonHandle, Health, SyncRunner};
use crate::config::OperatorConfig;
use crate::{Config, SetupError};
use metrics::TenantMetrics;

/// How a replica runs its tenants; [`TenantsSettings::from_operator`] fills it from `[daemon]`
/// and `[replicas]`.
#[derive(Debug, Clone)]
pub struct TenantsSettings {
    /// This replica's ID in the leases.
    pub replica: String,
    /// `replicas.lease_ttl`; leases are renewed every third of it.
    pub lease_ttl: Duration,
    /// `replicas.max_concurrent_runs`.
    pub max_concurrent_runs: usize,
    /// `replicas.scan_every`.
    pub scan_every: Duration,
    /// How often each held tenant claims its webhook deliveries (default 2 s).
    pub inbox_every: Duration,
    /// Deliveries claimed at once (default 100).
    pub claim_max: usize,
    /// `daemon.listen`.
    pub listen: String,
    /// Largest webhook body accepted (default 1 MiB).
    pub body_limit: usize,
    /// Each tenant's webhook debounce (default 3 s, as the single-merchant daemon).
    pub debounce: Duration,
}

impl TenantsSettings {
    /// From the operator's validated configuration, with the defaults above.
    pub fn from_operator(operator: &OperatorConfig) -> Self {
        Self {
            replica: operator.replicas.replica_id(),
            lease_ttl: operator.replicas.lease_ttl,
            max_concurrent_runs: operator.replicas.max_concurrent_runs,
            scan_every: operator.replicas.scan_every,
            inbox_every: Duration::from_secs(2),
            claim_max: 100,
            listen: operator.daemon.listen.to_string(),
            body_limit: 1024 * 1024,
            debounce: Duration::from_secs(3),
        }
    }

    /// How often leases are renewed: a third of the TTL.
    pub fn renew_every(&self) -> Duration {
        self.lease_ttl / 3
    }
}

/// Builds a tenant's runner from its configuration (its own clients and state).
pub trait TenantFactory<R>: Send + Sync + 'static {
    /// The runner for `tenant`.
    ///
    /// # Errors
    /// [`SetupError`] naming the setting or the state problem.
    fn build(&self, tenant: &str, config: &Config) -> Result<R, SetupError>;
}

impl<R, F> TenantFactory<R> for F
where
    F: Fn(&str, &Config) -> Result<R, SetupError> + Send + Sync + 'static,
{
    fn build(&self, tenant: &str, config: &Config) -> Result<R, SetupError> {
        self(tenant, config)
    }
}

/// The production factory: [`crate::engine_for_replica`] over the tenant's own store, its
/// requests naming this replica in their `User-Agent`.
#[derive(Debug, Clone)]
pub struct EngineFactory {
    states: TenantStates,
    replica: String,
}

impl TenantFactory<SyncEngine> for EngineFactory {
    fn build(&self, tenant: &str, config: &Config) -> Result<SyncEngine, SetupError> {
        crate::engine_for_replica(config, self.states.for_tenant(tenant)?, &self.replica)
    }
}

/// A tenant as `/healthz` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TenantHealth {
    /// Whether this replica holds its lease and runs it.
    pub held: bool,
    /// Its file's problem, when the last reading failed (the previous configuration, if any,
    /// keeps running).
    pub config_error: Option<String>,
    /// Its daemon's health, on the replica that runs it.
    pub health: Option<Health>,
}

/// The body of `GET /healthz` on a multi-tenant replica.
#[derive(Debug, Clone, Serialize)]
pub struct ReplicaHealth {
    /// `ok`, or `error` when the last heartbeat failed (503): the coordination store is down.
    pub status: &'static str,
    /// This replica.
    pub replica: String,
    /// Replicas alive at the last heartbeat.
    pub replicas_alive: Option<usize>,
    /// The tenants this replica holds.
    pub held: Vec<String>,
    /// Every tenant file, by tenant.
    pub tenants: BTreeMap<String, TenantHealth>,
}

#[derive(Debug, Clone)]
pub(crate) struct TenantView {
    pub(crate) held: bool,
    pub(crate) error: Option<String>,
    pub(crate) handle: Option<DaemonHandle>,
}

/// What the supervisor, the HTTP routes and the handle share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) replica: String,
    pub(crate) leases: Arc<dyn LeaseStore>,
    pub(crate) inbox: Arc<dyn WebhookInbox>,
    pub(crate) metrics: Arc<TenantMetrics>,
    pub(crate) body_limit: usize,
    tokens: RwLock<BTreeMap<String, Secret>>,
    views: Mutex<BTreeMap<String, TenantView>>,
    alive: Mutex<Option<usize>>,
}

impl Shared {
    fn views(&self) -> MutexGuard<'_, BTreeMap<String, TenantView>> {
        self.views.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn token(&self, tenant: &str) -> Option<Secret> {
        let tokens = self.tokens.read().unwrap_or_else(PoisonError::into_inner);
        tokens.get(tenant).cloned()
    }

    pub(crate) fn set_token(&self, tenant: &str, token: Secret) {
        let mut tokens = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
        tokens.insert(tenant.to_owned(), token);
    }

    pub(crate) fn forget(&self, tenant: &str) {
        let mut tokens = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
        tokens.remove(tenant);
        self.metrics.forget(tenant);
    }

    pub(crate) fn heartbeat(&self, alive: Option<usize>) {
        if let Some(n) = alive {
            self.metrics.replicas(n);
        }
        *self.alive.lock().unwrap_or_else(PoisonError::into_inner) = alive;
    }

    pub(crate) fn publish(&self, views: BTreeMap<String, TenantView>) {
        for (tenant, view) in &views {
            self.metrics.lease(tenant, view.held);
        }
        *self.views() = views;
    }

    pub(crate) fn health(&self) -> ReplicaHealth {
        let alive = *self.alive.lock().unwrap_or_else(PoisonError::into_inner);
        let views = self.views().clone();
        ReplicaHealth {
            status: if alive.is_some() { "ok" } else { "error" },
            replica: self.replica.clone(),
            replicas_alive: alive,
            held: views
                .iter()
                .filter(|(_, v)| v.held)
                .map(|(t, _)| t.clone())
                .collect(),
            tenants: views
                .into_iter()
                .map(|(tenant, v)| {
                    let health = TenantHealth {
                        held: v.held,
                        config_error: v.error,
                        health: v.handle.map(|h| h.health()),
                    };
                    (tenant, health)
                })
                .collect(),
        }
    }
}

/// A multi-tenant replica: the supervisor plus the HTTP listener. Build it, then serve it.
#[derive(Debug)]
pub struct TenantsDaemon<R = SyncEngine, F = EngineFactory> {
    dir: PathBuf,
    operator: OperatorConfig,
    settings: TenantsSettings,
    factory: Arc<F>,
    shared: Arc<Shared>,
    _runner: std::marker::PhantomData<fn() -> R>,
}

impl TenantsDaemon<SyncEngine, EngineFactory> {
    /// The replica for the operator's validated configuration: coordination and tenant states
    /// from `[state]`, settings from `[daemon]` and `[replicas]`.
    ///
    /// # Errors
    /// [`DaemonError`] when the state or the coordination cannot be set up.
    pub fn from_config(operator: &OperatorConfig, dir: PathBuf) -> Result<Self, DaemonError> {
        let states = TenantStates::from_state(&operator.state)?;
        let coordination = Coordination::for_states(&states)?;
        let settings = TenantsSettings::from_operator(operator);
        let factory = EngineFactory {
            states,
            replica: settings.replica.clone(),
        };
        Ok(Self::new(
            dir,
            operator.clone(),
            settings,
            coordination,
            factory,
        ))
    }
}

impl<R: SyncRunner, F: TenantFactory<R>> TenantsDaemon<R, F> {
    /// A replica serving the tenants of `dir` with runners from `factory`.
    pub fn new(
        dir: PathBuf,
        operator: OperatorConfig,
        settings: TenantsSettings,
        coordination: Coordination,
        factory: F,
    ) -> Self {
        let shared = Arc::new(Shared {
            replica: settings.replica.clone(),
            leases: coordination.leases,
            inbox: coordination.inbox,
            metrics: Arc::new(TenantMetrics::new()),
            body_limit: settings.body_limit,
            tokens: RwLock::default(),
            views: Mutex::default(),
            alive: Mutex::default(),
        });
        Self {
            dir,
            operator,
            settings,
            factory: Arc::new(factory),
            shared,
            _runner: std::marker::PhantomData,
        }
    }

    /// A handle on the running replica: health, metrics, its tenants' daemons.
    pub fn handle(&self) -> TenantsHandle {
        TenantsHandle {
            shared: self.shared.clone(),
        }
    }

    /// The HTTP routes: `POST /webhooks/cin7/{tenant}`, `GET /healthz`, `GET /metrics`.
    pub fn router(&self) -> axum::Router {
        http::router(self.shared.clone())
    }

    /// Binds `daemon.listen` and serves until `shutdown` completes; see [`TenantsDaemon::serve_on`].
    ///
    /// # Errors
    /// [`DaemonError::Listen`] when the address cannot be bound; else as `serve_on`.
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), DaemonError> {
        let listener = super::bind(&self.settings.listen).await?;
        self.serve_on(listener, shutdown).await
    }

    /// Serves the routes on `listener` and runs the supervisor until `shutdown` completes;
    /// then every tenant stops after its record and its lease is released.
    ///
    /// # Errors
    /// [`DaemonError::Serve`] when the server fails.
    pub async fn serve_on(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), DaemonError> {
        if let Ok(addr) = listener.local_addr() {
            tracing::info!(%addr, replica = self.settings.replica, "multi-tenant daemon listening: POST /webhooks/cin7/{{tenant}}, GET /healthz, GET /metrics");
        }
        let (tx, rx) = watch::channel(false);
        let mut stop_server = rx.clone();
        let server = axum::serve(listener, self.router()).with_graceful_shutdown(async move {
            let _ = stop_server.wait_for(|s| *s).await;
        });
        let server = tokio::spawn(async move { server.await });
        let result = self.run(shutdown_then(shutdown, tx)).await;
        match server.await {
            Ok(Ok(())) => result,
            Ok(Err(e)) => Err(DaemonError::Serve(e)),
            Err(e) => Err(DaemonError::Worker(format!("HTTP task: {e}"))),
        }
    }

    /// Runs the supervisor only (hosts serving [`TenantsDaemon::router`] themselves) until
    /// `shutdown` completes.
    ///
    /// # Errors
    /// [`DaemonError::Worker`] when the supervisor panicked (a bug).
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), DaemonError> {
        let (tx, rx) = watch::channel(false);
        let supervisor = supervisor::Supervisor::new(
            self.dir,
            self.operator,
            self.settings,
            self.factory,
            self.shared,
        );
        let mut task = tokio::spawn(supervisor.run(rx));
        let shutdown = std::pin::pin!(shutdown);
        tokio::select! {
            () = shutdown => {}
            // The supervisor only ends when told to: earlier is a panic (a bug). Fail, so a
            // supervisor restarts the replica instead of it holding no tenant.
            joined = &mut task => {
                let why = joined.err().map_or_else(|| "ended".to_owned(), |e| e.to_string());
                return Err(DaemonError::Worker(format!("tenant supervisor: {why}")));
            }
        }
        tracing::info!("shutting down: every tenant stops after its record, then its lease goes");
        let _ = tx.send(true);
        task.await
            .map_err(|e| DaemonError::Worker(format!("tenant supervisor: {e}")))
    }
}

/// `shutdown`, then tells the HTTP server to stop.
async fn shutdown_then(shutdown: impl Future<Output = ()> + Send, tx: watch::Sender<bool>) {
    shutdown.await;
    let _ = tx.send(true);
}

/// A cheap, cloneable handle on a running replica.
#[derive(Debug, Clone)]
pub struct TenantsHandle {
    shared: Arc<Shared>,
}

impl TenantsHandle {
    /// The `/healthz` body.
    pub fn health(&self) -> ReplicaHealth {
        self.shared.health()
    }

    /// The `/metrics` text (OpenMetrics, label `tenant`).
    pub fn metrics(&self) -> String {
        self.shared.metrics.encode()
    }

    /// The tenants this replica holds and runs.
    pub fn held(&self) -> Vec<String> {
        self.shared.health().held
    }

    /// The daemon handle of a tenant this replica runs.
    pub fn tenant(&self, tenant: &str) -> Option<DaemonHandle> {
        self.shared
            .views()
            .get(tenant)
            .and_then(|v| v.handle.clone())
    }
}
