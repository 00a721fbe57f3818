//! Shared test helpers: the test database (from `CIN7_SPARKLAYER_TEST_PG`), a fresh tenant or
//! schema per test so tests run in parallel, and record builders.

#![allow(dead_code, unreachable_pub)] // each test binary uses a subset

use std::io::Write as _;
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use cin7_sparklayer_core::Secret;
use cin7_sparklayer_core::model::MetafieldKey;
use cin7_sparklayer_core::ports::CustomerLink;
use cin7_sparklayer_core::report::{Failure, RecordKind, RunMode, RunReport};
use cin7_sparklayer_state_postgres::PostgresStateStore;

/// The variable holding the test database's URL (`.ci/postgres.sh start` prints it).
pub const TEST_PG_ENV: &str = "CIN7_SPARKLAYER_TEST_PG";

/// The test database, or `None` when [`TEST_PG_ENV`] is unset: then one line on stderr says how
/// to enable the tests, and the caller returns without testing. Under CI (`CI` set) an unset
/// variable fails the test, so CI never skips them silently.
pub fn database() -> Option<TestDb> {
    match std::env::var(TEST_PG_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(TestDb { url }),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{TEST_PG_ENV} is not set, and CI must run the PostgreSQL tests: \
             .ci/run starts a server with .ci/postgres.sh"
        ),
        _ => {
            static SKIP: Once = Once::new();
            SKIP.call_once(|| {
                // Straight to stderr, past the test harness's capture: one line per test binary.
                let _ = writeln!(
                    std::io::stderr(),
                    "PostgreSQL state tests skipped: run `eval \"$(bash .ci/postgres.sh start)\"` \
                     to start a throwaway server and set {TEST_PG_ENV}"
                );
            });
            None
        }
    }
}

/// A name no other test (nor an earlier run on the same database) uses: `prefix_pid_time_n`,
/// usable as a tenant ID, a schema or a role name.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    // Underscores only: the name may be an unquoted schema or role name.
    format!(
        "{}_{}_{nanos}_{}",
        prefix.replace('-', "_"),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The database the tests run against.
#[derive(Debug, Clone)]
pub struct TestDb {
    url: String,
}

impl TestDb {
    /// The URL as given.
    pub fn url(&self) -> Secret {
        Secret::new(self.url.clone())
    }

    /// The URL as given, in the clear (for assertions that the password never shows).
    pub fn raw_url(&self) -> &str {
        &self.url
    }

    /// The URL's password, if it has one.
    pub fn password(&self) -> Option<String> {
        let config: tokio_postgres::Config = self.url.parse().expect("test URL parses");
        config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned())
    }

    /// The URL with `search_path` set to `schema`.
    pub fn url_in_schema(&self, schema: &str) -> Secret {
        let separator = if self.url.contains('?') { '&' } else { '?' };
        Secret::new(format!(
            "{}{separator}options=-c%20search_path%3D{schema}",
            self.url
        ))
    }

    /// A store for a fresh tenant in the default schema, connected and migrated.
    pub async fn store(&self, test: &str) -> PostgresStateStore {
        PostgresStateStore::connect(&self.url(), &unique(test))
            .await
            .expect("connect to the test database")
    }

    /// A fresh, empty schema; returns its name.
    pub async fn fresh_schema(&self, test: &str) -> String {
        let schema = unique(test);
        self.admin()
            .await
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create a schema");
        schema
    }

    /// A plain connection as the URL's user, for inspecting and tampering.
    pub async fn admin(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .expect("connect to the test database");
        tokio::spawn(connection);
        client
    }

    /// Runs `sql` in `schema` and returns the first column of each row as text.
    pub async fn query_in(&self, schema: &str, sql: &str) -> Vec<String> {
        let client = self.admin().await;
        client
            .batch_execute(&format!("SET search_path TO {schema}"))
            .await
            .expect("set search_path");
        client
            .simple_query(sql)
            .await
            .expect("query")
            .into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => {
                    Some(row.get(0).unwrap_or("NULL").to_owned())
                }
                _ => None,
            })
            .collect()
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
