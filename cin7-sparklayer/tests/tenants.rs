//! The multi-tenant daemon (issue 16): tenants from a directory, isolation, leases shared by
//! replicas, webhooks through the inbox, metrics. Runners are fakes that log every run (tenant,
//! replica, mode, start, end); coordination is the core's in-memory leases and inbox, shared by
//! the "replicas" of one test as the PostgreSQL tables are by processes.

mod common;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use cin7_sparklayer::Config;
use cin7_sparklayer::config::OperatorConfig;
use cin7_sparklayer::core::error::Service;
use cin7_sparklayer::core::memory::{MemoryInbox, MemoryLeases};
use cin7_sparklayer::core::ports::{Lease, LeaseStore};
use cin7_sparklayer::core::report::{RunMode, RunReport};
use cin7_sparklayer::core::{PortError, RunError};
use cin7_sparklayer::daemon::SyncRunner;
use cin7_sparklayer::daemon::tenants::{
    Coordination, TenantsDaemon, TenantsHandle, TenantsSettings,
};
use cin7_sparklayer::{ModeRequest, RunOptions, SetupError};
use tokio::sync::oneshot;
use tokio::time::Instant;

const S: Duration = Duration::from_secs(1);
static NEXT_DIR: AtomicU64 = AtomicU64::new(0);

/// One run as a fake saw it.
#[derive(Debug, Clone)]
struct Run {
    tenant: String,
    replica: String,
    mode: ModeRequest,
    start: Instant,
    end: Instant,
}

/// What every fake runner of a test shares: the runs, the configs built, per-tenant behaviour.
#[derive(Debug, Default)]
struct World {
    runs: Mutex<Vec<Run>>,
    built: Mutex<Vec<(String, Config)>>,
    /// How long a tenant's run takes (default 1 s).
    run_for: Mutex<BTreeMap<String, Duration>>,
    /// Tenants whose Cin7 is down: every run fails after retrying for the given time.
    failing: Mutex<BTreeMap<String, Duration>>,
    /// Tenants whose runner cannot be built (a client setting the builder refuses).
    unbuildable: Mutex<Vec<String>>,
}

impl World {
    fn runs_of(&self, tenant: &str) -> Vec<Run> {
        let runs = self.runs.lock().expect("lock");
        runs.iter()
            .filter(|r| r.tenant == tenant)
            .cloned()
            .collect()
    }

    fn builds_of(&self, tenant: &str) -> Vec<Config> {
        let built = self.built.lock().expect("lock");
        built
            .iter()
            .filter(|(t, _)| t == tenant)
            .map(|(_, c)| c.clone())
            .collect()
    }
}

#[derive(Debug, Clone)]
struct FakeRunner {
    tenant: String,
    replica: String,
    world: Arc<World>,
}

impl FakeRunner {
    async fn go(self, options: RunOptions) -> Result<RunReport, RunError> {
        let start = Instant::now();
        let failing = self
            .world
            .failing
            .lock()
            .expect("lock")
            .get(&self.tenant)
            .copied();
        if let Some(retrying) = failing {
            tokio::time::sleep(retrying).await;
            return Err(RunError::Port {
                step: "reading the Cin7 account",
                source: PortError::unavailable(Service::Cin7, "Cin7 is down"),
            });
        }
        let run_for = self
            .world
            .run_for
            .lock()
            .expect("lock")
            .get(&self.tenant)
            .copied()
            .unwrap_or(S);
        let mut left = run_for;
        let mut interrupted = false;
        while !left.is_zero() {
            let step = left.min(Duration::from_millis(100));
            tokio::time::sleep(step).await;
            left -= step;
            if options
                .stop
                .as_ref()
                .is_some_and(|s| s.load(Ordering::SeqCst))
            {
                interrupted = true;
                break;
            }
        }
        self.world.runs.lock().expect("lock").push(Run {
            tenant: self.tenant.clone(),
            replica: self.replica.clone(),
            mode: options.mode.clone(),
            start,
            end: Instant::now(),
        });
        let mode = match options.mode {
            ModeRequest::Records { .. } => RunMode::Records,
            _ => RunMode::Full,
        };
        let mut report = RunReport::new(mode, false, Utc::now());
        report.interrupted = interrupted;
        Ok(report)
    }
}

impl SyncRunner for FakeRunner {
    fn run(&self, options: RunOptions) -> impl Future<Output = Result<RunReport, RunError>> + Send {
        self.clone().go(options)
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("tenants-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tenants")).expect("temp dir");
    dir
}

