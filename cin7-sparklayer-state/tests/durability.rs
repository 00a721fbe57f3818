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
