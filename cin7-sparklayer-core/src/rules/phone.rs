//! C4 Phone: the first of `Phone`, `MobilePhone` that is a valid number, in E.164.

use phonenumber::Mode;
use phonenumber::country::Id;

/// C4: normalises one raw phone to E.164 using `country` (ISO alpha-2) for national numbers.
/// `None` when it is not a valid number.
pub fn to_e164(raw: &str, country: Option<&str>) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 64 {
        return None;
    }
    let region: Option<Id> = country.and_then(|c| c.to_ascii_uppercase().parse().ok());
    let number = phonenumber::parse(region, raw).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    Some(number.format().mode(Mode::E164).to_string())
}

/// The outcome of C4's phone pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhonePick {
    /// A valid number in E.164.
    Valid(String),
    /// The contact had a phone but none was valid (warning `invalid_phone`).
    Invalid,
    /// The contact had no phone at all.
    Absent,
}

/// C4: the first of `candidates` that normalises to a valid E.164 number.
pub fn pick_phone(candidates: &[Option<&str>], country: Option<&str>) -> PhonePick {
    let present: Vec<&str> = candidates
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if present.is_empty() {
        return PhonePick::Absent;
    }
    present
        .iter()
        .find_map(|raw| to_e164(raw, country))
        .map_or(PhonePick::Invalid, PhonePick::Valid)
}
