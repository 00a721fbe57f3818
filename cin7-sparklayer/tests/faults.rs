//! Fault injection, end to end (issue 7, item 1): the three sandbox fakes answer a seeded ~10 %
//! of requests with 5xx and throttles (Cin7 429/503, Shopify `THROTTLED` and 503, SparkLayer
//! 5xx, 429 with `Retry-After` and 409), and SparkLayer's tokens are expired once in the middle
//! of the pricing pass. After at most two runs the Shopify and SparkLayer state equals a
//! fault-free run's over the same seeded data: no duplicate customer, every invite sent once.
//!
//! It prints the faults the fakes injected and what the run reports counted as throttled and
//! retried, and asserts them loosely (> 0), never on time.
//!
//! `cargo test -p cin7-sparklayer --test faults -- --nocapture`

mod common;

use common::{init_logs, state_path};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use cin7_sparklayer::core::PortError;
use cin7_sparklayer::core::error::Service;
use cin7_sparklayer::core::model::{PriceListHeader, PriceRow};
use cin7_sparklayer::core::ports::{PatchOutcome, PriceListSink, RemotePriceList, RequestCounts};
use cin7_sparklayer::core::report::RunReport;
use cin7_sparklayer::{Config, EngineSettings, RunOptions, SyncEngine, ports_from_config};
use cin7_sparklayer_sandbox::cin7::{FakeCin7Options, ThrottleStatus};
use cin7_sparklayer_sandbox::shopify::FakeShopifyOptions;
use cin7_sparklayer_sandbox::sparklayer::{FakeSparkLayerOptions, Faults};
use cin7_sparklayer_sandbox::{Sandbox, SandboxOptions};

const SEED: u64 = 77;
const CUSTOMERS: usize = 80;
const PRODUCTS: usize = 300;
/// Small Cin7 pages, so the Cin7 walk makes enough requests for a 10 % fault rate to bite.
const CIN7_PAGE: u32 = 10;

/// The sandbox with rate limits scaled up (as in `e2e.rs`) and, when `faulty`, seeded faults.
async fn sandbox(faulty: bool) -> Sandbox {
    init_logs();
    let cin7 = if faulty {
        FakeCin7Options {
            calls_per_window: None,
            fault_rate: 0.05,
            throttle_rate: 0.05,
            throttle_status: ThrottleStatus::Alternate,
            // Cin7 promises no Retry-After; without one the client backs off toward the next
            // 60-second window (15 s first), which would make this test take minutes.
            retry_after: Some(Duration::from_secs(1)),
            seed: SEED,
            ..FakeCin7Options::default()
        }
    } else {
        FakeCin7Options::unlimited()
    };
    let shopify = FakeShopifyOptions {
        restore_rate: 20_000.0,
        // Shopify sees few requests (several customers per document), so its rates are a bit
        // higher for a handful of faults to land.
        throttled_fraction: if faulty { 0.08 } else { 0.0 },
        server_error_fraction: if faulty { 0.07 } else { 0.0 },
        seed: SEED + 3,
        ..FakeShopifyOptions::default()
    };
    let faults = if faulty {
        Faults {
            seed: SEED,
            server_error_rate: 0.04,
            throttle_rate: 0.03,
            retry_after_secs: 1,
            conflict_rate: 0.03,
        }
    } else {
        Faults::default()
    };
    Sandbox::start(SandboxOptions {
        seed: SEED,
        customers: CUSTOMERS,
        products: PRODUCTS,
        cin7,
        calls_per_minute: 6000,
        shopify,
        sparklayer: FakeSparkLayerOptions {
            faults,
            ..FakeSparkLayerOptions::default()
        },
    })
    .await
    .expect("fakes start")
}

fn config(sb: &Sandbox, state: &Path) -> Config {
    let text = sb.config_toml(state, "").replacen(
        "[cin7]\n",
        &format!("[cin7]\npage_size = {CIN7_PAGE}\n"),
        1,
    );
    Config::from_toml_str(&text, |_| None).expect("config")
}

/// A price-list sink that expires every SparkLayer token just before its `at`-th PATCH, so
/// the client meets a 401 in the middle of the pricing pass and must renew its token once.
#[derive(Debug)]
struct ExpireTokensOnce {
    inner: Arc<dyn PriceListSink>,
    sandbox: Arc<Sandbox>,
    patches: AtomicU64,
    at: u64,
}

#[async_trait]
impl PriceListSink for ExpireTokensOnce {
    async fn price_lists(&self) -> Result<Vec<RemotePriceList>, PortError> {
        self.inner.price_lists().await
    }

    async fn create_price_list(&self, header: &PriceListHeader) -> Result<(), PortError> {
        self.inner.create_price_list(header).await
    }

    async fn prices(&self, slug: &str) -> Result<Vec<PriceRow>, PortError> {
        self.inner.prices(slug).await
    }

    async fn patch_prices(&self, slug: &str, rows: &[PriceRow]) -> Result<PatchOutcome, PortError> {
        if self.patches.fetch_add(1, Ordering::SeqCst) + 1 == self.at {
            self.sandbox.sparklayer.expire_tokens();
        }
        self.inner.patch_prices(slug, rows).await
    }

    async fn report_run(&self, report: &RunReport) -> Result<(), PortError> {
        self.inner.report_run(report).await
    }

