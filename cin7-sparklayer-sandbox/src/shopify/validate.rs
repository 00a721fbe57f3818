//! Shopify's validation of customer and metafield writes, with its error codes and messages.

use serde_json::{Value, json};

use super::store::Store;

/// A `userErrors` entry.
pub(super) fn user_error(code: Option<&str>, field: &[&str], message: &str) -> Value {
    json!({ "code": code, "field": field, "message": message })
}

/// `local@domain.tld`, no spaces.
pub(super) fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.contains(char::is_whitespace)
        && !domain.contains('@')
}

/// E.164: `+`, then 7 to 15 digits, the first not 0.
pub(super) fn valid_phone(p: &str) -> bool {
    let Some(digits) = p.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Names at most 255 characters, tags at most 255 bytes.
fn check_lengths(input: &Value, errors: &mut Vec<Value>) {
    for name in ["firstName", "lastName"] {
        if input
            .get(name)
            .and_then(Value::as_str)
            .is_some_and(|s| s.chars().count() > 255)
        {
            errors.push(user_error(
                Some("TOO_LONG"),
                &["input", name],
                &format!("{} is too long (maximum is 255 characters)", humanise(name)),
            ));
        }
    }
    if let Some(Value::Array(tags)) = input.get("tags")
        && tags
            .iter()
            .any(|t| t.as_str().is_some_and(|t| t.len() > 255))
    {
        errors.push(user_error(
            Some("TOO_LONG"),
            &["input", "tags"],
            "Tag is too long",
        ));
    }
}

impl Store {
    /// Shopify's validation of a customer write (`self_id` is the customer being updated).
    pub(super) fn validate_customer(&self, self_id: Option<&str>, input: &Value) -> Vec<Value> {
        let mut errors = Vec::new();
        self.check_email(self_id, input, &mut errors);
        self.check_phone(self_id, input, &mut errors);
        check_lengths(input, &mut errors);
        if let Some(Value::Array(list)) = input.get("addresses") {
            for (i, a) in list.iter().enumerate() {
                self.check_address(&i.to_string(), a, &mut errors);
            }
        }
        if errors.is_empty() && !self.identifiable(self_id, input) {
            errors.push(user_error(
                Some("BLANK"),
                &[],
                "Customer must have a name, phone number or email address",
            ));
        }
        errors
    }

    /// A well-formed email that no other customer has.
    fn check_email(&self, self_id: Option<&str>, input: &Value, errors: &mut Vec<Value>) {
        let Some(e) = input.get("email").and_then(Value::as_str).map(str::trim) else {
            return;
        };
        if !valid_email(e) {
            errors.push(user_error(
                Some("INVALID"),
                &["input", "email"],
                "Email is invalid",
            ));
        } else if self
            .by_email(e)
            .is_some_and(|c| Some(c.id.as_str()) != self_id)
        {
            let message = "Email has already been taken";
            errors.push(user_error(Some("TAKEN"), &["input", "email"], message));
        }
    }

    /// A valid E.164 phone that no other customer has.
    fn check_phone(&self, self_id: Option<&str>, input: &Value, errors: &mut Vec<Value>) {
        let Some(p) = input.get("phone").and_then(Value::as_str) else {
            return;
        };
        if !valid_phone(p) {
            errors.push(user_error(
                Some("INVALID"),
                &["input", "phone"],
                "Phone is invalid",
            ));
        } else if self
            .by_phone(p)
            .is_some_and(|c| Some(c.id.as_str()) != self_id)
        {
            let message = "Phone has already been taken";
            errors.push(user_error(Some("TAKEN"), &["input", "phone"], message));
        }
    }

    /// One `MailingAddressInput`: a real country, a province of it, a valid phone.
    fn check_address(&self, idx: &str, a: &Value, errors: &mut Vec<Value>) {
        let country = a.get("countryCode").and_then(Value::as_str);
        if let Some(code) = country
            && rust_iso3166::from_alpha2(code).is_none()
        {
            errors.push(user_error(
                Some("INVALID"),
                &["input", "addresses", idx, "countryCode"],
                &format!("Country code {code} is invalid"),
            ));
        }
        if let Some(code) = a.get("provinceCode").and_then(Value::as_str) {
            let country = country.unwrap_or_default();
            if self.province_name(country, code).is_none() {
                errors.push(user_error(
                    Some("INVALID"),
                    &["input", "addresses", idx, "provinceCode"],
                    &format!("Province code {code} is not a province of {country}"),
                ));
            }
        }
        if let Some(p) = a.get("phone").and_then(Value::as_str)
            && !valid_phone(p)
        {
            let field = ["input", "addresses", idx, "phone"];
            errors.push(user_error(Some("INVALID"), &field, "Phone is invalid"));
        }
    }

    /// Shopify's rule that a customer keeps an email, a phone or a name after the write.
    fn identifiable(&self, self_id: Option<&str>, input: &Value) -> bool {
        let existing = self_id.and_then(|id| self.get(id));
        let has = |field: &str, current: Option<&Option<String>>| match input.get(field) {
            Some(v) => v.as_str().is_some_and(|s| !s.trim().is_empty()),
            None => current.is_some_and(Option::is_some),
        };
        has("email", existing.map(|c| &c.email))
            || has("phone", existing.map(|c| &c.phone))
            || has("firstName", existing.map(|c| &c.first_name))
            || has("lastName", existing.map(|c| &c.last_name))
    }

    /// The first problem with one `MetafieldsSetInput`, as (code, field, message).
    pub(super) fn check_metafield(
        &self,
        m: &Value,
    ) -> Option<(&'static str, &'static str, String)> {
        let Some(owner) = m["ownerId"].as_str().and_then(|o| self.get(o)) else {
            return Some(("INVALID", "ownerId", "Owner does not exist".into()));
        };
        let ns = m["namespace"].as_str().unwrap_or_default();
        let key = m["key"].as_str().unwrap_or_default();
        let ok_chars = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !(3..=255).contains(&ns.len()) || !ok_chars(ns) {
            return Some((
                "INVALID",
                "namespace",
                format!("Namespace {ns:?} is invalid"),
            ));
        }
        if !(2..=64).contains(&key.len()) || !ok_chars(key) {
            return Some(("INVALID", "key", format!("Key {key:?} is invalid")));
        }
        let kind = m["type"].as_str().unwrap_or_default();
        let value = m["value"].as_str().unwrap_or_default();
        // A definition decides the type (E10); without one, an existing metafield does.
        if let Some(mismatch) = self.definition_mismatch(ns, key, kind) {
            return Some(mismatch);
        }
        if let Some(existing) = owner.metafield(ns, key)
            && self.customer_definition(ns, key).is_none()
            && existing.kind != kind
        {
            return Some((
                "INVALID_TYPE",
                "type",
                format!(
                    "Type must be {} to match the existing metafield",
                    existing.kind
                ),
            ));
        }
        let valid = match kind {
            "single_line_text_field" => {
                !value.contains('\n') && !value.is_empty() && value.len() <= 65_535
            }
            "multi_line_text_field" => !value.is_empty() && value.len() <= 65_535,
            "json" => value.len() <= 2_000_000 && serde_json::from_str::<Value>(value).is_ok(),
            "number_decimal" => valid_decimal(value),
            "number_integer" => value.parse::<i64>().is_ok(),
            "boolean" => value == "true" || value == "false",
            _ => {
                return Some((
                    "INVALID_TYPE",
                    "type",
                    format!("Type {kind:?} is not a valid type"),
                ));
            }
        };
        (!valid).then(|| {
            (
                "INVALID_VALUE",
                "value",
                format!("Value is invalid for type {kind}"),
            )
        })
    }
}

fn humanise(field: &str) -> &'static str {
    match field {
        "firstName" => "First name",
        _ => "Last name",
    }
}

/// `number_decimal`: optional sign, digits, optional fraction.
fn valid_decimal(v: &str) -> bool {
    let v = v.strip_prefix('-').unwrap_or(v);
    let (int, frac) = v.split_once('.').unwrap_or((v, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && int.len() <= 13
        && frac.len() <= 9
}
