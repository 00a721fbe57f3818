//! The [`StateStore`] contract (E2, E4, E5): links, price-list baselines and the cursor
//! round-trip exactly, every save is visible (and durable) when it returns, and only a
//! successful full or incremental run moves the cursor.
//!
//! ```ignore
//! struct Harness;
//! #[async_trait::async_trait]
//! impl StateStoreHarness for Harness {
//!     type Store = MyStore;
//!     async fn fresh(&self) -> MyStore { MyStore::open_new() }
//!     async fn reopen(&self, store: &MyStore) -> Support<MyStore> { Ok(MyStore::open(store.path())) }
//! }
//! conformance::state_store::run_all(&Harness).await?;
//! ```

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};

use super::check::Verdict;
use super::{Check, OrFail, Support, ensure, ensure_eq};
use crate::model::{MetafieldKey, PriceListHeader, PriceListOrigin};
use crate::ports::{CustomerLink, PriceListState, StateStore};
use crate::report::{Failure, RecordKind, RunMode, RunReport};

/// Builds the state store under test.
#[async_trait]
pub trait StateStoreHarness: Send + Sync {
    /// The store type.
    type Store: StateStore + 'static;

    /// A new store over empty storage (for a file store: a new, or empty, file).
    async fn fresh(&self) -> Self::Store;

    /// A second handle on `store`'s storage, opened while `store` is still open (for a file
    /// store: the same file opened again), to prove saves are durable when they return (E5).
    /// [`super::Unsupported`] when the store keeps nothing outside its own handle.
    async fn reopen(&self, store: &Self::Store) -> Support<Self::Store>;
}

suite!(StateStoreHarness =>
    fresh_store_reads_empty,
    customer_links_round_trip,
    saving_a_link_again_replaces_it,
    contact_links_live_beside_their_customer,
    a_link_moves_to_another_record_of_its_customer,
    saves_are_visible_at_once,
    saves_survive_a_reopen,
    price_lists_round_trip,
    saving_a_list_again_keeps_its_rows,
    row_changes_upsert_and_remove,
    lists_keep_their_own_rows,
    cursor_moves_only_after_successful_runs,
    record_runs_never_move_the_cursor,
    cursor_is_the_latest_start,
    last_full_run_counts_only_full_runs,
    run_times_round_trip_exactly,
);

/// A UTC instant `hours` after 2026-02-01T00:00:00Z.
fn at(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
        + Duration::hours(hours)
}

/// A finished run's report: `failures` failed customers.
fn run(mode: RunMode, started: DateTime<Utc>, failures: usize) -> RunReport {
    let mut report = RunReport::new(mode, false, started);
    report.finished_at = started + Duration::minutes(3);
    report.count_customer("create");
    for i in 0..failures {
        report.count_customer("failed");
        report.failures.push(Failure {
            kind: RecordKind::Customer,
            id: format!("conf-customer-{i}"),
            step: "create".to_owned(),
            message: "the API refused the record".to_owned(),
            retryable: false,
        });
    }
    report
}

/// Three links covering every field: a synced customer, a revoked one (empty hash, nothing
/// managed left) and one with a non-ASCII email and the invite still due.
fn links() -> Vec<CustomerLink> {
    let all_keys = [
        ("sparklayer", "group"),
        ("sparklayer", "company_name"),
        ("sparklayer", "price_lists"),
        ("sparklayer", "payment_on_account"),
        ("cin7", "customer_id"),
        ("cin7", "credit_limit"),
        ("cin7", "on_credit_hold"),
    ];
    vec![
        CustomerLink {
            cin7_id: "conf-link-a".into(),
            shopify_id: "gid://shopify/Customer/7001".into(),
            email: "buyer.a@conformance.example".into(),
            content_hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            invite_sent: true,
            managed_tags: vec!["b2b".into(), "tier-wholesale".into()],
            metafields: all_keys
                .iter()
                .map(|(n, k)| MetafieldKey::new(n, k))
                .collect(),
            revoked: false,
        },
        CustomerLink {
            cin7_id: "conf-link-b".into(),
            shopify_id: "gid://shopify/Customer/7002".into(),
            email: "buyer.b@conformance.example".into(),
            content_hash: String::new(),
            invite_sent: false,
            managed_tags: Vec::new(),
            metafields: Vec::new(),
            revoked: true,
        },
        CustomerLink {
            cin7_id: "conf-link-c".into(),
            shopify_id: "gid://shopify/Customer/7003".into(),
            email: "zoë.müller@conformance.example".into(),
            content_hash: "0".repeat(64),
            invite_sent: false,
            managed_tags: vec!["trade".into(), "b2b".into()],
            metafields: vec![MetafieldKey::new("cin7", "customer_id")],
            revoked: false,
        },
    ]
}