    fn request_counts(&self) -> RequestCounts {
        self.inner.request_counts()
    }
}

fn engine(sb: &Arc<Sandbox>, state: &Path, expire_at_patch: Option<u64>) -> SyncEngine {
    let config = config(sb, state);
    let mut ports = ports_from_config(&config).expect("ports");
    if let Some(at) = expire_at_patch {
        ports.price_lists = Arc::new(ExpireTokensOnce {
            inner: ports.price_lists,
            sandbox: sb.clone(),
            patches: AtomicU64::new(0),
            at,
        });
    }
    SyncEngine::new(ports, EngineSettings::from_config(&config))
}

fn snapshot(sb: &Sandbox) -> (BTreeMap<String, String>, String) {
    let state = sb.snapshot();
    (state.customers, state.price_lists)
}

fn counts(r: &RunReport, s: Service) -> RequestCounts {
    r.requests.get(&s).copied().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_faults_and_a_token_expiry_end_in_the_fault_free_state() {
    // Reference: the same data without faults.
    let reference = Arc::new(sandbox(false).await);
    let r = engine(&reference, &state_path("ref"), None)
        .run(RunOptions::default())
        .await
        .expect("reference run");
    assert_eq!(r.failures, vec![], "{:#?}", r.failures);
    let want = snapshot(&reference);
    assert!(
        !want.0.is_empty() && want.1.len() > 2,
        "the reference synced something"
    );

    // Under faults: at most two runs (the second retries what the first gave up on, E3).
    let sb = Arc::new(sandbox(true).await);
    let state = state_path("faulty");
    let mut reports = Vec::new();
    for run in 1..=2 {
        // The token expiry happens once, in the first run's pricing pass.
        let e = engine(&sb, &state, (run == 1).then_some(3));
        let report = e.run(RunOptions::default()).await;
        let report = match report {
            Ok(r) => r,
            // A fetch that ran out of retries stops the run (RunError); the next run redoes it.
            Err(err) => {
                println!("run {run} stopped: {err}");
                continue;
            }
        };
        let clean = report.failures.is_empty();
        println!(
            "run {run}: customers {:?}, lists {:?}, failures {}",
            report.customers,
            report.price_lists,
            report.failures.len()
        );
        for f in &report.failures {
            println!("  failure: {f:?}");
        }
        reports.push(report);
        if clean {
            break;
        }
    }
    let last = reports.last().expect("at least one run returned a report");
    assert_eq!(last.failures, vec![], "clean after at most two runs");

    // What was injected (fakes) and what the client counted (reports).
    let cin7 = sb.cin7.stats();
    let shopify = sb.shopify.stats();
    let sl = sb.sparklayer.counts();
    let mut total = BTreeMap::<Service, RequestCounts>::new();
    for r in &reports {
        for s in [Service::Cin7, Service::Shopify, Service::SparkLayer] {
            let c = counts(r, s);
            total.insert(s, total.get(&s).copied().unwrap_or_default().plus(c));
        }
    }
    println!(
        "injected: Cin7 {} x 500 + {} x 429/503 of {} requests; Shopify {} THROTTLED + {} x 503 of {} requests; SparkLayer {} faults (5xx/429/409) + {} x 401 (token expiry) of {} requests",
        cin7.faults,
        cin7.throttled,
        cin7.requests,
        shopify.throttled,
        shopify.server_errors,
        shopify.requests,
        sl.faults,
        sl.unauthorized,
        sl.reads + sl.writes + sl.token,
    );
    for (s, c) in &total {
        println!(
            "report {s:?}: reads {} writes {} throttled {} retried {}",
            c.reads, c.writes, c.throttled, c.retried
        );
    }
    println!("runs: {}", reports.len());
    assert!(cin7.faults + cin7.throttled > 0, "Cin7 faults injected");
    assert!(
        shopify.throttled + shopify.server_errors > 0,
        "Shopify faults injected"
    );
    assert!(sl.faults > 0, "SparkLayer faults injected");
    assert!(sl.unauthorized > 0, "the token expiry was met");
    assert!(sl.token >= 2, "a new token was fetched after the expiry");
    for s in [Service::Cin7, Service::Shopify, Service::SparkLayer] {
        let c = total.get(&s).copied().unwrap_or_default();
        assert!(c.throttled + c.retried > 0, "{s:?} retries counted: {c:?}");
    }

    // Same final state as the fault-free run: no duplicate, no missing customer, invites once.
    let got = snapshot(&sb);
    let emails: Vec<String> = sb
        .shopify
        .customers()
        .iter()
        .map(|c| c.email.clone().unwrap_or_default().to_lowercase())
        .collect();
    assert_eq!(emails.len(), got.0.len(), "no duplicate customer by email");
    assert_eq!(
        got.0.keys().collect::<Vec<_>>(),
        want.0.keys().collect::<Vec<_>>(),
        "same customers"
    );
    for (email, c) in &want.0 {
        assert_eq!(got.0.get(email), Some(c), "{email}");
    }
    for c in sb.shopify.customers() {
        assert!(
            sb.shopify.invites_sent(&c.id) <= 1,
            "invite sent twice: {c:?}"
        );
    }
    assert_eq!(
        sb.shopify.total_invites(),
        reference.shopify.total_invites()
    );
    assert_eq!(got.1, want.1, "price lists equal");
}
