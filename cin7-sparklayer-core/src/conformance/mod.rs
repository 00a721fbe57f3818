//! The ports' contracts as reusable async checks (feature `testing`).
//!
//! Every adapter the engine runs on must behave the way the engine assumes: a source yields
//! each record once (E8), a sink's writes converge (E5), a state store's saves are visible
//! when they return (E5) and its cursor moves only after a successful run (E4), and so on.
//! This module states those assumptions once, as checks any adapter can be run against: the
//! in-memory adapters, the SQLite store and the three clients (against the sandbox fakes) run
//! them in CI, and a host that writes its own adapter runs the same suite.
//!
//! One module per port, each with a harness trait the test implements (it builds the adapter
//! under test over a backing system holding what the check asks for), a list of check names
//! ([`state_store::CHECKS`], …) and one entry point ([`state_store::run_all`], …):
//!
//! ```ignore
//! let outcome = conformance::state_store::run_all(&MyStoreHarness::new()).await?;
//! assert!(outcome.unsupported.is_empty(), "{outcome:?}");
//! ```
//!
//! `run_all` stops at the first failing check with a [`CheckFailure`] naming it. A harness that
//! genuinely cannot do what a check needs (seed a source, reopen a store) answers
//! [`Unsupported`] with the reason; the check is then listed in [`Outcome::unsupported`], never
//! skipped silently.
//!
//! The checks use names and values of their own (emails `@conformance.example`, slugs starting
//! `conf-`); a harness must hand out fresh backing systems, or at least ones holding none of them.

/// Defines a port's `CHECKS` and `run_all` from one list of check functions, so the two
/// cannot drift apart.
macro_rules! suite {
    ($harness:path => $($check:ident),+ $(,)?) => {
        /// The names of this port's checks, in the order [`run_all`] runs them.
        pub const CHECKS: &[&str] = &[$(stringify!($check)),+];

        /// Runs every check of this port against the harness's adapter, in [`CHECKS`] order.
        ///
        /// # Errors
        /// The first failing check, named, with what it expected and what it got.
        pub async fn run_all<H: $harness + ?Sized>(
            harness: &H,
        ) -> Result<$crate::conformance::Outcome, $crate::conformance::CheckFailure> {
            let mut runner = $crate::conformance::Runner::default();
            $( runner.record(stringify!($check), $check(harness).await)?; )+
            Ok(runner.finish())
        }
    };
}

mod check;
pub mod customer_sink;
pub mod customer_source;
mod fixtures;
pub mod group_directory;
pub mod lease_store;
pub mod price_list_sink;
pub mod pricing_source;
pub mod state_store;
pub mod webhook_inbox;

pub(crate) use check::{Check, OrFail, Runner, ensure, ensure_eq, fail};

/// A harness's answer when its adapter cannot do what a check needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// Why, in one line (e.g. "the in-memory store has no storage outside its handle").
    pub reason: String,
}

impl Unsupported {
    /// An answer with this reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// What a harness method returns: the thing asked for, or why it cannot provide it.
pub type Support<T> = Result<T, Unsupported>;

/// The result of a suite that found no failure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Checks that passed, in the order run.
    pub passed: Vec<&'static str>,
    /// Checks the harness could not support, with its reason.
    pub unsupported: Vec<(&'static str, String)>,
}

/// The first check that failed, and what it found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("conformance check `{check}` failed: {message}")]
pub struct CheckFailure {
    /// The check's name (one of the port's `CHECKS`).
    pub check: &'static str,
    /// What was expected and what the adapter did.
    pub message: String,
}