fn header(slug: &str, name: &str, currency: &str) -> PriceListHeader {
    PriceListHeader {
        slug: slug.into(),
        name: name.into(),
        currency: currency.into(),
    }
}

/// The store's links, sorted by Cin7 ID.
async fn read_links(store: &dyn StateStore) -> Result<Vec<CustomerLink>, Verdict> {
    let mut links = store.customer_links().await.or_fail("customer_links")?;
    links.sort_by(|a, b| a.cin7_id.cmp(&b.cin7_id));
    Ok(links)
}

/// The store's lists by slug.
async fn read_lists(store: &dyn StateStore) -> Result<BTreeMap<String, PriceListState>, Verdict> {
    let lists = store.price_lists().await.or_fail("price_lists")?;
    let count = lists.len();
    let by_slug: BTreeMap<String, PriceListState> = lists
        .into_iter()
        .map(|l| (l.header.slug.clone(), l))
        .collect();
    ensure(by_slug.len() == count, || {
        format!(
            "price_lists returned a slug twice: {count} lists, {} slugs",
            by_slug.len()
        )
    })?;
    Ok(by_slug)
}

/// A store over empty storage has no links, no lists and no cursor (E4: the first run is full).
async fn fresh_store_reads_empty<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    ensure_eq(
        "customer_links of a fresh store",
        &read_links(&store).await?,
        &vec![],
    )?;
    let lists = read_lists(&store).await?;
    ensure(lists.is_empty(), || {
        format!("price_lists of a fresh store: {lists:?}")
    })?;
    let cursor = store
        .last_successful_run()
        .await
        .or_fail("last_successful_run")?;
    ensure_eq("last_successful_run of a fresh store", &cursor, &None)?;
    let full = store.last_full_run().await.or_fail("last_full_run")?;
    ensure_eq("last_full_run of a fresh store", &full, &None)
}

/// Every field of a link comes back as saved: IDs, email, content hash (E2), invite flag
/// (C13), managed tags and metafield keys in their order (C11, C14), revoked.
async fn customer_links_round_trip<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    for link in links() {
        store
            .save_customer_link(&link)
            .await
            .or_fail("save_customer_link")?;
    }
    ensure_eq(
        "customer_links after three saves",
        &read_links(&store).await?,
        &links(),
    )
}

/// A save is an upsert keyed by Cin7 ID: saving again replaces every field, no second link.
async fn saving_a_link_again_replaces_it<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    let mut expected = links();
    for link in &expected {
        store
            .save_customer_link(link)
            .await
            .or_fail("save_customer_link")?;
    }
    let changed = CustomerLink {
        cin7_id: "conf-link-a".into(),
        shopify_id: "gid://shopify/Customer/7999".into(),
        email: "new.address@conformance.example".into(),
        content_hash: String::new(),
        invite_sent: false,
        managed_tags: vec!["b2b".into()],
        metafields: Vec::new(),
        revoked: true,
    };
    store
        .save_customer_link(&changed)
        .await
        .or_fail("save_customer_link (again)")?;
    expected[0] = changed;
    ensure_eq(
        "customer_links after saving conf-link-a again",
        &read_links(&store).await?,
        &expected,
    )
}

