//! The random part of backoff waits, injectable so tests and benchmarks are repeatable.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Where backoff jitter comes from: an OS-seeded RNG by default, a seeded one for repeatable
/// runs ([`Jitter::seeded`]), or a constant ([`Jitter::fixed`]) for tests that assert exact waits.
#[derive(Debug)]
pub struct Jitter(Source);

#[derive(Debug)]
enum Source {
    Rng(Box<Mutex<StdRng>>),
    Fixed(f64),
}

impl Jitter {
    /// An RNG seeded from the operating system.
    pub fn from_os() -> Self {
        Self(Source::Rng(Box::new(Mutex::new(StdRng::from_os_rng()))))
    }

    /// An RNG seeded with `seed`: the same seed gives the same waits.
    pub fn seeded(seed: u64) -> Self {
        Self(Source::Rng(Box::new(Mutex::new(StdRng::seed_from_u64(
            seed,
        )))))
    }

    /// Always `value` (clamped into `[0, 1]` by the policy).
    pub fn fixed(value: f64) -> Self {
        Self(Source::Fixed(value))
    }

    /// From an optional seed: seeded when given, else from the OS.
    pub fn from_seed(seed: Option<u64>) -> Self {
        seed.map_or_else(Self::from_os, Self::seeded)
    }

    /// The next value in `[0, 1)`.
    pub fn next(&self) -> f64 {
        match &self.0 {
            Source::Fixed(v) => *v,
            Source::Rng(rng) => rng
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .random::<f64>(),
        }
    }
}

impl Default for Jitter {
    fn default() -> Self {
        Self::from_os()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_jitter_repeats_and_stays_in_range() {
        let a = Jitter::seeded(7);
        let b = Jitter::seeded(7);
        for _ in 0..100 {
            let x = a.next();
            assert_eq!(x, b.next());
            assert!((0.0..1.0).contains(&x));
        }
        assert_eq!(Jitter::fixed(0.25).next(), 0.25);
    }
}
