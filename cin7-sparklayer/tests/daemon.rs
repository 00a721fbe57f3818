//! The daemon (issue 8).
//!
//! - Schedule, overlap, debounce, retry and shutdown on tokio's paused clock, over a stand-in
//!   runner that records what it was asked to run and when.
//! - The HTTP side over real loopback HTTP: bearer auth, refusals of bad deliveries (and the
//!   queue still works after them), `/healthz` and `/metrics`.
//! - Against the sandbox fakes: a webhook for one customer syncs that customer only (latency and
//!   requests printed, never asserted on time), and a shutdown in the middle of a run leaves a
//!   state from which the next run completes the rest with no duplicate.
//!
//! `cargo test -p cin7-sparklayer --test daemon -- --nocapture` prints the measured figures.

mod common;

use common::{init_logs, state_path};
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use cin7_sparklayer::cin7_client::Cin7Client;
use cin7_sparklayer::core::error::Service;
use cin7_sparklayer::core::ports::{MalformedRecord, RequestCounts};
use cin7_sparklayer::core::report::{RecordKind, RunMode, RunReport};
use cin7_sparklayer::core::{PortError, RunError, Secret};
use cin7_sparklayer::daemon::{
    Daemon, DaemonHandle, DaemonSettings, Outcome, SyncRunner, WebhookRegistration,
    engine_for_daemon,
};
use cin7_sparklayer::{Config, ModeRequest, RunOptions};
use cin7_sparklayer_sandbox::cin7::FakeCin7Options;
use cin7_sparklayer_sandbox::data::CustomerCase;
use cin7_sparklayer_sandbox::shopify::FakeShopifyOptions;
use cin7_sparklayer_sandbox::{Sandbox, SandboxOptions};
use rust_decimal::Decimal;
use tokio::sync::oneshot;
use tokio::time::Instant;

const TOKEN: &str = "hook-token-for-tests";
const H: Duration = Duration::from_secs(3600);
const MIN: Duration = Duration::from_secs(60);
const S: Duration = Duration::from_secs(1);

// ---------------------------------------------------------------------------------------------
// A stand-in runner.

#[derive(Debug, Clone)]
struct Call {
    mode: ModeRequest,
    start: Instant,
    end: Instant,
    interrupted: bool,
}

#[derive(Debug, Default)]
struct FakeInner {
    run_for: Duration,
    calls: Mutex<Vec<Call>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    succeeded_once: AtomicBool,
    fail_records: AtomicU32,
    fail_all: AtomicBool,
    ignore_stop: AtomicBool,
    panic: AtomicBool,
    /// Adds counts to each report, given the mode asked for.
    fill: Option<fn(&ModeRequest, &mut RunReport)>,
}

/// Takes `run_for` (in 1 s steps, checking the stop flag) and answers a report whose mode is
/// what the engine would resolve.
#[derive(Debug, Clone, Default)]
struct Fake(Arc<FakeInner>);

impl Fake {
    fn new(run_for: Duration) -> Self {
        Self(Arc::new(FakeInner {
            run_for,
            ..FakeInner::default()
        }))
    }

    fn calls(&self) -> Vec<Call> {
        self.0.calls.lock().expect("lock").clone()
    }

    async fn go(self, options: RunOptions) -> Result<RunReport, RunError> {
        let f = &self.0;
        let start = Instant::now();
        let now = f.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        f.max_in_flight.fetch_max(now, Ordering::SeqCst);
        assert!(!f.panic.load(Ordering::SeqCst), "a bug in the runner");
        let is_records = matches!(options.mode, ModeRequest::Records { .. });
        let fail = f.fail_all.load(Ordering::SeqCst)
            || (is_records
                && f.fail_records
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok());
        let mut interrupted = false;
        if !fail {
            let mut left = f.run_for;
            while !left.is_zero() {
                let step = left.min(S);
                tokio::time::sleep(step).await;
                left -= step;
                if !f.ignore_stop.load(Ordering::SeqCst)
                    && options
                        .stop
                        .as_ref()
                        .is_some_and(|s| s.load(Ordering::SeqCst))
                {
                    interrupted = true;
                    break;
                }
            }
        }
        f.in_flight.fetch_sub(1, Ordering::SeqCst);
        f.calls.lock().expect("lock").push(Call {
            mode: options.mode.clone(),
            start,
            end: Instant::now(),
            interrupted,
        });
        if fail {
            return Err(RunError::Port {
                step: "reading the Cin7 account (GET me, ref/priceTier)",
                source: PortError::unauthenticated(Service::Cin7, "check CIN7_APPLICATION_KEY"),
            });
        }
        let mode = match options.mode {
            ModeRequest::Full => RunMode::Full,
            ModeRequest::Records { .. } => RunMode::Records,
            ModeRequest::Auto if f.succeeded_once.load(Ordering::SeqCst) => RunMode::Incremental,
            ModeRequest::Auto => RunMode::Full,
        };
        let mut report = RunReport::new(mode, false, Utc::now());
        report.interrupted = interrupted;
        if let Some(fill) = f.fill {
            fill(&options.mode, &mut report);
        }
        if !interrupted {
            f.succeeded_once.store(true, Ordering::SeqCst);
        }
        Ok(report)
    }
}

