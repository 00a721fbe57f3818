//! Request counters (E9): what each client reports as its share of the run's HTTP requests.

use std::sync::atomic::{AtomicU64, Ordering};

use cin7_sparklayer_core::ports::RequestCounts;

/// Whether a request reads or writes, for the counters and for [`crate::Resend`] defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// A read (GET, GraphQL query, token grant).
    Read,
    /// A write (POST/PUT/PATCH/DELETE, GraphQL mutation).
    Write,
}

/// Cumulative counters shared by every clone of a client. Every request sent counts once as a
/// read or a write (a retried request counts again); a throttled answer that is retried adds
/// one to `throttled`, any other retry one to `retried`.
#[derive(Debug, Default)]
pub struct RequestCounters {
    reads: AtomicU64,
    writes: AtomicU64,
    throttled: AtomicU64,
    retried: AtomicU64,
}

impl RequestCounters {
    /// Counts one request sent.
    pub fn sent(&self, kind: RequestKind) {
        match kind {
            RequestKind::Read => &self.reads,
            RequestKind::Write => &self.writes,
        }
        .fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one throttled answer.
    pub fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one retry for a transient failure.
    pub fn retried(&self) {
        self.retried.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn snapshot(&self) -> RequestCounts {
        RequestCounts {
            reads: self.reads.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
        }
    }
}
