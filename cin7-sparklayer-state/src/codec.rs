//! How values are stored: hashes as bit-cast integers, times as sortable RFC 3339 text,
//! lists and enums as JSON.

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::ports::stored;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::OpError;

/// Hashes and times are stored as every state store stores them (the core's `stored`).
pub(crate) use cin7_sparklayer_core::ports::stored::{
    hash_from_i64 as hash_from_sql, hash_to_i64 as hash_to_sql, time_to_text as time_to_sql,
};

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