impl SyncRunner for Fake {
    fn run(&self, options: RunOptions) -> impl Future<Output = Result<RunReport, RunError>> + Send {
        self.clone().go(options)
    }
}

fn settings(interval: Duration) -> DaemonSettings {
    DaemonSettings {
        listen: "127.0.0.1:0".into(),
        webhook_token: Secret::new(TOKEN),
        interval,
        register_every: interval,
        full_every: DaemonSettings::FULL_EVERY,
        debounce: 3 * S,
        max_records_per_run: 250,
        max_queue: 1000,
        body_limit: 64 * 1024,
        last_full_run: None,
        shutdown_grace: 10 * MIN,
        poll: None,
        poll_handover: 100,
        cin7_calls_per_minute: 60,
    }
}

struct Running {
    handle: DaemonHandle,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), cin7_sparklayer::daemon::DaemonError>>,
}

impl Running {
    async fn shutdown(self) {
        let _ = self.stop.send(());
        self.task
            .await
            .expect("daemon task")
            .expect("daemon stops cleanly");
    }
}

fn start_worker<R: SyncRunner + std::fmt::Debug>(runner: R, settings: DaemonSettings) -> Running {
    let daemon = Daemon::new(runner, settings).expect("daemon");
    let handle = daemon.handle();
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(daemon.run_worker(async move {
        let _ = rx.await;
    }));
    Running { handle, stop, task }
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn records(customers: &[&str], products: &[&str]) -> ModeRequest {
    ModeRequest::Records {
        customer_ids: ids(customers),
        product_ids: ids(products),
    }
}

// ---------------------------------------------------------------------------------------------
// Paused clock.

#[tokio::test(start_paused = true)]
async fn startup_run_then_incremental_every_interval_and_a_daily_full() {
    let fake = Fake::new(10 * MIN);
    let t0 = Instant::now();
    let d = start_worker(fake.clone(), settings(6 * H));
    tokio::time::sleep(50 * H).await;
    d.shutdown().await;
    let got: Vec<(u64, ModeRequest)> = fake
        .calls()
        .into_iter()
        .map(|c| ((c.start - t0).as_secs() / 3600, c.mode))
        .collect();
    use ModeRequest::{Auto, Full};
    assert_eq!(
        got,
        vec![
            (0, Auto),
            (6, Auto),
            (12, Auto),
            (18, Auto),
            (24, Full),
            (30, Auto),
            (36, Auto),
            (42, Auto),
            (48, Full),
        ],
        "the start-up Auto run resolved to full, so the next full is a day later"
    );
    assert_eq!(fake.0.max_in_flight.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_run_longer_than_the_interval_delays_the_next_and_runs_never_overlap() {
    let fake = Fake::new(40 * MIN);
    let t0 = Instant::now();
    let d = start_worker(fake.clone(), settings(15 * MIN));
    tokio::time::sleep(5 * MIN).await;
    d.handle.queue_customers(ids(&["c1"]));
    tokio::time::sleep(3 * H).await;
    d.shutdown().await;
    let calls = fake.calls();
    assert_eq!(
        fake.0.max_in_flight.load(Ordering::SeqCst),
        1,
        "never two runs at once"
    );
    for pair in calls.windows(2) {
        assert!(pair[1].start >= pair[0].end, "{pair:?}");
    }
    let starts: Vec<u64> = calls
        .iter()
        .map(|c| (c.start - t0).as_secs() / 60)
        .collect();
    assert_eq!(
        &starts[..4],
        &[0, 40, 80, 120],
        "each run starts when the one before ends"
    );
    assert_eq!(
        calls[1].mode,
        records(&["c1"], &[]),
        "the webhook waited for the running run"
    );
    assert_eq!(calls[2].mode, ModeRequest::Auto);
    assert!(
        calls[2..].iter().all(|c| c.mode == ModeRequest::Auto),
        "missed ticks are not made up one by one: {:?}",
        calls.iter().map(|c| &c.mode).collect::<Vec<_>>()
    );
}

#[tokio::test(start_paused = true)]
async fn webhook_ids_are_deduplicated_and_debounced_into_one_records_run() {
    let fake = Fake::new(10 * MIN);
    let t0 = Instant::now();
    let d = start_worker(fake.clone(), settings(6 * H));
    tokio::time::sleep(20 * MIN).await;
    assert_eq!(d.handle.queue_customers(ids(&["a", "b", "a"])), 2);
    tokio::time::sleep(S).await;
    assert_eq!(d.handle.queue_customers(ids(&["b", "c"])), 1);
    assert_eq!(d.handle.queue_products(ids(&["p"])), 1);
    assert_eq!(d.handle.queued(), (3, 1));
    tokio::time::sleep(30 * MIN).await;
    assert_eq!(d.handle.queued(), (0, 0));
    d.shutdown().await;
    let calls = fake.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[1].mode, records(&["a", "b", "c"], &["p"]));
    assert_eq!(
        calls[1].start - t0,
        20 * MIN + 3 * S,
        "debounce counts from the oldest ID"
    );
}

#[tokio::test(start_paused = true)]
async fn a_records_run_that_cannot_start_is_retried_with_its_ids() {
    let fake = Fake::new(Duration::ZERO);
    fake.0.fail_records.store(1, Ordering::SeqCst);
    let d = start_worker(fake.clone(), settings(6 * H));
    tokio::time::sleep(20 * MIN).await;
    d.handle.queue_customers(ids(&["x"]));
    tokio::time::sleep(10 * MIN).await;
    let health = d.handle.health();
    d.shutdown().await;
    let calls: Vec<Call> = fake
        .calls()
        .into_iter()
        .filter(|c| matches!(c.mode, ModeRequest::Records { .. }))
        .collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0].mode, calls[1].mode);
    assert_eq!(
        calls[1].start - calls[0].start,
        MIN,
        "retried after the first backoff step"
    );
    assert_eq!(health.status, "ok", "the retry succeeded");
}

