//! E10 against the sandbox: a shop whose metafield definitions type the sync's keys otherwise.
//! Values that convert without loss are written as the definitions say (and a full rerun
//! writes nothing); a value that cannot convert fails its record naming the definition; a type
//! the sync cannot write stops the run before any write.

mod common;

use common::state_path;

use cin7_sparklayer::core::report::RunReport;
use cin7_sparklayer::{RunError, RunOptions, SyncEngine};
use cin7_sparklayer_sandbox::Sandbox;
use cin7_sparklayer_sandbox::data::CustomerCase;
use cin7_sparklayer_sandbox::shopify::FakeMetafieldDefinition;
use serde_json::json;

async fn sandbox(seed: u64) -> Sandbox {
    common::fast_sandbox(seed, 120, 200).await
}

fn engine(sb: &Sandbox, name: &str) -> SyncEngine {
    common::engine_at(sb, &state_path(name), "")
}

fn shopify_writes(r: &RunReport) -> u64 {
    r.requests
        .get(&cin7_sparklayer::core::error::Service::Shopify)
        .map_or(0, |c| c.writes)
}

/// Every credit-hold customer (credit limit 5000.5) gets a whole limit but the first.
fn one_fractional_credit_limit(sb: &Sandbox) -> String {
    let ids: Vec<String> = sb
        .dataset
        .customers_of(CustomerCase::CreditHold)
        .filter_map(|i| sb.dataset.customer_id(i).map(str::to_owned))
        .collect();
    let (lossy, whole) = ids.split_first().expect("a credit-hold customer");
    for id in whole {
        sb.cin7
            .update_customer(id, |c| c["CreditLimit"] = json!(7000));
    }
    sb.cin7
        .update_customer(lossy, |c| c["CreditLimit"] = json!(12.5));
    lossy.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_are_written_as_the_shop_defines_them_and_a_lossy_one_fails_naming_the_definition() {
    let sb = sandbox(31).await;
    sb.shopify.set_metafield_definitions(vec![
        FakeMetafieldDefinition::customer("cin7", "credit_limit", "Credit limit", "number_integer"),
        FakeMetafieldDefinition::customer(
            "sparklayer",
            "company_name",
            "Company name",
            "multi_line_text_field",
        ),
        FakeMetafieldDefinition::customer("sparklayer", "price_lists", "Price lists", "json"),
        FakeMetafieldDefinition::customer("custom", "birthday", "Birthday", "date"),
    ]);
    let lossy = one_fractional_credit_limit(&sb);
    let e = engine(&sb, "definitions");

    let first = e.run(RunOptions::full()).await.expect("the run starts");
    assert_eq!(first.failures.len(), 1, "{:#?}", first.failures);
    let failure = &first.failures[0];
    assert_eq!(
        (failure.id.as_str(), failure.step.as_str()),
        (lossy.as_str(), "metafields")
    );
    for part in [
        "\"Credit limit\"",
        "cin7.credit_limit",
        "number_integer",
        "12.5",
    ] {
        assert!(
            failure.message.contains(part),
            "{part}: {}",
            failure.message
        );
    }
    assert_eq!(first.exit_code(), 2);
    let written = sb.shopify.customers();
    assert!(written.len() > 50);
    for c in &written {
        let limit = c.metafield("cin7", "credit_limit").expect("a credit limit");
        assert_eq!(limit.kind, "number_integer", "{}", c.id);
        assert!(limit.value.parse::<i64>().is_ok(), "{}", limit.value);
        if let Some(name) = c.metafield("sparklayer", "company_name") {
            assert_eq!(name.kind, "multi_line_text_field");
        }
        assert_eq!(
            c.metafield("sparklayer", "price_lists")
                .map(|m| m.kind.as_str())
                .unwrap_or("json"),
            "json"
        );
    }

    // E2: a full rerun reads every customer back (C15) and finds nothing to write.
    let again = e.run(RunOptions::full()).await.expect("the rerun starts");
    assert_eq!(shopify_writes(&again), 0, "{:?}", again.requests);
    assert_eq!(
        again.failures.len(),
        1,
        "the lossy customer fails until Cin7 changes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_type_the_sync_cannot_write_stops_the_run_with_no_write_at_all() {
    let sb = sandbox(32).await;
    sb.shopify.set_metafield_definitions(vec![
        FakeMetafieldDefinition::customer("cin7", "credit_limit", "Credit limit", "number_integer"),
        FakeMetafieldDefinition::customer("sparklayer", "price_lists", "Price lists", "boolean"),
    ]);
    let e = engine(&sb, "unwritable");
    let err = e.run(RunOptions::full()).await.expect_err("the run stops");
    assert!(matches!(err, RunError::Definition(_)), "{err:?}");
    let line = err.to_string();
    for part in ["sparklayer.price_lists", "boolean", "json"] {
        assert!(line.contains(part), "{part}: {line}");
    }
    assert!(sb.shopify.customers().is_empty());
    assert_eq!(sb.shopify.stats().mutations, 0, "no Shopify write at all");
    assert!(
        sb.sparklayer.price_lists().is_empty(),
        "no SparkLayer write either"
    );
}
