//! P5 currencies and C17 discounts end to end against the sandbox fakes (real HTTP on loopback,
//! real clients, SQLite state), with `customers.currency = "all"` and exchange rates: converted
//! tier lists, each customer's tier list in its own currency, `payment_on_account.currency_code`,
//! `discount_percentage`; a rate change rewrites only the converted lists' changed SKUs; a rate
//! removed empties its lists (P4); every dry run predicts the real run that follows.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::state_path;

use cin7_sparklayer::core::report::RunReport;
use cin7_sparklayer::{ModeRequest, RunOptions, SyncEngine};
use cin7_sparklayer_sandbox::Sandbox;
use cin7_sparklayer_sandbox::data::{
    CustomerCase, Dataset, FOREIGN_CURRENCIES, SAMPLE_CURRENCY_CONFIG,
};
use cin7_sparklayer_sandbox::sparklayer::FakePriceList;
use rust_decimal::{Decimal, RoundingStrategy};

async fn sandbox(seed: u64) -> Sandbox {
    common::fast_sandbox_with(Dataset::generate(seed, 160, 300).with_currencies_and_discounts())
        .await
}

fn engine(sb: &Sandbox, state: &Path, extra: &str) -> SyncEngine {
    common::engine_at(sb, state, extra)
}

fn full() -> RunOptions {
    RunOptions {
        mode: ModeRequest::Full,
        ..RunOptions::default()
    }
}

/// E1: a dry run, then the real run it predicts, from the same state: the same actions for every
/// customer and list, the same rows, and the dry run writes nothing.
async fn dry_then_real(sb: &Sandbox, e: &SyncEngine, options: RunOptions) -> RunReport {
    let dry = e.run(options.clone().dry_run()).await.expect("dry run");
    assert_eq!(dry.sink_writes(), 0, "a dry run writes nothing");
    let real = e.run(options).await.expect("run");
    assert_eq!(real.failures, vec![], "{:#?}", real.failures);
    assert_eq!(dry.customers, real.customers, "customer actions");
    assert_eq!(dry.price_lists, real.price_lists, "list actions");
    assert_eq!(dry.price_rows_written, real.price_rows_written, "rows");
    assert_eq!(dry.price_rows_removed, real.price_rows_removed, "removals");
    assert_eq!(dry.warnings, real.warnings, "warnings");
    let _ = sb;
    real
}

fn patched_rows(sb: &Sandbox) -> u64 {
    sb.sparklayer.counts().rows_patched
}

/// The Cin7 tier price of `sku` in tier `code`, from the data set: the active product with
/// that SKU and the smallest ID (P1); Cin7 sends a price as a number or as text.
fn tier_price(sb: &Sandbox, sku: &str, code: u8) -> Decimal {
    let product = sb
        .dataset
        .products
        .iter()
        .filter(|p| p["SKU"].as_str() == Some(sku) && p["Status"].as_str() == Some("Active"))
        .min_by_key(|p| p["ID"].as_str().unwrap_or_default().to_owned())
        .expect("product");
    let price = &product[format!("PriceTier{code}")];
    let text = price
        .as_str()
        .map_or_else(|| price.to_string(), str::to_owned);
    text.parse()
        .or_else(|_| Decimal::from_scientific(&text))
        .expect("a number")
}

fn converted(lists: &BTreeMap<String, FakePriceList>, code: &str) -> Vec<FakePriceList> {
    let suffix = format!("-{}", code.to_ascii_lowercase());
    lists
        .values()
        .filter(|l| l.slug.starts_with("cin7-tier-") && l.slug.ends_with(&suffix))
        .cloned()
        .collect()
}

fn rates(usd: &str, nzd: &str, jpy: Option<&str>) -> String {
    let jpy = jpy.map(|r| format!(", JPY = {r}")).unwrap_or_default();
    SAMPLE_CURRENCY_CONFIG.replace(
        "exchange_rates = { USD = 0.65, NZD = 1.08, JPY = 97.5 }",
        &format!("exchange_rates = {{ USD = {usd}, NZD = {nzd}{jpy} }}"),
    )
}

