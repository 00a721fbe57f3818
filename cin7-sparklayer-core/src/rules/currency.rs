//! C12 Currency.

use crate::config::CurrencyMode;

/// C12: whether a customer in `currency` is synced. With `base_only`, its currency must equal
/// the base currency (case-insensitive); a missing currency is taken as the base currency.
pub fn currency_allowed(currency: Option<&str>, base: &str, mode: CurrencyMode) -> bool {
    match mode {
        CurrencyMode::All => true,
        CurrencyMode::BaseOnly => currency
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .is_none_or(|c| c.eq_ignore_ascii_case(base.trim())),
    }
}

/// The currency a customer's own price list uses (P2): its own, else the base currency, uppercased.
pub fn customer_currency(currency: Option<&str>, base: &str) -> String {
    currency
        .map(str::trim)
        .filter(|c| c.len() == 3 && c.chars().all(|ch| ch.is_ascii_alphabetic()))
        .unwrap_or(base.trim())
        .to_ascii_uppercase()
}
