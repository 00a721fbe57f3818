//! How values are stored: hashes as bit-cast integers, times as sortable RFC 3339 text,
//! lists and enums as JSON.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::OpError;

/// A `u64` hash as SQLite's signed 64-bit integer: the same bits, so values ≥ 2^63 survive.
pub(crate) fn hash_to_sql(hash: u64) -> i64 {
    hash.cast_signed()
}

/// The inverse of [`hash_to_sql`].
pub(crate) fn hash_from_sql(value: i64) -> u64 {
    value.cast_unsigned()
}

/// A UTC time as RFC 3339 with nanoseconds and `Z`: fixed width, so text order is time order
/// (for years 0–9999), and exact on the way back.
pub(crate) fn time_to_sql(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// The inverse of [`time_to_sql`]; `what` names the row and column for the error.
pub(crate) fn time_from_sql(
    text: &str,
    what: impl FnOnce() -> String,
) -> Result<DateTime<Utc>, OpError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| OpError::BadValue {
            what: what(),
            detail: format!("{text:?} is not an RFC 3339 time: {e}"),
        })
}

/// A value as JSON text.
pub(crate) fn to_json<T: Serialize + ?Sized>(
    value: &T,
    what: impl FnOnce() -> String,
) -> Result<String, OpError> {
    // Our types serialise infallibly (no maps with non-string keys); an error here is a bug,
    // reported rather than unwrapped.
    serde_json::to_string(value).map_err(|e| OpError::BadValue {
        what: what(),
        detail: format!("cannot encode as JSON: {e}"),
    })
}

/// A value from JSON text; `what` names the row and column for the error.
pub(crate) fn from_json<T: DeserializeOwned>(
    text: &str,
    what: impl FnOnce() -> String,
) -> Result<T, OpError> {
    serde_json::from_str(text).map_err(|e| OpError::BadValue {
        what: what(),
        detail: e.to_string(),
    })
}

/// A boolean column.
pub(crate) fn bool_from_sql(value: i64) -> bool {
    value != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_keep_every_bit() {
        for h in [
            0,
            1,
            i64::MAX as u64,
            1 << 63,
            u64::MAX,
            0xdead_beef_cafe_f00d,
        ] {
            assert_eq!(hash_from_sql(hash_to_sql(h)), h);
        }
        assert!(
            hash_to_sql(u64::MAX) < 0,
            "values ≥ 2^63 are stored negative"
        );
    }

    #[test]
    fn times_sort_as_text_and_round_trip() {
        let a = DateTime::from_timestamp(1_700_000_000, 5).expect("valid time");
        let b = DateTime::from_timestamp(1_700_000_000, 40).expect("valid time");
        let (ta, tb) = (time_to_sql(a), time_to_sql(b));
        assert!(ta < tb, "{ta} sorts before {tb}");
        assert_eq!(time_from_sql(&ta, String::new).ok(), Some(a));
    }
}
