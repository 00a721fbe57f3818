//! Shopify's leaky bucket of cost points (E7): a fixed size, refilled at a fixed rate.

use serde_json::{Value, json};
use tokio::time::Instant;

/// The cost bucket of one app on one shop.
#[derive(Debug)]
pub(crate) struct Bucket {
    capacity: f64,
    rate: f64,
    available: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket of `capacity` points restoring `rate` points a second.
    pub(crate) fn new(capacity: f64, rate: f64) -> Self {
        Self {
            capacity,
            rate,
            available: capacity,
            at: Instant::now(),
        }
    }

    /// Adds what leaked back since the last call.
    pub(crate) fn refill(&mut self) {
        self.refill_at(Instant::now());
    }

    fn refill_at(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.available = (self.available + elapsed * self.rate).min(self.capacity);
        self.at = now;
    }

    /// The bucket size.
    pub(crate) fn capacity(&self) -> f64 {
        self.capacity
    }

    /// Whether a document asking `requested` points may run now.
    pub(crate) fn can_take(&self, requested: f64) -> bool {
        requested <= self.available
    }

    /// Charges `points`.
    pub(crate) fn take(&mut self, points: f64) {
        self.available = (self.available - points).max(0.0);
    }

    /// `throttleStatus`.
    pub(crate) fn status(&self) -> Value {
        json!({
            "maximumAvailable": self.capacity,
            "currentlyAvailable": self.available.floor(),
            "restoreRate": self.rate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaks_back_at_the_restore_rate_up_to_the_size() {
        let mut b = Bucket::new(1000.0, 100.0);
        let t0 = b.at;
        b.take(1000.0);
        assert!(!b.can_take(10.0));
        b.refill_at(t0 + std::time::Duration::from_millis(500));
        assert!(b.can_take(50.0));
        assert!(!b.can_take(51.0));
        b.refill_at(t0 + std::time::Duration::from_secs(60));
        assert_eq!(b.status()["currentlyAvailable"], 1000.0);
    }
}
