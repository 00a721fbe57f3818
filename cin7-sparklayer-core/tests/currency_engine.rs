//! P5 in the engine over the in-memory adapters: a configuration built in code is checked when
//! a run starts; a new rate makes even a records run read every product and rewrite the
//! converted list, and the rate is recorded so the next run does not read them again.

mod common;

use std::collections::BTreeMap;

use cin7_sparklayer_core::config::CurrencyMode;
use cin7_sparklayer_core::engine::{EngineSettings, ModeRequest, RunOptions, SyncEngine};
use cin7_sparklayer_core::error::RunError;
use common::World;
use futures::executor::block_on;
use rust_decimal::Decimal;

/// `cust-0` buys in USD (tier 1); rates as given.
fn engine(w: &World, rates: &[(&str, Decimal)]) -> SyncEngine {
    let mut settings = EngineSettings::default();
    settings.customers.currency = CurrencyMode::All;
    settings.pricing.exchange_rates = rates
        .iter()
        .map(|(c, r)| ((*c).to_owned(), *r))
        .collect::<BTreeMap<_, _>>();
    SyncEngine::new(w.engine.ports().clone(), settings)
}

fn records(id: &str) -> RunOptions {
    RunOptions {
        mode: ModeRequest::Records {
            customer_ids: vec![id.to_owned()],
            product_ids: Vec::new(),
        },
        ..RunOptions::default()
    }
}

#[test]
fn an_invalid_currency_configuration_stops_the_run_naming_the_key() {
    let w = World::new(2, 2);
    let e = engine(&w, &[("XYZ", Decimal::ONE)]);
    let err = block_on(e.run(RunOptions::full())).expect_err("refused");
    assert!(matches!(err, RunError::Config(_)), "{err:?}");
    assert!(
        err.to_string().contains("pricing.exchange_rates.XYZ"),
        "{err}"
    );
    assert!(w.shopify.customers().is_empty(), "nothing written");
}

#[test]
fn a_new_rate_is_read_once_and_rewrites_only_changed_prices() {
    let w = World::new(4, 20);
    w.source.customers.lock().unwrap()[0].currency = Some("USD".into());
    let first = engine(&w, &[("USD", Decimal::new(65, 2))]);
    let r = block_on(first.run(RunOptions::full())).expect("run");
    assert_eq!(r.failures, vec![]);
    let usd = &w.lists.lists()["cin7-tier-1-usd"];
    // SKU-i's tier 1 price is 10 + i: × 0.65.
    assert_eq!(usd["SKU-3"].pricing[0].price, Decimal::new(845, 2));
    assert_eq!(usd.len(), 20);

    // 0.65 → 0.6502: only the prices whose rounded cents move are written.
    let e = engine(&w, &[("USD", Decimal::new(6502, 4))]);
    let r = block_on(e.run(records("cust-2"))).expect("run");
    assert_eq!(r.products_read, 20, "a new rate reads every product");
    let after = &w.lists.lists()["cin7-tier-1-usd"];
    let changed = (0..20)
        .filter(|i| usd[&format!("SKU-{i}")] != after[&format!("SKU-{i}")])
        .count() as u64;
    assert!(changed > 0 && changed < 20, "{changed}");
    assert_eq!(r.price_rows_written, changed);

    let again = block_on(e.run(records("cust-2"))).expect("run");
    assert_eq!(again.products_read, 0, "the rate was recorded");
    assert_eq!(again.price_rows_written, 0);
}

#[test]
fn a_tier_moved_to_another_currency_is_reported_on_its_existing_list() {
    let w = World::new(2, 5);
    let first = engine(&w, &[]);
    let r = block_on(first.run(RunOptions::full())).expect("run");
    assert_eq!(r.failures, vec![]);
    assert!(w.lists.lists().contains_key("cin7-tier-1"));
    assert_eq!(
        r.warnings
            .get(&cin7_sparklayer_core::report::WarningReason::PriceListCurrencyMismatch),
        None
    );
    // Tier 1 is now declared in USD, and `cust-0` (tier 1) buys in USD: the sync publishes
    // `cin7-tier-1` in USD, while SparkLayer still holds it in AUD.
    w.source.customers.lock().unwrap()[0].currency = Some("USD".into());
    let mut settings = EngineSettings::default();
    settings.customers.currency = CurrencyMode::All;
    settings
        .pricing
        .tier_currency
        .insert("1".into(), "USD".into());
    let e = SyncEngine::new(w.engine.ports().clone(), settings);
    let r = block_on(e.run(RunOptions::full())).expect("run");
    let reason = cin7_sparklayer_core::report::WarningReason::PriceListCurrencyMismatch;
    assert_eq!(r.warnings.get(&reason), Some(&1), "{:?}", r.warnings);
    let record = r
        .warning_records
        .iter()
        .find(|w| w.reason == reason)
        .expect("listed");
    assert_eq!(record.id, "cin7-tier-1");
    let detail = record.detail.as_deref().unwrap_or_default();
    assert!(
        detail.contains("in AUD") && detail.contains("in USD"),
        "{detail}"
    );
    assert_eq!(reason.to_string(), "price_list_currency_mismatch");
}
