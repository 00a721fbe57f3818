//! Pacing and retry decisions (E7), as pure functions of what the API said and the policy.
//!
//! The transport asks [`CostBucket::wait_before`] how long to wait before sending a document
//! of a given cost (Shopify's leaky bucket, learnt from `extensions.cost.throttleStatus`, never
//! hard-coded), and [`decide`] what to do after an attempt failed. Neither sleeps nor does I/O,
//! so both are unit-tested without a clock.

use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

/// When and how often a request is retried (E7).
///
/// `Default`: 8 attempts in all; backoff for 5xx and network errors starts at 500 ms, doubles
/// per attempt, is capped at 30 s and jittered down to half; a throttled request waits what
/// the bucket needs (at most `max_throttle_wait`, default 60 s) plus 50 ms of slack.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per request in all, the first included (at least 1).
    pub max_attempts: u32,
    /// First backoff for 5xx and network errors.
    pub base_delay: Duration,
    /// Cap of the exponential backoff.
    pub max_delay: Duration,
    /// Cap of one wait for the cost bucket to refill.
    pub max_throttle_wait: Duration,
    /// Slack added to a computed bucket wait, so the retry does not arrive a hair too early.
    pub throttle_slack: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_throttle_wait: Duration::from_secs(60),
            throttle_slack: Duration::from_millis(50),
        }
    }
}

/// `extensions.cost.throttleStatus` of a response (numbers may come as `1000.0`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    /// Bucket size.
    pub maximum_available: f64,
    /// Points left after this request.
    pub currently_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

/// `extensions.cost` of a response.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryCost {
    /// What the document could cost at most (charged up front).
    pub requested_query_cost: Option<f64>,
    /// What it cost (`null` when throttled).
    pub actual_query_cost: Option<f64>,
    /// The bucket after the request.
    pub throttle_status: Option<ThrottleStatus>,
}

/// What one attempt came back with, as far as retrying is concerned.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// `errors[].extensions.code == "THROTTLED"` on HTTP 200, or HTTP 429.
    Throttled {
        /// `requestedQueryCost` of the refused document, or the client's estimate.
        requested: f64,
        /// The bucket as the response reported it.
        status: Option<ThrottleStatus>,
        /// A `Retry-After` header, if any.
        retry_after: Option<Duration>,
    },
    /// HTTP 5xx.
    ServerError(u16),
    /// Connection refused, reset, timed out.
    Network,
    /// HTTP 401 or 403: never retried.
    Unauthorized(u16),
    /// Any other status the API should not send (404, 400 …): not retried.
    Other(u16),
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Sleep this long, then send again.
    RetryAfter(Duration),
    /// Stop and report the error.
    GiveUp,
}

/// Decides whether to retry after `attempt` (1 for the first) failed the way `what` says.
///
/// `jitter` in `[0, 1]` scales the exponential backoff down to at most half (full jitter would
/// allow zero waits, which hammers a struggling server).
pub fn decide(what: &Attempt, attempt: u32, policy: &RetryPolicy, jitter: f64) -> Decision {
    if attempt >= policy.max_attempts.max(1) {
        return Decision::GiveUp;
    }
    match what {
        Attempt::Unauthorized(_) | Attempt::Other(_) => Decision::GiveUp,
        Attempt::Throttled {
            requested,
            status,
            retry_after,
        } => {
            let bucket = status.map(|s| bucket_wait(*requested, &s));
            let wait = match (bucket, retry_after) {
                (Some(b), Some(r)) => b.max(*r),
                (Some(b), None) => b,
                (None, Some(r)) => *r,
                // A 429 without any hint: back off as for a server error.
                (None, None) => backoff(attempt, policy, jitter),
            };
            Decision::RetryAfter(wait.min(policy.max_throttle_wait) + policy.throttle_slack)
        }
        Attempt::ServerError(_) | Attempt::Network => {
            Decision::RetryAfter(backoff(attempt, policy, jitter))
        }
    }
}

