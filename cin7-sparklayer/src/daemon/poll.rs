//! The freshness poll (E12): what changed in Cin7 since the last look, on Cin7's own clock.
//!
//! Every `schedule.poll` the worker asks the runner for the customers and the products modified
//! since each kind's cursor ([`SyncRunner::changes`](super::SyncRunner::changes): IDs and
//! `LastModifiedOn` only, one light page each when little changed, so an idle poll costs 2 Cin7
//! calls). What is new goes into the webhook queue, so webhooks and polls de-duplicate each
//! other and one records run syncs it; a burst of more than `poll_handover` records is handed
//! over to an incremental run instead, which reads changes a page of 100 at a time rather than
//! one request per record.
//!
//! **The cursor** is the newest `LastModifiedOn` the poll has read (Cin7's clock, never the
//! daemon's), per kind. Each poll asks for `ModifiedSince = cursor - POLL_OVERLAP`, which
//! `cin7-client` sends to the second, truncated. Cin7 does not say whether `ModifiedSince` is
//! inclusive, nor at which precision it compares (its dates carry milliseconds, its parameter
//! seconds); going back at least a whole second makes every reading include every record
//! stamped at or after the cursor, and the rest of the overlap covers a save stamped before
//! it became visible to reads (a change saved while a poll is in flight). Records the overlap
//! reads again are known: each kind remembers the `LastModifiedOn` it last saw per ID for the
//! window, and a record seen with the same `LastModifiedOn` is skipped before any run, so an
//! idle poll makes no Shopify or SparkLayer request. A changed record has a later
//! `LastModifiedOn` and goes through.
//!
//! **Start**: until the first record is read, a kind's cursor is the daemon's start minus the
//! E4 overlap (10 minutes, which also absorbs a skew between the daemon's clock and Cin7's): the
//! first polls re-check what changed just before the start-up run (records runs that write
//! nothing when it was synced, E2).
//!
//! A record that failed in its run is not polled again (its `LastModifiedOn` is seen); the next
//! scheduled run retries it (E3).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::engine::INCREMENTAL_OVERLAP_MINUTES;
use cin7_sparklayer_core::ports::{Change, RequestCounts};
use cin7_sparklayer_core::report::{RecordKind, RunReport};

use super::queue::{Batch, IdKind};

/// How far before its cursor each poll reads again (see the module documentation).
pub const POLL_OVERLAP: chrono::Duration = chrono::Duration::seconds(5);

/// What one poll read: the changed customers and products, and the Cin7 requests it took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollChanges {
    /// Customers modified since the customers' cursor.
    pub customers: Vec<Change>,
    /// Products modified since the products' cursor (none when pricing is off).
    pub products: Vec<Change>,
    /// The Cin7 requests of the poll (E7, E9).
    pub requests: RequestCounts,
}

/// The records a poll found new or changed, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) customers: Vec<String>,
    pub(crate) products: Vec<String>,
}

impl Found {
    pub(crate) fn len(&self) -> usize {
        self.customers.len() + self.products.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.customers.is_empty() && self.products.is_empty()
    }
}

/// One kind's cursor and the `LastModifiedOn` of what it read in the overlap window.
#[derive(Debug, Clone)]
struct Cursor {
    at: DateTime<Utc>,
    seen: HashMap<String, Option<DateTime<Utc>>>,
}

impl Cursor {
    fn new(at: DateTime<Utc>) -> Self {
        Self {
            at,
            seen: HashMap::new(),
        }
    }

    /// The `ModifiedSince` of the next poll.
    fn since(&self) -> DateTime<Utc> {
        self.at - POLL_OVERLAP
    }

