//! How values are stored: hashes as bit-cast `bigint`, run times as sortable RFC 3339 text
//! (exact to the nanosecond, unlike `timestamptz`), lists and enums as `jsonb`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;

use tokio_postgres::Row;
use tokio_postgres::types::FromSql;

use crate::error::OpError;

/// Column `i` of `row`; `what` names the read for the error (a column of another type than
/// ours means the schema was changed by hand).
pub(crate) fn column<'a, T: FromSql<'a>>(row: &'a Row, i: usize, what: &str) -> Result<T, OpError> {
    row.try_get(i)
        .map_err(OpError::sql(format!("{what} (column {i})")))
}

/// A `u64` hash as PostgreSQL's signed `bigint`: the same bits, so values ≥ 2^63 survive.
pub(crate) fn hash_to_sql(hash: u64) -> i64 {
    hash.cast_signed()
}

/// The inverse of [`hash_to_sql`].
pub(crate) fn hash_from_sql(value: i64) -> u64 {
    value.cast_unsigned()
}

/// A UTC time as RFC 3339 with nanoseconds and `Z`: fixed width, so text order (`COLLATE "C"`)
/// is time order for years 0–9999, and exact on the way back.
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

/// A value from a `jsonb` column; `what` names the row and column for the error.
pub(crate) fn from_json<T: DeserializeOwned>(
    value: serde_json::Value,
    what: impl FnOnce() -> String,
) -> Result<T, OpError> {
    serde_json::from_value(value).map_err(|e| OpError::BadValue {
        what: what(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_keep_every_bit() {
        for h in [0, 1, i64::MAX as u64, 1 << 63, u64::MAX] {
            assert_eq!(hash_from_sql(hash_to_sql(h)), h);
        }
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