/// `(requested - currentlyAvailable) / restoreRate` seconds, never negative; a request larger
/// than the bucket waits for a full bucket. Not rounded up to whole seconds: with a fast
/// restore rate (Plus: 1,000/s) a second is many documents lost.
pub fn bucket_wait(requested: f64, status: &ThrottleStatus) -> Duration {
    let needed = requested.min(status.maximum_available) - status.currently_available;
    if needed <= 0.0 || status.restore_rate <= 0.0 {
        return Duration::ZERO;
    }
    Duration::from_secs_f64((needed / status.restore_rate).clamp(0.0, 3600.0))
}

/// Exponential backoff for attempt `attempt` (1-based), capped, jittered to `[½, 1]` of itself.
pub fn backoff(attempt: u32, policy: &RetryPolicy, jitter: f64) -> Duration {
    let exp = 2f64.powi(attempt.saturating_sub(1).min(30) as i32);
    let full = (policy.base_delay.as_secs_f64() * exp).min(policy.max_delay.as_secs_f64());
    Duration::from_secs_f64(full * (0.5 + 0.5 * jitter.clamp(0.0, 1.0)))
}

/// The client's picture of Shopify's cost bucket, learnt from responses (E7).
///
/// Until the first response it knows nothing and never waits. Each document's cost is
/// reserved before it is sent so that concurrent callers do not overdraw the bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CostBucket {
    known: Option<Known>,
    /// Points reserved by documents sent and not answered yet.
    in_flight: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Known {
    available: f64,
    max: f64,
    rate: f64,
    at: Instant,
}

impl CostBucket {
    /// The points available at `now`, if the bucket is known.
    pub fn available_at(&self, now: Instant) -> Option<f64> {
        self.known.map(|k| {
            let restored = k.rate * now.saturating_duration_since(k.at).as_secs_f64();
            (k.available + restored).min(k.max)
        })
    }

