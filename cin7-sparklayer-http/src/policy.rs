//! [`RetryPolicy`]: how often and after how long a failed request is tried again (E7).

use std::time::Duration;

/// When and how often a request is retried (E7). One type for every client; each client
/// documents the values it starts from (`Cin7ClientBuilder`, `ShopifyClientBuilder`,
/// `SparkLayerClientBuilder`) and takes a replacement through its builder's `retry` setter.
///
/// - A **transient** failure (5xx, timeout, broken connection) waits
///   `min(base_delay · 2ⁿ, max_delay)` after the n-th retry, scaled by "equal jitter" to between
///   half and all of it, so a struggling server is never hammered with near-zero waits.
/// - A **throttled** answer (429, 503, GraphQL `THROTTLED`) waits what the server asked for
///   (`Retry-After`, Shopify's cost bucket), at most `max_server_wait`; without a hint it waits
///   `min(throttle_base_delay · 2ⁿ, throttle_max_delay)`, lengthened by up to 10 % of jitter
///   (never shortened: the rate-limit window has to pass).
///
/// [`Default`]: 7 attempts; transient 500 ms doubling to 30 s; throttled without a hint the
/// same curve; server hints honoured up to 5 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request in all, the first included (0 is taken as 1).
    pub max_attempts: u32,
    /// Wait before the first retry after a transient failure; doubles per retry.
    pub base_delay: Duration,
    /// Cap of the transient backoff.
    pub max_delay: Duration,
    /// Wait before the first retry after a throttled answer that gave no hint; doubles per retry.
    pub throttle_base_delay: Duration,
    /// Cap of the throttle backoff.
    pub throttle_max_delay: Duration,
    /// The longest server-requested wait honoured as given; longer ones are cut to this.
    pub max_server_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl RetryPolicy {
    /// The [`Default`] policy, usable in constants.
    pub const DEFAULT: Self = Self {
        max_attempts: 7,
        base_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(30),
        throttle_base_delay: Duration::from_millis(500),
        throttle_max_delay: Duration::from_secs(30),
        max_server_wait: Duration::from_secs(300),
    };

    /// Each request is tried once.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Retries allowed after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_attempts.max(1) - 1
    }

    /// The wait after a transient failure, before retry number `retries_done + 1`;
    /// `jitter` in `[0, 1]` (clamped; NaN counts as 0).
    pub fn transient_wait(&self, retries_done: u32, jitter: f64) -> Duration {
        let full = exponential(self.base_delay, self.max_delay, retries_done);
        let half = full / 2;
        half + half.mul_f64(unit(jitter))
    }

    /// The wait after a throttled answer, before retry number `retries_done + 1`: the server's
    /// `hint` (capped at [`Self::max_server_wait`]) or the throttle backoff.
    pub fn throttle_wait(
        &self,
        hint: Option<Duration>,
        retries_done: u32,
        jitter: f64,
    ) -> Duration {
        match hint {
            Some(wait) => wait.min(self.max_server_wait),
            None => exponential(
                self.throttle_base_delay,
                self.throttle_max_delay,
                retries_done,
            )
            .mul_f64(1.0 + 0.1 * unit(jitter)),
        }
    }
}

/// `initial × 2ⁿ`, capped at `max`, without overflow for any `n`.
fn exponential(initial: Duration, max: Duration, n: u32) -> Duration {
    initial
        .saturating_mul(2u32.saturating_pow(n.min(31)))
        .min(max)
}

/// A jitter value clamped into `[0, 1]`.
fn unit(jitter: f64) -> f64 {
    if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_waits_double_with_equal_jitter_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.transient_wait(0, 0.0), Duration::from_millis(250));
        assert_eq!(p.transient_wait(0, 1.0), Duration::from_millis(500));
        assert_eq!(p.transient_wait(2, 0.5), Duration::from_millis(1500));
        assert_eq!(p.transient_wait(u32::MAX, 1.0), p.max_delay);
        assert_eq!(p.transient_wait(0, f64::NAN), Duration::from_millis(250));
        assert_eq!(p.transient_wait(0, 7.0), Duration::from_millis(500));
    }

    #[test]
    fn throttle_waits_take_the_hint_capped_else_back_off_never_shorter() {
        let p = RetryPolicy {
            throttle_base_delay: Duration::from_secs(15),
            throttle_max_delay: Duration::from_secs(65),
            max_server_wait: Duration::from_secs(120),
            ..RetryPolicy::default()
        };
        let hint = Some(Duration::from_secs(7));
        assert_eq!(p.throttle_wait(hint, 3, 0.9), Duration::from_secs(7));
        let huge = Some(Duration::from_secs(100_000));
        assert_eq!(p.throttle_wait(huge, 0, 0.0), p.max_server_wait);
        assert_eq!(p.throttle_wait(None, 0, 0.0), Duration::from_secs(15));
        assert_eq!(p.throttle_wait(None, 1, 0.0), Duration::from_secs(30));
        assert_eq!(p.throttle_wait(None, 9, 0.0), Duration::from_secs(65));
        let jittered = p.throttle_wait(None, 0, 1.0);
        assert_eq!(jittered, Duration::from_millis(16_500));
    }

    #[test]
    fn none_and_zero_attempts_mean_one_try() {
        assert_eq!(RetryPolicy::none().max_retries(), 0);
        let zero = RetryPolicy {
            max_attempts: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(zero.max_retries(), 0);
        assert_eq!(RetryPolicy::default().max_retries(), 6);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Every wait is within the policy's caps, whatever the inputs.
            #[test]
            fn waits_are_bounded(
                retries in any::<u32>(),
                jitter in -2.0f64..3.0,
                hint in proptest::option::of(0u64..1_000_000),
            ) {
                let p = RetryPolicy::default();
                let t = p.transient_wait(retries, jitter);
                prop_assert!(t <= p.max_delay && t >= p.base_delay.min(p.max_delay) / 2);
                let hint = hint.map(Duration::from_secs);
                let w = p.throttle_wait(hint, retries, jitter);
                let cap = match hint {
                    Some(_) => p.max_server_wait,
                    None => p.throttle_max_delay.mul_f64(1.1),
                };
                prop_assert!(w <= cap, "{w:?} > {cap:?}");
            }
        }
    }
}
