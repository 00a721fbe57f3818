//! Seeded generator of a Cin7 Core account: customers, products, price tiers, base currency,
//! and the SparkLayer customer groups its tags refer to.
//!
//! [`Dataset::generate`] is deterministic for a seed and linear in its size (100,000 customers
//! take about 2 s in a release build). Records are raw Cin7-shaped JSON
//! ([`serde_json::Value`]) so the fake can also serve deliberately malformed ones.
//!
//! # Edge cases (SPEC §3–§4)
//!
//! The first customers cover every [`CustomerCase`] once, in declaration order, so even a tiny
//! data set has them all; after that about 70 % are [`CustomerCase::Valid`] and the rest are
//! drawn evenly from the other cases (about 1 % each), with one [`CustomerCase::Malformed`]
//! record per ~1,000 customers. Products work the same way with [`ProductCase`]: each case once
//! first, then about 85 % valid.
//!
//! A valid customer: `Status: Active`, tag `b2b` (plus, for about half, one SparkLayer group
//! name in varied case), currency = base currency (`AUD`), one default contact with a valid,
//! unique email and an Australian phone, a default Shipping address in Australia, a known tier
//! name, a credit limit, and for about 1 in 8 some customer-specific prices (`ProductPrices`).
//!
//! [`Dataset::case_counts`] tells how many of each case a data set holds.
//!
//! Customers in other currencies and with discounts (C12, P5, C17) are opt-in:
//! [`Dataset::with_currencies_and_discounts`] turns some valid customers into the cases of
//! [`CustomerCase::CURRENCIES_AND_DISCOUNTS`], leaving the default data as it was.

mod currency_cases;
mod customer_cases;
mod customers;
mod products;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cin7_sparklayer_core::model::{CustomerGroup, PriceTier};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use serde_json::Value;

pub use currency_cases::{CURRENCY_WITHOUT_RATE, FOREIGN_CURRENCIES, SAMPLE_CURRENCY_CONFIG};
pub use customers::CustomerCase;
pub use products::ProductCase;

/// The account's base currency in every generated data set (C12, P1).
pub const BASE_CURRENCY: &str = "AUD";

/// A generated Cin7 account.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The seed it was generated from.
    pub seed: u64,
    /// `GET me` → `Company`.
    pub company: String,
    /// `GET me` → `Currency`: [`BASE_CURRENCY`].
    pub base_currency: String,
    /// `GET ref/priceTier`: ten tiers; 1–5 are named, 6–10 keep `Tier N`.
    pub price_tiers: Vec<PriceTier>,
    /// `GET customer` rows, Cin7-shaped (`ProductPrices` included).
    pub customers: Vec<Value>,
    /// The case of each customer, by index into [`Dataset::customers`].
    pub customer_cases: Vec<CustomerCase>,
    /// `GET product` rows, Cin7-shaped.
    pub products: Vec<Value>,
    /// The case of each product, by index into [`Dataset::products`].
    pub product_cases: Vec<ProductCase>,
    /// SparkLayer customer groups whose names appear in customer tags (C7), to seed the
    /// SparkLayer fake.
    pub customer_groups: Vec<CustomerGroup>,
}

/// Counts of each case in a data set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaseCounts {
    /// Customers per case.
    pub customers: BTreeMap<CustomerCase, usize>,
    /// Products per case.
    pub products: BTreeMap<ProductCase, usize>,
}

impl Dataset {
    /// Generates `customers` customers and `products` products from `seed`.
    ///
    /// Deterministic: the same arguments give the same data set.
    pub fn generate(seed: u64, customers: usize, products: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut ids = IdGen::new(seed);
        let price_tiers = price_tiers();
        let product_rows = products::generate(&mut rng, &mut ids, products);
        let skus: Vec<String> = product_rows
            .iter()
            .filter(|(case, _)| case.is_publishable())
            .filter_map(|(_, v)| v.get("SKU").and_then(Value::as_str).map(str::to_owned))
            .collect();
        let customer_rows = customers::generate(&mut rng, &mut ids, customers, &skus);
        let (customer_cases, customers) = customer_rows.into_iter().unzip();
        let (product_cases, products) = product_rows.into_iter().unzip();
        Self {
            seed,
            company: "Sandbox Trading Pty Ltd".to_owned(),
            base_currency: BASE_CURRENCY.to_owned(),
            price_tiers,
            customers,
            customer_cases,
            products,
            product_cases,
            customer_groups: customer_groups(),
        }
    }

