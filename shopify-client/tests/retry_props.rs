//! Properties of the pure retry and pacing decisions (E7).

use std::time::Duration;

use proptest::prelude::*;
use shopify_client::retry::{
    Attempt, CostBucket, Decision, RetryPolicy, ThrottleStatus, backoff, bucket_wait, decide,
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
    fn backoff_stays_between_half_and_the_cap(attempt in 1u32..100, jitter in 0.0f64..=1.0) {
        let p = RetryPolicy::default();
        let d = backoff(attempt, &p, jitter);
        prop_assert!(d <= p.max_delay);
        let full = p.base_delay.as_secs_f64() * 2f64.powi((attempt - 1).min(30) as i32);
        prop_assert!(d.as_secs_f64() >= full.min(p.max_delay.as_secs_f64()) * 0.5 - 1e-9);
    }

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
    fn throttled_waits_are_capped_and_attempts_run_out(
        requested in 0.0f64..10_000.0, s in status(), attempt in 1u32..20, retry_after in proptest::option::of(0u64..10_000),
    ) {
        let p = RetryPolicy::default();
        let what = Attempt::Throttled { requested, status: Some(s), retry_after: retry_after.map(Duration::from_secs) };
        match decide(&what, attempt, &p, 0.5) {
            Decision::RetryAfter(d) => {
                prop_assert!(attempt < p.max_attempts);
                prop_assert!(d <= p.max_throttle_wait + p.throttle_slack);
            }
            Decision::GiveUp => prop_assert!(attempt >= p.max_attempts),
        }
    }

    #[test]
    fn credentials_are_never_retried(status in prop_oneof![Just(401u16), Just(403u16)], attempt in 1u32..10) {
        prop_assert_eq!(decide(&Attempt::Unauthorized(status), attempt, &RetryPolicy::default(), 0.5), Decision::GiveUp);
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
