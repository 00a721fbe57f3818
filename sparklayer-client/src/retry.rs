//! E7: which failures are retried, and after how long. Pure functions, no I/O.
//!
//! SparkLayer's advice (reference §4): retry 5xx, 429 (honouring `Retry-After`) and 409
//! "concurrent update" with exponential backoff; never retry other 4xx unchanged. 401 is handled
//! by the client (one token renewal), not here.

use std::time::{Duration, SystemTime};

/// How the client retries transient failures (E7). Every field is public; see [`Default`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 6, so at most 7 attempts).
    pub max_retries: u32,
    /// Backoff before the first retry (default 500 ms); doubles each retry.
    pub initial_backoff: Duration,
    /// Cap of the exponential backoff (default 30 s).
    pub max_backoff: Duration,
    /// Cap of a server-sent `Retry-After` (default 5 min): a longer wait is shortened to this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 6 retries, 500 ms doubling to at most 30 s, `Retry-After` honoured up to 5 minutes.
    fn default() -> Self {
        Self {
            max_retries: 6,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// No retries at all (each request is tried once).
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }
}

/// Why a request is retried; decides which counter it lands in ([`RequestCounts`]).
///
/// [`RequestCounts`]: cin7_sparklayer_core::ports::RequestCounts
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryReason {
    /// 429 or 503: the API asked us to slow down (`throttled`).
    Throttled,
    /// 409 concurrent update (`retried`).
    Conflict,
    /// Another 5xx (`retried`).
    ServerError,
    /// No response: connect error, timeout, reset (`retried`).
    Network,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait `delay`, then send the same request again.
    Retry {
        /// How long to wait.
        delay: Duration,
        /// Why.
        reason: RetryReason,
    },
    /// Stop: the failure is final (not transient, or the retries ran out).
    GiveUp,
}

/// Whether a status is transient for SparkLayer (E7): 408, 409, 429 and every 5xx.
pub fn is_transient(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || (500..=599).contains(&status)
}

/// Decides whether to retry after an attempt failed (E7).
///
/// - `status`: the HTTP status, or `None` when no response came (network error).
/// - `retry_after`: the parsed `Retry-After` header, honoured for 429 and 503 (capped at
///   [`RetryPolicy::max_retry_after`]).
/// - `retries_done`: retries already made for this request (0 after the first attempt).
/// - `jitter`: a number in `[0, 1)`; the backoff is `d/2 + jitter·d/2` ("equal jitter") where
///   `d = min(initial · 2^retries_done, max_backoff)`.
pub fn decide(
    policy: &RetryPolicy,
    status: Option<u16>,
    retry_after: Option<Duration>,
    retries_done: u32,
    jitter: f64,
) -> Decision {
    let reason = match status {
        None => RetryReason::Network,
        Some(429 | 503) => RetryReason::Throttled,
        Some(409) => RetryReason::Conflict,
        Some(s) if is_transient(s) => RetryReason::ServerError,
        Some(_) => return Decision::GiveUp,
    };
    if retries_done >= policy.max_retries {
        return Decision::GiveUp;
    }
    let delay = match (reason, retry_after) {
        (RetryReason::Throttled, Some(wait)) => wait.min(policy.max_retry_after),
        _ => backoff(policy, retries_done, jitter),
    };
    Decision::Retry { delay, reason }
}

/// The jittered exponential backoff before retry number `retries_done + 1`.
pub fn backoff(policy: &RetryPolicy, retries_done: u32, jitter: f64) -> Duration {
    let factor = 2u32.saturating_pow(retries_done.min(31));
    let full = policy
        .initial_backoff
        .saturating_mul(factor)
        .min(policy.max_backoff);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let half = full / 2;
    half + half.mul_f64(jitter)
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
///
/// A date in the past gives zero; anything unparseable gives `None` (the backoff applies).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
    }

    #[test]
    fn other_4xx_are_final() {
        for s in [400, 401, 403, 404, 422] {
            assert_eq!(decide(&policy(), Some(s), None, 0, 0.5), Decision::GiveUp);
        }
    }

    #[test]
    fn transient_statuses_retry_with_the_right_reason() {
        let reason = |s| match decide(&policy(), s, None, 0, 0.0) {
            Decision::Retry { reason, .. } => Some(reason),
            Decision::GiveUp => None,
        };
        assert_eq!(reason(Some(429)), Some(RetryReason::Throttled));
        assert_eq!(reason(Some(503)), Some(RetryReason::Throttled));
        assert_eq!(reason(Some(409)), Some(RetryReason::Conflict));
        assert_eq!(reason(Some(500)), Some(RetryReason::ServerError));
        assert_eq!(reason(Some(502)), Some(RetryReason::ServerError));
        assert_eq!(reason(None), Some(RetryReason::Network));
    }

    #[test]
    fn retries_run_out() {
        let p = policy();
        assert!(matches!(
            decide(&p, Some(500), None, p.max_retries - 1, 0.0),
            Decision::Retry { .. }
        ));
        assert_eq!(
            decide(&p, Some(500), None, p.max_retries, 0.0),
            Decision::GiveUp
        );
        assert_eq!(
            decide(&RetryPolicy::none(), Some(429), None, 0, 0.0),
            Decision::GiveUp
        );
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = policy();
        let d = |s, ra| match decide(&p, Some(s), ra, 0, 0.0) {
            Decision::Retry { delay, .. } => delay,
            Decision::GiveUp => Duration::MAX,
        };
        assert_eq!(d(429, Some(Duration::from_secs(7))), Duration::from_secs(7));
        assert_eq!(d(429, Some(Duration::from_secs(3600))), p.max_retry_after);
        // Retry-After on a 409 is not a throttling hint: the backoff applies.
        assert_eq!(
            d(409, Some(Duration::from_secs(7))),
            Duration::from_millis(250)
        );
    }

    #[test]
    fn backoff_doubles_with_equal_jitter_and_a_cap() {
        let p = policy();
        assert_eq!(backoff(&p, 0, 0.0), Duration::from_millis(250));
        assert_eq!(backoff(&p, 0, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(&p, 1, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(&p, 2, 0.5), Duration::from_millis(1500));
        assert_eq!(backoff(&p, 30, 1.0), p.max_backoff);
        assert_eq!(backoff(&p, u32::MAX, 1.0), p.max_backoff);
        assert_eq!(backoff(&p, 0, f64::NAN), Duration::from_millis(250));
        for n in 0..40 {
            for j in [0.0, 0.3, 0.99] {
                let b = backoff(&p, n, j);
                assert!(b <= p.max_backoff && b >= p.initial_backoff.min(p.max_backoff) / 2);
            }
        }
    }

    #[test]
    fn retry_after_parses_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(12));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(12))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(12));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}

#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn decisions_are_bounded(
            status in proptest::option::of(100u16..600),
            retry_after in proptest::option::of(0u64..100_000),
            retries_done in 0u32..20,
            jitter in 0.0f64..1.0,
        ) {
            let p = RetryPolicy::default();
            let retry_after = retry_after.map(Duration::from_secs);
            match decide(&p, status, retry_after, retries_done, jitter) {
                Decision::GiveUp => {
                    prop_assert!(retries_done >= p.max_retries || status.is_some_and(|s| !is_transient(s)));
                }
                Decision::Retry { delay, .. } => {
                    prop_assert!(retries_done < p.max_retries);
                    prop_assert!(status.is_none_or(is_transient));
                    prop_assert!(delay <= p.max_backoff.max(p.max_retry_after));
                }
            }
        }
    }
}
