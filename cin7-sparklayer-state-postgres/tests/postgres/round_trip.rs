//! Every port method reads back what was saved (mirrors the SQLite store's tests).

use std::collections::BTreeMap;

use cin7_sparklayer_core::model::{PriceListHeader, PriceListOrigin};
use cin7_sparklayer_core::ports::{PriceListState, StateStore};
use cin7_sparklayer_core::report::RunMode;

use crate::common::{self, at, link, report};

pub(crate) fn header(slug: &str) -> PriceListHeader {
    PriceListHeader {
        slug: slug.to_owned(),
        name: format!("List {slug}"),
        currency: "NZD".to_owned(),
    }
}

#[tokio::test]
async fn a_new_store_is_empty() {
    let Some(db) = common::database() else { return };
    let state = db.store("empty").await;
    assert!(state.customer_links().await.expect("links").is_empty());
    assert!(state.price_lists().await.expect("lists").is_empty());
    assert_eq!(state.last_successful_run().await.expect("cursor"), None);
    assert_eq!(state.last_full_run().await.expect("last full"), None);
    assert!(state.runs().await.expect("runs").is_empty());
}

#[tokio::test]
async fn customer_links_round_trip_and_upsert_by_cin7_id() {
    let Some(db) = common::database() else { return };
    let state = db.store("links").await;
    let a = link("a");
    let mut b = link("b");
    b.managed_tags.clear();
    b.metafields.clear();
    b.invite_sent = false;
    state.save_customer_link(&b).await.expect("save b");
    state.save_customer_link(&a).await.expect("save a");
    assert_eq!(
        state.customer_links().await.expect("links"),
        vec![a.clone(), b]
    );

    // A second save replaces every field of the same Cin7 ID (e.g. a revoke, E6 email change).
    let mut revoked = a.clone();
    revoked.email = "new@example.com".to_owned();
    revoked.content_hash = String::new();
    revoked.managed_tags = vec![];
    revoked.metafields = vec![];
    revoked.revoked = true;
    state
        .save_customer_link(&revoked)
        .await
        .expect("save again");
    let links = state.customer_links().await.expect("links");
    assert_eq!(links.len(), 2, "no second row for the same Cin7 ID");
    assert_eq!(links[0], revoked);
}

#[tokio::test]
async fn links_are_ordered_by_cin7_id_bytes() {
    let Some(db) = common::database() else { return };
    let state = db.store("order").await;
    for id in ["b", "B", "a", "10", "9", "é"] {
        state.save_customer_link(&link(id)).await.expect("save");
    }
    let ids: Vec<String> = state
        .customer_links()
        .await
        .expect("links")
        .into_iter()
        .map(|l| l.cin7_id)
        .collect();
    assert_eq!(
        ids,
        ["10", "9", "B", "a", "b", "é"],
        "as SQLite orders them"
    );
}

#[tokio::test]
async fn price_lists_round_trip_with_both_origins() {
    let Some(db) = common::database() else { return };
    let state = db.store("lists").await;
    let tier = PriceListOrigin::Tier { code: 3 };
    let customer = PriceListOrigin::Customer {
        cin7_id: "c-42".to_owned(),
    };
    state
        .save_price_list(&header("tier-3"), &tier)
        .await
        .expect("save tier");
    state
        .save_price_list(&header("cust-42"), &customer)
        .await
        .expect("save customer");
    assert_eq!(
        state.price_lists().await.expect("lists"),
        vec![
            PriceListState {
                header: header("cust-42"),
                origin: customer,
                rows: BTreeMap::new()
            },
            PriceListState {
                header: header("tier-3"),
                origin: tier,
                rows: BTreeMap::new()
            },
        ]
    );
}

