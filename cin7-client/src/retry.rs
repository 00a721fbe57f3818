//! The retry decision (E7) as a pure function of the attempt's outcome, so it can be tested
//! without I/O. The client feeds it a jitter value from its (seedable) RNG.
//!
//! - 429 and 503 are **throttling**: honour `Retry-After` when Cin7 sends one (capped at
//!   [`RetryPolicy::max_retry_after`]); otherwise back off toward the next rate-limit window,
//!   starting at [`RetryPolicy::throttle_backoff`] and doubling up to
//!   [`RetryPolicy::max_throttle_backoff`], never shorter than that base (jitter only adds up to 10 %).
//! - 500, 502, 504, connection errors and timeouts are **transient**: jittered exponential
//!   backoff from [`RetryPolicy::initial_backoff`] up to [`RetryPolicy::max_backoff`]
//!   ("equal jitter": half fixed, half random).
//! - Everything else (2xx, 403, other 4xx) is final: no retry.

use std::time::Duration;

use crate::RetryPolicy;

/// What one attempt produced, as far as the retry decision cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// An HTTP answer.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The parsed `Retry-After` header, if present.
        retry_after: Option<Duration>,
    },
    /// The connection failed or broke before an answer.
    Network,
    /// The request timed out (Cin7 reads are idempotent, so this is retryable).
    Timeout,
}

/// Why a retry happens, for the request counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryKind {
    /// 429 / 503: the rate limit (counts as `throttled`).
    Throttled,
    /// 5xx or network (counts as `retried`).
    Transient,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The answer is final (success or a permanent error): hand it to the caller.
    Done,
    /// Wait this long, then try again.
    Retry {
        /// The wait before the next attempt.
        wait: Duration,
        /// Why.
        kind: RetryKind,
    },
    /// A transient failure, but the retries ran out.
    GiveUp {
        /// The kind of the last failure.
        kind: RetryKind,
    },
}

/// Decides what follows attempt number `retries_done + 1`.
///
/// `retries_done` is how many retries were already made (0 after the first attempt); `jitter`
/// is a value in `[0, 1)` (values outside are clamped), drawn by the caller so this stays pure.
pub fn decide(policy: &RetryPolicy, attempt: Attempt, retries_done: u32, jitter: f64) -> Decision {
    let kind = match attempt {
        Attempt::Status {
            status: 429 | 503, ..
        } => RetryKind::Throttled,
        Attempt::Status {
            status: 500 | 502 | 504,
            ..
        }
        | Attempt::Network
        | Attempt::Timeout => RetryKind::Transient,
        Attempt::Status { .. } => return Decision::Done,
    };
    if retries_done >= policy.max_retries {
        return Decision::GiveUp { kind };
    }
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let wait = match (kind, attempt) {
        (
            RetryKind::Throttled,
            Attempt::Status {
                retry_after: Some(after),
                ..
            },
        ) => after.min(policy.max_retry_after),
        (RetryKind::Throttled, _) => {
            let base = exponential(
                policy.throttle_backoff,
                policy.max_throttle_backoff,
                retries_done,
            );
            base.mul_f64(1.0 + 0.1 * jitter)
        }
        (RetryKind::Transient, _) => {
            let base = exponential(policy.initial_backoff, policy.max_backoff, retries_done);
            base.mul_f64(0.5 + 0.5 * jitter)
        }
    };
    Decision::Retry { wait, kind }
}

/// `initial × 2^n`, capped at `max` (no overflow for any `n`).
fn exponential(initial: Duration, max: Duration, n: u32) -> Duration {
    let factor = 2u32.saturating_pow(n.min(30));
    initial.saturating_mul(factor).min(max)
}

