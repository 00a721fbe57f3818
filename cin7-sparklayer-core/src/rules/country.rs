//! C5 Country and province: Cin7's country **names** to ISO 3166 codes.
//!
//! Country names and aliases come from the maintained `celes` crate (ISO 3166-1 names, codes
//! and aliases such as "United States of America", "Great Britain"); a short table adds the
//! spellings ERP users type that it lacks ("UK", "England", "Holland", …). Subdivision codes
//! come from `rust_iso3166` (ISO 3166-2).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::LazyLock;

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

/// C5: the ISO 3166-2 subdivision code Shopify's `provinceCode` takes (the part after the
/// country, e.g. `NSW`) for Cin7's `State` in the country `country_alpha2`.
///
/// `state` may be a subdivision code of that country ("VIC", "ca", also "AU-NSW") or a
/// subdivision's name ("New South Wales", "ontario", "Ciudad de Mexico": case, spacing,
/// punctuation and accents ignored). `None` when it is neither: the address then goes without
/// a province (warning `unknown_province`). Whatever is returned is a code of that country.
pub fn province_code(country_alpha2: &str, state: &str) -> Option<String> {
    let country = rust_iso3166::from_alpha2(&country_alpha2.trim().to_ascii_uppercase())?;
    let subdivisions = country.subdivisions()?;
    let state = state.trim();
    let bare = strip_country_prefix(state, country.alpha2);
    if let Some(s) = subdivisions
        .iter()
        .find(|s| s.region_code.eq_ignore_ascii_case(bare))
    {
        return Some(s.region_code.to_owned());
    }
    let key = fold(state);
    if key.is_empty() {
        return None;
    }
    SUBDIVISION_NAMES
        .get(country.alpha2)?
        .get(&key)
        .map(|code| (*code).to_owned())
}

/// `"AU-NSW"` → `"NSW"` when the prefix is `country_alpha2` (any case); otherwise `state`.
fn strip_country_prefix<'a>(state: &'a str, country_alpha2: &str) -> &'a str {
    match (state.get(..2), state.get(2..3), state.get(3..)) {
        (Some(prefix), Some("-"), Some(rest)) if prefix.eq_ignore_ascii_case(country_alpha2) => {
            rest
        }
        _ => state,
    }
}

/// Every country's subdivision names, [`fold`]ed once, to their region codes (the first
/// subdivision wins where two fold alike, as a scan in ISO order would pick). Built on first use
/// so a lookup folds only its own input, not the country's hundreds of names (the UK has 200+).
static SUBDIVISION_NAMES: LazyLock<HashMap<&'static str, HashMap<String, &'static str>>> =
    LazyLock::new(|| {
        let mut names: HashMap<&'static str, HashMap<String, &'static str>> = HashMap::new();
        for country in rust_iso3166::ALL {
            let Some(subdivisions) = country.subdivisions() else {
                continue;
            };
            let by_name = names.entry(country.alpha2).or_default();
            for s in subdivisions {
                by_name.entry(fold(s.name)).or_insert(s.region_code);
            }
        }
        names
    });

/// A name reduced for comparison: accents removed (NFD without combining marks), then
/// [`squash`]ed ("Baden-Württemberg" → "badenwurttemberg"). ASCII skips the decomposition.
fn fold(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    if name.is_ascii() {
        return squash(name);
    }
    let plain: String = name.nfd().filter(|c| !is_combining_mark(*c)).collect();
    squash(&plain)
}

#[cfg(test)]
mod tests {
    use super::province_code;

    #[test]
    fn states_resolve_by_code_or_name() {
        let p = |c, s| province_code(c, s);
        assert_eq!(p("AU", "NSW").as_deref(), Some("NSW"));
        assert_eq!(p("AU", " vic ").as_deref(), Some("VIC"));
        assert_eq!(p("AU", "AU-QLD").as_deref(), Some("QLD"));
        assert_eq!(p("AU", "New South Wales").as_deref(), Some("NSW"));
        assert_eq!(p("CA", "ontario").as_deref(), Some("ON"));
        assert_eq!(p("US", "California").as_deref(), Some("CA"));
        assert_eq!(p("MX", "Ciudad de Mexico").as_deref(), Some("CMX"));
        assert_eq!(p("DE", "Baden-Wurttemberg").as_deref(), Some("BW"));
        // A code or name of another country, a made-up name, nothing: no province.
        assert_eq!(p("UY", "VIC"), None);
        assert_eq!(p("CA", "New South Wales"), None);
        assert_eq!(p("AU", "Narnia"), None);
        assert_eq!(p("AU", "  "), None);
    }

    /// The precomputed name index answers as a scan of the country's subdivisions would: every
    /// subdivision's own name and code give a code of that country, whose name folds alike.
    #[test]
    fn every_subdivision_name_and_code_resolves_within_its_country() {
        let mut checked = 0;
        for country in rust_iso3166::ALL {
            let Some(subdivisions) = country.subdivisions() else {
                continue;
            };
            for s in subdivisions {
                let by_code = province_code(country.alpha2, s.region_code);
                assert_eq!(by_code.as_deref(), Some(s.region_code), "{}", s.code);
                let by_name = province_code(country.alpha2, s.name).expect(s.code);
                let found = subdivisions.iter().find(|t| t.region_code == by_name);
                let found = found.expect("a code of the same country");
                assert!(
                    found.region_code == s.region_code
                        || super::fold(found.name) == super::fold(s.name),
                    "{} resolved to {}",
                    s.code,
                    by_name
                );
                checked += 1;
            }
        }
        assert!(checked > 3_000, "only {checked} subdivisions checked");
    }
}
