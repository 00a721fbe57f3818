//! Properties of the pure pacing decisions (E7); the retry loop's own are in cin7-sparklayer-http.

use std::time::Duration;

use proptest::prelude::*;
use shopify_client::bucket::{
    CostBucket, THROTTLE_SLACK, ThrottleStatus, bucket_wait, throttle_hint,
};

fn status() -> impl Strategy<Value = ThrottleStatus> {
    (1.0f64..5000.0, 0.0f64..1.0, 1.0f64..2000.0).prop_map(|(max, frac, rate)| ThrottleStatus {
        maximum_available: max,
        currently_available: max * frac,
        restore_rate: rate,
    })
}

proptest! {
    #[test]
    fn a_bucket_wait_is_exactly_enough(requested in 0.0f64..10_000.0, s in status()) {
        let wait = bucket_wait(requested, &s).as_secs_f64();
        let refilled = (s.currently_available + wait * s.restore_rate).min(s.maximum_available);
        // After the wait the document fits (or the bucket is full), and not a moment later.
        prop_assert!(refilled + 1e-6 >= requested.min(s.maximum_available));
        if wait > 0.0 {
            prop_assert!(s.currently_available < requested.min(s.maximum_available));
        }
    }

    #[test]
    fn a_throttle_hint_covers_the_bucket_and_the_retry_after(
        requested in 0.0f64..10_000.0, s in status(), retry_after in proptest::option::of(0u64..10_000),
    ) {
        let retry_after = retry_after.map(Duration::from_secs);
        let hint = throttle_hint(requested, Some(&s), retry_after).expect("a bucket gives a hint");
        prop_assert!(hint >= bucket_wait(requested, &s) + THROTTLE_SLACK);
        prop_assert!(retry_after.is_none_or(|r| hint >= r + THROTTLE_SLACK));
        prop_assert_eq!(throttle_hint(requested, None, None), None);
    }

    #[test]
    fn pacing_never_overdraws_the_known_bucket(costs in proptest::collection::vec(1.0f64..300.0, 1..30)) {
        let now = tokio::time::Instant::now();
        let mut b = CostBucket::default();
        b.observe(&ThrottleStatus { maximum_available: 1000.0, currently_available: 1000.0, restore_rate: 100.0 }, now);
        let mut t = now;
        for c in costs {
            let wait = b.wait_before(c, t);
            t += wait;
            prop_assert!(b.available_at(t).unwrap() + 1e-6 >= c);
            b.reserve(c, t);
        }
    }
}