/// A valid tenant file; `extra` is appended (e.g. a `[schedule]`).
fn tenant_toml(token_line: &str, extra: &str) -> String {
    format!(
        r#"
[cin7]
account_id = "acc"
application_key = "key"
[shopify]
shop = "acme.myshopify.com"
access_token = "shpat_x"
[sparklayer]
site_id = "acme"
client_id = "cid"
client_secret = "csecret"
[webhook]
{token_line}
{extra}
"#
    )
}

fn write_tenant(dir: &Path, tenant: &str, text: &str) {
    std::fs::write(dir.join("tenants").join(format!("{tenant}.toml")), text).expect("write tenant");
}

/// A replica of a test.
struct Replica {
    handle: TenantsHandle,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), cin7_sparklayer::daemon::DaemonError>>,
}

impl Replica {
    async fn shutdown(self) {
        let _ = self.stop.send(());
        self.task
            .await
            .expect("replica task")
            .expect("replica stops cleanly");
    }
}

fn settings(replica: &str) -> TenantsSettings {
    let operator = OperatorConfig::from_toml_str("", |_| None).expect("operator");
    TenantsSettings {
        replica: replica.to_owned(),
        lease_ttl: 3 * S,
        scan_every: Duration::from_millis(500),
        inbox_every: Duration::from_millis(200),
        debounce: Duration::from_millis(100),
        max_concurrent_runs: 4,
        ..TenantsSettings::from_operator(&operator)
    }
}

fn daemon(
    dir: &Path,
    settings: TenantsSettings,
    coordination: Coordination,
    world: &Arc<World>,
) -> TenantsDaemon<FakeRunner, impl cin7_sparklayer::daemon::tenants::TenantFactory<FakeRunner>> {
    let operator = OperatorConfig::from_toml_str("", |_| None).expect("operator");
    let replica = settings.replica.clone();
    let world = world.clone();
    let factory = move |tenant: &str, config: &Config| -> Result<FakeRunner, SetupError> {
        world
            .built
            .lock()
            .expect("lock")
            .push((tenant.to_owned(), config.clone()));
        if world
            .unbuildable
            .lock()
            .expect("lock")
            .iter()
            .any(|t| t == tenant)
        {
            return Err(SetupError::State {
                source: PortError::state(format!("state/{tenant}.sqlite is not a state file")),
            });
        }
        Ok(FakeRunner {
            tenant: tenant.to_owned(),
            replica: replica.clone(),
            world: world.clone(),
        })
    };
    TenantsDaemon::new(
        dir.join("tenants"),
        operator,
        settings,
        coordination,
        factory,
    )
}

fn start(
    dir: &Path,
    settings: TenantsSettings,
    coordination: Coordination,
    world: &Arc<World>,
) -> Replica {
    let daemon = daemon(dir, settings, coordination, world);
    let handle = daemon.handle();
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(daemon.run(async move {
        let _ = rx.await;
    }));
    Replica { handle, stop, task }
}

