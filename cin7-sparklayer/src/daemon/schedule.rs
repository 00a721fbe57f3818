//! What the daemon runs next on its own, and when (E4): pure decision logic over
//! [`tokio::time::Instant`], so it is tested without a clock and driven on tokio's paused clock.
//!
//! Rules:
//! - The first run starts at once and is [`ModeRequest::Auto`] (incremental when a successful
//!   run is recorded, else full).
//! - Then an incremental run every `interval`, counted from the start of the previous
//!   scheduled run. A run still going when the next is due delays it; it starts as soon as the
//!   previous one ends, and missed ticks are not made up one by one.
//! - A full reconcile when the last full run is `full_every` old (24 h by default). When the
//!   daemon does not know when the last full run was (see [`Schedule::with_last_full`]), the
//!   first tick after the start-up run is a full run: a restart may cost one extra full run,
//!   never a day without one.
//! - A run that could not start ([`crate::RunError`]: API down, credentials) is retried after
//!   1, 2, 4 … minutes, capped at `interval`, instead of waiting a whole interval.

use std::time::Duration;

use tokio::time::Instant;

use crate::ModeRequest;

/// First retry delay after a run that could not start; doubles per failure, capped at the interval.
pub const RETRY_AFTER_ERROR: Duration = Duration::from_secs(60);

/// A run the schedule asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduledRun {
    /// The first run after start: incremental when a successful run is recorded, else full.
    Startup,
    /// An incremental run on the interval ([`ModeRequest::Auto`]).
    Incremental,
    /// The daily full reconcile.
    Full,
}

impl ScheduledRun {
    /// The engine's mode for this run.
    pub fn mode(self) -> ModeRequest {
        match self {
            Self::Startup | Self::Incremental => ModeRequest::Auto,
            Self::Full => ModeRequest::Full,
        }
    }

    /// A short name for logs and metrics: `startup`, `incremental`, `full`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Startup => "startup",
            Self::Incremental => "incremental",
            Self::Full => "full",
        }
    }
}

/// How a scheduled run ended, as far as the schedule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// The run went through every record (some may have failed; they are retried next run).
    Completed {
        /// Whether it was a full run (an `Auto` run resolves to full when nothing is recorded).
        full: bool,
    },
    /// The run was stopped by shutdown.
    Interrupted,
    /// The run could not start ([`crate::RunError`]).
    CouldNotStart,
}

/// The daemon's schedule of its own runs (webhook runs are not part of it).
#[derive(Debug, Clone)]
pub struct Schedule {
    interval: Duration,
    full_every: Duration,
    last_start: Option<Instant>,
    last_full: Option<Instant>,
    failed_starts: u32,
}

impl Schedule {
    /// A schedule with no run yet: the first run is due at once.
    pub fn new(interval: Duration, full_every: Duration) -> Self {
        Self {
            interval,
            full_every,
            last_start: None,
            last_full: None,
            failed_starts: 0,
        }
    }

    /// Seeds when the last full run started, when the host knows it (e.g. from its run history).
    pub fn with_last_full(mut self, at: Option<Instant>) -> Self {
        self.last_full = at;
        self
    }

    /// When the last full run known to the schedule started.
    pub fn last_full(&self) -> Option<Instant> {
        self.last_full
    }

    /// The delay before retrying after `failures` runs in a row could not start:
    /// [`RETRY_AFTER_ERROR`] doubled per failure, at most `cap` (and never zero).
    pub fn backoff(failures: u32, cap: Duration) -> Duration {
        let shift = failures.saturating_sub(1).min(16);
        RETRY_AFTER_ERROR
            .saturating_mul(1 << shift)
            .min(cap)
            .max(Duration::from_secs(1))
    }

    /// The next scheduled run and when it is due (due times in the past mean "as soon as the
    /// worker is free").
    pub fn next(&self, now: Instant) -> (Instant, ScheduledRun) {
        let Some(last) = self.last_start else {
            return (now, ScheduledRun::Startup);
        };
        let wait = if self.failed_starts > 0 {
            Self::backoff(self.failed_starts, self.interval)
        } else {
            self.interval
        };
        let incremental_at = last + wait;
        match self.last_full {
            None => (incremental_at, ScheduledRun::Full),
            Some(full) => {
                let full_at = full + self.full_every;
                if full_at <= incremental_at {
                    // Never before the previous run (or its retry delay) allows.
                    let earliest = if self.failed_starts > 0 {
                        incremental_at
                    } else {
                        last
                    };
                    (full_at.max(earliest), ScheduledRun::Full)
                } else {
                    (incremental_at, ScheduledRun::Incremental)
                }
            }
        }
    }

