//! The replica's supervisor (issue 16 items 2 and 3): one loop that reads the tenants directory,
//! beats the replica's heartbeat, renews its leases every third of their TTL, gives back what
//! exceeds its even share (`ceil(tenants / replicas)`), takes free tenants up to that share and
//! starts or stops each tenant's task accordingly.
//!
//! A tenant's work stops when its renewal is refused (another replica took it: the lease had
//! lapsed) or keeps failing so that the next renewal would come after the lease lapses: a
//! replica never works on a lease it may no longer hold. A tenant stopped on purpose (file
//! removed or changed, rebalancing, shutdown) keeps its lease renewed until its run in flight
//! has written its record, then releases it.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use super::directory::{self, FileStamp};
use super::runner::{Applied, TenantRunner};
use super::task::{self, Pump, Running};
use super::{Shared, TenantFactory, TenantView, TenantsSettings};
use crate::Config;
use crate::config::OperatorConfig;
use crate::daemon::{Daemon, DaemonSettings, SyncRunner};

/// A tenant file as last read.
#[derive(Debug)]
struct Slot {
    stamp: FileStamp,
    /// The last configuration that loaded (kept while the file is broken).
    config: Option<Arc<Config>>,
    error: Option<String>,
    /// Its runner could not be built from this configuration: not taken again until the file
    /// changes (instead of failing every tick).
    unstartable: bool,
}

pub(crate) struct Supervisor<R, F> {
    pub(crate) dir: std::path::PathBuf,
    pub(crate) operator: OperatorConfig,
    pub(crate) settings: TenantsSettings,
    pub(crate) factory: Arc<F>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) permits: Arc<Semaphore>,
    slots: BTreeMap<String, Slot>,
    runs: BTreeMap<String, Running>,
    next_scan: Instant,
    _runner: std::marker::PhantomData<fn() -> R>,
}

