//! Helpers shared by the end-to-end test binaries: fresh state-file paths and test logging.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

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
