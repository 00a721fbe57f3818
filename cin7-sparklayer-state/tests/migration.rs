//! A state file written by an older release is migrated on open.

mod common;

use std::path::Path;

use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_core::report::RunMode;
use cin7_sparklayer_state::{APPLICATION_ID, SCHEMA_VERSION, SqliteStateStore, StateOpenError};
use common::{TempDir, at, link, report};

/// The v1 schema exactly as the first release wrote it. Frozen here on purpose: this is what
/// files in the field contain, whatever the current migration code says.
const V1_SCHEMA: &str = "
CREATE TABLE customer_links (
    cin7_id      TEXT PRIMARY KEY NOT NULL,
    shopify_id   TEXT NOT NULL,
    email        TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    invite_sent  INTEGER NOT NULL CHECK (invite_sent IN (0, 1)),
    managed_tags TEXT NOT NULL,
    metafields   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
CREATE TABLE price_lists (
    slug     TEXT PRIMARY KEY NOT NULL,
    name     TEXT NOT NULL,
    currency TEXT NOT NULL,
    origin   TEXT NOT NULL
) STRICT;
CREATE TABLE price_rows (
    slug TEXT NOT NULL REFERENCES price_lists (slug) ON DELETE CASCADE,
    sku  TEXT NOT NULL,
    hash INTEGER NOT NULL,
    PRIMARY KEY (slug, sku)
) STRICT, WITHOUT ROWID;
";

/// Writes a v1 file with one customer link, one list and one row (hash 2^64 - 1).
fn write_v1(path: &Path, extra_sql: &str) {
    let conn = rusqlite::Connection::open(path).expect("create v1 file");
    conn.execute_batch(V1_SCHEMA).expect("v1 schema");
    conn.execute_batch(extra_sql).expect("extra sql");
    conn.execute_batch(
        r#"INSERT INTO customer_links VALUES ('a', 'gid://shopify/Customer/a', 'a@example.com',
               'hash-a', 1, '["b2b","tier-2"]',
               '[{"namespace":"sparklayer","key":"price_lists"},{"namespace":"cin7","key":"customer_id"}]',
               '2025-06-01T00:00:00.000000000Z');
           INSERT INTO price_lists VALUES ('tier-1', 'Wholesale', 'AUD', '{"kind":"tier","code":1}');
           INSERT INTO price_rows VALUES ('tier-1', 'SKU', -1);"#,
    )
    .expect("v1 rows");
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .expect("application id");
    conn.pragma_update(None, "user_version", 1)
        .expect("version");
}

fn user_version(path: &Path) -> i32 {
    rusqlite::Connection::open(path)
        .expect("inspect")
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("user_version")
}

#[tokio::test]
async fn a_v1_file_is_migrated_and_keeps_its_data() {
    let dir = TempDir::new("v1");
    let path = dir.file("state.sqlite");
    write_v1(&path, "");

    let state = SqliteStateStore::open(&path).expect("migrate");
    let mut expected = link("a");
    expected.revoked = false; // the column v2 added, defaulted
    assert_eq!(state.customer_links().await.expect("links"), vec![expected]);
    let lists = state.price_lists().await.expect("lists");
    assert_eq!(lists[0].rows.get("SKU"), Some(&u64::MAX));
    // v1 kept no run history: the first run after the upgrade is full.
    assert_eq!(state.last_successful_run().await.expect("cursor"), None);

    // The new parts of the schema work.
    let mut revoked = link("a");
    revoked.revoked = true;
    state
        .save_customer_link(&revoked)
        .await
        .expect("save revoked");
    state
        .record_run(&report(RunMode::Full, false, at(1), 0))
        .await
        .expect("record");
    drop(state);
    assert_eq!(user_version(&path), SCHEMA_VERSION);

    let state = SqliteStateStore::open(&path).expect("reopen the migrated file");
    assert_eq!(state.customer_links().await.expect("links"), vec![revoked]);
    assert_eq!(
        state.last_successful_run().await.expect("cursor"),
        Some(at(1))
    );
}

#[test]
fn a_failed_migration_leaves_the_file_at_its_version() {
    let dir = TempDir::new("v1-broken");
    let path = dir.file("state.sqlite");
    // A v1 file where the v2 step cannot apply (a `runs` table already exists).
    write_v1(&path, "CREATE TABLE runs (x INTEGER);");
    let err = SqliteStateStore::open(&path).expect_err("the step fails");
    match &err {
        StateOpenError::Migration { from, to, .. } => assert_eq!((*from, *to), (1, SCHEMA_VERSION)),
        other => panic!("expected Migration, got {other:?}"),
    }
    assert!(err.to_string().contains("left at v1"), "{err}");
    assert_eq!(user_version(&path), 1);
    let conn = rusqlite::Connection::open(&path).expect("inspect");
    let columns: i64 = conn
        .query_row(
            "SELECT count(*) FROM pragma_table_info('customer_links') WHERE name = 'revoked'",
            [],
            |r| r.get(0),
        )
        .expect("columns");
    assert_eq!(columns, 0, "the first half of the step was rolled back");
}