impl<R: SyncRunner, F: TenantFactory<R>> Supervisor<R, F> {
    pub(crate) fn new(
        dir: std::path::PathBuf,
        operator: OperatorConfig,
        settings: TenantsSettings,
        factory: Arc<F>,
        shared: Arc<Shared>,
    ) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(settings.max_concurrent_runs.max(1))),
            dir,
            operator,
            settings,
            factory,
            shared,
            slots: BTreeMap::new(),
            runs: BTreeMap::new(),
            next_scan: Instant::now(),
            _runner: std::marker::PhantomData,
        }
    }

    /// Ticks until `shutdown` turns true, then stops every tenant and releases its lease.
    pub(crate) async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let every = self.settings.scan_every.min(self.settings.renew_every());
        loop {
            if *shutdown.borrow_and_update() {
                break;
            }
            self.tick().await;
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
        self.stop_all().await;
    }

    async fn tick(&mut self) {
        self.reap().await;
        if Instant::now() >= self.next_scan {
            self.next_scan = Instant::now() + self.settings.scan_every;
            self.rescan();
        }
        let alive = self.heartbeat().await;
        self.renew().await;
        if let Some(alive) = alive {
            let share = self.loaded().div_ceil(alive.max(1));
            self.rebalance(share);
            self.acquire(share).await;
        }
        self.publish();
    }

    /// Tenants with a configuration that loaded.
    fn loaded(&self) -> usize {
        self.slots.values().filter(|s| s.config.is_some()).count()
    }

    /// Forgets finished tasks, releasing their leases when they stopped on purpose.
    async fn reap(&mut self) {
        let finished: Vec<String> = self
            .runs
            .iter()
            .filter(|(_, r)| r.task.is_finished())
            .map(|(t, _)| t.clone())
            .collect();
        for tenant in finished {
            let Some(run) = self.runs.remove(&tenant) else {
                continue;
            };
            if run.release
                && let Err(e) = self
                    .shared
                    .leases
                    .release(&tenant, &self.shared.replica)
                    .await
            {
                tracing::warn!(tenant, error = %e, "cannot release the lease; it lapses after its TTL");
            }
            tracing::info!(tenant, "tenant stopped on this replica");
        }
    }

    /// Reads the directory again: new and changed files are loaded, removed ones stopped.
    fn rescan(&mut self) {
        let files = match directory::scan(&self.dir) {
            Ok(files) => files,
            Err(e) => {
                tracing::error!(dir = %self.dir.display(), "cannot read the tenants directory: {e}; keeping the tenants as they are");
                return;
            }
        };
        let removed: Vec<String> = self
            .slots
            .keys()
            .filter(|t| !files.contains_key(*t))
            .cloned()
            .collect();
        for tenant in removed {
            tracing::info!(tenant, "tenant file removed: stopping the tenant");
            self.slots.remove(&tenant);
            self.shared.forget(&tenant);
            if let Some(run) = self.runs.get_mut(&tenant) {
                run.stop(true);
            }
        }
        for (tenant, entry) in files {
            if self
                .slots
                .get(&tenant)
                .is_some_and(|s| s.stamp == entry.stamp)
            {
                continue;
            }
            let loaded = directory::load(&tenant, &entry.path, &self.operator);
            self.absorb(tenant, entry.stamp, loaded);
        }
    }

    /// Takes a file just read: a good one replaces the tenant's configuration (and restarts
    /// it); a broken one is reported and the previous configuration keeps running.
    fn absorb(
        &mut self,
        tenant: String,
        stamp: FileStamp,
        loaded: Result<crate::config::TenantConfig, String>,
    ) {
        let slot = self.slots.entry(tenant.clone()).or_insert(Slot {
            stamp,
            config: None,
            error: None,
            unstartable: false,
        });
        slot.stamp = stamp;
        match loaded {
            Ok(tenant_config) => {
                let known = slot.config.is_some();
                slot.config = Some(Arc::new(tenant_config.config));
                slot.error = None;
                slot.unstartable = false;
                if let Some(token) = slot
                    .config
                    .as_ref()
                    .and_then(|c| c.daemon.webhook_token.clone())
                {
                    self.shared.set_token(&tenant, token);
                }
                tracing::info!(
                    tenant,
                    "tenant file {}",
                    if known {
                        "changed: restarting the tenant"
                    } else {
                        "loaded"
                    }
                );
                if let Some(run) = self.runs.get_mut(&tenant) {
                    // Its lease goes back once its run in flight ends; the next tick takes the
                    // tenant again (here or elsewhere) with the new configuration.
                    run.stop(true);
                }
            }
            Err(line) => {
                let keeps = if slot.config.is_some() {
                    "the previous configuration keeps running"
                } else {
                    "the tenant does not start"
                };
                tracing::error!(tenant, "{line} ({keeps})");
                slot.error = Some(line);
            }
        }
    }

    /// Beats this replica's heartbeat: the live replicas, or `None` when the store is down
    /// (no tenant is taken then; the held ones go on while their leases renew).
    async fn heartbeat(&self) -> Option<usize> {
        let result = self
            .shared
            .leases
            .heartbeat(&self.shared.replica, self.settings.lease_ttl)
            .await;
        let alive = match result {
            Ok(alive) => Some(alive),
            Err(e) => {
                tracing::warn!(error = %e, "heartbeat failed: taking no tenant until it works again");
                None
            }
        };
        self.shared.heartbeat(alive);
        alive
    }

    /// Renews every lease held; stops tenants whose lease is lost or about to lapse.
    async fn renew(&mut self) {
        let ttl = self.settings.lease_ttl;
        let margin = self.settings.renew_every();
        for (tenant, run) in &mut self.runs {
            if run.stopping && !run.release {
                continue;
            }
            let renewed = self
                .shared
                .leases
                .try_acquire(tenant, &self.shared.replica, ttl)
                .await;
            match renewed {
                Ok(true) => run.renewed = Instant::now(),
                Ok(false) => {
                    tracing::warn!(
                        tenant,
                        "lease lost to another replica: stopping the tenant here"
                    );
                    run.stop(false);
                }
                Err(e) if run.renewed.elapsed() + margin >= ttl => {
                    tracing::error!(tenant, error = %e, "lease renewal keeps failing: stopping the tenant before its lease lapses");
                    run.stop(false);
                }
                Err(e) => tracing::warn!(tenant, error = %e, "lease renewal failed; retrying"),
            }
        }
    }

    /// Gives back the tenants over `share`, the most recently started first.
    fn rebalance(&mut self, share: usize) {
        let mut active: Vec<(&String, &mut Running)> =
            self.runs.iter_mut().filter(|(_, r)| !r.stopping).collect();
        if active.len() <= share {
            return;
        }
        active.sort_by_key(|(_, r)| std::cmp::Reverse(r.started));
        let excess = active.len() - share;
        for (tenant, run) in active.into_iter().take(excess) {
            tracing::info!(
                tenant,
                share,
                "over this replica's share: giving the tenant back"
            );
            run.stop(true);
        }
    }

    /// Takes free tenants until this replica runs `share`, each replica in its own order.
    async fn acquire(&mut self, share: usize) {
        let mut candidates: Vec<(u64, String)> = self
            .slots
            .iter()
            .filter(|(t, s)| s.config.is_some() && !s.unstartable && !self.runs.contains_key(*t))
            .map(|(t, _)| (self.preference(t), t.clone()))
            .collect();
        candidates.sort();
        for (_, tenant) in candidates {
            if self.runs.values().filter(|r| !r.stopping).count() >= share {
                break;
            }
            let taken = self
                .shared
                .leases
                .try_acquire(&tenant, &self.shared.replica, self.settings.lease_ttl)
                .await;
            match taken {
                Ok(true) => self.start(&tenant).await,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(tenant, error = %e, "cannot take the lease; retrying");
                    return;
                }
            }
        }
    }

    /// A per-replica order of the tenants, so replicas starting together rarely race.
    fn preference(&self, tenant: &str) -> u64 {
        let mut hasher = DefaultHasher::new();
        (tenant, &self.shared.replica).hash(&mut hasher);
        hasher.finish()
    }

    /// Starts a tenant whose lease was just taken; a tenant that cannot start gives it back.
    async fn start(&mut self, tenant: &str) {
        let Some(config) = self.slots.get(tenant).and_then(|s| s.config.clone()) else {
            return;
        };
        match self.spawn(tenant, &config) {
            Ok(run) => {
                tracing::info!(tenant, "lease taken: tenant started on this replica");
                self.runs.insert(tenant.to_owned(), run);
            }
            Err(line) => {
                tracing::error!(tenant, "the tenant cannot start: {line}");
                if let Some(slot) = self.slots.get_mut(tenant) {
                    slot.error = Some(line);
                    slot.unstartable = true;
                }
                let _ = self
                    .shared
                    .leases
                    .release(tenant, &self.shared.replica)
                    .await;
            }
        }
    }

    /// Builds the tenant's runner and daemon worker and spawns them with the inbox pump.
    fn spawn(&self, tenant: &str, config: &Config) -> Result<Running, String> {
        let inner = self
            .factory
            .build(tenant, config)
            .map_err(|e| e.to_string())?;
        let held = Arc::new(AtomicBool::new(true));
        let applied = Arc::new(Applied::default());
        let runner = TenantRunner {
            inner,
            tenant: tenant.to_owned(),
            permits: self.permits.clone(),
            held: held.clone(),
            metrics: self.shared.metrics.clone(),
            applied: applied.clone(),
        };
        let mut settings = DaemonSettings::from_config(config).map_err(|e| e.to_string())?;
        settings.debounce = self.settings.debounce;
        // A stopped tenant's run in flight gets a sixth of the TTL to write its record: stopped at
        // two thirds after the last renewal at worst, it is gone before the lease could lapse.
        settings.shutdown_grace = settings.shutdown_grace.min(self.settings.renew_every() / 2);
        let daemon = Daemon::new(runner, settings).map_err(|e| e.to_string())?;
        let handle = daemon.handle();
        let (stop, stop_rx) = watch::channel(false);
        let pump = Pump {
            tenant: tenant.to_owned(),
            replica: self.shared.replica.clone(),
            inbox: self.shared.inbox.clone(),
            applied,
            handle: handle.clone(),
            held: held.clone(),
            every: self.settings.inbox_every,
            max: self.settings.claim_max,
            claim_ttl: self.settings.lease_ttl,
        };
        let mut worker_stop = stop_rx.clone();
        let worker = daemon.run_worker(async move {
            let _ = worker_stop.wait_for(|s| *s).await;
        });
        let now = Instant::now();
        Ok(Running {
            stop,
            held,
            task: task::spawn(tenant, worker, pump, stop_rx),
            handle,
            renewed: now,
            started: now,
            stopping: false,
            release: true,
        })
    }

    /// What `/healthz` and `/metrics` show.
    fn publish(&self) {
        let views = self
            .slots
            .iter()
            .map(|(tenant, slot)| {
                let run = self.runs.get(tenant).filter(|r| !r.stopping);
                let view = TenantView {
                    held: run.is_some(),
                    error: slot.error.clone(),
                    handle: run.map(|r| r.handle.clone()),
                };
                (tenant.clone(), view)
            })
            .collect();
        self.shared.publish(views);
    }

    /// Shutdown: every tenant stops after its record (within its grace), then its lease goes.
    async fn stop_all(&mut self) {
        for run in self.runs.values_mut() {
            run.stop(true);
        }
        let grace = self.settings.renew_every() + std::time::Duration::from_secs(1);
        for (tenant, run) in std::mem::take(&mut self.runs) {
            let mut task = run.task;
            if tokio::time::timeout(grace, &mut task).await.is_err() {
                tracing::warn!(
                    tenant,
                    "the tenant did not stop in time; abandoning its run"
                );
                task.abort();
            }
            if let Err(e) = self
                .shared
                .leases
                .release(&tenant, &self.shared.replica)
                .await
            {
                tracing::warn!(tenant, error = %e, "cannot release the lease; it lapses after its TTL");
            }
        }
        // Leaves: alive for no time, so the others count one replica less at once and take
        // their share of the tenants without waiting for the heartbeat to lapse.
        let left = self
            .shared
            .leases
            .heartbeat(&self.shared.replica, std::time::Duration::ZERO)
            .await;
        if let Err(e) = left {
            tracing::warn!(error = %e, "cannot leave the replicas; this one lapses after the TTL");
        }
        self.publish();
    }
}
