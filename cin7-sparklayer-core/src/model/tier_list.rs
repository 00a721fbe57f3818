//! P1, P5: which tier list a customer uses or the pricing pass publishes.

use super::PriceListOrigin;

/// P1, P5: a tier list (`{prefix}-tier-{N}`) or a tier converted into another currency
/// (`{prefix}-tier-{N}-{x}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TierListKey {
    /// Tier code 1–10.
    pub code: u8,
    /// The ISO 4217 currency (upper case) the base tier is converted into; `None` for the
    /// tier list itself.
    pub converted_to: Option<String>,
}

impl TierListKey {
    /// P1: tier list `code` itself.
    pub fn tier(code: u8) -> Self {
        Self {
            code,
            converted_to: None,
        }
    }

    /// P5: tier `code` converted into `currency`.
    pub fn converted(code: u8, currency: &str) -> Self {
        Self {
            code,
            converted_to: Some(currency.trim().to_ascii_uppercase()),
        }
    }

    /// P1, P5: the list's slug: `{prefix}-tier-{N}`, or `{prefix}-tier-{N}-{x}` with the
    /// currency in lower case.
    pub fn slug(&self, prefix: &str) -> String {
        match &self.converted_to {
            None => format!("{prefix}-tier-{}", self.code),
            Some(c) => format!("{prefix}-tier-{}-{}", self.code, c.to_ascii_lowercase()),
        }
    }

    /// The key of a list the sync created from a tier (P4); `None` for a customer list.
    pub fn of_origin(origin: &PriceListOrigin) -> Option<Self> {
        match origin {
            PriceListOrigin::Tier { code } => Some(Self::tier(*code)),
            PriceListOrigin::Converted { code, currency, .. } => {
                Some(Self::converted(*code, currency))
            }
            PriceListOrigin::Customer { .. } => None,
        }
    }
}
