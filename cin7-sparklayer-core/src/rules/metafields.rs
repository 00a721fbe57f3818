//! C7–C10, C12, C17: the `sparklayer.*` and `cin7.*` metafields SparkLayer and staff read.

use rust_decimal::Decimal;

use crate::model::{DesiredMetafield, MetafieldKey, MetafieldType};

use super::names::truncate;

/// `sparklayer.group` (C7).
pub const GROUP: (&str, &str) = ("sparklayer", "group");
/// `sparklayer.price_lists` (C8).
pub const PRICE_LISTS: (&str, &str) = ("sparklayer", "price_lists");
/// `sparklayer.payment_on_account` (C9).
pub const PAYMENT_ON_ACCOUNT: (&str, &str) = ("sparklayer", "payment_on_account");
/// `sparklayer.company_name` (C10).
pub const COMPANY_NAME: (&str, &str) = ("sparklayer", "company_name");
/// `cin7.customer_id` (C10).
pub const CUSTOMER_ID: (&str, &str) = ("cin7", "customer_id");
/// `cin7.credit_limit` (C9).
pub const CREDIT_LIMIT: (&str, &str) = ("cin7", "credit_limit");
/// `cin7.on_credit_hold` (C9).
pub const ON_CREDIT_HOLD: (&str, &str) = ("cin7", "on_credit_hold");
/// `sparklayer.discount_percentage` (C17).
pub const DISCOUNT_PERCENTAGE: (&str, &str) = ("sparklayer", "discount_percentage");
/// `cin7.contact_id` (C16, with `customers.contacts = "all"`).
pub const CONTACT_ID: (&str, &str) = ("cin7", "contact_id");

/// Every metafield key the sync writes (C7–C10, C17), defined once: sinks read these back for
/// drift (C15) from here, and [`customer_metafields`] writes no other.
pub const MANAGED_KEYS: [(&str, &str); 9] = [
    GROUP,
    PRICE_LISTS,
    PAYMENT_ON_ACCOUNT,
    COMPANY_NAME,
    CUSTOMER_ID,
    CREDIT_LIMIT,
    ON_CREDIT_HOLD,
    DISCOUNT_PERCENTAGE,
    CONTACT_ID,
];

/// Namespaces the sync owns: on revoke every metafield it set in them is deleted (C14); the
/// shop's definitions in them are read once per run (E10).
pub const MANAGED_NAMESPACES: [&str; 2] = ["sparklayer", "cin7"];

/// Every metafield the sync writes, with its type (C7–C10, C16, C17): the keys checked
/// against the shop's definitions (E10).
pub const WRITTEN: [((&str, &str), MetafieldType); 9] = [
    (GROUP, MetafieldType::SingleLineTextField),
    (PRICE_LISTS, MetafieldType::Json),
    (PAYMENT_ON_ACCOUNT, MetafieldType::Json),
    (COMPANY_NAME, MetafieldType::SingleLineTextField),
    (CUSTOMER_ID, MetafieldType::SingleLineTextField),
    (CREDIT_LIMIT, MetafieldType::NumberDecimal),
    (ON_CREDIT_HOLD, MetafieldType::Boolean),
    (DISCOUNT_PERCENTAGE, MetafieldType::NumberDecimal),
    (CONTACT_ID, MetafieldType::SingleLineTextField),
];

/// [`WRITTEN`] as keys and types.
pub fn written_types() -> Vec<(MetafieldKey, MetafieldType)> {
    WRITTEN
        .iter()
        .map(|((ns, key), kind)| (MetafieldKey::known(ns, key), *kind))
        .collect()
}

fn metafield(
    key: (&'static str, &'static str),
    kind: MetafieldType,
    value: String,
) -> DesiredMetafield {
    DesiredMetafield {
        key: MetafieldKey::known(key.0, key.1),
        kind,
        value,
    }
}

