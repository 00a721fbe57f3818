//! The one retry loop (E7): every request of every client goes through [`Retrier::run`].

use std::fmt::Display;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use cin7_sparklayer_core::ports::RequestCounts;
use tokio::time::Instant;

use crate::{Jitter, Outcome, RequestCounters, RequestKind, Resend, RetryPolicy};

/// What the loop needs to know of a request besides how to send it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// A short name for logs ("list customers", "customerSet").
    pub operation: &'a str,
    /// Read or write, for the counters.
    pub kind: RequestKind,
    /// Whether it may be sent again after a [`Outcome::Transient`] failure.
    pub resend: Resend,
}

impl<'a> Request<'a> {
    /// An idempotent read.
    pub fn read(operation: &'a str) -> Self {
        Self {
            operation,
            kind: RequestKind::Read,
            resend: Resend::Always,
        }
    }

    /// A write, resent after a transient failure only when `resend` allows it.
    pub fn write(operation: &'a str, resend: Resend) -> Self {
        Self {
            operation,
            kind: RequestKind::Write,
            resend,
        }
    }
}

/// One attempt, as the loop hands it to the client's send function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// Whether the previous attempt was answered 401 (the client should use a fresh token).
    pub after_unauthorized: bool,
}

/// A client's retry state, shared by its clones: the policy, the jitter source, the request
/// counters, and a throttle gate (after a throttled answer no request of this client is sent
/// before the wait is over, so concurrent callers do not keep hitting the limit).
#[derive(Debug)]
pub struct Retrier {
    api: &'static str,
    policy: RetryPolicy,
    jitter: Jitter,
    counters: RequestCounters,
    blocked_until: Mutex<Option<Instant>>,
}

impl Retrier {
    /// A retrier for the API named `api` (used in logs).
    pub fn new(api: &'static str, policy: RetryPolicy, jitter: Jitter) -> Self {
        Self {
            api,
            policy,
            jitter,
            counters: RequestCounters::default(),
            blocked_until: Mutex::new(None),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The counters, for requests a client counts itself.
    pub fn counters(&self) -> &RequestCounters {
        &self.counters
    }

    /// The requests so far (E9).
    pub fn counts(&self) -> RequestCounts {
        self.counters.snapshot()
    }

    /// Sends a request through `send` until it succeeds, fails for good, or the policy's
    /// attempts run out; returns the last answer or error. Each attempt counts as one request
    /// of `request.kind`, except one that was [`Outcome::Aborted`] before sending.
    ///
    /// # Errors
    /// The error of the last attempt: a [`Outcome::Fatal`] one, a second
    /// [`Outcome::Unauthorized`], a transient failure of a request that may not be resent, or
    /// the failure that exhausted the attempts.
    pub async fn run<T, E, F, Fut>(&self, request: Request<'_>, mut send: F) -> Result<T, E>
    where
        F: FnMut(Attempt) -> Fut,
        Fut: Future<Output = Outcome<T, E>>,
        E: Display,
    {
        let mut attempt = Attempt {
            number: 1,
            after_unauthorized: false,
        };
        let mut retries_done = 0u32;
        let mut reauthorized = false;
        loop {
            self.wait_for_gate().await;
            let outcome = send(attempt).await;
            if !matches!(outcome, Outcome::Aborted(_)) {
                self.counters.sent(request.kind);
            }
            let (wait, error) = match outcome {
                Outcome::Done(value) => return Ok(value),
                Outcome::Aborted(error) => return Err(error),
                Outcome::Fatal(error) => return Err(error),
                Outcome::Unauthorized(error) if reauthorized => return Err(error),
                Outcome::Unauthorized(error) => {
                    tracing::info!(api = self.api, operation = request.operation, %error,
                        "refused the access token; retrying once with a new one");
                    reauthorized = true;
                    attempt = Attempt {
                        number: attempt.number + 1,
                        after_unauthorized: true,
                    };
                    continue;
                }
                Outcome::Throttled { error, wait } => {
                    self.counters.throttled();
                    if retries_done >= self.policy.max_retries() {
                        return Err(error);
                    }
                    let wait = self
                        .policy
                        .throttle_wait(wait, retries_done, self.jitter.next());
                    self.block_for(wait);
                    (wait, error)
                }
                Outcome::Transient(error) if request.resend == Resend::OnlyIfNotRun => {
                    return Err(error);
                }
                Outcome::Transient(error) | Outcome::NotSent(error) => {
                    if retries_done >= self.policy.max_retries() {
                        return Err(error);
                    }
                    self.counters.retried();
                    (
                        self.policy.transient_wait(retries_done, self.jitter.next()),
                        error,
                    )
                }
            };
            tracing::info!(
                api = self.api,
                operation = request.operation,
                attempt = attempt.number,
                max_attempts = self.policy.max_attempts,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                %error,
                "request failed; retrying"
            );
            tokio::time::sleep(wait).await;
            retries_done += 1;
            attempt = Attempt {
                number: attempt.number + 1,
                after_unauthorized: false,
            };
        }
    }

    /// Waits until no throttle pause set by any caller is in force.
    async fn wait_for_gate(&self) {
        loop {
            let until = *self.gate();
            match until {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => return,
            }
        }
    }

    fn block_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut blocked = self.gate();
        if blocked.is_none_or(|b| b < until) {
            *blocked = Some(until);
        }
    }

    fn gate(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        // A poisoned lock only means a panic elsewhere; the instant inside is still valid.
        self.blocked_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
