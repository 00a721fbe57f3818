//! C15: has a Shopify customer drifted from what the sync wants?

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::model::{DesiredAddress, DesiredCustomer, MetafieldKey, MetafieldType};
use crate::ports::RemoteCustomer;

fn same_text(a: Option<&str>, b: Option<&str>) -> bool {
    let norm = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    norm(a) == norm(b)
}

fn same_ci(a: Option<&str>, b: Option<&str>) -> bool {
    let norm = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase)
    };
    norm(a) == norm(b)
}

fn same_address(want: Option<&DesiredAddress>, have: Option<&DesiredAddress>) -> bool {
    match (want, have) {
        // No desired address: the sync sets none, so whatever Shopify has is not drift.
        (None, _) => true,
        (Some(_), None) => false,
        (Some(w), Some(h)) => {
            same_text(w.address1.as_deref(), h.address1.as_deref())
                && same_text(w.address2.as_deref(), h.address2.as_deref())
                && same_text(w.city.as_deref(), h.city.as_deref())
                && same_text(w.zip.as_deref(), h.zip.as_deref())
                && w.country_code.eq_ignore_ascii_case(&h.country_code)
                && same_text(w.company.as_deref(), h.company.as_deref())
                && same_text(w.first_name.as_deref(), h.first_name.as_deref())
                && same_text(w.last_name.as_deref(), h.last_name.as_deref())
                && same_text(w.phone.as_deref(), h.phone.as_deref())
                && (w.province_code.is_none()
                    || same_ci(w.province_code.as_deref(), h.province_code.as_deref()))
        }
    }
}

/// Whether two metafield values of `kind` mean the same (JSON compared as values, decimals as numbers).
pub fn same_metafield_value(kind: MetafieldType, want: &str, have: &str) -> bool {
    match kind {
        MetafieldType::Json => {
            match (
                serde_json::from_str::<serde_json::Value>(want),
                serde_json::from_str::<serde_json::Value>(have),
            ) {
                (Ok(a), Ok(b)) => json_equal(&a, &b),
                _ => want == have,
            }
        }
        MetafieldType::NumberDecimal | MetafieldType::NumberInteger => {
            match (
                want.trim().parse::<Decimal>(),
                have.trim().parse::<Decimal>(),
            ) {
                (Ok(a), Ok(b)) => a == b,
                _ => want == have,
            }
        }
        MetafieldType::Boolean => want.trim().eq_ignore_ascii_case(have.trim()),
        MetafieldType::SingleLineTextField | MetafieldType::MultiLineTextField => want == have,
    }
}

/// JSON equality where numbers compare by value (`1.50` == `1.5`).
fn json_equal(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (
                x.to_string().parse::<Decimal>(),
                y.to_string().parse::<Decimal>(),
            ) {
                (Ok(p), Ok(q)) => p == q,
                _ => x == y,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// C15: whether any field the sync owns differs in Shopify from `desired`.
///
/// Compares email (case-insensitive), names, phone, tax exemption, the address (when the sync
/// sets one), the presence of the managed tags, and the managed metafields' values. A remote
/// read without fields (`fields: None`) is never drift.
pub fn customer_drifted(desired: &DesiredCustomer, remote: &RemoteCustomer) -> bool {
    drift_reason(desired, remote).is_some()
}

/// C15: the first field found to differ, for logs; `None` when nothing drifted.
pub fn drift_reason(desired: &DesiredCustomer, remote: &RemoteCustomer) -> Option<&'static str> {
    let fields = remote.fields.as_ref()?;
    let email_ok = remote
        .email
        .as_deref()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case(desired.email.trim()));
    if !email_ok {
        return Some("email");
    }
    if !desired
        .managed_tags
        .iter()
        .all(|t| remote.tags.iter().any(|r| r.trim().eq_ignore_ascii_case(t)))
    {
        return Some("tags");
    }
    let have: BTreeMap<&MetafieldKey, &str> = fields
        .metafields
        .iter()
        .map(|m| (&m.key, m.value.as_str()))
        .collect();
    if !desired.metafields.iter().all(|m| {
        have.get(&m.key)
            .is_some_and(|v| same_metafield_value(m.kind, &m.value, v))
    }) {
        return Some("metafields");
    }
    if !same_text(desired.first_name.as_deref(), fields.first_name.as_deref())
        || !same_text(desired.last_name.as_deref(), fields.last_name.as_deref())
    {
        return Some("name");
    }
    if !same_text(desired.phone.as_deref(), fields.phone.as_deref()) {
        return Some("phone");
    }
    if desired.tax_exempt != fields.tax_exempt {
        return Some("tax_exempt");
    }
    if !same_address(desired.address.as_ref(), fields.address.as_ref()) {
        return Some("address");
    }
    None
}