/// P5: converted lists hold the base tier's prices × rate rounded half away from zero to the
/// currency's minor units, in that currency, named `{tier} ({X})`; a tier kept in USD is listed
/// in USD; every customer's tier list is in its own currency; C12's `currency_code` and C17's
/// discount land on the Shopify customers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_currencies_full_run_publishes_converted_lists() {
    let sb = sandbox(21).await;
    let state = state_path("currencies");
    let e = engine(&sb, &state, SAMPLE_CURRENCY_CONFIG);
    let r = dry_then_real(&sb, &e, RunOptions::default()).await;
    assert!(
        r.warnings.contains_key("invalid_discount"),
        "{:?}",
        r.warnings
    );
    assert!(r.warnings.contains_key("tier_not_in_customer_currency"));

    let lists = sb.sparklayer.price_lists();
    let rates = [("USD", "0.65", 2), ("NZD", "1.08", 2), ("JPY", "97.5", 0)];
    for (code, rate, minor) in rates {
        let rate: Decimal = rate.parse().expect("rate");
        let found = converted(&lists, code);
        assert!(!found.is_empty(), "a {code} list: {:?}", lists.keys());
        for list in found {
            assert_eq!(list.currency_code, code);
            assert!(list.slug.len() <= 30);
            assert!(list.name.ends_with(&format!(" ({code})")), "{}", list.name);
            let tier: u8 = list.slug["cin7-tier-".len()..]
                .split('-')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("tier code");
            assert_ne!(tier, 5, "tier 5 is in USD: never converted");
            for (sku, breaks) in &list.prices {
                let want = (tier_price(&sb, sku, tier) * rate)
                    .round_dp_with_strategy(minor, RoundingStrategy::MidpointAwayFromZero);
                assert_eq!(breaks[0].price, want, "{} {sku}", list.slug);
                assert!(breaks[0].price > Decimal::ZERO);
            }
        }
    }
    if let Some(tier5) = lists.get("cin7-tier-5") {
        assert_eq!(tier5.currency_code, "USD", "P5 tier_currency");
    }

    // Each synced customer's tier list is in its own currency (C8, P5); C12; C17. (A customer
    // whose email another one shares is skipped by C3, so only the synced ones are looked at.)
    let mut checked = 0;
    for i in sb.dataset.customers_of(CustomerCase::ForeignCurrency) {
        let raw = &sb.dataset.customers[i];
        let currency = raw["Currency"].as_str().expect("currency");
        assert!(FOREIGN_CURRENCIES.contains(&currency));
        let email = raw["Contacts"][0]["Email"].as_str().expect("email");
        let Some(c) = sb.shopify.customer_by_email(email) else {
            continue;
        };
        checked += 1;
        let poa = &c
            .metafield("sparklayer", "payment_on_account")
            .expect("poa")
            .value;
        let code = currency.to_ascii_lowercase();
        assert!(
            poa.contains(&format!("\"currency_code\":\"{code}\"")),
            "{poa}"
        );
        let slugs: Vec<String> = c
            .metafield("sparklayer", "price_lists")
            .map(|m| serde_json::from_str(&m.value).expect("json array"))
            .unwrap_or_default();
        for slug in slugs {
            assert_eq!(
                lists[&slug].currency_code, currency,
                "{slug} for {currency}"
            );
        }
    }
    assert!(checked >= 3, "foreign customers synced: {checked}");
    for (case, want) in [
        (CustomerCase::DiscountFractional, Some("12.5")),
        (CustomerCase::DiscountFull, Some("100")),
        (CustomerCase::DiscountOutOfRange, None),
        (CustomerCase::Valid, None),
    ] {
        let c = sb
            .dataset
            .customers_of(case)
            .filter_map(|i| sb.dataset.customers[i]["Contacts"][0]["Email"].as_str())
            .find_map(|email| sb.shopify.customer_by_email(email))
            .expect("a synced customer");
        let got = c.metafield("sparklayer", "discount_percentage");
        assert_eq!(got.map(|m| m.value.as_str()), want, "{case:?}");
    }
    let kind = sb.shopify.customers().into_iter().find_map(|c| {
        c.metafield("sparklayer", "discount_percentage")
            .map(|m| m.kind.clone())
    });
    assert_eq!(kind.as_deref(), Some("number_decimal"));
}

