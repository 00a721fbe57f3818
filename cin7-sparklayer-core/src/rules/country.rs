//! C5 Country and province: Cin7's country **names** to ISO 3166 codes.
//!
//! Country names and aliases come from the maintained `celes` crate (ISO 3166-1 names, codes
//! and aliases such as "United States of America", "Great Britain"); a short table adds the
//! spellings ERP users type that it lacks ("UK", "England", "Holland", …). Subdivision codes
//! come from `rust_iso3166` (ISO 3166-2).

use std::str::FromStr;

use celes::Country;

/// Extra names seen in ERPs, mapped to alpha-2 (checked after celes's own names and aliases).
const EXTRA_ALIASES: &[(&str, &str)] = &[
    ("uk", "GB"),
    ("unitedkingdom", "GB"),
    ("greatbritain", "GB"),
    ("england", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("northernireland", "GB"),
    ("britain", "GB"),
    ("us", "US"),
    ("usa", "US"),
    ("unitedstates", "US"),
    ("unitedstatesofamerica", "US"),
    ("america", "US"),
    ("holland", "NL"),
    ("thenetherlands", "NL"),
    ("southkorea", "KR"),
    ("korea", "KR"),
    ("republicofkorea", "KR"),
    ("northkorea", "KP"),
    ("russia", "RU"),
    ("vietnam", "VN"),
    ("laos", "LA"),
    ("syria", "SY"),
    ("taiwan", "TW"),
    ("tanzania", "TZ"),
    ("bolivia", "BO"),
    ("moldova", "MD"),
    ("czechia", "CZ"),
    ("czechrepublic", "CZ"),
    ("ivorycoast", "CI"),
    ("cotedivoire", "CI"),
    ("uae", "AE"),
    ("hongkong", "HK"),
    ("macau", "MO"),
    ("macao", "MO"),
    ("palestine", "PS"),
    ("vatican", "VA"),
    ("turkey", "TR"),
    ("turkiye", "TR"),
    ("newzealand", "NZ"),
    ("nz", "NZ"),
    ("aus", "AU"),
];

/// Lowercases and keeps only letters and digits ("United States of America" → "unitedstatesofamerica").
fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// C5: the ISO 3166-1 alpha-2 code of a country name, code or common alias; `None` when unknown.
pub fn country_code(name: &str) -> Option<String> {
    let key = squash(name);
    if key.is_empty() || key.len() > 80 {
        return None;
    }
    if let Some((_, code)) = EXTRA_ALIASES.iter().find(|(alias, _)| *alias == key) {
        return Some((*code).to_owned());
    }
    // Numeric codes ("036") are not names anyone types into an address; refuse them.
    if key.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Country::from_str(&key)
        .or_else(|_| Country::from_alias(&key))
        .or_else(|_| Country::from_name(&key))
        .ok()
        .map(|c| c.alpha2.to_owned())
}

/// C5: the subdivision code when `state` is an ISO 3166-2 code of `country` (e.g. "VIC" in AU,
/// "ca" in US); `None` for names and unknown values (they go to `province`).
pub fn province_code(country_alpha2: &str, state: &str) -> Option<String> {
    let state = state.trim();
    if state.is_empty() || state.len() > 3 || !state.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let code = format!(
        "{}-{}",
        country_alpha2.to_ascii_uppercase(),
        state.to_ascii_uppercase()
    );
    rust_iso3166::iso3166_2::from_code(&code).map(|_| state.to_ascii_uppercase())
}
