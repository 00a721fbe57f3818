//! Tolerant field readers for Cin7's quirks (reference §1, §4.3): `""` and `null` mixed,
//! numbers sent as strings and the reverse, booleans as strings, dates with 0–7 fractional
//! digits and an optional `Z`. A value of a type that cannot mean the field (an object where
//! a number belongs, `"abc"` for a price) is still an error, so the record is reported as
//! malformed with the field's path.

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::de::{Deserialize, DeserializeOwned, Deserializer, Error};
use serde_json::Value;

/// A string field: strings as they are, numbers and booleans as their text, `null` → `None`.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(D::Error::custom(format!(
            "expected a string, got {}",
            kind(&other)
        ))),
    }
}

/// A decimal: a JSON number (read exactly, never through `f64`) or a numeric string;
/// `null` and `""` → `None`.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => parse_decimal(&n.to_string())
            .map(Some)
            .map_err(D::Error::custom),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => parse_decimal(&s).map(Some).map_err(D::Error::custom),
        other => Err(D::Error::custom(format!(
            "expected a number, got {}",
            kind(&other)
        ))),
    }
}

/// Parses a decimal from text, plain or in scientific notation.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    Decimal::from_str(t)
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| format!("expected a number, got {t:?}"))
}

/// A boolean: `true`/`false`, the strings `"true"`/`"false"`/`"1"`/`"0"`/`""`, the numbers
/// 0 and 1; `null` → `false`.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" | "" => Ok(false),
            other => Err(D::Error::custom(format!(
                "expected a boolean, got {other:?}"
            ))),
        },
        Value::Number(n) if n.as_u64() == Some(0) => Ok(false),
        Value::Number(n) if n.as_u64() == Some(1) => Ok(true),
        other => Err(D::Error::custom(format!(
            "expected a boolean, got {}",
            kind(&other)
        ))),
    }
}

/// A small unsigned integer (tier codes, `Total`, `Page`): a number or a numeric string.
pub fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("expected a whole number, got {n}"))),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected a whole number, got {s:?}"))),
        other => Err(D::Error::custom(format!(
            "expected a whole number, got {}",
            kind(&other)
        ))),
    }
}

/// A date-time: ISO 8601 with 0–7 (or more) fractional digits, `Z`, an offset or nothing
/// (no zone means UTC). Unreadable text becomes `None`: a date the sync only uses for
/// reporting must not make a record malformed.
pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(parse_date(&s)),
        _ => Ok(None),
    }
}

/// Parses a Cin7 date-time leniently (see [`date`]).
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&Utc));
    }
    let naive = t.strip_suffix(['Z', 'z']).unwrap_or(t);
    NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M"))
        .or_else(|_| NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()
        .map(|n| n.and_utc())
}

/// A list: `null` or missing → empty; anything but an array is an error.
pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Timelike};

    #[test]
    fn dates_with_any_precision_and_optional_zone() {
        let base = Utc.with_ymd_and_hms(2018, 1, 30, 6, 7, 43).unwrap();
        assert_eq!(parse_date("2018-01-30T06:07:43"), Some(base));
        assert_eq!(parse_date("2018-01-30T06:07:43Z"), Some(base));
        let d = parse_date("2018-01-30T06:07:43.46Z").unwrap();
        assert_eq!(d.nanosecond(), 460_000_000);
        let d = parse_date("2018-01-30T06:07:43.1234567").unwrap();
        assert_eq!(d.nanosecond(), 123_456_700);
        assert_eq!(parse_date("2018-01-30T16:07:43+10:00"), Some(base));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn decimals_are_exact_from_numbers_and_strings() {
        assert_eq!(parse_decimal("12.3456").unwrap().to_string(), "12.3456");
        assert_eq!(parse_decimal("1e2").unwrap(), Decimal::from(100));
        assert!(parse_decimal("abc").is_err());
        #[derive(serde::Deserialize)]
        struct T {
            #[serde(default, deserialize_with = "decimal")]
            v: Option<Decimal>,
        }
        let t: T = serde_json::from_str(r#"{"v": 0.1}"#).unwrap();
        assert_eq!(t.v.unwrap().to_string(), "0.1");
        let t: T = serde_json::from_str(r#"{"v": "19.9900"}"#).unwrap();
        assert_eq!(t.v.unwrap().to_string(), "19.9900");
        let t: T = serde_json::from_str(r#"{"v": ""}"#).unwrap();
        assert_eq!(t.v, None);
        assert!(serde_json::from_str::<T>(r#"{"v": {}}"#).is_err());
    }
}
