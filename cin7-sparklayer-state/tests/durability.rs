//! What was saved is in the file when the save returns, and a reopened file shows it (E5).

mod common;

use std::collections::BTreeMap;

use cin7_sparklayer_core::model::{PriceListHeader, PriceListOrigin};
use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_core::report::RunMode;
use cin7_sparklayer_state::{APPLICATION_ID, SCHEMA_VERSION, SqliteStateStore};
use common::{TempDir, at, link, report};

fn header() -> PriceListHeader {
    PriceListHeader {
        slug: "tier-1".to_owned(),
        name: "Wholesale".to_owned(),
        currency: "AUD".to_owned(),
    }
}

#[tokio::test]
async fn a_reopened_file_shows_everything_saved() {
    let dir = TempDir::new("reopen");
    let path = dir.file("state.sqlite");
    {
        let state = SqliteStateStore::open(&path).expect("create");
        state
            .save_customer_link(&link("a"))
            .await
            .expect("save link");
        state
            .save_price_list(&header(), &PriceListOrigin::Tier { code: 1 })
            .await
            .expect("save list");
        state
            .save_price_rows("tier-1", &[("SKU".to_owned(), Some(u64::MAX))])
            .await
            .expect("save rows");
        state
            .record_run(&report(RunMode::Full, false, at(7), 0))
            .await
            .expect("record");
    }
    let state = SqliteStateStore::open(&path).expect("reopen");
    assert_eq!(
        state.customer_links().await.expect("links"),
        vec![link("a")]
    );
    let lists = state.price_lists().await.expect("lists");
    assert_eq!(lists.len(), 1);
    assert_eq!(
        lists[0].rows,
        BTreeMap::from([("SKU".to_owned(), u64::MAX)])
    );
    assert_eq!(
        state.last_successful_run().await.expect("cursor"),
        Some(at(7))
    );
}

#[tokio::test]
async fn a_save_is_visible_to_another_connection_before_the_store_closes() {
    // What a killed process leaves behind: the store is never closed, yet a second
    // connection (the rerun) sees every save that returned.
    let dir = TempDir::new("visible");
    let path = dir.file("state.sqlite");
    let state = SqliteStateStore::open(&path).expect("create");
    state.save_customer_link(&link("a")).await.expect("save");
    let rerun = SqliteStateStore::open(&path).expect("second connection");
    assert_eq!(
        rerun.customer_links().await.expect("links"),
        vec![link("a")]
    );
    drop(state);
}

#[test]
fn a_new_file_is_created_in_wal_mode_with_our_identity() {
    let dir = TempDir::new("identity");
    let path = dir.file("state.sqlite");
    drop(SqliteStateStore::open(&path).expect("create"));
    let conn = rusqlite::Connection::open(&path).expect("inspect");
    let get = |pragma: &str| -> i64 {
        conn.pragma_query_value(None, pragma, |r| r.get(0))
            .expect("pragma")
    };
    assert_eq!(get("application_id"), i64::from(APPLICATION_ID));
    assert_eq!(get("user_version"), i64::from(SCHEMA_VERSION));
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("journal mode");
    assert_eq!(mode, "wal");
}

#[test]
fn an_empty_file_is_initialised() {
    let dir = TempDir::new("empty");
    let path = dir.file("state.sqlite");
    std::fs::write(&path, b"").expect("touch");
    let state = SqliteStateStore::open(&path).expect("an empty file is a new store");
    assert_eq!(state.path(), path);
}

/// Set for the child process of [`a_killed_process_loses_no_returned_save`].
const CHILD_ENV: &str = "CIN7_SPARKLAYER_STATE_TEST_CHILD";
const CHILD_SAVES: usize = 50;

/// The child: saves, then aborts without closing anything (no destructor, no checkpoint).
/// Does nothing unless started by the parent test.
#[tokio::test]
#[ignore = "run by a_killed_process_loses_no_returned_save in a child process"]
async fn child_saves_then_aborts() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let state = SqliteStateStore::open(&path).expect("open in child");
    for i in 0..CHILD_SAVES {
        state
            .save_customer_link(&link(&i.to_string()))
            .await
            .expect("save");
    }
    state
        .save_price_list(&header(), &PriceListOrigin::Tier { code: 1 })
        .await
        .expect("save list");
    state
        .save_price_rows("tier-1", &[("SKU".to_owned(), Some(1 << 63))])
        .await
        .expect("save rows");
    std::process::abort();
}

#[tokio::test]
async fn a_killed_process_loses_no_returned_save() {
    let dir = TempDir::new("abort");
    let path = dir.file("state.sqlite");
    let status = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["child_saves_then_aborts", "--exact", "--ignored", "--quiet"])
        .env(CHILD_ENV, &path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run the child");
    assert!(!status.success(), "the child aborted");
    assert!(
        dir.names().iter().any(|n| n.ends_with("-wal")),
        "the WAL was left un-checkpointed"
    );

    let state = SqliteStateStore::open(&path).expect("reopen after the crash");
    assert_eq!(
        state.customer_links().await.expect("links").len(),
        CHILD_SAVES
    );
    let lists = state.price_lists().await.expect("lists");
    assert_eq!(lists[0].rows, BTreeMap::from([("SKU".to_owned(), 1 << 63)]));
}