    /// How many customers and products of each case the data set holds.
    pub fn case_counts(&self) -> CaseCounts {
        let mut counts = CaseCounts::default();
        for c in &self.customer_cases {
            *counts.customers.entry(*c).or_default() += 1;
        }
        for p in &self.product_cases {
            *counts.products.entry(*p).or_default() += 1;
        }
        counts
    }

    /// The `ID` of customer `index`, when it has a string ID.
    pub fn customer_id(&self, index: usize) -> Option<&str> {
        self.customers.get(index)?.get("ID")?.as_str()
    }

    /// Indices of the customers of one case.
    pub fn customers_of(&self, case: CustomerCase) -> impl Iterator<Item = usize> + '_ {
        self.customer_cases
            .iter()
            .enumerate()
            .filter(move |(_, c)| **c == case)
            .map(|(i, _)| i)
    }

    /// Indices of the products of one case.
    pub fn products_of(&self, case: ProductCase) -> impl Iterator<Item = usize> + '_ {
        self.product_cases
            .iter()
            .enumerate()
            .filter(move |(_, c)| **c == case)
            .map(|(i, _)| i)
    }

    /// `GET me` body.
    pub fn me(&self) -> Value {
        serde_json::json!({
            "Company": self.company,
            "Currency": self.base_currency,
            "TimeZone": "Australia/Sydney",
            "DefaultWeightUnits": "g",
            "DefaultDimensionsUnits": "cm",
            "LockDate": null,
            "OpeningBalanceDate": "2020-07-01T00:00:00",
            "DefaultSaleTaxRuleName": "GST on Income",
        })
    }

    /// `GET ref/priceTier` body.
    pub fn price_tiers_body(&self) -> Value {
        let tiers: Vec<Value> = self
            .price_tiers
            .iter()
            .map(|t| serde_json::json!({"Code": t.code, "Name": t.name}))
            .collect();
        serde_json::json!({ "PriceTiers": tiers })
    }
}

/// A price as a JSON number, the way Cin7 sends it.
///
/// `serde_json::Value` holds no exact decimal (the workspace does not enable
/// `arbitrary_precision`), so the amount passes through `f64`; its shortest round-trip text is
/// exactly the decimal for up to 15 significant digits, which every generated price has.
pub fn money(amount: Decimal) -> Value {
    amount
        .to_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// Tier names: 1–5 renamed like a real account, 6–10 left as `Tier N`.
fn price_tiers() -> Vec<PriceTier> {
    let names = ["Retail", "Wholesale", "Distributor", "VIP", "Trade"];
    (1..=10u8)
        .map(|code| PriceTier {
            code,
            name: names
                .get(usize::from(code) - 1)
                .map_or_else(|| format!("Tier {code}"), |n| (*n).to_owned()),
        })
        .collect()
}

/// The SparkLayer groups the tags refer to (C7).
fn customer_groups() -> Vec<CustomerGroup> {
    [
        ("Wholesale", "wholesale"),
        ("VIP", "vip"),
        ("Trade Partners", "trade-partners"),
        ("Distributors", "distributors"),
    ]
    .into_iter()
    .map(|(name, slug)| CustomerGroup {
        name: name.to_owned(),
        slug: slug.to_owned(),
    })
    .collect()
}

/// Deterministic GUID-shaped IDs and timestamps.
#[derive(Debug)]
pub(crate) struct IdGen {
    rng: StdRng,
    next_minute: i64,
}

impl IdGen {
    fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed ^ 0x05ee_d1d5),
            next_minute: 0,
        }
    }

    /// A GUID-shaped ID (`8-4-4-4-12` lowercase hex, version nibble 4).
    pub(crate) fn guid(&mut self) -> String {
        let a: u128 = self.rng.random();
        let h = format!("{a:032x}");
        format!(
            "{}-{}-4{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[16..20],
            &h[20..32]
        )
    }

    /// A `LastModifiedOn` a few minutes after the previous one (2025 onwards), in one of the
    /// shapes Cin7 sends: 0–7 fractional digits, with or without `Z`.
    pub(crate) fn modified(&mut self) -> String {
        self.next_minute += self.rng.random_range(1..30);
        let base = Utc
            .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let at = base
            + Duration::minutes(self.next_minute)
            + Duration::milliseconds(self.rng.random_range(0..1000));
        format_cin7_date(at, self.rng.random_range(0..6))
    }
}

