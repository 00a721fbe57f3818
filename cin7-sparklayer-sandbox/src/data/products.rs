//! Generated Cin7 products, one [`ProductCase`] each (SPEC §4 edge cases).

use rand::Rng;
use rand::rngs::StdRng;
use serde::Serialize;
use serde_json::{Value, json};

use rust_decimal::Decimal;

use super::{IdGen, money};

/// What a generated product exercises (SPEC §4, P1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductCase {
    /// Active, a SKU, tiers 1–5 priced with two decimals, tiers 6–10 at 0 ("not set").
    Valid,
    /// P1: four-decimal tier prices (Cin7's precision).
    FourDecimals,
    /// P1: `SKU: ""` → never published.
    EmptySku,
    /// P1: `Status: Deprecated` → not published.
    Deprecated,
    /// P1: every tier at 0 → nothing published by default (`zero_price = "skip"`).
    ZeroPrices,
    /// P1: a negative tier price (a discount item) → never published, warning.
    NegativePrice,
    /// Wire quirk: prices sent as strings (`"19.90"`).
    PriceAsString,
    /// Client skip path: `PriceTier3: "abc"` or `ID` missing.
    Malformed,
}

impl ProductCase {
    /// Every case, in declaration order.
    pub const ALL: &'static [ProductCase] = &[
        Self::Valid,
        Self::FourDecimals,
        Self::EmptySku,
        Self::Deprecated,
        Self::ZeroPrices,
        Self::NegativePrice,
        Self::PriceAsString,
        Self::Malformed,
    ];

    /// Whether customer-specific prices may name its SKU (active, with a SKU, parseable).
    pub fn is_publishable(self) -> bool {
        matches!(self, Self::Valid | Self::FourDecimals | Self::PriceAsString)
    }
}

const KINDS: &[&str] = &[
    "Hinge",
    "Bracket",
    "Screw Pack",
    "Garden Hose",
    "Coffee Cup",
    "Tea Towel",
    "Door Handle",
    "LED Globe",
    "Paint Brush",
    "Storage Tub",
];

/// Generates `n` products: each case once first, then ~85 % valid.
pub(super) fn generate(rng: &mut StdRng, ids: &mut IdGen, n: usize) -> Vec<(ProductCase, Value)> {
    let edge: Vec<ProductCase> = ProductCase::ALL
        .iter()
        .copied()
        .filter(|c| !matches!(c, ProductCase::Valid | ProductCase::Malformed))
        .collect();
    (0..n)
        .map(|i| {
            let case = if let Some(c) = ProductCase::ALL.get(i) {
                *c
            } else if i % 1000 == 999 {
                ProductCase::Malformed
            } else if rng.random_bool(0.85) {
                ProductCase::Valid
            } else {
                edge[rng.random_range(0..edge.len())]
            };
            let mut p = valid(rng, ids, i);
            apply(case, &mut p, rng, i);
            (case, p)
        })
        .collect()
}

fn valid(rng: &mut StdRng, ids: &mut IdGen, i: usize) -> Value {
    let base_cents: i64 = rng.random_range(200..50_000);
    let mut p = json!({
        "ID": ids.guid(),
        "SKU": format!("SKU-{i:06}"),
        "Name": format!("{} {i}", KINDS[i % KINDS.len()]),
        "Type": "Stock",
        "UOM": "Each",
        "Status": "Active",
        "Sellable": true,
        "Tags": null,
        "SaleTaxRule": null,
        "DiscountRule": null,
        "LastModifiedOn": ids.modified(),
        "CustomPrices": [],
    });
    for tier in 1..=10u32 {
        let price = if tier <= 5 {
            // Tier 1 is retail; each next tier a little cheaper.
            money(Decimal::new(base_cents * (20 - i64::from(tier)) / 19, 2))
        } else {
            json!(0)
        };
        p[format!("PriceTier{tier}")] = price;
    }
    p
}

fn apply(case: ProductCase, p: &mut Value, rng: &mut StdRng, i: usize) {
    use ProductCase as P;
    match case {
        P::Valid => {}
        P::FourDecimals => {
            for tier in 1..=5u32 {
                let v: i64 = rng.random_range(10_000..5_000_000);
                p[format!("PriceTier{tier}")] = money(Decimal::new(v, 4));
            }
        }
        P::EmptySku => p["SKU"] = json!(""),
        P::Deprecated => p["Status"] = json!("Deprecated"),
        P::ZeroPrices => {
            for tier in 1..=10u32 {
                p[format!("PriceTier{tier}")] = json!(0);
            }
        }
        P::NegativePrice => p["PriceTier1"] = json!(-100),
        P::PriceAsString => {
            p["PriceTier2"] = json!("19.90");
            p["PriceTier3"] = json!("17.5000");
        }
        P::Malformed => {
            if i.is_multiple_of(2) {
                p["PriceTier3"] = json!("abc");
            } else if let Some(obj) = p.as_object_mut() {
                obj.remove("ID");
            }
        }
    }
}
