//! C12 Currency and P5's choice of a customer's tier list.

use crate::config::{Currencies, CurrencyMode};
use crate::model::TierListKey;

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

/// P5 (C8): the tier list a customer in `currency` uses for tier `code`: the tier list itself
/// when the tier's prices are in the customer's currency; else the tier converted into it when
/// the tier is in the base currency and the currency has a rate; else none (the caller warns
/// `tier_not_in_customer_currency`).
pub fn customer_tier_list(
    code: u8,
    currency: &str,
    base: &str,
    currencies: &Currencies,
) -> Option<TierListKey> {
    let tier_currency = currencies.tier_currency(code, base);
    if tier_currency.eq_ignore_ascii_case(currency.trim()) {
        return Some(TierListKey::tier(code));
    }
    let base_tier = tier_currency.eq_ignore_ascii_case(base.trim());
    (base_tier && currencies.rate(currency).is_some())
        .then(|| TierListKey::converted(code, currency))
}

/// C12: `"currency_code"` of `sparklayer.payment_on_account`: the customer's currency in lower
/// case when it is not the base currency.
pub fn payment_currency_code(currency: &str, base: &str) -> Option<String> {
    (!currency.trim().eq_ignore_ascii_case(base.trim()))
        .then(|| currency.trim().to_ascii_lowercase())
}
