//! Shared test helpers: a temporary directory and record builders.

#![allow(dead_code, unreachable_pub)] // each test binary uses a subset

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use cin7_sparklayer_core::model::MetafieldKey;
use cin7_sparklayer_core::ports::CustomerLink;
use cin7_sparklayer_core::report::{Failure, RecordKind, RunMode, RunReport};

/// A directory under Cargo's per-target temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh, empty directory named after the test.
    pub fn new(test: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("state-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the test directory");
        Self(dir)
    }

    /// A path inside the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The names in the directory, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .expect("list the test directory")
            .map(|e| {
                e.expect("read an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A link with every field set from `id`.
pub fn link(id: &str) -> CustomerLink {
    CustomerLink {
        cin7_id: id.to_owned(),
        shopify_id: format!("gid://shopify/Customer/{id}"),
        email: format!("{id}@example.com"),
        content_hash: format!("hash-{id}"),
        invite_sent: true,
        managed_tags: vec!["b2b".to_owned(), "tier-2".to_owned()],
        metafields: vec![
            MetafieldKey::new("sparklayer", "price_lists"),
            MetafieldKey::new("cin7", "customer_id"),
        ],
        revoked: false,
    }
}

/// A UTC time `secs` seconds after 2026-01-01.
pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid date")
        + chrono::Duration::seconds(secs)
}

/// A finished run's report; `failures` failed customers.
pub fn report(mode: RunMode, dry_run: bool, started: DateTime<Utc>, failures: usize) -> RunReport {
    let mut report = RunReport::new(mode, dry_run, started);
    report.finished_at = started + chrono::Duration::seconds(30);
    report.count_customer("create");
    for i in 0..failures {
        report.failures.push(Failure {
            kind: RecordKind::Customer,
            id: format!("c{i}"),
            step: "write".to_owned(),
            message: "Shopify: email has already been taken".to_owned(),
            retryable: false,
        });
    }
    report
}
