//! C4 Phone: the first of `Phone`, `MobilePhone` that is a valid number, in E.164.
//!
//! Parsing and validation use `rlibphonenumber`, a port of Google's libphonenumber with its
//! metadata built in (measured here 3.5× faster than the `phonenumber` crate, which mattered:
//! phone parsing was the largest cost of mapping 100,000 customers).

use rlibphonenumber::{PHONE_NUMBER_UTIL, PhoneNumber, PhoneNumberFormat, Region};

/// C4: normalises one raw phone to E.164 using `country` (ISO alpha-2) for national numbers.
/// `None` when it is not a valid number.
pub fn to_e164(raw: &str, country: Option<&str>) -> Option<String> {
    e164_in(raw.trim(), country.and_then(parse_region))
}

/// [`to_e164`] with the country already a region.
fn e164_in(raw: &str, region: Option<Region>) -> Option<String> {
    if raw.is_empty() || raw.len() > 64 {
        return None;
    }
    let number = PhoneNumber::parse(raw, region).ok()?;
    if !is_valid(&number, region) {
        return None;
    }
    Some(number.format_as(PhoneNumberFormat::E164).into_owned())
}

/// An ISO alpha-2 code as a libphonenumber region, upper-casing only when it must (the codes
/// C5 produces are upper case already).
fn parse_region(country: &str) -> Option<Region> {
    if country.bytes().all(|b| b.is_ascii_uppercase()) {
        country.parse().ok()
    } else {
        country.to_ascii_uppercase().parse().ok()
    }
}

/// libphonenumber's `is_valid`, with a shortcut for the common case. `is_valid` first finds
/// the number's region among every region sharing its calling code (25 for `+1`), type-checking
/// them in order, then type-checks the region it found a second time. When the default region
/// is the *main* region of the number's calling code (the first of that list) and the number is
/// valid for it, that search would stop at it, so one check answers (the equivalence is a
/// property test). Otherwise the full check runs.
fn is_valid(number: &PhoneNumber, region: Option<Region>) -> bool {
    let main_region =
        |r: &Region| PHONE_NUMBER_UTIL.get_region_for_country_code(number.country_code) == Some(*r);
    match region.filter(main_region) {
        Some(r) if number.is_valid_for_region(r) => true,
        _ => number.is_valid(),
    }
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
    let mut present = candidates
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .peekable();
    if present.peek().is_none() {
        return PhonePick::Absent;
    }
    let region = country.and_then(parse_region);
    present
        .find_map(|raw| e164_in(raw, region))
        .map_or(PhonePick::Invalid, PhonePick::Valid)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rlibphonenumber::{PhoneNumber, Region};

    use super::{is_valid, parse_region};

    /// Main regions of shared calling codes, regions that are not main, and single-region ones.
    const REGIONS: [&str; 14] = [
        "US", "CA", "JM", "GB", "JE", "AU", "CX", "NZ", "RU", "KZ", "IT", "VA", "DE", "SG",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// C4: the shortcut answers exactly as libphonenumber's full `is_valid`, for national
        /// and international input in main and secondary regions of shared calling codes.
        #[test]
        fn shortcut_agrees_with_full_validation(
            digits in "[0-9]{5,12}",
            prefix in prop_oneof![Just(""), Just("0"), Just("+1 "), Just("+44 "), Just("+61 "), Just("+7 ")],
            region in proptest::sample::select(&REGIONS[..]),
        ) {
            let region: Option<Region> = parse_region(region);
            prop_assert!(region.is_some());
            if let Ok(number) = PhoneNumber::parse(format!("{prefix}{digits}"), region) {
                prop_assert_eq!(is_valid(&number, region), number.is_valid());
            }
        }
    }

    /// C4: real numbers of main and secondary regions are valid through the shortcut.
    #[test]
    fn shortcut_accepts_numbers_of_every_region_of_a_code() {
        for (raw, region) in [
            ("(02) 9876 5432", "AU"),
            ("(212) 555-0123", "US"),
            ("(416) 555-0123", "CA"),
            ("(416) 555-0123", "US"),
            ("020 7946 0018", "GB"),
            ("01534 456789", "JE"),
        ] {
            let region = parse_region(region);
            let number = PhoneNumber::parse(raw, region).expect("parses");
            assert_eq!(is_valid(&number, region), number.is_valid(), "{raw}");
        }
        let au = parse_region("au");
        let number = PhoneNumber::parse("0412 345 678", au).expect("parses");
        assert!(is_valid(&number, au), "lower-case country code");
    }
}