/// C16: contacts are linked by `{customer ID}/{contact ID}` beside their customer's own link:
/// each is its own row, and a contact's email change (E6) replaces only its row.
async fn contact_links_live_beside_their_customer<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    let customer = links().swap_remove(0);
    let contact = |id: &str, email: &str, shopify: &str| CustomerLink {
        cin7_id: crate::model::contact_key(&customer.cin7_id, id),
        shopify_id: shopify.into(),
        email: email.into(),
        metafields: vec![MetafieldKey::new("cin7", "contact_id")],
        ..customer.clone()
    };
    let lookalike = CustomerLink {
        cin7_id: format!("{}2", customer.cin7_id),
        ..contact(
            "x",
            "lookalike@conformance.example",
            "gid://shopify/Customer/7103",
        )
    };
    let mut expected = vec![
        customer.clone(),
        contact(
            "k-1",
            "accounts@conformance.example",
            "gid://shopify/Customer/7101",
        ),
        contact(
            "k-2",
            "warehouse@conformance.example",
            "gid://shopify/Customer/7102",
        ),
        lookalike,
    ];
    for link in &expected {
        store
            .save_customer_link(link)
            .await
            .or_fail("save_customer_link")?;
    }
    ensure_eq(
        "customer_links with contacts",
        &read_links(&store).await?,
        &expected,
    )?;
    let renamed = contact(
        "k-1",
        "new.accounts@conformance.example",
        "gid://shopify/Customer/7101",
    );
    store
        .save_customer_link(&renamed)
        .await
        .or_fail("save_customer_link (contact again)")?;
    expected[1] = renamed;
    ensure_eq(
        "customer_links after a contact's email change",
        &read_links(&store).await?,
        &expected,
    )
}

/// C16: when the default contact changes, the two Shopify customers swap records: each move
/// saves the new key and drops the old one only while it still links the moved Shopify
/// customer, so the second move of a swap keeps what the first one saved.
async fn a_link_moves_to_another_record_of_its_customer<H: StateStoreHarness + ?Sized>(
    h: &H,
) -> Check {
    let store = h.fresh().await;
    let key = links().swap_remove(0);
    let contact = CustomerLink {
        cin7_id: crate::model::contact_key(&key.cin7_id, "k-1"),
        shopify_id: "gid://shopify/Customer/7201".into(),
        email: "accounts@conformance.example".into(),
        ..key.clone()
    };
    for link in [&key, &contact] {
        store
            .save_customer_link(link)
            .await
            .or_fail("save_customer_link")?;
    }
    // The contact becomes the default: the key record takes its Shopify customer ...
    let key_now = CustomerLink {
        cin7_id: key.cin7_id.clone(),
        ..contact.clone()
    };
    store
        .move_customer_link(&contact.cin7_id, &key_now)
        .await
        .or_fail("move_customer_link")?;
    ensure_eq(
        "customer_links after the first move",
        &read_links(&store).await?,
        &vec![key_now.clone()],
    )?;
    // ... and the former key contact takes the key's old one: the key stays (it moved on).
    let former = CustomerLink {
        cin7_id: crate::model::contact_key(&key.cin7_id, "k-0"),
        ..key.clone()
    };
    store
        .move_customer_link(&key.cin7_id, &former)
        .await
        .or_fail("move_customer_link (second)")?;
    ensure_eq(
        "customer_links after the swap",
        &read_links(&store).await?,
        &vec![key_now, former],
    )
}

/// E5: the engine saves right after each remote write; a read straight after a save sees it.
async fn saves_are_visible_at_once<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    let all = links();
    for (n, link) in all.iter().enumerate() {
        store
            .save_customer_link(link)
            .await
            .or_fail("save_customer_link")?;
        let seen = read_links(&store).await?;
        ensure_eq(
            &format!("customer_links right after save {}", n + 1),
            &seen,
            &all[..=n].to_vec(),
        )?;
    }
    let list = header("conf-tier-2", "Wholesale", "AUD");
    store
        .save_price_list(&list, &PriceListOrigin::Tier { code: 2 })
        .await
        .or_fail("save_price_list")?;
    for (n, sku) in ["CONF-A", "CONF-B", "CONF-C"].into_iter().enumerate() {
        let change = vec![(sku.to_owned(), Some(n as u64 + 1))];
        store
            .save_price_rows(&list.slug, &change)
            .await
            .or_fail("save_price_rows")?;
        let rows = read_lists(&store).await?.remove(&list.slug).map(|l| l.rows);
        ensure(
            rows.as_ref()
                .is_some_and(|r| r.len() == n + 1 && r.get(sku) == Some(&(n as u64 + 1))),
            || format!("rows of conf-tier-2 right after saving {sku}: {rows:?}"),
        )?;
    }
    Ok(())
}

