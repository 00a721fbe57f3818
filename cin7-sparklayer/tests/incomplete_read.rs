//! E8 against the sandbox: a full read whose Cin7 `Total` exceeds the rows served warns
//! `incomplete_read` and takes nothing away (no revoke with `on_leave = "revoke"`, no SKU
//! removed); the next complete read does what the missing records call for.

mod common;

use common::state_path;

use cin7_sparklayer::core::report::RunReport;
use cin7_sparklayer::{RunOptions, SyncEngine};
use cin7_sparklayer_sandbox::Sandbox;
use cin7_sparklayer_sandbox::data::CustomerCase;

async fn sandbox(seed: u64) -> Sandbox {
    common::fast_sandbox(seed, 120, 300).await
}

fn engine(sb: &Sandbox, name: &str, extra: &str) -> SyncEngine {
    common::engine_at(sb, &state_path(name), extra)
}

async fn full(e: &SyncEngine) -> RunReport {
    let r = e.run(RunOptions::full()).await.expect("run");
    assert_eq!(r.failures, vec![], "{:#?}", r.failures);
    r
}

fn incomplete(r: &RunReport, id: &str) -> Vec<String> {
    r.warning_records
        .iter()
        .filter(|w| w.reason.to_string() == "incomplete_read" && w.id == id)
        .filter_map(|w| w.detail.clone())
        .collect()
}

/// Emails of `n` valid customers the first run put into Shopify with the B2B tag.
fn synced_emails(sb: &Sandbox, n: usize) -> Vec<(String, String)> {
    sb.dataset
        .customers_of(CustomerCase::Valid)
        .filter_map(|i| sb.dataset.customer_id(i).map(str::to_owned))
        .filter_map(|id| {
            let email = sb.cin7.customer(&id)?["Contacts"][0]["Email"]
                .as_str()?
                .to_owned();
            b2b(sb, &email).then_some((id, email))
        })
        .take(n)
        .collect()
}

fn b2b(sb: &Sandbox, email: &str) -> bool {
    sb.shopify
        .customer_by_email(email)
        .is_some_and(|c| c.tags.iter().any(|t| t == "b2b"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_customer_read_revokes_no_one_until_a_complete_read() {
    let sb = sandbox(21).await;
    let e = engine(
        &sb,
        "short-customers",
        "[customers]\non_leave = \"revoke\"\n",
    );
    let first = full(&e).await;
    assert!(incomplete(&first, "customers").is_empty());
    let gone = synced_emails(&sb, 3);
    assert_eq!(gone.len(), 3);
    for (id, _) in &gone {
        assert!(sb.cin7.remove_customer(id));
    }
    // Cin7 still counts them in `Total`: the read is short by 3.
    sb.cin7.set_options(|o| o.customer_total_surplus = 3);

    let short = full(&e).await;
    let warnings = incomplete(&short, "customers");
    assert_eq!(warnings.len(), 1, "{:?}", short.warning_records);
    let expected = sb.cin7.customer_count() + 3;
    assert!(
        warnings[0].contains(&format!(
            "read {} distinct records of the {expected}",
            expected - 3
        )),
        "{}",
        warnings[0]
    );
    assert_eq!(short.customers.get("revoke"), None, "{:?}", short.customers);
    for (_, email) in &gone {
        assert!(b2b(&sb, email), "{email} keeps its B2B access");
    }

    sb.cin7.set_options(|o| o.customer_total_surplus = 0);
    let complete = full(&e).await;
    assert!(incomplete(&complete, "customers").is_empty());
    assert_eq!(complete.customers.get("revoke"), Some(&3));
    for (_, email) in &gone {
        assert!(!b2b(&sb, email), "C14: {email} is revoked now");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_product_read_removes_no_sku_until_a_complete_read() {
    let sb = sandbox(22).await;
    let e = engine(&sb, "short-products", "[pricing]\ntiers = \"all\"\n");
    full(&e).await;
    let sku = sb.sparklayer.price_lists()["cin7-tier-1"]
        .prices
        .keys()
        .next()
        .cloned()
        .expect("a SKU on tier 1");
    let pid = sb
        .dataset
        .products
        .iter()
        .find(|p| p["SKU"].as_str() == Some(sku.as_str()))
        .and_then(|p| p["ID"].as_str())
        .expect("its product")
        .to_owned();
    assert!(sb.cin7.remove_product(&pid));
    sb.cin7.set_options(|o| o.product_total_surplus = 1);

    let short = full(&e).await;
    assert_eq!(incomplete(&short, "products").len(), 1);
    assert_eq!(short.price_rows_removed, 0);
    assert!(
        sb.sparklayer.price_lists()["cin7-tier-1"]
            .prices
            .contains_key(&sku)
    );

    sb.cin7.set_options(|o| o.product_total_surplus = 0);
    let complete = full(&e).await;
    assert!(incomplete(&complete, "products").is_empty());
    assert!(complete.price_rows_removed >= 1);
    assert!(
        !sb.sparklayer.price_lists()["cin7-tier-1"]
            .prices
            .contains_key(&sku)
    );
}