    /// Records a scheduled run that started at `started` and ended with `outcome`.
    pub fn record(&mut self, started: Instant, outcome: RunOutcome) {
        self.last_start = Some(started);
        match outcome {
            RunOutcome::Completed { full } => {
                self.failed_starts = 0;
                if full {
                    self.last_full = Some(started);
                }
            }
            RunOutcome::Interrupted => self.failed_starts = 0,
            RunOutcome::CouldNotStart => self.failed_starts = self.failed_starts.saturating_add(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Duration = Duration::from_secs(3600);
    const M: Duration = Duration::from_secs(60);

    #[test]
    fn starts_at_once_with_auto() {
        let t0 = Instant::now();
        let s = Schedule::new(6 * H, 24 * H);
        assert_eq!(s.next(t0), (t0, ScheduledRun::Startup));
        assert_eq!(ScheduledRun::Startup.mode(), ModeRequest::Auto);
    }

    #[test]
    fn incremental_every_interval_and_full_once_a_day() {
        let t0 = Instant::now();
        let mut s = Schedule::new(6 * H, 24 * H);
        s.record(t0, RunOutcome::Completed { full: true });
        let mut kinds = Vec::new();
        let mut now = t0;
        for _ in 0..8 {
            let (at, what) = s.next(now);
            kinds.push((at.duration_since(t0).as_secs() / 3600, what));
            s.record(
                at,
                RunOutcome::Completed {
                    full: what == ScheduledRun::Full,
                },
            );
            now = at + M;
        }
        use ScheduledRun::{Full, Incremental};
        assert_eq!(
            kinds,
            vec![
                (6, Incremental),
                (12, Incremental),
                (18, Incremental),
                (24, Full),
                (30, Incremental),
                (36, Incremental),
                (42, Incremental),
                (48, Full),
            ]
        );
    }

    #[test]
    fn full_is_not_later_than_a_day_when_the_interval_does_not_divide_it() {
        let t0 = Instant::now();
        let mut s = Schedule::new(7 * H, 24 * H);
        s.record(t0, RunOutcome::Completed { full: true });
        for _ in 0..3 {
            let (at, what) = s.next(t0);
            assert_eq!(what, ScheduledRun::Incremental);
            s.record(at, RunOutcome::Completed { full: false });
        }
        let (at, what) = s.next(t0);
        assert_eq!((at - t0, what), (24 * H, ScheduledRun::Full));
    }

    #[test]
    fn unknown_last_full_makes_the_first_tick_full() {
        let t0 = Instant::now();
        let mut s = Schedule::new(H, 24 * H);
        s.record(t0, RunOutcome::Completed { full: false });
        assert_eq!(s.next(t0), (t0 + H, ScheduledRun::Full));
        // An Auto start-up run that resolved to full counts as the full run.
        let mut s = Schedule::new(H, 24 * H);
        s.record(t0, RunOutcome::Completed { full: true });
        assert_eq!(s.next(t0), (t0 + H, ScheduledRun::Incremental));
        assert_eq!(s.last_full(), Some(t0));
    }

    #[test]
    fn a_seeded_last_full_is_honoured() {
        let t0 = Instant::now() + 48 * H;
        let mut s = Schedule::new(6 * H, 24 * H).with_last_full(Some(t0 - 20 * H));
        s.record(t0, RunOutcome::Completed { full: false });
        assert_eq!(s.next(t0), (t0 + 4 * H, ScheduledRun::Full));
    }

    #[test]
    fn an_overrunning_run_delays_the_next_without_piling_up() {
        let t0 = Instant::now();
        let mut s = Schedule::new(15 * M, 24 * H);
        s.record(t0, RunOutcome::Completed { full: true });
        // The run started at t0 took 50 minutes: the next is due in the past, so it starts
        // as soon as the worker is free, once.
        let now = t0 + 50 * M;
        let (at, what) = s.next(now);
        assert!(at <= now);
        assert_eq!(what, ScheduledRun::Incremental);
        s.record(now, RunOutcome::Completed { full: false });
        assert_eq!(s.next(now), (now + 15 * M, ScheduledRun::Incremental));
    }

    #[test]
    fn overdue_full_waits_for_the_previous_run() {
        let t0 = Instant::now();
        let mut s = Schedule::new(6 * H, 24 * H);
        s.record(t0, RunOutcome::Completed { full: true });
        // An incremental run that started at 23h and ran past the full's due time.
        s.record(t0 + 23 * H, RunOutcome::Completed { full: false });
        let (at, what) = s.next(t0 + 25 * H);
        assert_eq!(what, ScheduledRun::Full);
        assert_eq!(
            at,
            t0 + 24 * H,
            "due already: runs as soon as the worker is free"
        );
    }

    #[test]
    fn could_not_start_retries_with_backoff_capped_by_the_interval() {
        let t0 = Instant::now();
        let mut s = Schedule::new(10 * M, 24 * H).with_last_full(Some(t0));
        let mut at = t0;
        let mut waits = Vec::new();
        for _ in 0..6 {
            s.record(at, RunOutcome::CouldNotStart);
            let (next, what) = s.next(at);
            assert_eq!(what, ScheduledRun::Incremental);
            waits.push((next - at).as_secs() / 60);
            at = next;
        }
        assert_eq!(waits, vec![1, 2, 4, 8, 10, 10]);
        s.record(at, RunOutcome::Completed { full: false });
        assert_eq!(s.next(at).0 - at, 10 * M, "success resets the backoff");
    }

    #[test]
    fn a_failing_full_does_not_spin() {
        let t0 = Instant::now();
        let mut s = Schedule::new(6 * H, 24 * H).with_last_full(Some(t0));
        let late = t0 + 30 * H;
        s.record(late, RunOutcome::CouldNotStart);
        let (at, what) = s.next(late);
        assert_eq!(what, ScheduledRun::Full);
        assert_eq!(at, late + M);
    }

    #[test]
    fn backoff_bounds() {
        assert_eq!(Schedule::backoff(1, H), M);
        assert_eq!(Schedule::backoff(3, H), 4 * M);
        assert_eq!(Schedule::backoff(u32::MAX, H), H);
        assert_eq!(Schedule::backoff(1, Duration::ZERO), Duration::from_secs(1));
    }
}