/// E5: a second handle on the same storage, opened while the first is open, sees every save
/// the first returned from: links, lists with rows, and the cursor.
async fn saves_survive_a_reopen<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    let empty = h.reopen(&store).await?;
    ensure_eq(
        "customer_links of a reopened empty store",
        &read_links(&empty).await?,
        &vec![],
    )?;
    drop(empty);
    for link in links() {
        store
            .save_customer_link(&link)
            .await
            .or_fail("save_customer_link")?;
    }
    let list = header("conf-tier-3", "Distributor", "AUD");
    let origin = PriceListOrigin::Tier { code: 3 };
    store
        .save_price_list(&list, &origin)
        .await
        .or_fail("save_price_list")?;
    let rows = vec![
        ("CONF-A".to_owned(), Some(11)),
        ("CONF-B".to_owned(), Some(u64::MAX)),
    ];
    store
        .save_price_rows(&list.slug, &rows)
        .await
        .or_fail("save_price_rows")?;
    store
        .record_run(&run(RunMode::Full, at(5), 0))
        .await
        .or_fail("record_run")?;

    let again = h.reopen(&store).await?;
    ensure_eq(
        "customer_links after a reopen",
        &read_links(&again).await?,
        &links(),
    )?;
    let lists: Vec<PriceListState> = read_lists(&again).await?.into_values().collect();
    let expected = PriceListState {
        header: list,
        origin,
        rows: [("CONF-A".to_owned(), 11), ("CONF-B".to_owned(), u64::MAX)].into(),
    };
    ensure_eq("price_lists after a reopen", &lists, &vec![expected])?;
    let cursor = again
        .last_successful_run()
        .await
        .or_fail("last_successful_run")?;
    ensure_eq("last_successful_run after a reopen", &cursor, &Some(at(5)))
}

/// Lists of every origin (tier, customer, converted with its exact rate, P5) come back with
/// header and origin as saved, and no rows yet.
async fn price_lists_round_trip<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    let saved = [
        (
            header("conf-tier-2", "Wholesale", "AUD"),
            PriceListOrigin::Tier { code: 2 },
        ),
        (
            header(
                "conf-acme-trading",
                "Acme Trading Pty Ltd — Großhandel",
                "NZD",
            ),
            PriceListOrigin::Customer {
                cin7_id: "conf-customer-0007".into(),
            },
        ),
        (
            header("conf-tier-2-jpy", "Wholesale (JPY)", "JPY"),
            PriceListOrigin::Converted {
                code: 2,
                currency: "JPY".into(),
                rate: rust_decimal::Decimal::new(975_125, 4),
            },
        ),
    ];
    for (header, origin) in &saved {
        store
            .save_price_list(header, origin)
            .await
            .or_fail("save_price_list")?;
    }
    let lists: Vec<PriceListState> = read_lists(&store).await?.into_values().collect();
    let mut expected: Vec<PriceListState> = saved
        .into_iter()
        .map(|(header, origin)| PriceListState {
            header,
            origin,
            rows: BTreeMap::new(),
        })
        .collect();
    expected.sort_by(|a, b| a.header.slug.cmp(&b.header.slug));
    ensure_eq("price_lists after three saves", &lists, &expected)
}

/// Saving a list again (adopted, renamed) updates its header and keeps its rows (P3 baseline).
async fn saving_a_list_again_keeps_its_rows<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    let origin = PriceListOrigin::Tier { code: 4 };
    store
        .save_price_list(&header("conf-tier-4", "VIP", "AUD"), &origin)
        .await
        .or_fail("save_price_list")?;
    let rows = vec![
        ("CONF-A".to_owned(), Some(41)),
        ("CONF-B".to_owned(), Some(42)),
    ];
    store
        .save_price_rows("conf-tier-4", &rows)
        .await
        .or_fail("save_price_rows")?;
    let renamed = header("conf-tier-4", "VIP Partners", "AUD");
    store
        .save_price_list(&renamed, &origin)
        .await
        .or_fail("save_price_list (again)")?;
    let lists: Vec<PriceListState> = read_lists(&store).await?.into_values().collect();
    let expected = PriceListState {
        header: renamed,
        origin,
        rows: [("CONF-A".to_owned(), 41), ("CONF-B".to_owned(), 42)].into(),
    };
    ensure_eq(
        "price_lists after saving conf-tier-4 again",
        &lists,
        &vec![expected],
    )
}

