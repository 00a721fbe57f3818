//! Customers in several currencies and with discounts (C12, P5, C17): an opt-in pass over a
//! generated data set, so the default data (and every test built on it) stays as it was.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::customers::CustomerCase;
use super::{Dataset, money};

/// Currencies the opt-in foreign customers buy in; [`SAMPLE_CURRENCY_CONFIG`] has a rate for
/// each (JPY has no minor units, so its converted prices are whole yen).
pub const FOREIGN_CURRENCIES: [&str; 3] = ["USD", "NZD", "JPY"];

/// A currency [`SAMPLE_CURRENCY_CONFIG`] has no rate for (P5: no tier list, warned).
pub const CURRENCY_WITHOUT_RATE: &str = "GBP";

/// SPEC §6 sections that sync every currency (C12) with a rate for each of
/// [`FOREIGN_CURRENCIES`] and tier 5 ("Trade") kept in USD (P5).
pub const SAMPLE_CURRENCY_CONFIG: &str = r#"[customers]
currency = "all"

[pricing]
tier_currency = { "5" = "USD" }
exchange_rates = { USD = 0.65, NZD = 1.08, JPY = 97.5 }
"#;

/// Of every 16 valid customers (in data-set order), which become which opt-in case.
const PATTERN: [(usize, CustomerCase); 7] = [
    (0, CustomerCase::ForeignCurrency),
    (1, CustomerCase::ForeignCurrency),
    (2, CustomerCase::ForeignCurrency),
    (3, CustomerCase::CurrencyWithoutRate),
    (4, CustomerCase::DiscountFractional),
    (5, CustomerCase::DiscountFull),
    (6, CustomerCase::DiscountOutOfRange),
];

impl Dataset {
    /// C12, P5, C17: turns 7 of every 16 valid customers into the cases of
    /// [`CustomerCase::CURRENCIES_AND_DISCOUNTS`] (three foreign currencies, one without a
    /// rate, a fractional, a full and an out-of-range discount); every other record is left as
    /// generated. Deterministic: it draws no random number.
    pub fn with_currencies_and_discounts(mut self) -> Self {
        let valid: Vec<usize> = self.customers_of(CustomerCase::Valid).collect();
        for (k, i) in valid.into_iter().enumerate() {
            let Some((_, case)) = PATTERN.iter().find(|(at, _)| *at == k % 16) else {
                continue;
            };
            apply(*case, &mut self.customers[i], k / 16 + k % 16);
            self.customer_cases[i] = *case;
        }
        self
    }
}

/// Turns a valid customer into one of the opt-in cases; `n` varies the currency and the sign
/// of an out-of-range discount.
pub(super) fn apply(case: CustomerCase, c: &mut Value, n: usize) {
    use CustomerCase as C;
    match case {
        C::ForeignCurrency => c["Currency"] = json!(FOREIGN_CURRENCIES[n % 3]),
        C::CurrencyWithoutRate => c["Currency"] = json!(CURRENCY_WITHOUT_RATE),
        C::DiscountFractional => c["Discount"] = money(Decimal::new(125, 1)),
        C::DiscountFull => c["Discount"] = json!(100),
        C::DiscountOutOfRange => {
            c["Discount"] = if n.is_multiple_of(2) {
                json!(150)
            } else {
                json!(-5)
            };
        }
        _ => {}
    }
}