#[tokio::test(start_paused = true)]
async fn shutdown_stops_the_run_in_flight_and_the_worker() {
    let fake = Fake::new(40 * MIN);
    let t0 = Instant::now();
    let d = start_worker(fake.clone(), settings(6 * H));
    tokio::time::sleep(5 * MIN).await;
    let handle = d.handle.clone();
    d.shutdown().await;
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert!(calls[0].interrupted);
    assert!(
        calls[0].end - t0 <= 5 * MIN + S,
        "stopped after the step in flight"
    );
    let health = handle.health();
    assert_eq!(
        health.last_run.as_ref().map(|l| l.outcome),
        Some(Outcome::Interrupted)
    );
    assert!(health.running.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_run_that_does_not_stop_is_abandoned_after_the_grace_period() {
    let fake = Fake::new(40 * MIN);
    fake.0.ignore_stop.store(true, Ordering::SeqCst);
    let mut s = settings(6 * H);
    s.shutdown_grace = 25 * S;
    let d = start_worker(fake.clone(), s);
    tokio::time::sleep(5 * MIN).await;
    let asked = Instant::now();
    d.shutdown().await;
    assert_eq!(
        Instant::now() - asked,
        25 * S,
        "serve returns after the grace period"
    );
    assert!(
        fake.calls().is_empty(),
        "the run was abandoned, not finished"
    );
}

#[tokio::test(start_paused = true)]
async fn a_dead_worker_fails_the_daemon_instead_of_leaving_webhooks_unrun() {
    let fake = Fake::new(MIN);
    fake.0.panic.store(true, Ordering::SeqCst);
    let d = start_worker(fake, settings(6 * H));
    let result = d.task.await.expect("daemon task");
    assert!(
        matches!(result, Err(cin7_sparklayer::daemon::DaemonError::Worker(_))),
        "{result:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn big_bursts_are_split_and_an_overflow_becomes_a_catch_up_run() {
    let fake = Fake::new(MIN);
    let mut s = settings(6 * H);
    s.max_records_per_run = 250;
    s.max_queue = 400;
    let d = start_worker(fake.clone(), s);
    tokio::time::sleep(10 * MIN).await;
    d.handle
        .queue_customers((0..300).map(|i| format!("c{i:03}")));
    tokio::time::sleep(10 * MIN).await;
    d.handle
        .queue_customers((0..500).map(|i| format!("d{i:03}")));
    tokio::time::sleep(10 * MIN).await;
    assert_eq!(d.handle.queued(), (0, 0));
    d.shutdown().await;
    let sizes: Vec<String> = fake
        .calls()
        .iter()
        .map(|c| match &c.mode {
            ModeRequest::Records { customer_ids, .. } => customer_ids.len().to_string(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(sizes, vec!["Auto", "250", "50", "Auto"], "{sizes:?}");
}

// ---------------------------------------------------------------------------------------------
// HTTP on loopback, with the stand-in runner.

struct Served {
    base: String,
    running: Running,
    http: reqwest::Client,
}

async fn serve<R: SyncRunner + std::fmt::Debug>(runner: R, settings: DaemonSettings) -> Served {
    serve_daemon(Daemon::new(runner, settings).expect("daemon")).await
}

async fn serve_daemon<R: SyncRunner + std::fmt::Debug>(daemon: Daemon<R>) -> Served {
    let handle = daemon.handle();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(daemon.serve_on(listener, async move {
        let _ = rx.await;
    }));
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    Served {
        base,
        running: Running { handle, stop, task },
        http,
    }
}

async fn runs_finished(handle: &DaemonHandle, n: u64) {
    let mut rx = handle.status().runs_finished();
    tokio::time::timeout(Duration::from_secs(120), rx.wait_for(|k| *k >= n))
        .await
        .expect("hang guard: the run finishes")
        .expect("status alive");
}

impl Served {
    async fn post(
        &self,
        auth: Option<&str>,
        query: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, String) {
        let mut req = self
            .http
            .post(format!("{}/webhooks/cin7{query}", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.expect("response");
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap_or_default())
    }

    async fn get(&self, path: &str) -> (u16, String, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("response");
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, ctype, resp.text().await.unwrap_or_default())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_auth_and_bad_deliveries_are_refused_and_the_queue_keeps_working() {
    let fake = Fake::new(Duration::ZERO);
    let mut s = settings(H);
    s.debounce = Duration::from_millis(20);
    let srv = serve(fake.clone(), s).await;
    let h = &srv.running.handle;
    runs_finished(h, 1).await;
    let good = r#"{"CustomerDetailsList":[{"ID":"c-1","Name":"A"},{"ID":"c-1"}]}"#;
    let bearer = format!("Bearer {TOKEN}");

    let (code, body) = srv.post(None, "", good).await;
    assert_eq!(code, 401, "{body}");
    assert!(!body.contains(TOKEN));
    assert_eq!(srv.post(Some("Bearer nope"), "", good).await.0, 401);
    assert_eq!(srv.post(Some(TOKEN), "", good).await.0, 401, "no scheme");
    assert_eq!(h.queued(), (0, 0), "refused: nothing queued");

    assert_eq!(srv.post(Some(&bearer), "", "{not json").await.0, 400);
    assert_eq!(srv.post(Some(&bearer), "", "[]").await.0, 400);
    assert_eq!(
        srv.post(
            Some(&bearer),
            "",
            r#"{"CustomerDetailsList":[{"Name":"no id"}]}"#
        )
        .await
        .0,
        400
    );
    assert_eq!(
        srv.post(
            Some(&bearer),
            "",
            r#"{"SaleID":"1","EventType":"Sale/OrderAuthorised"}"#
        )
        .await
        .0,
        422
    );
    assert_eq!(
        srv.post(Some(&bearer), "?event=Supplier/Updated", r#"{"ID":"s"}"#)
            .await
            .0,
        422
    );
    let big = format!(
        r#"{{"CustomerDetailsList":[{{"ID":"c-2","Pad":"{}"}}]}}"#,
        "x".repeat(64 * 1024)
    );
    assert_eq!(srv.post(Some(&bearer), "", big).await.0, 413);
    assert_eq!(h.queued(), (0, 0));
    assert_eq!(fake.calls().len(), 1, "no run for a refused delivery");

    let (code, body) = srv.post(Some(&bearer), "", good).await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains(r#""queued":1"#), "{body}");
    runs_finished(h, 2).await;
    assert_eq!(fake.calls()[1].mode, records(&["c-1"], &[]));
    let (code, body) = srv
        .post(
            Some(&bearer),
            "?event=Product/Updated",
            r#"{"ProductID":"p-9"}"#,
        )
        .await;
    assert_eq!(code, 200, "{body}");
    runs_finished(h, 3).await;
    assert_eq!(fake.calls()[2].mode, records(&[], &["p-9"]));

    let (code, ctype, health) = srv.get("/healthz").await;
    assert_eq!(code, 200);
    assert!(ctype.starts_with("application/json"));
    let health: serde_json::Value = serde_json::from_str(&health).expect("json");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["last_run"]["mode"], "records");
    assert_eq!(health["last_run"]["outcome"], "succeeded");

    let (code, ctype, metrics) = srv.get("/metrics").await;
    assert_eq!(code, 200);
    assert!(ctype.starts_with("application/openmetrics-text; version=1.0.0"));
    for line in [
        r#"cin7_sparklayer_webhooks_total{event="unknown",result="unauthorized"} 3"#,
        r#"cin7_sparklayer_webhooks_total{event="unknown",result="malformed"} 3"#,
        r#"cin7_sparklayer_webhooks_total{event="unknown",result="unknown_event"} 2"#,
        r#"cin7_sparklayer_webhooks_total{event="unknown",result="too_large"} 1"#,
        r#"cin7_sparklayer_webhooks_total{event="Customer/Updated",result="accepted"} 1"#,
        r#"cin7_sparklayer_webhooks_total{event="Product/Updated",result="accepted"} 1"#,
        r#"cin7_sparklayer_runs_total{mode="records",outcome="succeeded"} 2"#,
        r#"cin7_sparklayer_runs_total{mode="full",outcome="succeeded"} 1"#,
        r#"cin7_sparklayer_queue_length{kind="customer"} 0"#,
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing {line}\n{metrics}"
        );
    }
    assert!(!metrics.contains(TOKEN));
    srv.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_is_503_when_the_last_run_could_not_start() {
    let fake = Fake::new(Duration::ZERO);
    fake.0.fail_all.store(true, Ordering::SeqCst);
    let srv = serve(fake, settings(H)).await;
    runs_finished(&srv.running.handle, 1).await;
    let (code, _, body) = srv.get("/healthz").await;
    assert_eq!(code, 503, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(health["status"], "error");
    assert_eq!(health["last_run"]["outcome"], "could_not_start");
    assert!(
        health["last_run"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("CIN7_APPLICATION_KEY"))
    );
    srv.running.shutdown().await;
}

#[test]
fn settings_need_a_webhook_token_and_never_show_it() {
    let base = "[cin7]\naccount_id = \"a\"\napplication_key = \"k\"\n[shopify]\nshop = \"s.myshopify.com\"\naccess_token = \"t\"\n[sparklayer]\nsite_id = \"x\"\nclient_id = \"c\"\nclient_secret = \"s\"\n";
    let config = Config::from_toml_str(base, |_| None).expect("config");
    let err = DaemonSettings::from_config(&config).expect_err("no token");
    assert!(err.to_string().contains("CIN7_WEBHOOK_TOKEN"), "{err}");
    let config = Config::from_toml_str(base, |k| {
        (k == "CIN7_WEBHOOK_TOKEN").then(|| "env-secret-token".to_owned())
    })
    .expect("config");
    let s = DaemonSettings::from_config(&config).expect("token from the environment");
    assert_eq!(s.webhook_token.expose(), "env-secret-token");
    assert!(!format!("{s:?}").contains("env-secret-token"));
    let d = Daemon::new(Fake::default(), s).expect("daemon");
    assert!(!format!("{d:?}").contains("env-secret-token"));
    let mut blank = settings(H);
    blank.webhook_token = Secret::new("  ");
    assert!(Daemon::new(Fake::default(), blank).is_err());
}

// ---------------------------------------------------------------------------------------------
// Against the sandbox fakes.

async fn sandbox(seed: u64, customers: usize, shopify: FakeShopifyOptions) -> Sandbox {
    init_logs();
    Sandbox::start(SandboxOptions {
        seed,
        customers,
        products: 400,
        cin7: FakeCin7Options::unlimited(),
        calls_per_minute: 6000,
        shopify,
        ..SandboxOptions::default()
    })
    .await
    .expect("fakes start")
}

fn fast_shopify() -> FakeShopifyOptions {
    FakeShopifyOptions {
        restore_rate: 20_000.0,
        ..FakeShopifyOptions::default()
    }
}

fn config(sb: &Sandbox, state: &Path) -> Config {
    let extra = format!("[daemon]\nwebhook_token = \"{TOKEN}\"\n");
    Config::from_toml_str(&sb.config_toml(state, &extra), |_| None).expect("config")
}

fn email_of(sb: &Sandbox, id: &str) -> String {
    let c = sb.cin7.customer(id).expect("customer");
    c["Contacts"][0]["Email"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn requests(r: &RunReport, s: Service) -> (u64, u64) {
    r.requests.get(&s).map_or((0, 0), |c| (c.reads, c.writes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_sync_just_the_named_customer_or_product() {
    let sb = sandbox(11, 120, fast_shopify()).await;
    let state = state_path("webhook");
    let config = config(&sb, &state);
    let daemon = Daemon::from_config(&config).expect("daemon");
    let settings = daemon.settings().clone();
    let srv_handle = daemon.handle();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(daemon.serve_on(listener, async move {
        let _ = rx.await;
    }));
    let running = Running {
        handle: srv_handle.clone(),
        stop,
        task,
    };

    runs_finished(&srv_handle, 1).await;
    let first = srv_handle.status().last_report().expect("start-up report");
    assert_eq!(
        first.mode,
        RunMode::Full,
        "nothing recorded: the start-up run is full"
    );
    assert_eq!(first.failures, vec![]);

    let id = sb
        .dataset
        .customers_of(CustomerCase::Valid)
        .filter_map(|i| sb.dataset.customer_id(i).map(str::to_owned))
        .find(|id| sb.shopify.customer_by_email(&email_of(&sb, id)).is_some())
        .expect("a synced valid customer");
    let email = email_of(&sb, &id);
    let before = sb.shopify.customer_by_email(&email).expect("in Shopify");
    assert_ne!(before.first_name.as_deref(), Some("Zedekiah"));
    assert!(sb.cin7.update_customer(&id, |c| {
        c["Contacts"][0]["Name"] = "Zedekiah Webhook".into();
    }));
    let shopify_before = sb.shopify.stats();

    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let sent = std::time::Instant::now();
    let resp = http
        .post(format!("{base}/webhooks/cin7"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "CustomerDetailsList": [ { "ID": id, "Name": "x" } ] }))
        .send()
        .await
        .expect("response");
    let answered = sent.elapsed();
    assert_eq!(resp.status().as_u16(), 200);
    // Poll the fake (a hang guard bounds the loop; the figure is printed, not asserted).
    let latency = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            if sb
                .shopify
                .customer_by_email(&email)
                .is_some_and(|c| c.first_name.as_deref() == Some("Zedekiah"))
            {
                return sent.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("hang guard: Shopify gets the change");
    runs_finished(&srv_handle, 2).await;
    let r = srv_handle.status().last_report().expect("records report");
    let after = sb.shopify.customer_by_email(&email).expect("still there");
    assert_eq!(after.id, before.id);
    assert_eq!(r.mode, RunMode::Records);
    assert_eq!(r.failures, vec![]);
    assert_eq!(
        r.customers,
        [("update".to_owned(), 1)].into_iter().collect(),
        "that customer only"
    );
    let cin7 = requests(&r, Service::Cin7);
    let shopify = requests(&r, Service::Shopify);
    let sparklayer = requests(&r, Service::SparkLayer);
    let shopify_after = sb.shopify.stats();
    println!(
        "webhook → 200 in {answered:?}; webhook → Shopify has the change in {latency:?} (debounce {:?}); \
         records run took {} ms; requests: Cin7 {} reads, Shopify {} reads + {} writes, SparkLayer {} reads + {} writes \
         (Shopify fake saw {} requests)",
        settings.debounce,
        (r.finished_at - r.started_at).num_milliseconds(),
        cin7.0,
        shopify.0,
        shopify.1,
        sparklayer.0,
        sparklayer.1,
        shopify_after.requests - shopify_before.requests,
    );
    // One record's worth: GET customer?ID=… (the account facts come from the start-up run,
    // E12); the Shopify access check and metafield definitions (once per run, E10), one
    // lookup and one write document; SparkLayer reads only (groups, lists), no write.
    assert_eq!(cin7, (1, 0), "Cin7: the one customer");
    assert!(
        shopify.0 <= 4 && (1..=2).contains(&shopify.1),
        "Shopify {shopify:?}"
    );
    assert!(
        sparklayer.0 <= 3 && sparklayer.1 == 0,
        "SparkLayer {sparklayer:?}"
    );

    // Product/Updated: a tier price changed in Cin7 reaches SparkLayer the same way.
    let (slug, sku) = sb
        .sparklayer
        .price_lists()
        .into_iter()
        .filter(|(slug, _)| slug.starts_with("cin7-tier-"))
        .find_map(|(slug, l)| {
            l.prices
                .keys()
                .next()
                .map(|sku| (slug.clone(), sku.clone()))
        })
        .expect("a published tier price");
    let tier: u8 = slug["cin7-tier-".len()..].parse().expect("tier code");
    let pid = sb
        .dataset
        .products
        .iter()
        .find(|p| p["SKU"].as_str() == Some(sku.as_str()))
        .and_then(|p| p["ID"].as_str())
        .expect("the product")
        .to_owned();
    let price = Decimal::new(12_3456, 4);
    assert!(sb.cin7.set_product_price(&sku, tier, price));
    let sent = std::time::Instant::now();
    let resp = http
        .post(format!("{base}/webhooks/cin7?event=Product/Updated"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "ProductDetailsList": [ { "ID": pid } ] }))
        .send()
        .await
        .expect("response");
    assert_eq!(resp.status().as_u16(), 200);
    let latency = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let now = sb.sparklayer.price_lists();
            if now
                .get(&slug)
                .and_then(|l| l.prices.get(&sku))
                .and_then(|rows| rows.first())
                .is_some_and(|row| row.price == price)
            {
                return sent.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("hang guard: SparkLayer gets the price");
    runs_finished(&srv_handle, 3).await;
    let r = srv_handle.status().last_report().expect("records report");
    assert_eq!(r.mode, RunMode::Records);
    assert_eq!(r.failures, vec![]);
    assert_eq!(r.products_read, 1);
    assert_eq!(r.price_rows_written, 1);
    assert_eq!(r.sink_writes(), 1, "one PATCH: {:?}", r.requests);
    println!(
        "product webhook → SparkLayer has the price in {latency:?}; requests: Cin7 {:?}, Shopify {:?}, SparkLayer {:?} (reads, writes)",
        requests(&r, Service::Cin7),
        requests(&r, Service::Shopify),
        requests(&r, Service::SparkLayer),
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_during_a_run_leaves_state_the_next_run_completes() {
    // The stop flag is set as soon as Shopify saw a few mutations: the start-up run is in the middle.
    let sb = sandbox(12, 300, fast_shopify()).await;
    let state = state_path("shutdown");
    let config = config(&sb, &state);
    let daemon = Daemon::from_config(&config).expect("daemon");
    let handle = daemon.handle();
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(daemon.run_worker(async move {
        let _ = rx.await;
    }));
    tokio::time::timeout(Duration::from_secs(120), async {
        while sb.shopify.stats().mutations < 3 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("hang guard: the run writes");
    let _ = stop.send(());
    task.await.expect("task").expect("clean stop");
    let stopped = handle.status().last_report().expect("report");
    assert!(stopped.interrupted, "the run was stopped in the middle");
    let created_before = stopped.customers.get("create").copied().unwrap_or(0);
    let shopify_now = sb.shopify.customers().len() as u64;
    assert_eq!(
        shopify_now, created_before,
        "state written for every customer Shopify has (the record in flight finished)"
    );

    let engine = cin7_sparklayer::daemon::engine_for_daemon(&config).expect("engine");
    let rest = engine.run(RunOptions::default()).await.expect("run");
    assert_eq!(
        rest.mode,
        RunMode::Full,
        "an interrupted run does not move the cursor"
    );
    assert_eq!(rest.failures, vec![]);
    let created_after = rest.customers.get("create").copied().unwrap_or(0);
    let customers = sb.shopify.customers();
    let mut emails: Vec<String> = customers
        .iter()
        .filter_map(|c| c.email.clone())
        .map(|e| e.to_lowercase())
        .collect();
    emails.sort();
    emails.dedup();
    assert_eq!(emails.len(), customers.len(), "no duplicate customer");
    assert_eq!(customers.len() as u64, created_before + created_after);
    assert_eq!(
        u64::from(sb.shopify.total_invites()),
        customers.len() as u64,
        "every invite sent once"
    );
    let again = engine.run(RunOptions::default()).await.expect("run");
    assert_eq!(
        again.sink_writes(),
        0,
        "nothing left to do: {:?}",
        again.requests
    );
    println!(
        "shutdown: the stopped run created {created_before} customers, the next run {created_after}; \
         {} in Shopify",
        customers.len()
    );
}

/// With `daemon.public_url`, the daemon registers one webhook per event in Cin7 at start, with
/// its own URL and the bearer token, and puts back one that Cin7 switched off at the next
/// interval; a delivery to that URL then syncs the record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_registers_its_webhooks_in_cin7() {
    let sb = sandbox(17, 40, fast_shopify()).await;
    let state = state_path("register");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let public_url = format!("http://{}", listener.local_addr().expect("addr"));
    let extra = format!("[daemon]\nwebhook_token = \"{TOKEN}\"\npublic_url = \"{public_url}/\"\n");
    let config = Config::from_toml_str(&sb.config_toml(&state, &extra), |_| None).expect("config");
    let mut settings = DaemonSettings::from_config(&config).expect("settings");
    settings.register_every = Duration::from_secs(1);
    let from_config = Daemon::from_config(&config).expect("daemon");
    assert!(format!("{from_config:?}").contains("WebhookRegistration"));
    drop(from_config);
    let daemon = Daemon::new(engine_for_daemon(&config).expect("engine"), settings)
        .expect("daemon")
        .with_registration(WebhookRegistration {
            client: Cin7Client::from_config(&config.cin7).expect("cin7 client"),
            public_url: format!("{public_url}/"),
        });
    assert!(!format!("{daemon:?}").contains(TOKEN));
    let handle = daemon.handle();
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(daemon.serve_on(listener, async move {
        let _ = rx.await;
    }));
    let running = Running {
        handle: handle.clone(),
        stop,
        task,
    };

    let registered = wait_for(|| sb.cin7.webhooks().len() == 2).await;
    assert!(registered, "webhooks: {:?}", sb.cin7.webhooks());
    assert!(wait_for(|| handle.health().webhooks_registered == Some(true)).await);
    assert!(
        handle
            .metrics()
            .lines()
            .any(|l| l == "cin7_sparklayer_webhooks_registered 1"),
        "{}",
        handle.metrics()
    );
    for hook in sb.cin7.webhooks() {
        let kind = hook["Type"].as_str().unwrap_or_default();
        assert_eq!(
            hook["ExternalURL"],
            format!("{public_url}/webhooks/cin7?event={kind}")
        );
        assert_eq!(hook["ExternalAuthorizationType"], "bearerauth");
        assert_eq!(hook["ExternalBearerToken"], TOKEN);
        assert_eq!(hook["IsActive"], true);
    }

    // Cin7 switches one off after failed deliveries: the next interval turns it back on.
    sb.cin7
        .edit_webhooks(|hooks| hooks[0]["IsActive"] = false.into());
    let back = wait_for(|| sb.cin7.webhooks().iter().all(|h| h["IsActive"] == true)).await;
    assert!(back, "webhooks: {:?}", sb.cin7.webhooks());
    assert_eq!(sb.cin7.webhooks().len(), 2, "updated, not duplicated");

    // A delivery to a registered URL is taken.
    runs_finished(&handle, 1).await;
    let hook = sb.cin7.webhooks()[0].clone();
    let url = hook["ExternalURL"].as_str().unwrap_or_default().to_owned();
    let list_key = if hook["Type"] == "Customer/Updated" {
        "CustomerDetailsList"
    } else {
        "ProductDetailsList"
    };
    let status = reqwest::Client::new()
        .post(url)
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ list_key: [{ "ID": "some-id" }] }))
        .send()
        .await
        .expect("delivery")
        .status();
    assert!(status.is_success(), "{status}");
    running.shutdown().await;
}

/// What the stand-in's reports hold for [`metrics_name_every_family_and_label_set`]: a full run
/// that creates, skips and patches; a records run with one failed customer.
fn fill_for_metrics(mode: &ModeRequest, r: &mut RunReport) {
    let counts = RequestCounts {
        reads: 4,
        writes: 1,
        throttled: 1,
        retried: 2,
    };
    r.requests.insert(Service::Cin7, counts);
    if matches!(mode, ModeRequest::Records { .. }) {
        r.count_customer("update");
        let error = PortError::unauthenticated(Service::Shopify, "check SHOPIFY_ACCESS_TOKEN");
        r.fail(RecordKind::Customer, "c-1", "writing the customer", &error);
    } else {
        r.count_customer("create");
        r.count_customer("create");
        let bad = MalformedRecord {
            id: Some("c-bad".into()),
            field: Some("CreditLimit".into()),
            reason: "not a number".into(),
        };
        r.skip_malformed(RecordKind::Customer, &bad);
        r.count_list("patch");
        r.price_rows_written = 7;
        r.price_rows_removed = 1;
    }
}

/// One sample of an OpenMetrics text: `(name, [(label, value)], value)`.
type Sample = (String, Vec<(String, String)>, f64);

/// The samples of an OpenMetrics text.
fn samples(text: &str) -> Vec<Sample> {
    let parse_labels = |inner: &str| -> Vec<(String, String)> {
        inner
            .split("\",")
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once("=\"").expect("label=\"value\"");
                (k.to_owned(), v.trim_end_matches('"').to_owned())
            })
            .collect()
    };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("sample value");
            let value = value.parse().expect("a number");
            match series.split_once('{') {
                Some((name, rest)) => {
                    let inner = rest.strip_suffix('}').expect("closing brace");
                    (name.to_owned(), parse_labels(inner), value)
                }
                None => (series.to_owned(), Vec::new(), value),
            }
        })
        .collect()
}

/// `/metrics` scraped from a running daemon after a full run, a webhook records run, a refused
/// delivery and a webhook registration: every metric and label set of the hand-written
/// exposition it replaced is there (same names, same label names), with the values of what
/// happened; OpenMetrics, served as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_name_every_family_and_label_set() {
    let sb = sandbox(29, 10, fast_shopify()).await;
    let config = config(&sb, &state_path("metrics"));
    let fake = Fake(Arc::new(FakeInner {
        fill: Some(fill_for_metrics),
        ..FakeInner::default()
    }));
    let mut s = settings(H);
    s.debounce = Duration::from_millis(20);
    let started = Utc::now().timestamp() as f64;
    let daemon = Daemon::new(fake, s)
        .expect("daemon")
        .with_registration(WebhookRegistration {
            client: Cin7Client::from_config(&config.cin7).expect("cin7 client"),
            public_url: "http://127.0.0.1:9".into(),
        });
    let srv = serve_daemon(daemon).await;
    let h = &srv.running.handle;
    runs_finished(h, 1).await;
    assert!(wait_for(|| h.health().webhooks_registered == Some(true)).await);
    let delivery = r#"{"CustomerDetailsList":[{"ID":"c-1"}]}"#;
    assert_eq!(srv.post(None, "", delivery).await.0, 401);
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(srv.post(Some(&bearer), "", delivery).await.0, 200);
    runs_finished(h, 2).await;

    let (code, ctype, text) = srv.get("/metrics").await;
    assert_eq!(code, 200);
    assert_eq!(
        ctype,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert_eq!(text.lines().last(), Some("# EOF"), "{text}");
    assert!(
        text.contains("# TYPE cin7_sparklayer_runs counter\n"),
        "{text}"
    );
    let got = samples(&text);
    let value = |name: &str, labels: &[(&str, &str)]| -> Option<f64> {
        got.iter()
            .find(|(n, l, _)| {
                n == name
                    && l.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| l.contains(&((*k).into(), (*v).into())))
            })
            .map(|(_, _, v)| *v)
    };
    let m = |name: &str| format!("cin7_sparklayer_{name}");
    for (name, labels, want) in [
        (
            "runs_total",
            &[("mode", "full"), ("outcome", "succeeded")][..],
            1.0,
        ),
        (
            "runs_total",
            &[("mode", "records"), ("outcome", "failed_records")],
            1.0,
        ),
        ("customers_total", &[("action", "create")], 2.0),
        ("customers_total", &[("action", "skip")], 1.0),
        ("customers_total", &[("action", "update")], 1.0),
        ("skips_total", &[("reason", "malformed")], 1.0),
        ("price_lists_total", &[("action", "patch")], 1.0),
        ("price_rows_total", &[("change", "written")], 7.0),
        ("price_rows_total", &[("change", "removed")], 1.0),
        ("record_failures_total", &[("kind", "customer")], 1.0),
        ("requests_total", &[("api", "cin7"), ("kind", "read")], 8.0),
        ("requests_total", &[("api", "cin7"), ("kind", "write")], 2.0),
        ("throttled_requests_total", &[("api", "cin7")], 2.0),
        ("retried_requests_total", &[("api", "cin7")], 4.0),
        (
            "webhooks_total",
            &[("event", "Customer/Updated"), ("result", "accepted")],
            1.0,
        ),
        (
            "webhooks_total",
            &[("event", "unknown"), ("result", "unauthorized")],
            1.0,
        ),
        ("webhook_registrations_total", &[("result", "ok")], 1.0),
        ("webhooks_registered", &[], 1.0),
        ("run_in_progress", &[], 0.0),
        ("queue_length", &[("kind", "customer")], 0.0),
        ("queue_length", &[("kind", "product")], 0.0),
    ] {
        assert_eq!(
            value(&m(name), labels),
            Some(want),
            "{name} {labels:?}\n{text}"
        );
    }
    let now = Utc::now().timestamp() as f64 + 1.0;
    for stamp in [
        "last_success_timestamp_seconds",
        "last_run_timestamp_seconds",
    ] {
        let at = value(&m(stamp), &[]).unwrap_or_else(|| panic!("no {stamp}\n{text}"));
        assert!(
            (started..=now).contains(&at),
            "{stamp} {at} not in this test\n{text}"
        );
    }
    // Nothing else: each sample is one of the families above.
    let families = [
        "runs_total",
        "customers_total",
        "skips_total",
        "price_lists_total",
        "price_rows_total",
        "record_failures_total",
        "requests_total",
        "throttled_requests_total",
        "retried_requests_total",
        "webhooks_total",
        "webhook_registrations_total",
        "webhooks_registered",
        "last_success_timestamp_seconds",
        "last_run_timestamp_seconds",
        "run_in_progress",
        "queue_length",
        // E12's poll histogram, shown (at 0) with the poll off too.
        "poll_records_found_bucket",
        "poll_records_found_sum",
        "poll_records_found_count",
    ];
    for (name, _, _) in &got {
        assert!(families.iter().any(|f| *name == m(f)), "unexpected {name}");
    }
    srv.running.shutdown().await;
}

/// Polls `done` for up to 20 s.
async fn wait_for(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done()
}