/// A decimal as a JSON number / `number_decimal` text with Cin7's precision (≤ 4 decimals), no trailing zeros.
pub fn decimal_text(value: Decimal) -> String {
    value.round_dp(4).normalize().to_string()
}

/// C9: the credit limit SparkLayer sees: 0 while on credit hold.
pub fn effective_credit_limit(credit_limit: Decimal, on_credit_hold: bool) -> Decimal {
    if on_credit_hold {
        Decimal::ZERO
    } else {
        credit_limit
    }
}

/// The inputs of the metafield rules for one customer.
#[derive(Debug, Clone)]
pub struct MetafieldInputs<'a> {
    /// Cin7 `ID` (C10).
    pub cin7_id: &'a str,
    /// Cin7 `Name` (C10).
    pub company_name: Option<&'a str>,
    /// The selected group's slug (C7).
    pub group_slug: Option<&'a str>,
    /// Price list slugs in order: own list first, then tier list (C8).
    pub price_lists: &'a [String],
    /// `CreditLimit` (C9).
    pub credit_limit: Decimal,
    /// `IsOnCreditHold` (C9).
    pub on_credit_hold: bool,
    /// `"currency_code"` of `payment_on_account`: the customer's currency in lower case when it
    /// is not the base currency (C12).
    pub currency_code: Option<&'a str>,
    /// The discount to write, already checked to be in (0, 100] (C17).
    pub discount: Option<Decimal>,
}

/// [`MetafieldInputs`] owned: what a customer's metafields are made from, kept instead of the
/// metafields until a record is put together (C16: a customer's records share it; a dry run
/// of an unlinked record never makes them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MetafieldValues {
    pub(crate) cin7_id: String,
    pub(crate) company_name: Option<String>,
    pub(crate) group_slug: Option<String>,
    pub(crate) price_lists: Vec<String>,
    pub(crate) credit_limit: Decimal,
    pub(crate) on_credit_hold: bool,
    pub(crate) currency_code: Option<String>,
    pub(crate) discount: Option<Decimal>,
}

impl MetafieldValues {
    /// The metafields, sorted by key (C7–C10, C12, C17), as [`customer_metafields`] makes them.
    pub(crate) fn make(&self) -> Vec<DesiredMetafield> {
        customer_metafields(&MetafieldInputs {
            cin7_id: &self.cin7_id,
            company_name: self.company_name.as_deref(),
            group_slug: self.group_slug.as_deref(),
            price_lists: &self.price_lists,
            credit_limit: self.credit_limit,
            on_credit_hold: self.on_credit_hold,
            currency_code: self.currency_code.as_deref(),
            discount: self.discount,
        })
    }
}

/// C9, C12: `sparklayer.payment_on_account`: the effective credit limit as a JSON number, with
/// `"currency_code"` for a customer not in the base currency.
fn payment_on_account(input: &MetafieldInputs<'_>) -> DesiredMetafield {
    let limit = decimal_text(effective_credit_limit(
        input.credit_limit,
        input.on_credit_hold,
    ));
    let value = match input.currency_code {
        Some(code) => {
            let code = serde_json::to_string(code).unwrap_or_else(|_| "\"\"".into());
            format!("{{\"credit_limit\":{limit},\"currency_code\":{code}}}")
        }
        None => format!("{{\"credit_limit\":{limit}}}"),
    };
    metafield(PAYMENT_ON_ACCOUNT, MetafieldType::Json, value)
}

