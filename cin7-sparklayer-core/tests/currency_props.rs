//! Property tests for C17 (discount) and P5 (currencies): conversion and rounding per ISO 4217
//! minor units, a rounded-to-zero price never published, a customer's tier list always in its
//! own currency or none.

use std::collections::{BTreeMap, BTreeSet};

use cin7_sparklayer_core::config::{Currencies, CurrencyMode, CustomersConfig, ZeroPrice};
use cin7_sparklayer_core::model::{
    AccountInfo, DesiredPriceList, MetafieldType, PriceListHeader, PriceListOrigin, PriceRow,
    PriceTier, SourceContact, SourceCustomer, TierListKey,
};
use cin7_sparklayer_core::report::WarningReason;
use cin7_sparklayer_core::rules::{
    MAX_PREFIX_LEN, MAX_SLUG_LEN, MappingContext, convert_price, map_customer, publish_tier_lists,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Currencies with 0, 2 and 3 minor units, and the base currency AUD.
const CODES: [(&str, u32); 6] = [
    ("AUD", 2),
    ("USD", 2),
    ("NZD", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("BHD", 3),
];

fn account() -> AccountInfo {
    AccountInfo {
        base_currency: "AUD".into(),
        price_tiers: (1..=10)
            .map(|code| PriceTier {
                code,
                name: format!("Tier {code}"),
            })
            .collect(),
    }
}

/// A price as Cin7 keeps it: up to 4 decimals, from a tenth of a cent to 100,000.
fn price() -> impl Strategy<Value = Decimal> {
    (1i64..1_000_000_000, 0u32..=4).prop_map(|(n, s)| Decimal::new(n, s))
}

/// A rate > 0 with up to 6 decimals, from 0.000001 to 2,000.
fn rate() -> impl Strategy<Value = Decimal> {
    (1i64..2_000_000_000, 0u32..=6).prop_map(|(n, s)| Decimal::new(n, s))
}

/// Any `pricing.tier_currency` and `pricing.exchange_rates` over [`CODES`], checked.
fn currencies() -> impl Strategy<Value = Currencies> {
    let code = prop::sample::select(CODES.iter().map(|(c, _)| *c).collect::<Vec<_>>());
    (
        prop::collection::btree_map(1u8..=10, code.clone(), 0..4),
        prop::collection::btree_map(code, rate(), 0..4),
    )
        .prop_map(|(tiers, rates)| {
            let tiers = tiers
                .into_iter()
                .map(|(t, c)| (t.to_string(), c.to_owned()))
                .collect();
            let rates = rates.into_iter().map(|(c, r)| (c.to_owned(), r)).collect();
            Currencies::parse(&tiers, &rates).expect("codes and rates are valid")
        })
}

/// A customer that maps: active, tagged, with a default contact's email.
fn customer(currency: &str, tier: u8, discount: Option<Decimal>) -> SourceCustomer {
    SourceCustomer {
        currency: Some(currency.to_owned()),
        price_tier: Some(format!("Tier {tier}")),
        tags: vec!["b2b".into()],
        discount,
        contacts: vec![SourceContact {
            email: Some("buyer@example.com".into()),
            default: true,
            ..SourceContact::default()
        }],
        ..SourceCustomer::new("c-1")
    }
}

fn base_list(code: u8, prices: &[Decimal]) -> DesiredPriceList {
    DesiredPriceList {
        header: PriceListHeader {
            slug: format!("cin7-tier-{code}"),
            name: format!("Tier {code}"),
            currency: "AUD".into(),
        },
        origin: PriceListOrigin::Tier { code },
        rows: prices
            .iter()
            .enumerate()
            .map(|(i, p)| PriceRow::single(format!("SKU-{i:03}"), *p))
            .collect(),
    }
}

fn metafield(c: &cin7_sparklayer_core::rules::MappedCustomer, key: &str) -> Option<String> {
    c.desired
        .metafields
        .iter()
        .find(|m| m.key.namespace == "sparklayer" && m.key.key == key)
        .map(|m| m.value.clone())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// C17: `sparklayer.discount_percentage` is written (as the same number) exactly when
    /// 0 < d ≤ 100; outside 0–100 it is not written and warned `invalid_discount`; 0 or
    /// missing writes nothing and warns nothing.
    #[test]
    fn c17_discount_written_only_in_range(
        d in prop_oneof![
            Just(None),
            Just(Some(Decimal::ZERO)),
            Just(Some(Decimal::ONE_HUNDRED)),
            (-20_000i64..20_000, 0u32..=2).prop_map(|(n, s)| Some(Decimal::new(n, s))),
        ],
    ) {
        let cfg = CustomersConfig::default();
        let account = account();
        let ctx = MappingContext { customers: &cfg, prefix: "cin7", zero_price: ZeroPrice::Skip, pricing_enabled: true, account: &account, groups: &[], currencies: Currencies::none() };
        let m = map_customer(&customer("AUD", 1, d), &ctx).map_err(|s| TestCaseError::fail(format!("{s:?}")))?;
        let written = metafield(&m, "discount_percentage");
        let in_range = d.is_some_and(|d| d > Decimal::ZERO && d <= Decimal::ONE_HUNDRED);
        let out_of_range = d.is_some_and(|d| d < Decimal::ZERO || d > Decimal::ONE_HUNDRED);
        prop_assert_eq!(written.is_some(), in_range);
        if let (Some(text), Some(d)) = (written, d) {
            prop_assert_eq!(text.parse::<Decimal>().ok(), Some(d));
            let kind = m.desired.metafields.iter().find(|f| f.key.key == "discount_percentage").map(|f| f.kind);
            prop_assert_eq!(kind, Some(MetafieldType::NumberDecimal));
        }
        let warned = m.warnings.iter().any(|w| w.reason == WarningReason::InvalidDiscount);
        prop_assert_eq!(warned, out_of_range);
    }

    /// P5: a converted price is the base price × rate rounded half away from zero to the
    /// currency's minor units: at most that many decimals, within half a minor unit of the
    /// exact product, and never 0 (a price that rounds to 0 is not published).
    #[test]
    fn p5_conversion_rounds_to_minor_units(p in price(), r in rate(), (code, minor) in prop::sample::select(CODES.to_vec())) {
        let rates = [(code.to_owned(), r)].into_iter().collect();
        let currencies = Currencies::parse(&BTreeMap::new(), &rates).expect("valid");
        let rate = currencies.rate(code).expect("configured");
        prop_assert_eq!(rate.minor_units, minor);
        let exact = p * r;
        let half = Decimal::new(5, minor + 1);
        match convert_price(p, rate) {
            Some(c) => {
                prop_assert!(c > Decimal::ZERO);
                prop_assert!(c.scale() <= minor, "{} has more than {} decimals", c, minor);
                prop_assert!((c - exact).abs() <= half, "{} is not {} rounded", c, exact);
                // Half away from zero: exactly half a unit rounds up.
                if (c - exact).abs() == half { prop_assert!(c > exact); }
            }
            None => prop_assert!(exact < half, "{} rounds to more than 0", exact),
        }
    }

    /// P5: every published list's rows carry only prices > 0 in its currency's minor units; a
    /// converted list holds exactly the base rows whose converted price is not 0; each list is
    /// in the currency its key names and every slug fits SparkLayer's 30 characters.
    #[test]
    fn p5_published_lists_never_hold_a_zero_price(
        prices in prop::collection::vec((1i64..5_000, 0u32..=4).prop_map(|(n, s)| Decimal::new(n, s)), 1..20),
        currencies in currencies(),
        code in 1u8..=10,
    ) {
        let mut published: BTreeSet<TierListKey> = [TierListKey::tier(code)].into_iter().collect();
        published.extend(CODES.iter().map(|(c, _)| TierListKey::converted(code, c)));
        let prefix = "p".repeat(MAX_PREFIX_LEN);
        let lists = publish_tier_lists(vec![base_list(code, &prices)], &published, &currencies, "AUD", &prefix);
        let tier_currency = currencies.tier_currency(code, "AUD");
        for list in &lists {
            prop_assert!(list.header.slug.len() <= MAX_SLUG_LEN, "{}", list.header.slug);
            match &list.origin {
                PriceListOrigin::Converted { currency, .. } => {
                    prop_assert_eq!(&tier_currency, "AUD");
                    prop_assert_ne!(currency, "AUD");
                    prop_assert_eq!(&list.header.currency, currency);
                    let rate = currencies.rate(currency).expect("a converted list has a rate");
                    let expected = prices.iter().filter_map(|p| convert_price(*p, rate)).count();
                    prop_assert_eq!(list.rows.len(), expected);
                    for row in &list.rows {
                        for b in &row.pricing {
                            prop_assert!(b.price > Decimal::ZERO);
                            prop_assert!(b.price.scale() <= rate.minor_units);
                        }
                    }
                }
                PriceListOrigin::Tier { .. } => {
                    prop_assert_eq!(&list.header.currency, &tier_currency);
                    prop_assert_eq!(list.rows.len(), prices.len());
                }
                PriceListOrigin::Customer { .. } => prop_assert!(false, "no customer list here"),
            }
        }
    }

    /// P5 (C8): a customer's tier list is always in the customer's own currency (the tier's
    /// currency, or the currency it is converted into), or there is none and the customer is
    /// warned `tier_not_in_customer_currency`; `payment_on_account` carries the customer's
    /// currency in lower case exactly when it is not the base currency (C12).
    #[test]
    fn p5_customer_tier_list_is_in_its_currency_or_none(
        currencies in currencies(),
        (currency, _) in prop::sample::select(CODES.to_vec()),
        code in 1u8..=10,
    ) {
        let cfg = CustomersConfig { currency: CurrencyMode::All, ..CustomersConfig::default() };
        let account = account();
        let ctx = MappingContext { customers: &cfg, prefix: "cin7", zero_price: ZeroPrice::Skip, pricing_enabled: true, account: &account, groups: &[], currencies: &currencies };
        let m = map_customer(&customer(currency, code, None), &ctx).map_err(|s| TestCaseError::fail(format!("{s:?}")))?;
        let warned = m.warnings.iter().any(|w| w.reason == WarningReason::TierNotInCustomerCurrency);
        match &m.tier {
            Some(key) => {
                let list_currency = key.converted_to.clone().unwrap_or_else(|| currencies.tier_currency(code, "AUD"));
                prop_assert_eq!(list_currency.as_str(), currency);
                prop_assert!(!warned);
                let lists = metafield(&m, "price_lists").unwrap_or_default();
                prop_assert!(lists.contains(&key.slug("cin7")));
            }
            None => prop_assert!(warned),
        }
        let poa: serde_json::Value = serde_json::from_str(&metafield(&m, "payment_on_account").unwrap_or_default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let code_field = poa.get("currency_code").and_then(|v| v.as_str()).map(str::to_owned);
        let expected = (currency != "AUD").then(|| currency.to_ascii_lowercase());
        prop_assert_eq!(code_field, expected);
        prop_assert!(poa.get("credit_limit").is_some_and(serde_json::Value::is_number));
    }
}