/// Parses a `Retry-After` header: delta-seconds or an HTTP date (relative to `now`).
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
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

    fn status(status: u16) -> Attempt {
        Attempt::Status {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn success_and_permanent_errors_are_final() {
        let p = RetryPolicy::default();
        for s in [200, 204, 400, 403, 404, 405] {
            assert_eq!(decide(&p, status(s), 0, 0.5), Decision::Done, "{s}");
        }
    }

    #[test]
    fn throttling_honours_retry_after_capped() {
        let p = RetryPolicy::default();
        let d = decide(
            &p,
            Attempt::Status {
                status: 429,
                retry_after: Some(Duration::from_secs(7)),
            },
            0,
            0.9,
        );
        assert_eq!(
            d,
            Decision::Retry {
                wait: Duration::from_secs(7),
                kind: RetryKind::Throttled
            }
        );
        let d = decide(
            &p,
            Attempt::Status {
                status: 503,
                retry_after: Some(Duration::from_secs(100_000)),
            },
            0,
            0.0,
        );
        assert_eq!(
            d,
            Decision::Retry {
                wait: p.max_retry_after,
                kind: RetryKind::Throttled
            }
        );
    }

    #[test]
    fn throttling_without_retry_after_backs_off_toward_the_window() {
        let p = RetryPolicy::default();
        let waits: Vec<Duration> = (0..p.max_retries)
            .map(|n| match decide(&p, status(503), n, 0.0) {
                Decision::Retry { wait, kind } => {
                    assert_eq!(kind, RetryKind::Throttled);
                    wait
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(waits[0], p.throttle_backoff);
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*waits.last().unwrap(), p.max_throttle_backoff);
        // Jitter only lengthens a throttle wait, by at most 10 %.
        match decide(&p, status(429), 0, 0.999) {
            Decision::Retry { wait, .. } => {
                assert!(wait >= p.throttle_backoff && wait <= p.throttle_backoff.mul_f64(1.1))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn transient_errors_back_off_exponentially_with_jitter_and_cap() {
        let p = RetryPolicy::default();
        for s in [500, 502, 504] {
            assert!(matches!(
                decide(&p, status(s), 0, 0.0),
                Decision::Retry {
                    kind: RetryKind::Transient,
                    ..
                }
            ));
        }
        let lo = decide(&p, Attempt::Network, 2, 0.0);
        let hi = decide(&p, Attempt::Network, 2, 1.0);
        assert_eq!(
            lo,
            Decision::Retry {
                wait: (p.initial_backoff * 4) / 2,
                kind: RetryKind::Transient
            }
        );
        assert_eq!(
            hi,
            Decision::Retry {
                wait: p.initial_backoff * 4,
                kind: RetryKind::Transient
            }
        );
        let capped = RetryPolicy {
            max_retries: 100,
            ..p
        };
        match decide(&capped, Attempt::Timeout, 60, 1.0) {
            Decision::Retry { wait, .. } => assert_eq!(wait, capped.max_backoff),
            other => panic!("{other:?}"),
        }
        // Out-of-range jitter is clamped, never a panic.
        assert!(matches!(
            decide(&p, Attempt::Timeout, 0, f64::NAN),
            Decision::Retry { .. }
        ));
    }

    #[test]
    fn gives_up_after_max_retries() {
        let p = RetryPolicy::default();
        assert_eq!(
            decide(&p, status(502), p.max_retries, 0.3),
            Decision::GiveUp {
                kind: RetryKind::Transient
            }
        );
        assert_eq!(
            decide(&p, status(429), p.max_retries, 0.3),
            Decision::GiveUp {
                kind: RetryKind::Throttled
            }
        );
    }

    #[test]
    fn parses_retry_after_forms() {
        let now = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("30", now), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_retry_after(" 1.5 ", now),
            Some(Duration::from_millis(1500))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Waits stay within the policy's caps, and nothing retries past `max_retries`.
            #[test]
            fn waits_are_bounded(
                status in 100u16..600,
                retry_after in proptest::option::of(0u64..100_000),
                retries in 0u32..40,
                jitter in -1.0f64..2.0,
            ) {
                let p = RetryPolicy::default();
                let attempt = Attempt::Status {
                    status,
                    retry_after: retry_after.map(Duration::from_secs),
                };
                match decide(&p, attempt, retries, jitter) {
                    Decision::Done => prop_assert!(!matches!(status, 429 | 500 | 502 | 503 | 504)),
                    Decision::GiveUp { .. } => prop_assert!(retries >= p.max_retries),
                    Decision::Retry { wait, kind } => {
                        prop_assert!(retries < p.max_retries);
                        let cap = match kind {
                            RetryKind::Throttled => p.max_retry_after.max(p.max_throttle_backoff.mul_f64(1.1)),
                            RetryKind::Transient => p.max_backoff,
                        };
                        prop_assert!(wait <= cap, "{wait:?} > {cap:?}");
                    }
                }
            }
        }
    }
}
