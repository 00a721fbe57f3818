//! Errors crossing the ports, with their meaning: retryable or not, fatal to the run or not.

use std::sync::Arc;
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

/// The error a [`PortError`] was made from: the adapter's own error, with its own
/// [`source`](std::error::Error::source) chain (HTTP, JSON, SQLite…). Shared, so a
/// [`PortError`] can be cloned for every record one failed request belongs to.
pub type ErrorSource = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// An error returned by a port (source, sink, directory or state store).
///
/// Adapters map their transport errors into these semantic variants and keep their own error
/// as the `source` ([`PortError::with_source`]), so [`std::error::Error::source`] walks from
/// the run's error through this one to the adapter's and beyond. The engine uses
/// [`PortError::is_retryable`] to decide whether a later run may succeed, and
/// [`PortError::is_fatal`] to decide whether the whole run must stop (E3).
/// Messages never contain secrets: adapters must not put keys, tokens or URLs with
/// credentials into them, nor into the errors they keep as sources.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PortError {
    /// Credentials were rejected (Cin7 403, Shopify 401/403, SparkLayer 401 after renewal).
    /// Fatal: the run cannot start or go on; the message says what to fix.
    Unauthenticated {
        /// Which API.
        service: Service,
        /// What to fix, e.g. "check CIN7_APPLICATION_KEY".
        message: String,
        /// The adapter's error, when it kept it.
        source: Option<ErrorSource>,
    },
    /// The API kept throttling after the adapter's retries ran out. Retryable on a later run.
    RateLimited {
        /// Which API.
        service: Service,
        /// The last wait the API asked for, if any.
        retry_after: Option<Duration>,
        /// The adapter's error, when it kept it.
        source: Option<ErrorSource>,
    },
    /// The API rejected this record or request: validation, a taken email, an unknown SKU.
    /// Not retryable unchanged; the record is reported and the run goes on.
    Rejected {
        /// Which API.
        service: Service,
        /// A machine-readable reason such as `email_taken`, when the adapter knows one.
        code: Option<String>,
        /// The field the API complained about, when it said.
        field: Option<String>,
        /// The API's own message.
        message: String,
        /// The adapter's error, when it kept it.
        source: Option<ErrorSource>,
    },
    /// The API answered 409 (concurrent update) even after retries. Retryable.
    Conflict {
        /// Which API.
        service: Service,
        /// The API's message.
        message: String,
        /// The adapter's error, when it kept it.
        source: Option<ErrorSource>,
    },
    /// The thing addressed does not exist (e.g. a price list slug, a Shopify customer ID).
    NotFound {
        /// Which API.
        service: Service,
        /// What was missing.
        what: String,
        /// The adapter's error, when it kept it.
        source: Option<ErrorSource>,
    },
    /// 5xx or network failure that outlived the retries. Retryable on a later run.
    Unavailable {
        /// Which API.
        service: Service,
        /// What happened (status, connection error), without secrets.
        message: String,
        /// The adapter's error, when it kept it.
        source: Option<ErrorSource>,
    },
    /// The API answered something that is not what its contract says (HTML instead of JSON,
    /// an error body on HTTP 200, a shape that does not parse). Not retryable unchanged.
    Protocol {
        /// Which API.
        service: Service,
        /// What was wrong, e.g. "expected JSON, got HTML".
        message: String,
        /// The adapter's error, when it kept it.
        source: Option<ErrorSource>,
    },
    /// The local state store failed (I/O, corrupt file). Fatal: state cannot be trusted.
    State {
        /// What failed and what to do.
        message: String,
        /// The store's error, when it kept it.
        source: Option<ErrorSource>,
    },
}

impl std::fmt::Display for PortError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unauthenticated {
                service, message, ..
            } => write!(f, "{service}: authentication failed: {message}"),
            Self::RateLimited { service, .. } => {
                write!(f, "{service}: still rate limited after retries")
            }
            Self::Rejected {
                service, message, ..
            } => write!(f, "{service}: {message}"),
            Self::Conflict {
                service, message, ..
            } => write!(f, "{service}: conflict: {message}"),
            Self::NotFound { service, what, .. } => write!(f, "{service}: not found: {what}"),
            Self::Unavailable {
                service, message, ..
            } => write!(f, "{service} unavailable: {message}"),
            Self::Protocol {
                service, message, ..
            } => write!(f, "{service}: unexpected response: {message}"),
            Self::State { message, .. } => write!(f, "state store: {message}"),
        }
    }
}

