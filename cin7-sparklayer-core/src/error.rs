//! Errors crossing the ports, with their meaning: retryable or not, fatal to the run or not.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The outside system an error or a request count belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// Cin7 Core External API v2 (source).
    Cin7,
    /// Shopify Admin GraphQL API (customer sink).
    Shopify,
    /// SparkLayer API (price lists, customer groups, sync log).
    SparkLayer,
    /// The state store.
    State,
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Cin7 => "Cin7 Core",
            Self::Shopify => "Shopify",
            Self::SparkLayer => "SparkLayer",
            Self::State => "state store",
        })
    }
}

impl Service {
    /// The service's lowercase name, as its configuration section is called (SPEC §6):
    /// `cin7`, `shopify`, `sparklayer`, `state`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Cin7 => "cin7",
            Self::Shopify => "shopify",
            Self::SparkLayer => "sparklayer",
            Self::State => "state",
        }
    }
}

/// An error returned by a port (source, sink, directory or state store).
///
/// Adapters map their transport errors into these semantic variants. The engine uses
/// [`PortError::is_retryable`] to decide whether a later run may succeed, and
/// [`PortError::is_fatal`] to decide whether the whole run must stop (E3).
/// Messages never contain secrets: adapters must not put keys, tokens or URLs with
/// credentials into them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PortError {
    /// Credentials were rejected (Cin7 403, Shopify 401/403, SparkLayer 401 after renewal).
    /// Fatal: the run cannot start or go on; the message says what to fix.
    #[error("{service}: authentication failed: {message}")]
    Unauthenticated {
        /// Which API.
        service: Service,
        /// What to fix, e.g. "check CIN7_APPLICATION_KEY".
        message: String,
    },
    /// The API kept throttling after the adapter's retries ran out. Retryable on a later run.
    #[error("{service}: still rate limited after retries")]
    RateLimited {
        /// Which API.
        service: Service,
        /// The last wait the API asked for, if any.
        retry_after: Option<Duration>,
    },
    /// The API rejected this record or request: validation, a taken email, an unknown SKU.
    /// Not retryable unchanged; the record is reported and the run goes on.
    #[error("{service}: {message}")]
    Rejected {
        /// Which API.
        service: Service,
        /// A machine-readable reason such as `email_taken`, when the adapter knows one.
        code: Option<String>,
        /// The field the API complained about, when it said.
        field: Option<String>,
        /// The API's own message.
        message: String,
    },
    /// The API answered 409 (concurrent update) even after retries. Retryable.
    #[error("{service}: conflict: {message}")]
    Conflict {
        /// Which API.
        service: Service,
        /// The API's message.
        message: String,
    },
    /// The thing addressed does not exist (e.g. a price list slug, a Shopify customer ID).
    #[error("{service}: not found: {what}")]
    NotFound {
        /// Which API.
        service: Service,
        /// What was missing.
        what: String,
    },
    /// 5xx or network failure that outlived the retries. Retryable on a later run.
    #[error("{service} unavailable: {message}")]
    Unavailable {
        /// Which API.
        service: Service,
        /// What happened (status, connection error), without secrets.
        message: String,
    },
    /// The API answered something that is not what its contract says (HTML instead of JSON,
    /// an error body on HTTP 200, a shape that does not parse). Not retryable unchanged.
    #[error("{service}: unexpected response: {message}")]
    Protocol {
        /// Which API.
        service: Service,
        /// What was wrong, e.g. "expected JSON, got HTML".
        message: String,
    },
    /// The local state store failed (I/O, corrupt file). Fatal: state cannot be trusted.
    #[error("state store: {message}")]
    State {
        /// What failed and what to do.
        message: String,
    },
}

impl PortError {
    /// Whether trying the same thing later may succeed (throttling, 5xx, conflicts, network).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Conflict { .. } | Self::Unavailable { .. }
        )
    }

    /// Whether the error stops the whole run (bad credentials, broken state), rather than one record.
    pub fn is_fatal(&self) -> bool {
        matches!(self, Self::Unauthenticated { .. } | Self::State { .. })
    }

    /// The service the error came from.
    pub fn service(&self) -> Service {
        match self {
            Self::Unauthenticated { service, .. }
            | Self::RateLimited { service, .. }
            | Self::Rejected { service, .. }
            | Self::Conflict { service, .. }
            | Self::NotFound { service, .. }
            | Self::Unavailable { service, .. }
            | Self::Protocol { service, .. } => *service,
            Self::State { .. } => Service::State,
        }
    }

    /// The machine-readable code of a [`PortError::Rejected`], if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Rejected { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Shorthand for a [`PortError::State`] error.
    pub fn state(message: impl Into<String>) -> Self {
        Self::State {
            message: message.into(),
        }
    }
}

/// Why a run could not start or had to stop (exit status 1, E3).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(#[from] crate::config::ConfigError),
    /// A port failed in a way that stops the run (credentials, state store, account info).
    #[error("{step}: {source}")]
    Port {
        /// What the engine was doing, e.g. "reading the Cin7 account".
        step: &'static str,
        /// The port error.
        #[source]
        source: PortError,
    },
    /// The shop defines one of the sync's metafields with a type it cannot write (E10): the
    /// run stops before any write.
    #[error("Shopify metafield definitions: {0}")]
    Definition(#[from] crate::rules::UnwritableDefinition),
}

impl RunError {
    /// A closure for `map_err` that stops the run with `step` as context.
    pub fn at(step: &'static str) -> impl FnOnce(PortError) -> RunError {
        move |source| RunError::Port { step, source }
    }
}
