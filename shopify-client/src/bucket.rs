//! Pacing by Shopify's cost bucket (E7), as pure functions of what the API said: the transport
//! asks [`CostBucket::wait_before`] how long to wait before sending a document of a given cost
//! (the leaky bucket, learnt from `extensions.cost.throttleStatus`, never hard-coded), and
//! [`bucket_wait`] how long a `THROTTLED` document must wait. Neither sleeps nor does I/O. The
//! retries themselves are the shared loop of `cin7-sparklayer-http`.

use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

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

/// Slack added to a computed bucket wait, so the retry does not arrive a hair too early.
pub const THROTTLE_SLACK: Duration = Duration::from_millis(50);

/// The wait a throttled document asks the retry loop for: what the bucket needs to hold
/// `requested` (when the answer reported the bucket) or the `Retry-After`, whichever is longer,
/// plus [`THROTTLE_SLACK`]; `None` when the answer said neither, and the loop's throttle
/// backoff applies. The loop caps it at the policy's `max_server_wait`.
pub fn throttle_hint(
    requested: f64,
    status: Option<&ThrottleStatus>,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    let bucket = status.map(|s| bucket_wait(requested, s));
    let wait = match (bucket, retry_after) {
        (Some(b), Some(r)) => b.max(r),
        (b, r) => b.or(r)?,
    };
    Some(wait + THROTTLE_SLACK)
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
    fn a_throttled_document_waits_what_the_bucket_needs_or_a_longer_retry_after() {
        // 86 points missing at 50/s = 1.72 s, plus slack.
        assert_eq!(
            throttle_hint(752.0, Some(&status(666.0)), None),
            Some(Duration::from_millis(1720) + THROTTLE_SLACK)
        );
        assert_eq!(
            throttle_hint(10.0, Some(&status(0.0)), Some(Duration::from_secs(5))),
            Some(Duration::from_secs(5) + THROTTLE_SLACK)
        );
        assert_eq!(
            throttle_hint(10.0, None, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3) + THROTTLE_SLACK)
        );
        assert_eq!(throttle_hint(10.0, None, None), None);
    }

    #[test]
    fn a_request_larger_than_the_bucket_waits_for_a_full_bucket() {
        let s = status(0.0);
        assert_eq!(bucket_wait(5000.0, &s), Duration::from_secs(20));
        assert_eq!(bucket_wait(10.0, &status(500.0)), Duration::ZERO);
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
