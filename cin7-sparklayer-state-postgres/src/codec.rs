//! How values are stored: hashes as bit-cast `bigint`, run times as sortable RFC 3339 text
//! (exact to the nanosecond, unlike `timestamptz`), lists and enums as `jsonb`.

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::ports::stored;
use serde::de::DeserializeOwned;

use tokio_postgres::Row;
use tokio_postgres::types::FromSql;

use crate::error::OpError;

/// Hashes and times are stored as every state store stores them (the core's `stored`).
pub(crate) use cin7_sparklayer_core::ports::stored::{
    hash_from_i64 as hash_from_sql, hash_to_i64 as hash_to_sql, time_to_text as time_to_sql,
};

/// Column `i` of `row`; `what` names the read for the error (a column of another type than
/// ours means the schema was changed by hand).
pub(crate) fn column<'a, T: FromSql<'a>>(row: &'a Row, i: usize, what: &str) -> Result<T, OpError> {
    // The message is built only on an error: every column of every row comes through here.
    row.try_get(i)
        .map_err(|e| OpError::sql(format!("{what} (column {i})"))(e))
}

/// A stored run time; `what` names the row and column for the error.
pub(crate) fn time_from_sql(
    text: &str,
    what: impl FnOnce() -> String,
) -> Result<DateTime<Utc>, OpError> {
    stored::time_from_text(text).map_err(|detail| OpError::BadValue {
        what: what(),
        detail,
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
