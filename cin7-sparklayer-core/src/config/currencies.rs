//! P5: `pricing.tier_currency` and `pricing.exchange_rates`, checked against ISO 4217.
//!
//! The codes and their minor units come from the `iso_currency` crate (ISO 4217's own
//! table), never from a hand-made list.

use std::collections::BTreeMap;

use iso_currency::Currency;
use rust_decimal::Decimal;

use super::ConfigError;
use crate::model::TIER_COUNT;

/// P5: a rate to convert base-currency prices into a currency, with that currency's minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeRate {
    /// Units of the currency per one unit of the base currency (> 0).
    pub rate: Decimal,
    /// ISO 4217 minor units (exponent): 0 for JPY, 2 for USD, 3 for BHD.
    pub minor_units: u32,
}

/// P5: the checked currency options of `[pricing]`, codes in upper case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Currencies {
    /// Tier code → the currency its Cin7 prices are in, when not the base currency.
    tier_currency: BTreeMap<u8, String>,
    /// Currency → its rate from the base currency.
    rates: BTreeMap<String, ExchangeRate>,
}

/// No tier in another currency and no rate: the default of P5.
static NONE: Currencies = Currencies {
    tier_currency: BTreeMap::new(),
    rates: BTreeMap::new(),
};

impl Currencies {
    /// P5's default, for hosts and tests that configure no currency: every tier in the base
    /// currency, no converted list.
    pub fn none() -> &'static Self {
        &NONE
    }

    /// P5: checks both tables.
    ///
    /// # Errors
    /// [`ConfigError::Rejected`] naming the key, e.g. `pricing.exchange_rates.XYZ`: an
    /// unknown ISO 4217 code, a rate ≤ 0, or a tier code outside 1–10.
    pub fn parse(
        tier_currency: &BTreeMap<String, String>,
        exchange_rates: &BTreeMap<String, Decimal>,
    ) -> Result<Self, ConfigError> {
        let mut out = Self::default();
        for (tier, code) in tier_currency {
            let key = || format!("pricing.tier_currency.{tier}");
            let tier_code = parse_tier(tier).ok_or_else(|| {
                rejected(key(), format!("tier code {tier:?} must be \"1\" to \"10\""))
            })?;
            let (code, _) = iso_code(code).map_err(|message| rejected(key(), message))?;
            out.tier_currency.insert(tier_code, code);
        }
        for (code, rate) in exchange_rates {
            let key = || format!("pricing.exchange_rates.{code}");
            let (code, minor_units) = iso_code(code).map_err(|message| rejected(key(), message))?;
            if *rate <= Decimal::ZERO {
                let message = format!("rate {rate} must be greater than 0");
                return Err(rejected(key(), message));
            }
            let rate = ExchangeRate {
                rate: rate.normalize(),
                minor_units,
            };
            out.rates.insert(code, rate);
        }
        Ok(out)
    }

    /// P5: the currency tier `code`'s prices are in: its `tier_currency`, else `base`
    /// (upper case).
    pub fn tier_currency(&self, code: u8, base: &str) -> String {
        self.tier_currency
            .get(&code)
            .cloned()
            .unwrap_or_else(|| base.trim().to_ascii_uppercase())
    }

    /// P5: the rate into `currency` (any case), when one is configured.
    pub fn rate(&self, currency: &str) -> Option<ExchangeRate> {
        self.rates
            .get(&currency.trim().to_ascii_uppercase())
            .copied()
    }

    /// P5: every configured rate, by upper-case code.
    pub fn rates(&self) -> impl Iterator<Item = (&str, ExchangeRate)> {
        self.rates.iter().map(|(c, r)| (c.as_str(), *r))
    }
}

/// A tier code `"1"`–`"10"`.
fn parse_tier(text: &str) -> Option<u8> {
    text.trim()
        .parse::<u8>()
        .ok()
        .filter(|c| (1..=TIER_COUNT).contains(&usize::from(*c)))
}

/// An ISO 4217 code (any case) with its minor units; codes without minor units (gold, test
/// codes) cannot price a list.
fn iso_code(text: &str) -> Result<(String, u32), String> {
    let upper = text.trim().to_ascii_uppercase();
    let currency = Currency::from_code(&upper)
        .ok_or_else(|| format!("{text:?} is not an ISO 4217 currency code"))?;
    let minor_units = currency
        .exponent()
        .ok_or_else(|| format!("{upper} has no minor units, so no price can be in it"))?;
    Ok((upper, u32::from(minor_units)))
}

fn rejected(key: String, message: String) -> ConfigError {
    ConfigError::Rejected { key, message }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn rates(pairs: &[(&str, Decimal)]) -> BTreeMap<String, Decimal> {
        pairs.iter().map(|(c, r)| ((*c).to_owned(), *r)).collect()
    }

    #[test]
    fn minor_units_come_from_iso_4217() {
        let table = rates(&[("jpy", dec!(95)), ("BHD", dec!(0.25)), ("USD", dec!(0.65))]);
        let c = Currencies::parse(&BTreeMap::new(), &table).expect("valid");
        assert_eq!(c.rate("JPY").map(|r| r.minor_units), Some(0));
        assert_eq!(c.rate("bhd").map(|r| r.minor_units), Some(3));
        assert_eq!(c.rate("USD").map(|r| r.minor_units), Some(2));
        assert_eq!(c.rate("NZD"), None);
    }

    #[test]
    fn errors_name_the_key() {
        let bad = |tiers: &[(&str, &str)], table: &[(&str, Decimal)]| {
            let tiers = tiers
                .iter()
                .map(|(t, c)| ((*t).to_owned(), (*c).to_owned()))
                .collect();
            Currencies::parse(&tiers, &rates(table))
                .expect_err("invalid")
                .to_string()
        };
        let e = bad(&[], &[("XYZ", dec!(1))]);
        assert!(e.starts_with("invalid pricing.exchange_rates.XYZ:"), "{e}");
        let e = bad(&[], &[("USD", dec!(0))]);
        assert!(e.starts_with("invalid pricing.exchange_rates.USD:"), "{e}");
        let e = bad(&[], &[("NZD", dec!(-1.5))]);
        assert!(e.contains("greater than 0"), "{e}");
        let e = bad(&[("11", "USD")], &[]);
        assert!(e.starts_with("invalid pricing.tier_currency.11:"), "{e}");
        let e = bad(&[("0", "USD")], &[]);
        assert!(e.starts_with("invalid pricing.tier_currency.0:"), "{e}");
        let e = bad(&[("5", "ZZZ")], &[]);
        assert!(e.starts_with("invalid pricing.tier_currency.5:"), "{e}");
        let e = bad(&[], &[("XAU", dec!(1))]);
        assert!(e.contains("no minor units"), "{e}");
    }

    #[test]
    fn tier_currency_defaults_to_the_base() {
        let tiers = [("5".to_owned(), "usd".to_owned())].into_iter().collect();
        let c = Currencies::parse(&tiers, &BTreeMap::new()).expect("valid");
        assert_eq!(c.tier_currency(5, "AUD"), "USD");
        assert_eq!(c.tier_currency(1, " aud "), "AUD");
    }
}