/// P3: `Some(hash)` writes a SKU's hash (every bit of a `u64`), `None` removes it, a removal
/// of a SKU the list does not hold is harmless, and SKUs not named are left alone.
async fn row_changes_upsert_and_remove<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    let list = header("conf-tier-5", "Trade", "AUD");
    store
        .save_price_list(&list, &PriceListOrigin::Tier { code: 5 })
        .await
        .or_fail("save_price_list")?;
    let first = vec![
        ("CONF-A".to_owned(), Some(0)),
        ("CONF-B".to_owned(), Some(1 << 63)),
        ("CONF-C".to_owned(), Some(u64::MAX)),
        ("conf-a".to_owned(), Some(7)),
    ];
    store
        .save_price_rows(&list.slug, &first)
        .await
        .or_fail("save_price_rows")?;
    let second = vec![
        ("CONF-A".to_owned(), Some(123_456_789)),
        ("CONF-B".to_owned(), None),
        ("CONF-NEVER-THERE".to_owned(), None),
    ];
    store
        .save_price_rows(&list.slug, &second)
        .await
        .or_fail("save_price_rows (again)")?;
    let rows = read_lists(&store).await?.remove(&list.slug).map(|l| l.rows);
    let expected: BTreeMap<String, u64> = [
        ("CONF-A".to_owned(), 123_456_789),
        ("CONF-C".to_owned(), u64::MAX),
        ("conf-a".to_owned(), 7),
    ]
    .into();
    ensure_eq(
        "rows of conf-tier-5 (SKUs are case-sensitive)",
        &rows,
        &Some(expected),
    )
}

/// Row changes touch only their own list.
async fn lists_keep_their_own_rows<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    let (one, two) = (
        header("conf-tier-1", "Retail", "AUD"),
        header("conf-acme", "Acme", "AUD"),
    );
    store
        .save_price_list(&one, &PriceListOrigin::Tier { code: 1 })
        .await
        .or_fail("save_price_list")?;
    let customer = PriceListOrigin::Customer {
        cin7_id: "conf-customer-0001".into(),
    };
    store
        .save_price_list(&two, &customer)
        .await
        .or_fail("save_price_list")?;
    let shared = vec![
        ("CONF-A".to_owned(), Some(1)),
        ("CONF-B".to_owned(), Some(2)),
    ];
    store
        .save_price_rows(&one.slug, &shared)
        .await
        .or_fail("save_price_rows")?;
    store
        .save_price_rows(&two.slug, &[("CONF-A".to_owned(), Some(99))])
        .await
        .or_fail("save_price_rows")?;
    store
        .save_price_rows(&one.slug, &[("CONF-B".to_owned(), None)])
        .await
        .or_fail("save_price_rows")?;
    let lists = read_lists(&store).await?;
    let rows = |slug: &str| lists.get(slug).map(|l| l.rows.clone());
    ensure_eq(
        "rows of conf-tier-1",
        &rows(&one.slug),
        &Some([("CONF-A".to_owned(), 1)].into()),
    )?;
    ensure_eq(
        "rows of conf-acme",
        &rows(&two.slug),
        &Some([("CONF-A".to_owned(), 99)].into()),
    )
}

/// E4: a run with failures, a dry run and an interrupted run leave the cursor; a successful
/// full or incremental run sets it to the run's start.
async fn cursor_moves_only_after_successful_runs<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    let cursor = || async {
        store
            .last_successful_run()
            .await
            .or_fail("last_successful_run")
    };
    store
        .record_run(&run(RunMode::Full, at(1), 2))
        .await
        .or_fail("record_run")?;
    ensure_eq(
        "cursor after a full run with failures",
        &cursor().await?,
        &None,
    )?;
    let mut dry = run(RunMode::Full, at(2), 0);
    dry.dry_run = true;
    store.record_run(&dry).await.or_fail("record_run")?;
    ensure_eq("cursor after a dry run", &cursor().await?, &None)?;
    let mut stopped = run(RunMode::Full, at(3), 0);
    stopped.interrupted = true;
    store.record_run(&stopped).await.or_fail("record_run")?;
    ensure_eq("cursor after an interrupted run", &cursor().await?, &None)?;
    store
        .record_run(&run(RunMode::Full, at(4), 0))
        .await
        .or_fail("record_run")?;
    ensure_eq(
        "cursor after a successful full run",
        &cursor().await?,
        &Some(at(4)),
    )?;
    store
        .record_run(&run(RunMode::Incremental, at(5), 1))
        .await
        .or_fail("record_run")?;
    ensure_eq(
        "cursor after an incremental run with a failure",
        &cursor().await?,
        &Some(at(4)),
    )?;
    store
        .record_run(&run(RunMode::Incremental, at(6), 0))
        .await
        .or_fail("record_run")?;
    ensure_eq(
        "cursor after a successful incremental run",
        &cursor().await?,
        &Some(at(6)),
    )
}

