//! Errors of the SparkLayer client (E7) and their mapping into the core's [`PortError`].
//!
//! SparkLayer answers errors as RFC 7807 problem details (`title`, `status`, `detail`,
//! `errors[{code, message, property}]`), as a pricing validation array
//! (`[{line, field, message}]`), or with no body at all. [`ErrorBody`] holds whichever came.

use std::time::Duration;

use cin7_sparklayer_core::{PortError, Service};
use serde::Deserialize;

/// The one line a user sees when SparkLayer refuses the credentials.
pub const CREDENTIALS_HINT: &str =
    "check SPARKLAYER_CLIENT_ID / SPARKLAYER_CLIENT_SECRET and sparklayer.site_id";

/// One item of a problem details body's `errors[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ProblemItem {
    /// Machine-readable code, e.g. `resource-already-exists`.
    #[serde(default)]
    pub code: Option<String>,
    /// Human-readable message.
    #[serde(default)]
    pub message: Option<String>,
    /// The property the error is about, e.g. `slug`.
    #[serde(default)]
    pub property: Option<String>,
}

/// An RFC 7807 problem details body (SparkLayer's general error shape, reference §4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ProblemDetails {
    /// Short summary, e.g. `Bad Request`.
    #[serde(default)]
    pub title: Option<String>,
    /// The HTTP status repeated.
    #[serde(default)]
    pub status: Option<u16>,
    /// Explanation of this occurrence.
    #[serde(default)]
    pub detail: Option<String>,
    /// Field-level errors.
    #[serde(default)]
    pub errors: Vec<ProblemItem>,
}

/// One item of the pricing endpoints' 400 validation array (`{line, field, message}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ValidationItem {
    /// The input row the error is about (1-based in the JSON array, as in a CSV upload).
    #[serde(default)]
    pub line: Option<u64>,
    /// The field, e.g. `price` or `sku`.
    #[serde(default)]
    pub field: Option<String>,
    /// SparkLayer's message.
    #[serde(default)]
    pub message: String,
}

impl ValidationItem {
    /// `field: message`, or the message alone.
    pub fn describe(&self) -> String {
        match &self.field {
            Some(field) if !field.is_empty() => format!("{field}: {}", self.message),
            _ => self.message.clone(),
        }
    }
}

/// The body of an error response, parsed into whichever shape it had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorBody {
    /// RFC 7807 problem details.
    Problem(ProblemDetails),
    /// The pricing validation array.
    Validation(Vec<ValidationItem>),
    /// Something else (HTML, plain text), cut to 200 characters.
    Text(String),
    /// No body.
    Empty,
}

impl ErrorBody {
    /// Parses an error body; never fails (an unknown shape becomes [`ErrorBody::Text`]).
    pub fn parse(bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(bytes);
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Self::Empty;
        }
        if trimmed.starts_with('[')
            && let Ok(items) = serde_json::from_str::<Vec<ValidationItem>>(trimmed)
        {
            return Self::Validation(items);
        }
        if trimmed.starts_with('{')
            && let Ok(problem) = serde_json::from_str::<ProblemDetails>(trimmed)
        {
            return Self::Problem(problem);
        }
        Self::Text(trimmed.chars().take(200).collect())
    }

    /// A one-line summary for messages: the detail, the errors, or the text.
    pub fn summary(&self) -> String {
        match self {
            Self::Problem(p) => {
                let mut parts: Vec<String> = Vec::new();
                if let Some(d) = p.detail.as_deref().filter(|d| !d.is_empty()) {
                    parts.push(d.to_owned());
                } else if let Some(t) = p.title.as_deref().filter(|t| !t.is_empty()) {
                    parts.push(t.to_owned());
                }
                for e in &p.errors {
                    let msg = e.message.as_deref().or(e.code.as_deref()).unwrap_or("");
                    match &e.property {
                        Some(prop) => parts.push(format!("{prop}: {msg}")),
                        None => parts.push(msg.to_owned()),
                    }
                }
                if parts.is_empty() {
                    "no detail".to_owned()
                } else {
                    parts.join("; ")
                }
            }
            Self::Validation(items) => items
                .iter()
                .map(|i| match i.line {
                    Some(line) => format!("line {line}: {}", i.describe()),
                    None => i.describe(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            Self::Text(t) => t.clone(),
            Self::Empty => "no body".to_owned(),
        }
    }

    /// The first problem item's code, if any (e.g. `resource-already-exists`).
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Problem(p) => p.errors.iter().find_map(|e| e.code.as_deref()),
            _ => None,
        }
    }

    /// The first property or field named, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Problem(p) => p.errors.iter().find_map(|e| e.property.as_deref()),
            Self::Validation(items) => items.iter().find_map(|i| i.field.as_deref()),
            _ => None,
        }
    }
}