/// C7–C10, C12, C17: every metafield the sync wants on the customer, sorted by key.
///
/// A metafield with nothing to say (no group, no lists, no name, no discount) is left out, so the
/// planner deletes it if the sync set it earlier (C7, C17).
pub fn customer_metafields(input: &MetafieldInputs<'_>) -> Vec<DesiredMetafield> {
    let mut out = Vec::with_capacity(WRITTEN.len());
    if let Some(slug) = input.group_slug {
        out.push(metafield(
            GROUP,
            MetafieldType::SingleLineTextField,
            slug.to_owned(),
        ));
    }
    if !input.price_lists.is_empty() {
        out.push(metafield(
            PRICE_LISTS,
            MetafieldType::Json,
            json_strings(input.price_lists),
        ));
    }
    out.push(payment_on_account(input));
    if let Some(name) = input.company_name.map(str::trim).filter(|n| !n.is_empty()) {
        out.push(metafield(
            COMPANY_NAME,
            MetafieldType::SingleLineTextField,
            truncate(name, 255),
        ));
    }
    out.push(metafield(
        CUSTOMER_ID,
        MetafieldType::SingleLineTextField,
        input.cin7_id.to_owned(),
    ));
    out.push(metafield(
        CREDIT_LIMIT,
        MetafieldType::NumberDecimal,
        decimal_text(input.credit_limit),
    ));
    out.push(metafield(
        ON_CREDIT_HOLD,
        MetafieldType::Boolean,
        input.on_credit_hold.to_string(),
    ));
    if let Some(discount) = input.discount {
        out.push(metafield(
            DISCOUNT_PERCENTAGE,
            MetafieldType::NumberDecimal,
            decimal_text(discount),
        ));
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// C8: slugs as a JSON array of strings, in a buffer of its own size (serde_json's default
/// 128 bytes, kept by 100,000 customers, was most of it).
fn json_strings(items: &[String]) -> String {
    // Two quotes and a comma per item, brackets; escapes (rare in slugs) grow the buffer.
    let size = items.iter().map(|s| s.len() + 3).sum::<usize>() + 1;
    let mut json = Vec::with_capacity(size);
    match serde_json::to_writer(&mut json, items) {
        // serde_json writes UTF-8 only.
        Ok(()) => String::from_utf8(json).unwrap_or_else(|_| "[]".into()),
        Err(_) => "[]".into(),
    }
}

/// C16: adds (or replaces) `cin7.contact_id` = `contact_id` in `metafields`, which are and stay
/// sorted by key, as every customer the sync writes with `customers.contacts = "all"` carries it;
/// a contact without an ID adds none.
pub fn with_contact_id(metafields: &mut Vec<DesiredMetafield>, contact_id: Option<&str>) {
    let Some(id) = contact_id else {
        return;
    };
    let key = MetafieldKey::known(CONTACT_ID.0, CONTACT_ID.1);
    let value = metafield(
        CONTACT_ID,
        MetafieldType::SingleLineTextField,
        id.to_owned(),
    );
    // Sorted by key: replace it, or insert it in its place.
    match metafields.binary_search_by(|m| m.key.cmp(&key)) {
        Ok(at) => metafields[at] = value,
        Err(at) => metafields.insert(at, value),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use rust_decimal::Decimal;

    use super::*;

    #[test]
    fn managed_keys_are_exactly_the_keys_written() {
        let lists = vec!["cin7-tier-1".to_owned()];
        let mut all = customer_metafields(&MetafieldInputs {
            cin7_id: "c-1",
            company_name: Some("Acme"),
            group_slug: Some("vip"),
            price_lists: &lists,
            credit_limit: Decimal::ONE,
            on_credit_hold: false,
            currency_code: Some("usd"),
            discount: Some(Decimal::TEN),
        });
        with_contact_id(&mut all, Some("k-1"));
        let written: BTreeSet<(String, String)> = all
            .iter()
            .map(|m| (m.key.namespace.to_string(), m.key.key.to_string()))
            .collect();
        let managed: BTreeSet<(String, String)> = MANAGED_KEYS
            .iter()
            .map(|(n, k)| ((*n).to_owned(), (*k).to_owned()))
            .collect();
        assert_eq!(written, managed);
        assert!(
            MANAGED_KEYS
                .iter()
                .all(|(n, _)| MANAGED_NAMESPACES.contains(n))
        );
    }
}