    /// Moves the cursor to the newest `LastModifiedOn` read and returns the records not seen
    /// with that `LastModifiedOn` before. Forgets what the next poll cannot read again.
    fn absorb(&mut self, changes: Vec<Change>) -> Vec<Change> {
        let mut fresh = Vec::new();
        for change in changes {
            if let Some(at) = change.modified {
                self.at = self.at.max(at);
            }
            match self.seen.get(&change.id) {
                Some(seen) if *seen >= change.modified => {}
                _ => {
                    self.seen.insert(change.id.clone(), change.modified);
                    fresh.push(change);
                }
            }
        }
        // The next `ModifiedSince` is `since()` truncated to the second: nothing older comes back.
        let horizon = self.since() - chrono::Duration::seconds(1);
        self.seen.retain(|_, at| at.is_none_or(|at| at >= horizon));
        fresh
    }
}

/// The poll's memory: a cursor per kind, and the changes found but not yet applied (for the
/// freshness figure).
#[derive(Debug, Clone)]
pub(crate) struct Poller {
    customers: Cursor,
    products: Cursor,
    pending: HashMap<(IdKind, String), DateTime<Utc>>,
}

impl Poller {
    /// A poller for a daemon started at `now` (see "Start" above).
    pub(crate) fn new(now: DateTime<Utc>) -> Self {
        let start = now - chrono::Duration::minutes(INCREMENTAL_OVERLAP_MINUTES);
        Self {
            customers: Cursor::new(start),
            products: Cursor::new(start),
            pending: HashMap::new(),
        }
    }

    /// `ModifiedSince` for customers and for products.
    pub(crate) fn since(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.customers.since(), self.products.since())
    }

    /// Takes in what a poll read; returns what is new or changed.
    pub(crate) fn absorb(&mut self, read: PollChanges) -> Found {
        let mut found = Found::default();
        for (kind, cursor, changes, out) in [
            (
                IdKind::Customer,
                &mut self.customers,
                read.customers,
                &mut found.customers,
            ),
            (
                IdKind::Product,
                &mut self.products,
                read.products,
                &mut found.products,
            ),
        ] {
            for change in cursor.absorb(changes) {
                if let Some(at) = change.modified {
                    self.pending.insert((kind, change.id.clone()), at);
                }
                out.push(change.id);
            }
        }
        found
    }

    /// After a run that went through `batch` (`None`: every pending change, an incremental run):
    /// how long the newest change applied took from its `LastModifiedOn` to the run's end.
    /// Records the run failed do not count.
    pub(crate) fn applied(
        &mut self,
        batch: Option<&Batch>,
        report: &RunReport,
    ) -> Option<(DateTime<Utc>, chrono::Duration)> {
        let keys: Vec<(IdKind, String)> = match batch {
            Some(b) => b
                .customers
                .iter()
                .map(|id| (IdKind::Customer, id.clone()))
                .chain(b.products.iter().map(|id| (IdKind::Product, id.clone())))
                .collect(),
            None => self.pending.keys().cloned().collect(),
        };
        let failed = |kind: IdKind, id: &str| {
            let kind = match kind {
                IdKind::Customer => RecordKind::Customer,
                IdKind::Product => RecordKind::Product,
            };
            report.failures.iter().any(|f| f.kind == kind && f.id == id)
        };
        keys.into_iter()
            .filter_map(|key| {
                let at = self.pending.remove(&key)?;
                (!failed(key.0, &key.1)).then_some(at)
            })
            .max()
            .map(|at| (at, report.finished_at - at))
    }
}

/// The share of Cin7's budget (`calls_per_minute`) idle polls every `poll` use: 2 calls each.
pub(crate) fn budget_share(poll: std::time::Duration, calls_per_minute: u32) -> f64 {
    let polls_per_minute = 60.0 / poll.as_secs_f64().max(0.001);
    2.0 * polls_per_minute / f64::from(calls_per_minute.max(1))
}

