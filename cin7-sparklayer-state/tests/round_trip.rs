//! Every port method reads back what was saved.

mod common;

use std::collections::BTreeMap;

use cin7_sparklayer_core::model::{PriceListHeader, PriceListOrigin};
use cin7_sparklayer_core::ports::{PriceListState, StateStore};
use cin7_sparklayer_state::SqliteStateStore;
use common::link;

fn store() -> SqliteStateStore {
    SqliteStateStore::open_in_memory().expect("in-memory store")
}

fn header(slug: &str) -> PriceListHeader {
    PriceListHeader {
        slug: slug.to_owned(),
        name: format!("List {slug}"),
        currency: "NZD".to_owned(),
    }
}

#[tokio::test]
async fn a_new_store_is_empty() {
    let state = store();
    assert!(state.customer_links().await.expect("links").is_empty());
    assert!(state.price_lists().await.expect("lists").is_empty());
    assert_eq!(state.last_successful_run().await.expect("cursor"), None);
}

#[tokio::test]
async fn customer_links_round_trip_and_upsert_by_cin7_id() {
    let state = store();
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
async fn price_lists_round_trip_with_both_origins() {
    let state = store();
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
    let lists = state.price_lists().await.expect("lists");
    assert_eq!(
        lists,
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
async fn price_rows_apply_upserts_and_removals() {
    let state = store();
    let origin = PriceListOrigin::Tier { code: 1 };
    state
        .save_price_list(&header("t1"), &origin)
        .await
        .expect("save list");
    state
        .save_price_list(&header("t2"), &origin)
        .await
        .expect("save list");
    let big = (1u64 << 63) + 12_345; // needs all 64 bits
    state
        .save_price_rows(
            "t1",
            &[
                ("A".to_owned(), Some(1)),
                ("B".to_owned(), Some(big)),
                ("C".to_owned(), Some(u64::MAX)),
            ],
        )
        .await
        .expect("first patch");
    state
        .save_price_rows("t2", &[("A".to_owned(), Some(7))])
        .await
        .expect("other list");
    state
        .save_price_rows(
            "t1",
            &[
                ("A".to_owned(), None),    // removed
                ("B".to_owned(), Some(2)), // changed
                ("D".to_owned(), Some(4)), // added
                ("ZZ".to_owned(), None),   // removing an absent SKU is a no-op
            ],
        )
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
            ("C".to_owned(), u64::MAX),
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
    let state = store();
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
    let state = store();
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
    let state = store();
    let err = state
        .save_price_rows("never-saved", &[("A".to_owned(), Some(1))])
        .await
        .expect_err("rows of an unknown list are refused");
    assert!(err.is_fatal());
    let message = err.to_string();
    assert!(
        message.contains("never-saved") && message.contains("save_price_list"),
        "{message}"
    );
    assert!(state.price_lists().await.expect("lists").is_empty());
}

#[tokio::test]
async fn empty_changes_are_a_no_op() {
    let state = store();
    let origin = PriceListOrigin::Tier { code: 1 };
    state
        .save_price_list(&header("t"), &origin)
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
    let state = store();
    let first = common::report(
        cin7_sparklayer_core::report::RunMode::Full,
        false,
        common::at(0),
        1,
    );
    let second = common::report(
        cin7_sparklayer_core::report::RunMode::Incremental,
        true,
        common::at(9),
        0,
    );
    state.record_run(&first).await.expect("record");
    state.record_run(&second).await.expect("record");
    assert_eq!(state.runs().await.expect("runs"), vec![first, second]);
}

#[test]
fn works_without_a_tokio_runtime() {
    let state = store();
    poll_once(state.save_customer_link(&link("a"))).expect("save");
    let links = poll_once(state.customer_links()).expect("links");
    assert_eq!(links, vec![link("a")]);
}

/// Polls a future once: without a runtime the store runs inline, so it is ready at once.
fn poll_once<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut cx = Context::from_waker(Waker::noop());
    match std::pin::pin!(future).poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("without a Tokio runtime the store must not wait"),
    }
}