    /// How long to wait before a document costing `cost` points may be sent.
    pub fn wait_before(&self, cost: f64, now: Instant) -> Duration {
        let Some(k) = self.known else {
            return Duration::ZERO;
        };
        let available = self.available_at(now).unwrap_or(k.max);
        let needed = cost.min(k.max) - available;
        if needed <= 0.0 || k.rate <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(needed / k.rate)
        }
    }

    /// Takes `cost` points at `now` (the document is about to be sent).
    pub fn reserve(&mut self, cost: f64, now: Instant) {
        self.in_flight += cost;
        if let Some(available) = self.available_at(now)
            && let Some(k) = self.known.as_mut()
        {
            k.available = available - cost;
            k.at = now;
        }
    }

    /// A document that reserved `cost` was answered; `status` is what the answer said, if
    /// anything. The bucket Shopify reports does not yet know of the documents still in
    /// flight, so their reservations are taken off it again.
    pub fn settle(&mut self, cost: f64, status: Option<&ThrottleStatus>, now: Instant) {
        self.in_flight = (self.in_flight - cost).max(0.0);
        if let Some(status) = status {
            self.known = Some(Known {
                available: status.currently_available - self.in_flight,
                max: status.maximum_available,
                rate: status.restore_rate,
                at: now,
            });
        }
    }

    /// Adopts what a response said about the bucket (nothing in flight).
    pub fn observe(&mut self, status: &ThrottleStatus, now: Instant) {
        self.settle(0.0, Some(status), now);
    }

    /// The bucket size, once a response has told it.
    pub fn maximum(&self) -> Option<f64> {
        self.known.map(|k| k.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(current: f64) -> ThrottleStatus {
        ThrottleStatus {
            maximum_available: 1000.0,
            currently_available: current,
            restore_rate: 50.0,
        }
    }

    #[test]
    fn throttled_waits_what_the_bucket_needs() {
        let p = RetryPolicy::default();
        let t = Attempt::Throttled {
            requested: 752.0,
            status: Some(status(666.0)),
            retry_after: None,
        };
        // 86 points missing at 50/s = 1.72 s, plus slack.
        assert_eq!(
            decide(&t, 1, &p, 0.3),
            Decision::RetryAfter(Duration::from_millis(1720) + p.throttle_slack)
        );
    }

    #[test]
    fn throttled_honours_a_longer_retry_after_and_the_cap() {
        let p = RetryPolicy::default();
        let t = Attempt::Throttled {
            requested: 10.0,
            status: Some(status(0.0)),
            retry_after: Some(Duration::from_secs(5)),
        };
        assert_eq!(
            decide(&t, 1, &p, 0.0),
            Decision::RetryAfter(Duration::from_secs(5) + p.throttle_slack)
        );
        let huge = Attempt::Throttled {
            requested: 10.0,
            status: None,
            retry_after: Some(Duration::from_secs(3600)),
        };
        assert_eq!(
            decide(&huge, 1, &p, 0.0),
            Decision::RetryAfter(p.max_throttle_wait + p.throttle_slack)
        );
    }

    #[test]
    fn a_request_larger_than_the_bucket_waits_for_a_full_bucket() {
        let s = status(0.0);
        assert_eq!(bucket_wait(5000.0, &s), Duration::from_secs(20));
        assert_eq!(bucket_wait(10.0, &status(500.0)), Duration::ZERO);
    }

    #[test]
    fn auth_failures_and_other_statuses_are_never_retried() {
        let p = RetryPolicy::default();
        assert_eq!(
            decide(&Attempt::Unauthorized(401), 1, &p, 0.5),
            Decision::GiveUp
        );
        assert_eq!(
            decide(&Attempt::Unauthorized(403), 1, &p, 0.5),
            Decision::GiveUp
        );
        assert_eq!(decide(&Attempt::Other(404), 1, &p, 0.5), Decision::GiveUp);
    }

    #[test]
    fn server_errors_back_off_exponentially_with_jitter_and_a_cap() {
        let p = RetryPolicy::default();
        let d = |attempt, jitter| decide(&Attempt::ServerError(502), attempt, &p, jitter);
        assert_eq!(d(1, 1.0), Decision::RetryAfter(Duration::from_millis(500)));
        assert_eq!(d(1, 0.0), Decision::RetryAfter(Duration::from_millis(250)));
        assert_eq!(d(3, 1.0), Decision::RetryAfter(Duration::from_secs(2)));
        assert_eq!(d(7, 1.0), Decision::RetryAfter(Duration::from_secs(30)));
        assert_eq!(
            decide(&Attempt::Network, 2, &p, 1.0),
            Decision::RetryAfter(Duration::from_secs(1))
        );
    }

    #[test]
    fn attempts_run_out() {
        let p = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        assert!(matches!(
            decide(&Attempt::Network, 2, &p, 0.5),
            Decision::RetryAfter(_)
        ));
        assert_eq!(decide(&Attempt::Network, 3, &p, 0.5), Decision::GiveUp);
    }

    #[test]
    fn unknown_bucket_never_waits_then_paces_by_restore_rate() {
        let now = Instant::now();
        let mut b = CostBucket::default();
        assert_eq!(b.wait_before(1e9, now), Duration::ZERO);
        b.observe(&status(100.0), now);
        assert_eq!(b.wait_before(100.0, now), Duration::ZERO);
        b.reserve(100.0, now);
        // Empty now: 250 points need 5 s at 50/s.
        assert_eq!(b.wait_before(250.0, now), Duration::from_secs(5));
        // After 2 s, 100 points are back.
        let later = now + Duration::from_secs(2);
        assert_eq!(b.available_at(later), Some(100.0));
        assert_eq!(b.wait_before(250.0, later), Duration::from_secs(3));
        // Never more than the bucket holds.
        assert_eq!(
            b.available_at(now + Duration::from_secs(3600)),
            Some(1000.0)
        );
        assert_eq!(b.maximum(), Some(1000.0));
    }

    #[test]
    fn answers_do_not_forget_documents_still_in_flight() {
        let now = Instant::now();
        let mut b = CostBucket::default();
        b.observe(&status(1000.0), now);
        b.reserve(300.0, now);
        b.reserve(300.0, now);
        // The first answer reports 700 left: the second document (300) is still coming.
        b.settle(300.0, Some(&status(700.0)), now);
        assert_eq!(b.available_at(now), Some(400.0));
        // An answer without a bucket (a 503) only releases its reservation.
        b.settle(300.0, None, now);
        assert_eq!(b.available_at(now), Some(400.0));
        b.reserve(100.0, now);
        b.settle(100.0, Some(&status(900.0)), now);
        assert_eq!(b.available_at(now), Some(900.0));
    }
}