/// Above this share of Cin7's budget, the start-up log line is a warning.
pub(crate) const BUDGET_WARNING: f64 = 0.25;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use cin7_sparklayer_core::report::RunMode;

    fn t(secs: i64, millis: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
            + chrono::Duration::seconds(secs)
            + chrono::Duration::milliseconds(millis)
    }

    fn change(id: &str, at: DateTime<Utc>) -> Change {
        Change {
            id: id.into(),
            modified: Some(at),
        }
    }

    fn customers(changes: Vec<Change>) -> PollChanges {
        PollChanges {
            customers: changes,
            ..PollChanges::default()
        }
    }

    #[test]
    fn the_cursor_follows_cin7s_clock_and_reads_back_the_overlap() {
        let start = t(0, 0);
        let mut p = Poller::new(start);
        assert_eq!(
            p.since().0,
            start - chrono::Duration::minutes(10) - POLL_OVERLAP
        );
        let found = p.absorb(customers(vec![
            change("a", t(30, 120)),
            change("b", t(31, 917)),
        ]));
        assert_eq!(found.customers, vec!["a", "b"]);
        assert_eq!(
            p.since().0,
            t(31, 917) - POLL_OVERLAP,
            "newest LastModifiedOn read"
        );
        assert_eq!(
            p.since().1,
            start - chrono::Duration::minutes(10) - POLL_OVERLAP
        );
        // The next poll reads both again (overlap): nothing new, the cursor stays.
        let again = p.absorb(customers(vec![
            change("a", t(30, 120)),
            change("b", t(31, 917)),
        ]));
        assert_eq!(again, Found::default());
        assert_eq!(p.since().0, t(31, 917) - POLL_OVERLAP);
        // An idle poll that reads nothing keeps the cursor (never the local clock).
        assert_eq!(p.absorb(PollChanges::default()), Found::default());
        assert_eq!(p.since().0, t(31, 917) - POLL_OVERLAP);
    }

    #[test]
    fn a_change_saved_during_a_poll_is_found_by_the_next() {
        let mut p = Poller::new(t(0, 0));
        p.absorb(customers(vec![change("a", t(40, 500))]));
        // Saved while that poll was in flight, stamped just before the newest record it read
        // (visible only after the read): inside the overlap, so the next poll reads it.
        let late = t(40, 100);
        assert!(late >= p.since().0);
        let found = p.absorb(customers(vec![change("a", t(40, 500)), change("c", late)]));
        assert_eq!(found.customers, vec!["c"]);
        // A record changed again has a later LastModifiedOn: found again.
        let found = p.absorb(customers(vec![change("a", t(41, 0))]));
        assert_eq!(found.customers, vec!["a"]);
    }

    #[test]
    fn what_the_next_poll_cannot_read_again_is_forgotten() {
        let mut p = Poller::new(t(0, 0));
        p.absorb(customers(vec![change("old", t(10, 0))]));
        p.absorb(customers(vec![change("new", t(60, 0))]));
        assert_eq!(p.customers.seen.len(), 1, "{:?}", p.customers.seen);
        assert!(p.customers.seen.contains_key("new"));
    }

    #[test]
    fn freshness_is_the_newest_applied_change_to_the_runs_end() {
        let mut p = Poller::new(t(0, 0));
        p.absorb(PollChanges {
            customers: vec![change("a", t(10, 0)), change("b", t(12, 0))],
            products: vec![change("p", t(11, 0))],
            ..PollChanges::default()
        });
        let mut report = RunReport::new(RunMode::Records, false, t(20, 0));
        report.finished_at = t(25, 0);
        let err = cin7_sparklayer_core::PortError::unauthenticated(
            cin7_sparklayer_core::error::Service::Shopify,
            "x",
        );
        report.fail(RecordKind::Customer, "b", "write", &err);
        let batch = Batch {
            customers: vec!["a".into(), "b".into()],
            products: vec!["p".into()],
        };
        let (at, took) = p.applied(Some(&batch), &report).expect("applied");
        assert_eq!(at, t(11, 0), "b failed: the newest applied is p");
        assert_eq!(took, chrono::Duration::seconds(14));
        assert_eq!(p.applied(None, &report), None, "nothing pending");
    }

    #[test]
    fn budget_share_of_idle_polls() {
        let s = |secs| budget_share(std::time::Duration::from_secs(secs), 60);
        assert!((s(30) - 4.0 / 60.0).abs() < 1e-9);
        assert!((s(20) - 0.1).abs() < 1e-9);
        assert!(s(8) <= BUDGET_WARNING && s(7) > BUDGET_WARNING);
    }
}