/// E4: a run over named records (webhooks) did not look at everything since the cursor.
async fn record_runs_never_move_the_cursor<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    store
        .record_run(&run(RunMode::Records, at(1), 0))
        .await
        .or_fail("record_run")?;
    let cursor = store
        .last_successful_run()
        .await
        .or_fail("last_successful_run")?;
    ensure_eq("cursor after only a records run", &cursor, &None)?;
    store
        .record_run(&run(RunMode::Incremental, at(2), 0))
        .await
        .or_fail("record_run")?;
    store
        .record_run(&run(RunMode::Records, at(3), 0))
        .await
        .or_fail("record_run")?;
    let cursor = store
        .last_successful_run()
        .await
        .or_fail("last_successful_run")?;
    ensure_eq("cursor after a later records run", &cursor, &Some(at(2)))?;
    let full = store.last_full_run().await.or_fail("last_full_run")?;
    ensure_eq(
        "last_full_run after records and incremental runs",
        &full,
        &None,
    )
}

/// E4: the cursor is the latest start of a successful run, whatever the order runs are
/// recorded in (a long full run may finish after a later incremental one).
async fn cursor_is_the_latest_start<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    store
        .record_run(&run(RunMode::Incremental, at(10), 0))
        .await
        .or_fail("record_run")?;
    store
        .record_run(&run(RunMode::Full, at(8), 0))
        .await
        .or_fail("record_run")?;
    let cursor = store
        .last_successful_run()
        .await
        .or_fail("last_successful_run")?;
    ensure_eq(
        "cursor after an earlier-started run was recorded later",
        &cursor,
        &Some(at(10)),
    )?;
    let full = store.last_full_run().await.or_fail("last_full_run")?;
    ensure_eq("last_full_run", &full, &Some(at(8)))
}

/// E4: the daemon's daily reconcile reads the last successful full run; incremental, records,
/// failed and dry runs do not count.
async fn last_full_run_counts_only_full_runs<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    let last_full = || async { store.last_full_run().await.or_fail("last_full_run") };
    store
        .record_run(&run(RunMode::Full, at(1), 0))
        .await
        .or_fail("record_run")?;
    ensure_eq(
        "last_full_run after a full run",
        &last_full().await?,
        &Some(at(1)),
    )?;
    store
        .record_run(&run(RunMode::Incremental, at(2), 0))
        .await
        .or_fail("record_run")?;
    store
        .record_run(&run(RunMode::Records, at(3), 0))
        .await
        .or_fail("record_run")?;
    store
        .record_run(&run(RunMode::Full, at(4), 3))
        .await
        .or_fail("record_run")?;
    let mut dry = run(RunMode::Full, at(5), 0);
    dry.dry_run = true;
    store.record_run(&dry).await.or_fail("record_run")?;
    ensure_eq(
        "last_full_run after other runs",
        &last_full().await?,
        &Some(at(1)),
    )?;
    store
        .record_run(&run(RunMode::Full, at(6), 0))
        .await
        .or_fail("record_run")?;
    ensure_eq(
        "last_full_run after a second full run",
        &last_full().await?,
        &Some(at(6)),
    )
}

/// The cursor is the run's start to the nanosecond: a store that rounded up would narrow the
/// next incremental window (E4).
async fn run_times_round_trip_exactly<H: StateStoreHarness + ?Sized>(h: &H) -> Check {
    let store = h.fresh().await;
    let started = at(7) + Duration::nanoseconds(123_456_789);
    store
        .record_run(&run(RunMode::Full, started, 0))
        .await
        .or_fail("record_run")?;
    let cursor = store
        .last_successful_run()
        .await
        .or_fail("last_successful_run")?;
    ensure_eq("last_successful_run", &cursor, &Some(started))?;
    let full = store.last_full_run().await.or_fail("last_full_run")?;
    ensure_eq("last_full_run", &full, &Some(started))
}