#[tokio::test]
async fn price_rows_apply_upserts_and_removals_in_order() {
    let Some(db) = common::database() else { return };
    let state = db.store("rows").await;
    let origin = PriceListOrigin::Tier { code: 1 };
    for slug in ["t1", "t2"] {
        state
            .save_price_list(&header(slug), &origin)
            .await
            .expect("save list");
    }
    let big = (1u64 << 63) + 12_345; // needs all 64 bits
    let first = [
        ("A".to_owned(), Some(1)),
        ("B".to_owned(), Some(big)),
        ("C".to_owned(), Some(u64::MAX)),
    ];
    state
        .save_price_rows("t1", &first)
        .await
        .expect("first patch");
    state
        .save_price_rows("t2", &[("A".to_owned(), Some(7))])
        .await
        .expect("other list");
    let second = [
        ("A".to_owned(), None),    // removed
        ("B".to_owned(), Some(2)), // changed
        ("D".to_owned(), Some(4)), // added
        ("ZZ".to_owned(), None),   // removing an absent SKU is a no-op
        ("E".to_owned(), Some(5)), // added, then removed in the same patch: the last wins
        ("E".to_owned(), None),
        ("C".to_owned(), None), // removed, then written again
        ("C".to_owned(), Some(3)),
    ];
    state
        .save_price_rows("t1", &second)
        .await
        .expect("second patch");

    let lists = state.price_lists().await.expect("lists");
    let rows = |slug: &str| {
        lists
            .iter()
            .find(|l| l.header.slug == slug)
            .map(|l| l.rows.clone())
            .expect("list present")
    };
    assert_eq!(
        rows("t1"),
        BTreeMap::from([
            ("B".to_owned(), 2),
            ("C".to_owned(), 3),
            ("D".to_owned(), 4)
        ])
    );
    assert_eq!(
        rows("t2"),
        BTreeMap::from([("A".to_owned(), 7)]),
        "other list untouched"
    );
}

#[tokio::test]
async fn hashes_of_2_pow_63_and_above_round_trip() {
    let Some(db) = common::database() else { return };
    let state = db.store("hashes").await;
    state
        .save_price_list(&header("t"), &PriceListOrigin::Tier { code: 1 })
        .await
        .expect("save list");
    let hashes = [
        0,
        i64::MAX as u64,
        1 << 63,
        (1 << 63) + 1,
        u64::MAX - 1,
        u64::MAX,
    ];
    let changes: Vec<_> = hashes
        .iter()
        .map(|h| (format!("sku-{h}"), Some(*h)))
        .collect();
    state
        .save_price_rows("t", &changes)
        .await
        .expect("save rows");
    let rows = &state.price_lists().await.expect("lists")[0].rows;
    for h in hashes {
        assert_eq!(rows.get(&format!("sku-{h}")), Some(&h));
    }
}

#[tokio::test]
async fn resaving_a_list_header_keeps_its_rows() {
    let Some(db) = common::database() else { return };
    let state = db.store("resave").await;
    let origin = PriceListOrigin::Tier { code: 1 };
    state
        .save_price_list(&header("t"), &origin)
        .await
        .expect("save list");
    state
        .save_price_rows("t", &[("A".to_owned(), Some(1))])
        .await
        .expect("rows");
    let mut renamed = header("t");
    renamed.name = "Renamed".to_owned();
    state
        .save_price_list(&renamed, &origin)
        .await
        .expect("save again");
    let lists = state.price_lists().await.expect("lists");
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].header.name, "Renamed");
    assert_eq!(lists[0].rows, BTreeMap::from([("A".to_owned(), 1)]));
}

#[tokio::test]
async fn a_failed_row_patch_changes_nothing() {
    let Some(db) = common::database() else { return };
    let state = db.store("unknown-list").await;
    let err = state
        .save_price_rows("never-saved", &[("A".to_owned(), Some(1))])
        .await
        .expect_err("rows of an unknown list are refused");
    assert!(err.is_fatal());
    let message = err.to_string();
    assert!(
        message.contains("never-saved")
            && message.contains("save_price_list")
            && message.contains(state.tenant()),
        "{message}"
    );
    assert!(state.price_lists().await.expect("lists").is_empty());
}

#[tokio::test]
async fn empty_changes_are_a_no_op() {
    let Some(db) = common::database() else { return };
    let state = db.store("no-op").await;
    state
        .save_price_list(&header("t"), &PriceListOrigin::Tier { code: 1 })
        .await
        .expect("save list");
    state
        .save_price_rows("t", &[])
        .await
        .expect("nothing to do");
    assert!(state.price_lists().await.expect("lists")[0].rows.is_empty());
}

#[tokio::test]
async fn runs_are_listed_oldest_first_with_their_reports() {
    let Some(db) = common::database() else { return };
    let state = db.store("runs").await;
    let first = report(RunMode::Full, false, at(0), 1);
    let second = report(RunMode::Incremental, true, at(9), 0);
    state.record_run(&first).await.expect("record");
    state.record_run(&second).await.expect("record");
    assert_eq!(state.runs().await.expect("runs"), vec![first, second]);
}
