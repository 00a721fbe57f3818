//! P1, P2: price list slugs and names.

use sha2::{Digest, Sha256};

/// SparkLayer's maximum slug length.
pub const MAX_SLUG_LEN: usize = 30;

/// Maximum price list name length used for customer lists (P2).
pub const MAX_LIST_NAME_LEN: usize = 64;

/// Longest prefix that still leaves room for `-c-` and 12 hex digits within 30 characters.
pub const MAX_PREFIX_LEN: usize = MAX_SLUG_LEN - 3 - 12;

// P5: the longest converted tier list slug, `{prefix}-tier-10-xxx`, fits as well.
const _: () = assert!(MAX_PREFIX_LEN + "-tier-10-xxx".len() <= MAX_SLUG_LEN);

/// Checks `pricing.prefix`: 1–15 characters of `a-z`, `0-9` and `-`, starting with a letter or digit.
///
/// # Errors
/// A sentence saying what is accepted.
pub fn validate_prefix(prefix: &str) -> Result<(), String> {
    let ok_chars = prefix
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let starts_ok = prefix
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if prefix.is_empty() || prefix.len() > MAX_PREFIX_LEN || !ok_chars || !starts_ok {
        return Err(format!(
            "must be 1–{MAX_PREFIX_LEN} characters of a-z, 0-9 and '-', starting with a letter or digit (slugs are at most {MAX_SLUG_LEN} characters)"
        ));
    }
    Ok(())
}

/// P1: the slug of tier list `code`: `{prefix}-tier-{code}`.
pub fn tier_slug(prefix: &str, code: u8) -> String {
    crate::model::TierListKey::tier(code).slug(prefix)
}

/// P2: the slug of a customer's own list: `{prefix}-c-{12 lowercase hex of SHA-256(cin7_id)}`.
///
/// At most 30 characters for any prefix accepted by [`validate_prefix`].
pub fn customer_slug(prefix: &str, cin7_id: &str) -> String {
    let digest = Sha256::digest(cin7_id.as_bytes());
    let hex = hex::encode(&digest[..6]);
    format!("{prefix}-c-{hex}")
}

/// P2: a customer list's name: the customer's `Name` cut to 64 characters (on a char boundary).
pub fn customer_list_name(name: Option<&str>, cin7_id: &str) -> String {
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(cin7_id);
    name.chars().take(MAX_LIST_NAME_LEN).collect()
}
