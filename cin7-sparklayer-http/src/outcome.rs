//! What a client's classifier makes of one attempt, and whether a request may be sent again.

use std::time::Duration;

/// One attempt, classified by the client that knows its API (E7). The retry loop
/// ([`crate::Retrier::run`]) decides from this alone whether to wait and try again.
#[derive(Debug)]
pub enum Outcome<T, E> {
    /// A final answer: a success or an answer the caller interprets. Not retried.
    Done(T),
    /// A failure no retry can mend (4xx, a refused credential, a malformed body). Not retried.
    Fatal(E),
    /// A failure that may pass (5xx, timeout, a connection broken mid-answer) and after which
    /// the server **may have run** the request: retried only when the request may be resent
    /// ([`Resend::Always`]).
    Transient(E),
    /// A failure before the server could act on the request (connection refused, a token grant
    /// that failed, a 409 "busy"): always safe to send again.
    NotSent(E),
    /// The API asked us to slow down (429, 503, GraphQL `THROTTLED`); it did not run the
    /// request. `wait` is what the server asked for (`Retry-After`, the cost bucket), if it did.
    Throttled {
        /// The failure, returned when the retries run out.
        error: E,
        /// The server's requested wait.
        wait: Option<Duration>,
    },
    /// The attempt ended before its request was sent (its access token could not be had, the
    /// request could not be built). Final, and not counted as a request.
    Aborted(E),
    /// A 401 that a fresh token may cure: retried at once, once per call (the client drops the
    /// stale token from its [`crate::TokenCache`] before returning this).
    Unauthorized(E),
}

/// Whether a request may be sent again after a [`Outcome::Transient`] failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// Idempotent (reads, upserts, "set price" writes): sending twice does no harm.
    Always,
    /// Not idempotent (creating a webhook, sending an invite): a transient failure is final,
    /// since the server may have run it; the caller reads the state back instead.
    OnlyIfNotRun,
}
