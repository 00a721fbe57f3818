//! Issue 6 benchmark: the whole sync against the sandbox fakes with 10,000 customers and
//! 20,000 products (real HTTP on loopback, real clients, SQLite state).
//!
//! Prints, for the first (full) run and a no-change rerun: wall time, requests per API against
//! the lower bound (pages needed for the reads; one write per changed record), and the
//! process's peak memory (VmHWM, fakes included). Criterion then times the no-change rerun.
//! Rate limits are scaled so the bench takes a minute, not hours: Cin7 6,000 calls/min on both
//! sides, Shopify bucket 1,000 points restoring 50,000/s.
//!
//! `cargo bench -p cin7-sparklayer --bench whole_sync`
//!
//! With `WHOLE_SYNC_ALL_OPTIONS=1` (issue 14): the data set also has customers in USD, NZD, JPY
//! and GBP and discounts (`Dataset::with_currencies_and_discounts`), and the configuration is
//! [`ALL_OPTIONS`]: every contact a login (C16) and every currency priced (P5). Its contacts
//! (≈ 1.5 per valid customer besides the key contact) are extra Shopify customers.

/// mimalloc: mapping 100,000 customers allocates many small strings; glibc's allocator under
/// threads costs ~40% of the run (measured: 2.1 s → 1.2–1.5 s for the core_plan workload).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use cin7_sparklayer::core::error::Service;
use cin7_sparklayer::core::report::RunReport;
use cin7_sparklayer::{Config, RunOptions, SyncEngine, engine_from_config};
use cin7_sparklayer_sandbox::cin7::FakeCin7Options;
use cin7_sparklayer_sandbox::data::Dataset;
use cin7_sparklayer_sandbox::shopify::FakeShopifyOptions;
use cin7_sparklayer_sandbox::{Sandbox, SandboxOptions};
use criterion::{Criterion, criterion_group};

/// Issue 14's configuration: contacts and three converted currencies (plus a USD tier).
const ALL_OPTIONS: &str = r#"[customers]
contacts = "all"
currency = "all"

[pricing]
tier_currency = { "5" = "USD" }
exchange_rates = { USD = 0.65, NZD = 1.08, JPY = 97.5 }
"#;

const CUSTOMERS: usize = 10_000;
const PRODUCTS: usize = 20_000;
/// Cin7 caps customer pages at 100 rows; products come 1,000 a page.
const CUSTOMER_PAGE: usize = 100;
const PRODUCT_PAGE: usize = 1_000;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn print_run(name: &str, r: &RunReport, took: Duration) {
    let read_bound = CUSTOMERS.div_ceil(CUSTOMER_PAGE) + PRODUCTS.div_ceil(PRODUCT_PAGE) + 2;
    let cin7 = r.requests.get(&Service::Cin7).copied().unwrap_or_default();
    println!(
        "{name}: {:.1}s, Cin7 reads {} (lower bound {read_bound}, ratio {:.3}), Shopify {:?}, SparkLayer {:?}, sink writes {}, customers {:?}, contacts {:?}, price lists {:?}, failures {}",
        took.as_secs_f64(),
        cin7.reads,
        cin7.reads as f64 / read_bound as f64,
        r.requests
            .get(&Service::Shopify)
            .copied()
            .unwrap_or_default(),
        r.requests
            .get(&Service::SparkLayer)
            .copied()
            .unwrap_or_default(),
        r.sink_writes(),
        r.customers,
        r.contacts,
        r.price_lists,
        r.failures.len()
    );
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let all_options = std::env::var_os("WHOLE_SYNC_ALL_OPTIONS").is_some();
    println!(
        "configuration: {}",
        if all_options {
            "contacts = \"all\", currency = \"all\", 3 rates (issue 14)"
        } else {
            "defaults"
        }
    );
    let state = std::env::temp_dir().join(format!("whole-sync-{}.sqlite", std::process::id()));
    let (sandbox, engine): (Sandbox, SyncEngine) = runtime.block_on(async {
        let options = SandboxOptions {
            customers: CUSTOMERS,
            products: PRODUCTS,
            cin7: FakeCin7Options {
                calls_per_window: Some(6_000),
                ..FakeCin7Options::default()
            },
            shopify: FakeShopifyOptions {
                restore_rate: 50_000.0,
                ..FakeShopifyOptions::default()
            },
            calls_per_minute: 6_000,
            ..SandboxOptions::default()
        };
        let dataset = Dataset::generate(options.seed, CUSTOMERS, PRODUCTS);
        let (dataset, extra) = if all_options {
            (dataset.with_currencies_and_discounts(), ALL_OPTIONS)
        } else {
            (dataset, "")
        };
        let sandbox = Sandbox::start_with(dataset, options).await.expect("fakes");
        let config =
            Config::from_toml_str(&sandbox.config_toml(&state, extra), |_| None).expect("config");
        let engine = engine_from_config(&config).expect("engine");
        (sandbox, engine)
    });
    // The Shopify fake validates every request against Shopify's schema, parsed once on
    // first use: parse it now so its memory is the fake's, not the sync's.
    cin7_sparklayer_sandbox::shopify::schema::admin_schema();
    println!(
        "baseline peak memory after generating the data set and starting the fakes (schema parsed): {:.0} MB",
        peak_rss_mb()
    );
    let t = Instant::now();
    let first = runtime
        .block_on(engine.run(RunOptions::default()))
        .expect("first run");
    print_run("first run (full)", &first, t.elapsed());
    println!("peak memory after the first run: {:.0} MB", peak_rss_mb());
    let t = Instant::now();
    let again = runtime
        .block_on(engine.run(RunOptions::default()))
        .expect("rerun");
    print_run("no-change rerun (incremental)", &again, t.elapsed());
    println!(
        "peak memory after the incremental rerun: {:.0} MB",
        peak_rss_mb()
    );
    let t = Instant::now();
    let full = runtime
        .block_on(engine.run(RunOptions {
            mode: cin7_sparklayer::ModeRequest::Full,
            ..RunOptions::default()
        }))
        .expect("full rerun");
    print_run(
        "no-change rerun (full, reads back Shopify and SparkLayer)",
        &full,
        t.elapsed(),
    );
    println!(
        "peak memory of the process (fakes included): {:.0} MB",
        peak_rss_mb()
    );
    println!(
        "Shopify fake holds {} customers; SparkLayer fake holds {} lists",
        sandbox.shopify.customers().len(),
        sandbox.sparklayer.price_lists().len()
    );

    let mut group = c.benchmark_group("whole_sync");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("no_change_incremental_rerun_10k_customers", |b| {
        b.iter(|| {
            runtime
                .block_on(engine.run(RunOptions::default()))
                .expect("rerun")
        })
    });
    group.finish();
    drop(sandbox);
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", state.display()));
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
