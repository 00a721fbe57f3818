//! E8: a full read that serves fewer distinct records than the source's `Total` is reported
//! (`incomplete_read`) and takes nothing away: no customer revoked as gone (C14), no tier list
//! emptied or SKU removed for being missing (P1, P4). Records that were read still count.

mod common;

use cin7_sparklayer_core::engine::RunOptions;
use cin7_sparklayer_core::report::RunReport;
use common::World;
use futures::executor::block_on;
use rust_decimal::Decimal;

fn revokes(r: &RunReport) -> u64 {
    r.customers.get("revoke").copied().unwrap_or(0)
}

fn incomplete_warnings(r: &RunReport, id: &str) -> Vec<String> {
    r.warning_records
        .iter()
        .filter(|w| w.reason.to_string() == "incomplete_read" && w.id == id)
        .map(|w| w.detail.clone().unwrap_or_default())
        .collect()
}

#[test]
fn a_short_customer_read_revokes_no_one_missing_and_empties_no_list() {
    let w = World::new(4, 3);
    w.full();
    let own_list = w
        .lists
        .lists()
        .into_keys()
        .find(|k| k.contains("-c-"))
        .expect("cust-1's own list");
    // cust-1 and cust-3 (the only tier-2 customers) vanish from a read that still claims 4.
    w.remove_customer("cust-1");
    w.remove_customer("cust-3");
    w.source.set_customer_total(Some(4));

    let short = w.full();
    assert_eq!(
        incomplete_warnings(&short, "customers"),
        vec![
            "Cin7 customers: read 2 distinct records of the 4 the source reports; \
             no linked customer is treated as gone on this read"
                .to_owned()
        ]
    );
    assert_eq!(short.warnings.get("incomplete_read"), Some(&1));
    assert_eq!(revokes(&short), 0);
    assert!(w.b2b("buyer1@example.com") && w.b2b("buyer3@example.com"));
    assert_eq!(short.price_lists.get("empty"), None, "P4: nothing emptied");
    let lists = w.lists.lists();
    assert_eq!(
        lists["cin7-tier-2"].len(),
        3,
        "the tier-2 list keeps its rows"
    );
    assert_eq!(lists[&own_list].len(), 1, "cust-1's list keeps its rows");
    assert_eq!(
        short.sink_writes(),
        0,
        "nothing taken away, nothing to write"
    );

    // The next complete read: they are gone (C14), and so are their lists (P4).
    w.source.set_customer_total(None);
    let complete = w.full();
    assert!(incomplete_warnings(&complete, "customers").is_empty());
    assert_eq!(revokes(&complete), 2);
    assert!(!w.b2b("buyer1@example.com") && !w.b2b("buyer3@example.com"));
    assert_eq!(complete.price_lists.get("empty"), Some(&2));
    let lists = w.lists.lists();
    assert!(lists["cin7-tier-2"].is_empty() && lists[&own_list].is_empty());
}

#[test]
fn a_customer_read_out_of_scope_is_still_revoked_on_a_short_read() {
    let w = World::new(3, 1);
    w.full();
    w.source
        .edit_customer("cust-0", |c| c.tags = vec!["retail".into()]);
    w.remove_customer("cust-2");
    w.source.set_customer_total(Some(3));
    let short = w.full();
    assert_eq!(incomplete_warnings(&short, "customers").len(), 1);
    assert_eq!(revokes(&short), 1, "C14 for the customer that was read");
    assert!(!w.b2b("buyer0@example.com"));
    assert!(w.b2b("buyer2@example.com"), "not for the one missing");
}

#[test]
fn a_short_product_read_removes_no_sku_but_writes_what_it_read() {
    let w = World::new(2, 5);
    w.full();
    // prod-3 is missing from a read that still claims 5; prod-1 changed its price.
    w.source
        .products
        .lock()
        .unwrap()
        .retain(|p| p.id != "prod-3");
    w.source.products.lock().unwrap()[1].tier_prices[0] = Some(Decimal::from(99));
    w.source.set_product_total(Some(5));

    let short = w.full();
    assert_eq!(incomplete_warnings(&short, "products").len(), 1);
    assert_eq!(short.price_rows_removed, 0, "P4: no SKU removed");
    assert_eq!(short.price_rows_written, 1, "the changed price is written");
    let lists = w.lists.lists();
    assert!(lists["cin7-tier-1"].contains_key("SKU-3"));
    assert_eq!(
        lists["cin7-tier-1"]["SKU-1"].pricing[0].price,
        Decimal::from(99)
    );

    w.source.set_product_total(None);
    let complete = w.full();
    assert!(incomplete_warnings(&complete, "products").is_empty());
    assert_eq!(complete.price_rows_removed, 2, "tier 1 and tier 2");
    assert!(!w.lists.lists()["cin7-tier-1"].contains_key("SKU-3"));
}

#[test]
fn an_incremental_read_ignores_the_claim_and_a_complete_claim_warns_nothing() {
    let w = World::new(2, 2);
    w.source.set_customer_total(Some(2));
    w.source.set_product_total(Some(2));
    let first = w.full();
    assert_eq!(first.warnings.get("incomplete_read"), None);
    w.source.set_customer_total(Some(50));
    let incremental =
        block_on(w.engine.run(RunOptions::default())).expect("an incremental run starts");
    assert_eq!(incremental.mode.to_string(), "incremental");
    assert_eq!(incremental.warnings.get("incomplete_read"), None);
}
