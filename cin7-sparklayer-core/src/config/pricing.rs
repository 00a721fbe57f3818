//! `[pricing]`: the pricing pass's options (P1–P5) and their rules.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::currencies::Currencies;
use super::{ConfigError, default_true};

/// Which tier lists are published (P1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierSelection {
    /// Only tiers some synced customer uses (default).
    #[default]
    Assigned,
    /// All ten tiers.
    All,
}

/// What a zero tier price means (P1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroPrice {
    /// "Not set": not published (default).
    #[default]
    Skip,
    /// Published as a free price.
    Publish,
}

/// `[pricing]`: the pricing pass (P1–P4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricingConfig {
    /// `enabled`, default `true`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// `prefix` of every list slug, default `cin7` (P1, P2).
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// `tiers`, default `assigned`.
    #[serde(default)]
    pub tiers: TierSelection,
    /// `zero_price`, default `skip`.
    #[serde(default)]
    pub zero_price: ZeroPrice,
    /// `batch_size`, default 500 (P3).
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// `tier_currency`: tier code `"1"`–`"10"` → the ISO 4217 code its prices are in (P5);
    /// checked by [`PricingConfig::currencies`].
    #[serde(default)]
    pub tier_currency: BTreeMap<String, String>,
    /// `exchange_rates`: ISO 4217 code → units per one unit of the base currency (P5);
    /// checked by [`PricingConfig::currencies`].
    #[serde(default)]
    pub exchange_rates: BTreeMap<String, Decimal>,
}

impl PricingConfig {
    /// Checks P3's `batch_size` (1–1000), the slug `prefix` of P1/P2 and P5's currency tables.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `pricing.batch_size` or `pricing.prefix`;
    /// [`ConfigError::Rejected`] naming the entry of `pricing.tier_currency` or
    /// `pricing.exchange_rates` at fault.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=1000).contains(&self.batch_size) {
            return Err(ConfigError::invalid(
                "pricing.batch_size",
                "must be between 1 and 1000",
            ));
        }
        crate::rules::validate_prefix(&self.prefix)
            .map_err(|reason| ConfigError::invalid("pricing.prefix", reason))?;
        self.currencies().map(drop)
    }

    /// P5: `tier_currency` and `exchange_rates`, checked against ISO 4217.
    ///
    /// # Errors
    /// As [`Currencies::parse`]: the key at fault, e.g. `pricing.exchange_rates.XYZ`.
    pub fn currencies(&self) -> Result<Currencies, ConfigError> {
        Currencies::parse(&self.tier_currency, &self.exchange_rates)
    }
}

impl Default for PricingConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            prefix: default_prefix(),
            tiers: TierSelection::Assigned,
            zero_price: ZeroPrice::Skip,
            batch_size: default_batch_size(),
            tier_currency: BTreeMap::new(),
            exchange_rates: BTreeMap::new(),
        }
    }
}

fn default_prefix() -> String {
    "cin7".into()
}
fn default_batch_size() -> usize {
    500
}
