//! E10 in the engine, on the in-memory adapters: the shop's definitions are read once per run;
//! values are written as the definitions type them; a value that cannot convert fails its
//! record naming the definition; a type the sync cannot write stops the run before any write.

mod common;

use cin7_sparklayer_core::RunError;
use cin7_sparklayer_core::engine::RunOptions;
use cin7_sparklayer_core::error::Service;
use cin7_sparklayer_core::model::{MetafieldDefinition, MetafieldKey, MetafieldType};
use cin7_sparklayer_core::ports::CustomerSink;
use common::World;
use futures::executor::block_on;
use rust_decimal::Decimal;

fn definition(ns: &str, key: &str, name: &str, type_name: &str) -> MetafieldDefinition {
    MetafieldDefinition {
        key: MetafieldKey::new(ns, key),
        name: name.into(),
        type_name: type_name.into(),
    }
}

fn metafield(w: &World, email: &str, ns: &str, key: &str) -> Option<(MetafieldType, String)> {
    let c = w
        .shopify
        .customers()
        .into_iter()
        .find(|c| c.email == email)?;
    c.fields
        .metafields
        .into_iter()
        .find(|m| m.key == MetafieldKey::new(ns, key))
        .map(|m| (m.kind, m.value))
}

#[test]
fn values_are_written_as_the_shop_defines_them_and_a_lossy_one_fails_its_record() {
    let w = World::new(3, 1);
    w.shopify.set_metafield_definitions(vec![
        definition("cin7", "credit_limit", "Credit limit", "number_integer"),
        definition(
            "sparklayer",
            "company_name",
            "Company",
            "multi_line_text_field",
        ),
        definition("sparklayer", "price_lists", "Price lists", "json"),
    ]);
    w.source
        .edit_customer("cust-0", |c| c.credit_limit = Decimal::new(500_000, 2));
    w.source
        .edit_customer("cust-2", |c| c.credit_limit = Decimal::new(125, 1));

    let first = w.full_run();
    assert_eq!(first.failures.len(), 1, "{:#?}", first.failures);
    let failure = &first.failures[0];
    assert_eq!(
        (failure.id.as_str(), failure.step.as_str()),
        ("cust-2", "metafields")
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
    assert_eq!(first.customers.get("failed"), Some(&1));
    assert_eq!(first.customers.get("create"), Some(&2));
    assert_eq!(
        metafield(&w, "buyer0@example.com", "cin7", "credit_limit"),
        Some((MetafieldType::NumberInteger, "5000".into()))
    );
    assert_eq!(
        metafield(&w, "buyer1@example.com", "sparklayer", "company_name"),
        Some((MetafieldType::MultiLineTextField, "Company 1".into()))
    );
    assert!(
        w.shopify
            .customers()
            .iter()
            .all(|c| c.email != "buyer2@example.com")
    );

    // E2 with converted types: a full rerun (reading every customer back, C15) writes nothing.
    let again = w.full_run();
    assert_eq!(again.sink_writes(), 0, "{:?}", again.requests);
    assert_eq!(again.failures.len(), 1, "the lossy record fails again");

    w.source
        .edit_customer("cust-2", |c| c.credit_limit = Decimal::from(12));
    let fixed = w.full();
    assert_eq!(fixed.customers.get("create"), Some(&1));
    assert_eq!(
        metafield(&w, "buyer2@example.com", "cin7", "credit_limit"),
        Some((MetafieldType::NumberInteger, "12".into()))
    );
}

#[test]
fn a_type_the_sync_cannot_write_stops_the_run_before_any_write() {
    let w = World::new(3, 2);
    w.shopify.set_metafield_definitions(vec![
        definition("cin7", "credit_limit", "Credit limit", "number_integer"),
        definition("sparklayer", "price_lists", "Price lists", "boolean"),
    ]);
    let err = block_on(w.engine.run(RunOptions::full())).expect_err("the run stops");
    assert!(matches!(err, RunError::Definition(_)), "{err:?}");
    let line = err.to_string();
    for part in ["sparklayer.price_lists", "boolean", "json"] {
        assert!(line.contains(part), "{part}: {line}");
    }
    assert!(!line.contains('\n'));
    assert!(w.shopify.customers().is_empty());
    assert!(w.lists.lists().is_empty());
    assert_eq!(CustomerSink::request_counts(w.shopify.as_ref()).writes, 0);
}

#[test]
fn check_names_the_conversions_and_fails_on_a_type_the_sync_cannot_write() {
    let w = World::new(1, 1);
    let shopify_line = |w: &World| {
        block_on(w.engine.check())
            .into_iter()
            .find(|c| c.service == Service::Shopify)
            .expect("a Shopify line")
            .result
    };
    let plain = shopify_line(&w).expect("ok");
    assert!(
        plain.contains("metafields written with the sync's own types"),
        "{plain}"
    );

    w.shopify.set_metafield_definitions(vec![definition(
        "cin7",
        "credit_limit",
        "Credit limit",
        "number_integer",
    )]);
    let converted = shopify_line(&w).expect("ok");
    assert!(
        converted.contains("cin7.credit_limit as number_integer"),
        "{converted}"
    );

    w.shopify.set_metafield_definitions(vec![definition(
        "cin7",
        "on_credit_hold",
        "On hold",
        "single_line_text_field",
    )]);
    let err = shopify_line(&w).expect_err("the check fails as the run would");
    let line = err.to_string();
    assert!(
        line.contains("cin7.on_credit_hold")
            && line.contains("single_line_text_field")
            && line.contains("boolean"),
        "{line}"
    );
    assert!(w.shopify.customers().is_empty(), "a check writes nothing");
}

/// E10, C15: a record whose values cannot take the shop's types fails before the lookups: a full
/// run where every (linked) customer fails reads none of them back from Shopify, one batch fewer
/// than the run before that looked them up, and writes nothing.
#[test]
fn records_that_cannot_fit_are_not_looked_up() {
    let w = World::new(3, 1);
    w.shopify.set_metafield_definitions(vec![definition(
        "cin7",
        "credit_limit",
        "Credit limit",
        "number_integer",
    )]);
    let fitting = w.full_run();
    let reads_with_lookups = fitting.requests[&Service::Shopify].reads;
    for id in ["cust-0", "cust-1", "cust-2"] {
        w.source
            .edit_customer(id, |c| c.credit_limit = Decimal::new(125, 1));
    }

    let r = w.full_run();

    assert_eq!(r.failures.len(), 3, "{:#?}", r.failures);
    assert_eq!(r.customers.get("failed"), Some(&3));
    assert_eq!(r.sink_writes(), 0);
    let reads = r.requests[&Service::Shopify].reads;
    assert_eq!(reads, reads_with_lookups - 1, "no lookup batch");
}
