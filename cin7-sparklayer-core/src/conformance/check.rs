//! What a check returns, the assertions checks are written with, and the runner that turns
//! their results into an [`Outcome`] or the first [`CheckFailure`].

use std::fmt::Debug;

use futures::StreamExt;

use super::{CheckFailure, Outcome, Unsupported};
use crate::error::PortError;
use crate::ports::{Fetched, MalformedRecord, RecordStream};

/// Why a check did not pass.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// The adapter broke the contract: what was expected and what it did.
    Failed(String),
    /// The harness cannot do what the check needs.
    Unsupported(String),
}

impl From<Unsupported> for Verdict {
    fn from(u: Unsupported) -> Self {
        Self::Unsupported(u.reason)
    }
}

/// The result of one check.
pub(crate) type Check = Result<(), Verdict>;

/// A failure with this message.
pub(crate) fn fail(message: impl Into<String>) -> Verdict {
    Verdict::Failed(message.into())
}

/// Fails with `message` unless `condition` holds.
pub(crate) fn ensure(condition: bool, message: impl FnOnce() -> String) -> Check {
    if condition {
        Ok(())
    } else {
        Err(fail(message()))
    }
}

/// Fails unless `actual == expected`, naming `what` and both values.
pub(crate) fn ensure_eq<T: PartialEq + Debug + ?Sized>(
    what: &str,
    actual: &T,
    expected: &T,
) -> Check {
    ensure(actual == expected, || {
        format!("{what}: expected {expected:?}, got {actual:?}")
    })
}

/// Turns a port call's error into a failure naming the call.
pub(crate) trait OrFail<T> {
    /// `Ok` passes through; an error fails the check with `call` and the error.
    fn or_fail(self, call: &str) -> Result<T, Verdict>;
}

impl<T> OrFail<T> for Result<T, PortError> {
    fn or_fail(self, call: &str) -> Result<T, Verdict> {
        self.map_err(|e| fail(format!("{call} failed: {e}")))
    }
}

/// Reads a whole record stream: the records, and the items the source reported malformed.
pub(crate) async fn drain<T>(
    mut stream: RecordStream<T>,
    call: &str,
) -> Result<(Vec<T>, Vec<MalformedRecord>), Verdict> {
    let (mut records, mut malformed) = (Vec::new(), Vec::new());
    while let Some(item) = stream.next().await {
        match item.or_fail(call)? {
            Fetched::Record(r) => records.push(r),
            Fetched::Malformed(m) => malformed.push(m),
            // Every seeded record is served in full: a short-read notice would be wrong (E8).
            Fetched::Incomplete(short) => {
                return Err(fail(format!(
                    "{call} reported an incomplete read ({} of {}) of a complete account",
                    short.received, short.expected
                )));
            }
        }
    }
    Ok((records, malformed))
}

/// Collects check results into an [`Outcome`], stopping at the first failure.
#[derive(Debug, Default)]
pub(crate) struct Runner {
    outcome: Outcome,
}

impl Runner {
    /// Records one check's result; a failure ends the suite.
    pub(crate) fn record(
        &mut self,
        check: &'static str,
        result: Check,
    ) -> Result<(), CheckFailure> {
        match result {
            Ok(()) => self.outcome.passed.push(check),
            Err(Verdict::Unsupported(reason)) => self.outcome.unsupported.push((check, reason)),
            Err(Verdict::Failed(message)) => return Err(CheckFailure { check, message }),
        }
        Ok(())
    }

    /// The outcome of every check recorded.
    pub(crate) fn finish(self) -> Outcome {
        self.outcome
    }
}