/// Waits (on the test's clock) until `cond` holds, at most `within`.
async fn eventually(within: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !cond() {
        assert!(Instant::now() < deadline, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn held(replica: &Replica) -> Vec<String> {
    replica.handle.held()
}

#[tokio::test(start_paused = true)]
async fn tenants_are_read_from_the_directory_and_follow_its_changes() {
    common::init_logs();
    let dir = temp_dir("directory");
    let world = Arc::new(World::default());
    write_tenant(&dir, "acme", &tenant_toml("token = \"t-acme\"", ""));
    write_tenant(&dir, "beta", &tenant_toml("token = \"t-beta\"", ""));
    std::fs::write(dir.join("tenants").join("notes.txt"), "not a tenant").expect("write");
    let coordination = Coordination::in_memory();
    let leases = coordination.leases.clone();
    let replica = start(&dir, settings("r1"), coordination, &world);
    eventually(5 * S, "acme and beta held", || {
        held(&replica) == ["acme", "beta"]
    })
    .await;
    eventually(5 * S, "both ran", || {
        !world.runs_of("acme").is_empty() && !world.runs_of("beta").is_empty()
    })
    .await;

    // Added.
    write_tenant(&dir, "gamma", &tenant_toml("token = \"t-gamma\"", ""));
    eventually(5 * S, "gamma picked up", || {
        held(&replica).contains(&"gamma".to_owned())
    })
    .await;
    // Changed: rebuilt with the new configuration.
    write_tenant(
        &dir,
        "acme",
        &tenant_toml("token = \"t-acme\"", "[schedule]\ninterval = \"2h\"\n"),
    );
    eventually(5 * S, "acme rebuilt", || {
        world
            .builds_of("acme")
            .last()
            .is_some_and(|c| c.schedule.interval == 2 * 3600 * S)
    })
    .await;
    eventually(5 * S, "acme running again", || {
        held(&replica).contains(&"acme".to_owned())
    })
    .await;
    // Removed: stopped and its lease released.
    std::fs::remove_file(dir.join("tenants").join("beta.toml")).expect("remove");
    eventually(5 * S, "beta gone", || {
        !replica.handle.health().tenants.contains_key("beta")
    })
    .await;
    let owners = |leases: Vec<Lease>| leases.into_iter().map(|l| l.tenant).collect::<Vec<_>>();
    let mut released = false;
    for _ in 0..40 {
        if !owners(leases.leases().await.expect("leases")).contains(&"beta".to_owned()) {
            released = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(released, "beta's lease is released");
    let beta_runs = world.runs_of("beta").len();
    tokio::time::sleep(60 * S).await;
    assert_eq!(
        world.runs_of("beta").len(),
        beta_runs,
        "no run for a removed tenant"
    );
    replica.shutdown().await;
    assert!(
        leases.leases().await.expect("leases").is_empty(),
        "shutdown releases every lease"
    );
}

#[tokio::test(start_paused = true)]
async fn a_broken_file_is_reported_alone_and_a_running_tenant_keeps_its_configuration() {
    common::init_logs();
    let dir = temp_dir("broken");
    let world = Arc::new(World::default());
    write_tenant(&dir, "good", &tenant_toml("token = \"t\"", ""));
    write_tenant(
        &dir,
        "typo",
        &tenant_toml("token = \"t\"", "[schedule]\nintervall = \"1h\"\n"),
    );
    write_tenant(&dir, "Upper", &tenant_toml("token = \"t\"", ""));
    write_tenant(&dir, "notoken", &tenant_toml("", ""));
    let replica = start(&dir, settings("r1"), Coordination::in_memory(), &world);
    eventually(5 * S, "good held", || held(&replica) == ["good"]).await;
    let health = replica.handle.health();
    let error = |t: &str| health.tenants[t].config_error.clone().unwrap_or_default();
    assert!(
        error("typo").contains("schedule.intervall"),
        "{}",
        error("typo")
    );
    assert!(
        error("Upper").contains("is not a tenant ID"),
        "{}",
        error("Upper")
    );
    assert!(
        error("notoken").contains("webhook.token"),
        "{}",
        error("notoken")
    );
    assert!(health.tenants["good"].config_error.is_none());
    // Breaking the running tenant's file keeps it running on its previous configuration.
    write_tenant(&dir, "good", "[cin7\nthis is not TOML");
    eventually(5 * S, "the break is reported", || {
        replica.handle.health().tenants["good"]
            .config_error
            .is_some()
    })
    .await;
    let runs = world.runs_of("good").len();
    tokio::time::sleep(6 * 3600 * S).await;
    assert_eq!(held(&replica), ["good"]);
    assert!(
        world.runs_of("good").len() > runs,
        "the scheduled runs go on"
    );
    assert_eq!(
        world.builds_of("good").len(),
        1,
        "not rebuilt from a broken file"
    );
    assert!(world.runs_of("typo").is_empty() && world.builds_of("typo").is_empty());
    replica.shutdown().await;
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn secrets_from_files_are_read_and_never_logged() {
    let dir = temp_dir("secret-files");
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let key = dir.join("cin7-key");
    let token = dir.join("webhook-token");
    std::fs::write(&key, "s3cret-cin7-key-from-file\n").expect("write");
    std::fs::write(&token, "s3cret-webhook-token").expect("write");
    let text = tenant_toml(
        &format!("token_file = {:?}", token.display().to_string()),
        "",
    )
    .replace(
        "application_key = \"key\"",
        &format!("application_key_file = {:?}", key.display().to_string()),
    );
    write_tenant(&dir, "acme", &text);
    let world = Arc::new(World::default());
    let replica = start(&dir, settings("r1"), Coordination::in_memory(), &world);
    eventually(5 * S, "acme built", || !world.builds_of("acme").is_empty()).await;
    let config = world.builds_of("acme").remove(0);
    let expose =
        |s: &Option<cin7_sparklayer::core::Secret>| s.as_ref().map(|s| s.expose().to_owned());
    assert_eq!(
        expose(&config.cin7.application_key).as_deref(),
        Some("s3cret-cin7-key-from-file")
    );
    assert_eq!(
        expose(&config.daemon.webhook_token).as_deref(),
        Some("s3cret-webhook-token")
    );
    // A file that cannot be read is one line naming the key, on a file that changed.
    std::fs::remove_file(&key).expect("remove");
    write_tenant(&dir, "acme", &format!("{text}\n# touched\n"));
    eventually(5 * S, "reported", || {
        replica.handle.health().tenants["acme"]
            .config_error
            .is_some()
    })
    .await;
    let error = replica.handle.health().tenants["acme"]
        .config_error
        .clone()
        .unwrap_or_default();
    assert!(
        error.contains("cin7.application_key_file") && error.contains("cannot read"),
        "{error}"
    );
    let health = serde_json::to_string(&replica.handle.health()).expect("json");
    replica.shutdown().await;
    let logs = String::from_utf8_lossy(&logs.0.lock().expect("lock")).into_owned();
    assert!(
        logs.contains("application_key_file"),
        "the error was logged: {logs}"
    );
    for shown in [logs.as_str(), health.as_str(), &format!("{config:?}")] {
        assert!(!shown.contains("s3cret"), "a secret leaked: {shown}");
    }
}

/// For each tenant, no two replicas' runs overlap in time.
fn assert_never_run_twice_at_once(runs: &[Run]) {
    for a in runs {
        for b in runs {
            if a.tenant == b.tenant && a.replica != b.replica {
                assert!(a.end <= b.start || b.end <= a.start, "{a:?} overlaps {b:?}");
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn two_replicas_split_the_tenants_evenly_and_never_run_one_at_once() {
    common::init_logs();
    let dir = temp_dir("two-replicas");
    let world = Arc::new(World::default());
    for t in ["t1", "t2", "t3", "t4", "t5"] {
        write_tenant(
            &dir,
            t,
            &tenant_toml("token = \"x\"", "[schedule]\ninterval = \"10s\"\n"),
        );
        world
            .run_for
            .lock()
            .expect("lock")
            .insert(t.to_owned(), 3 * S);
    }
    let coordination = Coordination::in_memory();
    let a = start(&dir, settings("a"), coordination.clone(), &world);
    eventually(5 * S, "a takes all while alone", || held(&a).len() == 5).await;
    let b = start(&dir, settings("b"), coordination.clone(), &world);
    eventually(20 * S, "an even split", || {
        let (x, y) = (held(&a), held(&b));
        x.len() + y.len() == 5 && x.len().abs_diff(y.len()) == 1 && x.iter().all(|t| !y.contains(t))
    })
    .await;
    tokio::time::sleep(120 * S).await;
    let (x, y) = (held(&a), held(&b));
    assert_eq!(x.len() + y.len(), 5, "{x:?} {y:?}");
    assert!(
        x.len().max(y.len()) <= 3,
        "at most ceil(5/2) each: {x:?} {y:?}"
    );
    a.shutdown().await;
    eventually(20 * S, "b takes a's tenants over", || held(&b).len() == 5).await;
    tokio::time::sleep(30 * S).await;
    b.shutdown().await;
    let runs = world.runs.lock().expect("lock").clone();
    assert!(runs.iter().any(|r| r.replica == "b") && runs.iter().any(|r| r.replica == "a"));
    assert_never_run_twice_at_once(&runs);
}

/// Leases that refuse renewals once `steal` is set, as when another replica took them over.
#[derive(Debug, Default)]
struct Stealable {
    inner: MemoryLeases,
    steal: AtomicBool,
    fail: AtomicBool,
}

#[async_trait]
impl LeaseStore for Stealable {
    async fn heartbeat(&self, replica: &str, ttl: Duration) -> Result<usize, PortError> {
        self.inner.heartbeat(replica, ttl).await
    }
    async fn try_acquire(
        &self,
        tenant: &str,
        replica: &str,
        ttl: Duration,
    ) -> Result<bool, PortError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(PortError::state("the database is unreachable"));
        }
        if self.steal.load(Ordering::SeqCst) {
            return Ok(false);
        }
        self.inner.try_acquire(tenant, replica, ttl).await
    }
    async fn release(&self, tenant: &str, replica: &str) -> Result<(), PortError> {
        self.inner.release(tenant, replica).await
    }
    async fn leases(&self) -> Result<Vec<Lease>, PortError> {
        self.inner.leases().await
    }
}

async fn lease_trouble_stops_the_tenant(set: impl FnOnce(&Stealable)) {
    let dir = temp_dir("lease-lost");
    let world = Arc::new(World::default());
    write_tenant(
        &dir,
        "acme",
        &tenant_toml("token = \"x\"", "[schedule]\ninterval = \"10s\"\n"),
    );
    world
        .run_for
        .lock()
        .expect("lock")
        .insert("acme".to_owned(), 5 * S);
    let leases = Arc::new(Stealable::default());
    let coordination = Coordination {
        leases: leases.clone(),
        inbox: Arc::new(MemoryInbox::new()),
    };
    let replica = start(&dir, settings("r1"), coordination, &world);
    eventually(5 * S, "acme runs", || held(&replica) == ["acme"]).await;
    tokio::time::sleep(12 * S).await;
    let lost_at = Instant::now();
    set(&leases);
    // Renewals every TTL/3 (1 s): work stops before the 3 s lease would lapse.
    eventually(3 * S, "acme stopped", || held(&replica).is_empty()).await;
    // The run in flight stops after its record (the fake checks every 100 ms).
    tokio::time::sleep(S).await;
    let runs = world.runs_of("acme").len();
    tokio::time::sleep(60 * S).await;
    assert_eq!(
        world.runs_of("acme").len(),
        runs,
        "no run without the lease"
    );
    assert!(
        world
            .runs_of("acme")
            .iter()
            .all(|r| r.end <= lost_at + 3 * S)
    );
    replica.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_lease_taken_by_another_replica_stops_the_tenants_work() {
    common::init_logs();
    lease_trouble_stops_the_tenant(|l| l.steal.store(true, Ordering::SeqCst)).await;
}

#[tokio::test(start_paused = true)]
async fn failing_renewals_stop_the_tenant_before_the_lease_lapses() {
    common::init_logs();
    lease_trouble_stops_the_tenant(|l| l.fail.store(true, Ordering::SeqCst)).await;
}

#[tokio::test(start_paused = true)]
async fn one_tenants_failing_cin7_does_not_delay_another() {
    common::init_logs();
    let dir = temp_dir("isolation");
    let world = Arc::new(World::default());
    let interval = "[schedule]\ninterval = \"10s\"\n";
    write_tenant(&dir, "down", &tenant_toml("token = \"x\"", interval));
    write_tenant(&dir, "fine", &tenant_toml("token = \"x\"", interval));
    // Cin7 down for `down`: each run retries for 5 minutes before it fails.
    world
        .failing
        .lock()
        .expect("lock")
        .insert("down".to_owned(), 300 * S);
    let started = Instant::now();
    let mut s = settings("r1");
    s.max_concurrent_runs = 2;
    let replica = start(&dir, s, Coordination::in_memory(), &world);
    tokio::time::sleep(65 * S).await;
    let fine = world.runs_of("fine");
    assert!(
        fine.len() >= 6,
        "fine ran every 10 s meanwhile: {}",
        fine.len()
    );
    assert!(
        fine[0].start - started < 2 * S,
        "fine's first run was not delayed"
    );
    assert!(
        world.runs_of("down").is_empty(),
        "down's first run is still retrying"
    );
    let metrics = replica.handle.metrics();
    assert!(
        metrics.contains(r#"cin7_sparklayer_tenant_runs_total{tenant="fine",outcome="succeeded"}"#),
        "{metrics}"
    );
    replica.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn metrics_and_health_carry_the_tenant() {
    common::init_logs();
    let dir = temp_dir("metrics");
    let world = Arc::new(World::default());
    write_tenant(&dir, "acme", &tenant_toml("token = \"x\"", ""));
    write_tenant(&dir, "beta", &tenant_toml("token = \"x\"", ""));
    world
        .failing
        .lock()
        .expect("lock")
        .insert("beta".to_owned(), S);
    let replica = start(&dir, settings("r1"), Coordination::in_memory(), &world);
    eventually(10 * S, "both ran", || {
        let m = replica.handle.metrics();
        m.contains(r#"tenant_runs_total{tenant="acme",outcome="succeeded"} 1"#)
            && m.contains(r#"tenant_runs_total{tenant="beta",outcome="could_not_start"} 1"#)
    })
    .await;
    let m = replica.handle.metrics();
    for line in [
        r#"cin7_sparklayer_tenant_lease_held{tenant="acme"} 1"#,
        r#"cin7_sparklayer_tenant_lease_held{tenant="beta"} 1"#,
        r#"cin7_sparklayer_tenant_last_success_timestamp_seconds{tenant="acme"} "#,
        "cin7_sparklayer_replicas_alive 1",
    ] {
        assert!(m.contains(line), "{line} in {m}");
    }
    assert!(
        !m.contains(r#"last_success_timestamp_seconds{tenant="beta"}"#),
        "{m}"
    );
    let health = replica.handle.health();
    assert_eq!(
        (
            health.status,
            health.replica.as_str(),
            health.replicas_alive
        ),
        ("ok", "r1", Some(1))
    );
    assert_eq!(
        health.tenants["beta"].health.as_ref().map(|h| h.status),
        Some("error")
    );
    assert_eq!(
        health.tenants["acme"].health.as_ref().map(|h| h.status),
        Some("ok")
    );
    replica.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_webhook_accepted_by_a_replica_without_the_lease_is_synced_by_the_holder() {
    common::init_logs();
    let dir = temp_dir("webhook");
    let world = Arc::new(World::default());
    write_tenant(&dir, "acme", &tenant_toml("token = \"t-acme\"", ""));
    let coordination = Coordination::in_memory();
    let inbox = coordination.inbox.clone();
    let holder = start(&dir, settings("holder"), coordination.clone(), &world);
    eventually(5 * S, "the holder runs acme", || held(&holder) == ["acme"]).await;
    // The other replica, serving HTTP.
    let other = daemon(&dir, settings("other"), coordination, &world);
    let other_handle = other.handle();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(other.serve_on(listener, async move {
        let _ = rx.await;
    }));
    eventually(5 * S, "the other replica knows acme", || {
        other_handle.health().tenants.contains_key("acme")
    })
    .await;
    assert!(other_handle.held().is_empty());
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let post = |tenant: &str, token: &str| {
        http.post(format!(
            "{base}/webhooks/cin7/{tenant}?event=Customer/Updated"
        ))
        .header("authorization", format!("Bearer {token}"))
        .body(r#"{"ID":"c-42"}"#)
        .send()
    };
    assert_eq!(
        post("acme", "wrong")
            .await
            .expect("response")
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        post("nobody", "t-acme")
            .await
            .expect("response")
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        inbox.pending("acme").await.expect("pending"),
        0,
        "refusals store nothing"
    );
    assert_eq!(
        post("acme", "t-acme")
            .await
            .expect("response")
            .status()
            .as_u16(),
        200
    );
    eventually(10 * S, "the holder synced c-42", || {
        world.runs_of("acme").iter().any(|r| {
            r.replica == "holder"
                && matches!(&r.mode, ModeRequest::Records { customer_ids, .. } if customer_ids == &["c-42".to_owned()])
        })
    })
    .await;
    let mut pending = 1;
    for _ in 0..50 {
        pending = inbox.pending("acme").await.expect("pending");
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pending, 0, "the delivery is completed once synced");
    assert!(world.runs_of("acme").iter().all(|r| r.replica == "holder"));
    let metrics = other_handle.metrics();
    assert!(
        metrics.contains(r#"tenant_webhooks_total{tenant="acme",outcome="accepted"} 1"#),
        "{metrics}"
    );
    let _ = stop.send(());
    task.await.expect("task").expect("serves cleanly");
    holder.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_tenant_that_cannot_start_is_reported_and_not_retried_until_its_file_changes() {
    common::init_logs();
    let dir = temp_dir("unstartable");
    let world = Arc::new(World::default());
    world
        .unbuildable
        .lock()
        .expect("lock")
        .push("bad".to_owned());
    write_tenant(&dir, "bad", &tenant_toml("token = \"x\"", ""));
    write_tenant(&dir, "good", &tenant_toml("token = \"x\"", ""));
    let replica = start(&dir, settings("r1"), Coordination::in_memory(), &world);
    eventually(5 * S, "good held", || held(&replica) == ["good"]).await;
    tokio::time::sleep(30 * S).await;
    assert_eq!(world.builds_of("bad").len(), 1, "not rebuilt every tick");
    let error = replica.handle.health().tenants["bad"]
        .config_error
        .clone()
        .unwrap_or_default();
    assert!(error.contains("bad.sqlite is not a state file"), "{error}");
    world.unbuildable.lock().expect("lock").clear();
    write_tenant(&dir, "bad", &tenant_toml("token = \"y\"", ""));
    eventually(5 * S, "bad starts once its file changed", || {
        held(&replica) == ["bad", "good"]
    })
    .await;
    replica.shutdown().await;
}
