//! Helpers shared by the end-to-end test binaries: fresh state-file paths, test logging, fast
//! sandboxes and engines on them.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use cin7_sparklayer::{Config, SyncEngine, engine_from_config};
use cin7_sparklayer_sandbox::cin7::FakeCin7Options;
use cin7_sparklayer_sandbox::data::Dataset;
use cin7_sparklayer_sandbox::shopify::FakeShopifyOptions;
use cin7_sparklayer_sandbox::{Sandbox, SandboxOptions};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A fresh SQLite path under the target's temp dir, unique per test binary, process and call
/// (any file left by an earlier run is removed, with its WAL and shared-memory files).
pub fn state_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let binary = module_path!().replace("::", "-");
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let p = dir.join(format!("{binary}-{name}-{}-{n}.sqlite", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
    p
}

/// Test logs through the test writer, filtered by `RUST_LOG` (once per binary).
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Sandbox options for end-to-end tests: the fake Cin7 unlimited and the client at 6,000
/// calls/min, Shopify's bucket restoring 20,000 points/s: the pacing logic runs, fast.
pub fn fast_options(seed: u64, customers: usize, products: usize) -> SandboxOptions {
    SandboxOptions {
        seed,
        customers,
        products,
        cin7: FakeCin7Options::unlimited(),
        calls_per_minute: 6000,
        shopify: FakeShopifyOptions {
            restore_rate: 20_000.0,
            ..FakeShopifyOptions::default()
        },
        ..SandboxOptions::default()
    }
}

/// Starts a generated sandbox with [`fast_options`] (test logs on).
pub async fn fast_sandbox(seed: u64, customers: usize, products: usize) -> Sandbox {
    init_logs();
    Sandbox::start(fast_options(seed, customers, products))
        .await
        .expect("fakes start")
}

/// Starts a sandbox seeded with `dataset`, with [`fast_options`] (test logs on).
pub async fn fast_sandbox_with(dataset: Dataset) -> Sandbox {
    init_logs();
    Sandbox::start_with(dataset, fast_options(0, 0, 0))
        .await
        .expect("fakes start")
}

/// An engine on `sb`'s fakes with `extra` configuration sections and its state at `state`.
pub fn engine_at(sb: &Sandbox, state: &Path, extra: &str) -> SyncEngine {
    let config = Config::from_toml_str(&sb.config_toml(state, extra), |_| None).expect("config");
    engine_from_config(&config).expect("engine")
}