/// An error of the SparkLayer client. Never carries a secret or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SparkLayerError {
    /// SparkLayer refused the credentials, or still answered 401 after one token renewal (E7).
    #[error("SparkLayer rejected the credentials (HTTP {status}): {CREDENTIALS_HINT}")]
    Unauthenticated {
        /// 400, 401 or 403.
        status: u16,
    },
    /// 429 (or 503) outlived the retries.
    #[error("{operation}: still rate limited after {attempts} attempts")]
    RateLimited {
        /// What the client was doing.
        operation: &'static str,
        /// The last `Retry-After` SparkLayer sent.
        retry_after: Option<Duration>,
        /// Attempts made.
        attempts: u32,
    },
    /// 409 "concurrent update" outlived the retries.
    #[error("{operation}: concurrent update still conflicting after {attempts} attempts")]
    Conflict {
        /// What the client was doing.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
    },
    /// 5xx outlived the retries.
    #[error("{operation}: HTTP {status} after {attempts} attempts: {summary}")]
    Server {
        /// What the client was doing.
        operation: &'static str,
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// The body's summary.
        summary: String,
    },
    /// A network failure (connect, timeout, reset) that outlived the retries.
    #[error("{operation}: request failed after {attempts} attempts: {source}")]
    Network {
        /// What the client was doing.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
        /// The transport error, with the URL stripped.
        #[source]
        source: reqwest::Error,
    },
    /// 404: the thing addressed does not exist.
    #[error("{operation}: not found: {what}")]
    NotFound {
        /// What the client was doing.
        operation: &'static str,
        /// What was missing, e.g. `price list cin7-tier-1`.
        what: String,
    },
    /// Another 4xx: SparkLayer refused this request; not retried unchanged.
    #[error("{operation}: rejected (HTTP {status}): {}", body.summary())]
    Rejected {
        /// What the client was doing.
        operation: &'static str,
        /// The status.
        status: u16,
        /// The parsed body.
        body: ErrorBody,
    },
    /// A slug SparkLayer would refuse, caught before sending (≤ 30 characters, P1/P2).
    #[error("invalid price list slug {slug:?}: {reason}")]
    InvalidSlug {
        /// The slug.
        slug: String,
        /// Why.
        reason: &'static str,
    },
    /// The response did not have the documented shape.
    #[error("{operation}: unexpected response: {message}")]
    Protocol {
        /// What the client was doing.
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The client could not be built (missing credential, bad URL).
    #[error("invalid SparkLayer configuration: {key}: {reason}")]
    Config {
        /// The config key, e.g. `sparklayer.client_id`.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl From<SparkLayerError> for PortError {
    /// The port error with the same meaning; its source is this error (and so the transport's).
    fn from(err: SparkLayerError) -> Self {
        let service = Service::SparkLayer;
        let port = match &err {
            SparkLayerError::Unauthenticated { .. } => {
                PortError::unauthenticated(service, CREDENTIALS_HINT)
            }
            SparkLayerError::RateLimited { retry_after, .. } => {
                PortError::rate_limited(service, *retry_after)
            }
            SparkLayerError::Conflict { .. } => PortError::conflict(service, err.to_string()),
            SparkLayerError::Server { .. } | SparkLayerError::Network { .. } => {
                PortError::unavailable(service, err.to_string())
            }
            SparkLayerError::NotFound { what, .. } => PortError::not_found(service, what.clone()),
            SparkLayerError::Rejected {
                operation,
                status,
                body,
            } => PortError::rejected(
                service,
                body.code().map(str::to_owned),
                body.field().map(str::to_owned),
                format!("{operation}: HTTP {status}: {}", body.summary()),
            ),
            SparkLayerError::InvalidSlug { .. } => PortError::rejected(
                service,
                Some("invalid_slug".to_owned()),
                Some("slug".to_owned()),
                err.to_string(),
            ),
            SparkLayerError::Protocol { .. } | SparkLayerError::Config { .. } => {
                PortError::protocol(service, err.to_string())
            }
        };
        port.with_source(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_shapes() {
        let problem = br#"{"title":"Bad Request","status":400,"detail":"slug taken","errors":[{"code":"resource-already-exists","message":"exists","property":"slug"}]}"#;
        let body = ErrorBody::parse(problem);
        assert_eq!(body.code(), Some("resource-already-exists"));
        assert_eq!(body.field(), Some("slug"));
        assert_eq!(body.summary(), "slug taken; slug: exists");

        let array = br#"[{"line":2,"field":"price","message":"must not be negative"}]"#;
        let body = ErrorBody::parse(array);
        assert_eq!(body.summary(), "line 2: price: must not be negative");

        assert_eq!(ErrorBody::parse(b"  "), ErrorBody::Empty);
        assert_eq!(
            ErrorBody::parse(b"<html>oops</html>"),
            ErrorBody::Text("<html>oops</html>".into())
        );
    }

    #[test]
    fn unauthenticated_maps_to_one_clear_line() {
        let port: PortError = SparkLayerError::Unauthenticated { status: 401 }.into();
        assert!(port.is_fatal());
        assert_eq!(
            port.to_string(),
            format!("SparkLayer: authentication failed: {CREDENTIALS_HINT}")
        );
    }

    #[test]
    fn rejected_keeps_code_and_field() {
        let port: PortError = SparkLayerError::Rejected {
            operation: "create price list",
            status: 400,
            body: ErrorBody::parse(
                br#"{"errors":[{"code":"bad","property":"currency_code","message":"unknown"}]}"#,
            ),
        }
        .into();
        assert_eq!(port.code(), Some("bad"));
        assert!(!port.is_retryable());
        assert!(port.to_string().contains("currency_code: unknown"));
    }
}