/// C17: a discount that drops to 0, or goes out of range, is removed from the Shopify customer
/// on the next (incremental) run; one set later is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discount_dropped_to_zero_is_removed() {
    let sb = sandbox(23).await;
    let state = state_path("discount");
    let e = engine(&sb, &state, SAMPLE_CURRENCY_CONFIG);
    e.run(RunOptions::default()).await.expect("first run");
    let synced = |case| {
        sb.dataset
            .customers_of(case)
            .filter_map(|i| {
                let raw = &sb.dataset.customers[i];
                let email = raw["Contacts"][0]["Email"].as_str()?;
                sb.shopify.customer_by_email(email)?;
                Some((raw["ID"].as_str()?.to_owned(), email.to_owned()))
            })
            .next()
            .expect("a synced customer")
    };
    let (zeroed, zeroed_email) = synced(CustomerCase::DiscountFractional);
    let (invalid, invalid_email) = synced(CustomerCase::DiscountFull);
    let (added, added_email) = synced(CustomerCase::Valid);
    assert!(
        sb.cin7
            .update_customer(&zeroed, |c| c["Discount"] = 0.into())
    );
    assert!(
        sb.cin7
            .update_customer(&invalid, |c| c["Discount"] = 250.into())
    );
    assert!(
        sb.cin7
            .update_customer(&added, |c| c["Discount"] = 7.into())
    );
    let r = dry_then_real(&sb, &e, RunOptions::default()).await;
    assert_eq!(r.mode.to_string(), "incremental");
    assert_eq!(r.customers.get("update"), Some(&3), "{:?}", r.customers);
    let discount = |email: &str| {
        let c = sb.shopify.customer_by_email(email).expect("synced");
        c.metafield("sparklayer", "discount_percentage")
            .map(|m| m.value.clone())
    };
    assert_eq!(discount(&zeroed_email), None);
    assert_eq!(discount(&invalid_email), None);
    assert_eq!(discount(&added_email).as_deref(), Some("7"));
}

/// P5 + P3: a rate change rewrites only the converted lists' SKUs whose rounded price changed,
/// on an incremental run (the new rate makes it read every product): the PATCHed rows counted
/// by the SparkLayer fake are exactly those; no other list is touched; the next run writes
/// nothing. P4: a rate removed empties its converted lists on the next full run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_change_rewrites_only_changed_converted_skus() {
    let sb = sandbox(22).await;
    let state = state_path("rates");
    let first = engine(&sb, &state, &rates("0.65", "1.08", Some("97.5")));
    first.run(RunOptions::default()).await.expect("first run");
    let before = sb.sparklayer.price_lists();

    // NZD 1.08 → 1.0815: some prices round to a new cent, most do not.
    let e = engine(&sb, &state, &rates("0.65", "1.0815", Some("97.5")));
    sb.sparklayer.reset_counts();
    let r = dry_then_real(&sb, &e, RunOptions::default()).await;
    assert_eq!(r.mode.to_string(), "incremental");
    let after = sb.sparklayer.price_lists();
    let mut changed = 0u64;
    for (slug, list) in &after {
        let old = &before[slug];
        let differs = list
            .prices
            .iter()
            .filter(|(sku, p)| old.prices.get(*sku) != Some(*p));
        let n = differs.count() as u64;
        if !slug.ends_with("-nzd") {
            assert_eq!(n, 0, "{slug} is not an NZD list");
        }
        assert_eq!(
            list.prices.len(),
            old.prices.len(),
            "{slug}: no SKU added or removed"
        );
        changed += n;
    }
    assert!(changed > 0, "the new rate changes some rounded prices");
    let nzd_rows: usize = converted(&after, "NZD")
        .iter()
        .map(|l| l.prices.len())
        .sum();
    assert!(
        (changed as usize) < nzd_rows,
        "only the changed SKUs, not every NZD row"
    );
    assert_eq!(patched_rows(&sb), changed, "PATCH rows = changed SKUs");
    assert_eq!(r.price_rows_written, changed);

    sb.sparklayer.reset_counts();
    let again = e.run(RunOptions::default()).await.expect("rerun");
    assert_eq!(again.sink_writes(), 0, "E2: {:?}", again.requests);

    // P4: JPY's rate removed → its converted lists are emptied, and the JPY customers get no
    // tier list (tier_not_in_customer_currency).
    let e = engine(&sb, &state, &rates("0.65", "1.0815", None));
    let r = dry_then_real(&sb, &e, full()).await;
    assert!(r.warnings.contains_key("tier_not_in_customer_currency"));
    let lists = sb.sparklayer.price_lists();
    let jpy = converted(&lists, "JPY");
    assert!(!jpy.is_empty());
    assert!(jpy.iter().all(|l| l.prices.is_empty()), "P4: emptied");
    assert!(
        converted(&lists, "USD")
            .iter()
            .any(|l| !l.prices.is_empty())
    );
}