/// Formats a date the way Cin7 does, in one of six shapes (`shape % 6`): `.fffZ`, `.ffZ`,
/// no fraction with `Z`, `.fffffff` without `Z`, no fraction without `Z`, `.fZ`.
pub fn format_cin7_date(at: DateTime<Utc>, shape: u8) -> String {
    let secs = at.format("%Y-%m-%dT%H:%M:%S");
    let nanos = at.timestamp_subsec_nanos();
    match shape % 6 {
        0 => format!("{secs}.{:03}Z", nanos / 1_000_000),
        1 => format!("{secs}.{:02}Z", nanos / 10_000_000),
        2 => format!("{secs}Z"),
        3 => format!("{secs}.{:07}", nanos / 100),
        4 => format!("{secs}"),
        _ => format!("{secs}.{}Z", nanos / 100_000_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_for_a_seed() {
        let a = Dataset::generate(42, 300, 200);
        let b = Dataset::generate(42, 300, 200);
        assert_eq!(a.customers, b.customers);
        assert_eq!(a.products, b.products);
        let c = Dataset::generate(43, 300, 200);
        assert_ne!(a.customers, c.customers);
    }

    #[test]
    fn every_case_is_present_even_in_a_small_set() {
        let d = Dataset::generate(1, CustomerCase::ALL.len(), ProductCase::ALL.len());
        let counts = d.case_counts();
        for case in CustomerCase::ALL {
            assert_eq!(counts.customers.get(case), Some(&1), "{case:?}");
        }
        for case in ProductCase::ALL {
            assert_eq!(counts.products.get(case), Some(&1), "{case:?}");
        }
    }

    #[test]
    fn mostly_valid_with_unique_ids() {
        let d = Dataset::generate(7, 5_000, 3_000);
        let counts = d.case_counts();
        let valid = counts.customers[&CustomerCase::Valid] as f64 / 5_000.0;
        assert!((0.6..0.8).contains(&valid), "{valid}");
        // Malformed records may carry `ID: null` on purpose; every other ID is unique.
        let with_id: Vec<_> = d.customers.iter().filter(|c| !c["ID"].is_null()).collect();
        assert!(with_id.len() >= 4_990);
        let ids: std::collections::HashSet<_> =
            with_id.iter().map(|c| c["ID"].to_string()).collect();
        assert_eq!(ids.len(), with_id.len());
        let skus: std::collections::HashSet<_> = d
            .products
            .iter()
            .filter_map(|p| p["SKU"].as_str().filter(|s| !s.is_empty()))
            .collect();
        assert!(skus.len() > 2_500);
        assert!(counts.customers[&CustomerCase::Malformed] >= 5);
    }

    #[test]
    fn dates_take_every_shape() {
        let at =
            Utc.with_ymd_and_hms(2025, 3, 4, 5, 6, 7).unwrap() + Duration::nanoseconds(123_456_700);
        let shapes: Vec<String> = (0..6).map(|s| format_cin7_date(at, s)).collect();
        assert_eq!(
            shapes,
            [
                "2025-03-04T05:06:07.123Z",
                "2025-03-04T05:06:07.12Z",
                "2025-03-04T05:06:07Z",
                "2025-03-04T05:06:07.1234567",
                "2025-03-04T05:06:07",
                "2025-03-04T05:06:07.1Z"
            ]
        );
    }
}
