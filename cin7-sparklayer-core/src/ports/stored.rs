//! How every state store keeps the values SQL has no exact type for (E4, E5), so the SQLite
//! and PostgreSQL stores (and a host's own) store them alike and read each other's dumps:
//! - a `u64` price hash (P3) as a signed 64-bit integer with the same bits, so values ≥ 2^63
//!   survive;
//! - a UTC time as RFC 3339 text with nanoseconds and `Z`: fixed width, so text order is time
//!   order (years 0–9999), and exact on the way back (unlike `timestamptz`'s microseconds).

use chrono::{DateTime, SecondsFormat, Utc};

/// A `u64` hash as a signed 64-bit integer: the same bits.
pub fn hash_to_i64(hash: u64) -> i64 {
    hash.cast_signed()
}

/// The inverse of [`hash_to_i64`].
pub fn hash_from_i64(value: i64) -> u64 {
    value.cast_unsigned()
}

/// A UTC time as sortable RFC 3339 text with nanoseconds.
pub fn time_to_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// The inverse of [`time_to_text`] (any RFC 3339 time is read); `Err` says why `text` is not one.
pub fn time_from_text(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{text:?} is not an RFC 3339 time: {e}"))
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
            assert_eq!(hash_from_i64(hash_to_i64(h)), h);
        }
        assert!(
            hash_to_i64(u64::MAX) < 0,
            "values ≥ 2^63 are stored negative"
        );
    }

    #[test]
    fn times_sort_as_text_and_round_trip_to_the_nanosecond() {
        let a = DateTime::from_timestamp(1_700_000_000, 5).expect("valid time");
        let b = DateTime::from_timestamp(1_700_000_000, 40).expect("valid time");
        let c = DateTime::from_timestamp(1_700_000_001, 0).expect("valid time");
        let (ta, tb, tc) = (time_to_text(a), time_to_text(b), time_to_text(c));
        assert!(ta < tb && tb < tc, "{ta} < {tb} < {tc}");
        assert_eq!(time_from_text(&ta), Ok(a));
        assert!(time_from_text("yesterday").is_err());
    }
}