impl std::error::Error for PortError {
    /// The adapter's own error, itself (not a wrapper), so it can be downcast.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let source = match self {
            Self::Unauthenticated { source, .. }
            | Self::RateLimited { source, .. }
            | Self::Rejected { source, .. }
            | Self::Conflict { source, .. }
            | Self::NotFound { source, .. }
            | Self::Unavailable { source, .. }
            | Self::Protocol { source, .. }
            | Self::State { source, .. } => source,
        };
        source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl PortError {
    /// [`PortError::Unauthenticated`] without a source.
    pub fn unauthenticated(service: Service, message: impl Into<String>) -> Self {
        Self::Unauthenticated {
            service,
            message: message.into(),
            source: None,
        }
    }

    /// [`PortError::RateLimited`] without a source.
    pub fn rate_limited(service: Service, retry_after: Option<Duration>) -> Self {
        Self::RateLimited {
            service,
            retry_after,
            source: None,
        }
    }

    /// [`PortError::Rejected`] without a source.
    pub fn rejected(
        service: Service,
        code: Option<String>,
        field: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Rejected {
            service,
            code,
            field,
            message: message.into(),
            source: None,
        }
    }

    /// [`PortError::Conflict`] without a source.
    pub fn conflict(service: Service, message: impl Into<String>) -> Self {
        Self::Conflict {
            service,
            message: message.into(),
            source: None,
        }
    }

    /// [`PortError::NotFound`] without a source.
    pub fn not_found(service: Service, what: impl Into<String>) -> Self {
        Self::NotFound {
            service,
            what: what.into(),
            source: None,
        }
    }

    /// [`PortError::Unavailable`] without a source.
    pub fn unavailable(service: Service, message: impl Into<String>) -> Self {
        Self::Unavailable {
            service,
            message: message.into(),
            source: None,
        }
    }

    /// [`PortError::Protocol`] without a source.
    pub fn protocol(service: Service, message: impl Into<String>) -> Self {
        Self::Protocol {
            service,
            message: message.into(),
            source: None,
        }
    }

    /// Shorthand for a [`PortError::State`] error without a source.
    pub fn state(message: impl Into<String>) -> Self {
        Self::State {
            message: message.into(),
            source: None,
        }
    }

    /// The same error, made from `error`: [`std::error::Error::source`] returns it (and it its
    /// own causes). The meaning (variant, retryable, fatal) and the message are unchanged.
    pub fn with_source(self, error: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.with_shared_source(Arc::new(error))
    }

    /// [`PortError::with_source`] for an error already shared.
    pub fn with_shared_source(mut self, error: ErrorSource) -> Self {
        match &mut self {
            Self::Unauthenticated { source, .. }
            | Self::RateLimited { source, .. }
            | Self::Rejected { source, .. }
            | Self::Conflict { source, .. }
            | Self::NotFound { source, .. }
            | Self::Unavailable { source, .. }
            | Self::Protocol { source, .. }
            | Self::State { source, .. } => *source = Some(error),
        }
        self
    }

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

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    /// An adapter's error with a cause of its own.
    #[derive(Debug, thiserror::Error)]
    #[error("adapter failed")]
    struct AdapterError(#[source] std::io::Error);

    fn every_variant() -> Vec<PortError> {
        let s = Service::SparkLayer;
        vec![
            PortError::unauthenticated(s, "check the key"),
            PortError::rate_limited(s, Some(Duration::from_secs(2))),
            PortError::rejected(s, Some("bad".into()), Some("slug".into()), "no"),
            PortError::conflict(s, "busy"),
            PortError::not_found(s, "list x"),
            PortError::unavailable(s, "HTTP 502"),
            PortError::protocol(s, "HTML"),
            PortError::state("disk full"),
        ]
    }

    #[test]
    fn a_clone_keeps_the_variant_the_message_and_the_source() {
        for e in every_variant() {
            let e = e.with_source(AdapterError(std::io::Error::other("reset")));
            let copy = e.clone();
            assert_eq!(
                std::mem::discriminant(&copy),
                std::mem::discriminant(&e),
                "{e:?}"
            );
            assert_eq!(copy.to_string(), e.to_string());
            assert_eq!(copy.is_retryable(), e.is_retryable());
            assert_eq!(copy.is_fatal(), e.is_fatal());
            assert_eq!(copy.service(), e.service());
            let source = copy.source().expect("source kept");
            assert!(source.downcast_ref::<AdapterError>().is_some(), "{e:?}");
        }
        assert!(matches!(
            PortError::conflict(Service::SparkLayer, "busy").clone(),
            PortError::Conflict { .. }
        ));
    }

    #[test]
    fn the_chain_runs_from_the_run_error_to_the_adapter_error_and_its_cause() {
        let port = PortError::unavailable(Service::Cin7, "network")
            .with_source(AdapterError(std::io::Error::other("connection reset")));
        let run = RunError::Port {
            step: "reading Cin7 customers",
            source: port,
        };
        let mut chain = Vec::new();
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(&run);
        while let Some(e) = next {
            chain.push(e.to_string());
            next = e.source();
        }
        assert_eq!(
            chain,
            [
                "reading Cin7 customers: Cin7 Core unavailable: network",
                "Cin7 Core unavailable: network",
                "adapter failed",
                "connection reset",
            ]
        );
    }

    #[test]
    fn without_a_source_the_chain_ends_and_the_message_is_unchanged() {
        let texts: Vec<String> = every_variant().iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "SparkLayer: authentication failed: check the key",
                "SparkLayer: still rate limited after retries",
                "SparkLayer: no",
                "SparkLayer: conflict: busy",
                "SparkLayer: not found: list x",
                "SparkLayer unavailable: HTTP 502",
                "SparkLayer: unexpected response: HTML",
                "state store: disk full",
            ]
        );
        assert!(every_variant().iter().all(|e| e.source().is_none()));
    }
}
