//! Errors of the Cin7 client and their mapping into the core's [`PortError`] (E3, E7).

use std::time::Duration;

use cin7_sparklayer_core::{PortError, Service};

/// Why the client could not be built from its settings. Each message is one line that says
/// what to fix (SPEC §6).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No account ID was given.
    #[error("Cin7 account ID is missing: set cin7.account_id or CIN7_ACCOUNT_ID")]
    MissingAccountId,
    /// No application key was given.
    #[error("Cin7 application key is missing: set cin7.application_key or CIN7_APPLICATION_KEY")]
    MissingApplicationKey,
    /// The base URL does not parse or is not http(s).
    #[error("Cin7 base URL {url:?} is invalid: {reason}")]
    InvalidBaseUrl {
        /// The URL as given (a base URL carries no secret).
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A numeric setting is out of range.
    #[error("Cin7 {setting} must be {expected}, got {value}")]
    OutOfRange {
        /// The setting, e.g. `page_size`.
        setting: &'static str,
        /// The accepted range.
        expected: &'static str,
        /// The value given.
        value: u64,
    },
    /// A credential holds characters that cannot go into an HTTP header.
    #[error("Cin7 {which} contains characters not allowed in an HTTP header")]
    InvalidCredential {
        /// `account ID` or `application key`.
        which: &'static str,
    },
    /// The HTTP client could not be created (TLS backend).
    #[error("could not create the HTTP client for Cin7: {0}")]
    Http(#[source] reqwest::Error),
}

/// A failed Cin7 request, after the retries [`crate::RetryPolicy`] allows.
///
/// Messages carry the endpoint path, never a URL with credentials nor a header value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Cin7Error {
    /// HTTP 403: Cin7's answer to bad credentials. Never retried.
    #[error(
        "Cin7 rejected the account ID / application key (HTTP 403): check CIN7_ACCOUNT_ID and CIN7_APPLICATION_KEY"
    )]
    BadCredentials,
    /// 429 or 503 kept coming after every retry (E7).
    #[error("Cin7 kept throttling `{path}` (HTTP {status}) after {attempts} attempts")]
    Throttled {
        /// Endpoint path.
        path: String,
        /// The last status (429 or 503).
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// The last `Retry-After` Cin7 sent, if any.
        retry_after: Option<Duration>,
    },
    /// 500/502/504 kept coming after every retry.
    #[error("Cin7 answered HTTP {status} to `{path}` after {attempts} attempts")]
    Server {
        /// Endpoint path.
        path: String,
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// Connection or timeout errors outlived the retries.
    #[error("could not reach Cin7 for `{path}` after {attempts} attempts: {message}")]
    Network {
        /// Endpoint path.
        path: String,
        /// Attempts made.
        attempts: u32,
        /// The transport error, without the URL.
        message: String,
    },
    /// HTML instead of JSON (Cin7 answers a wrong path with an HTML page and HTTP 200).
    #[error("Cin7 answered `{path}` with HTML (HTTP {status}), not JSON: check cin7.base_url")]
    Html {
        /// Endpoint path.
        path: String,
        /// The HTTP status it came with.
        status: u16,
    },
    /// An `ErrorCode` body (object or array), whatever the HTTP status.
    #[error("Cin7 error {code} on `{path}` (HTTP {status}): {message}")]
    ErrorBody {
        /// Endpoint path.
        path: String,
        /// HTTP status.
        status: u16,
        /// `ErrorCode`.
        code: i64,
        /// `Exception`.
        message: String,
    },
    /// Another 4xx status (400, 404, 405…).
    #[error("Cin7 answered HTTP {status} to `{path}`: {message}")]
    Status {
        /// Endpoint path.
        path: String,
        /// HTTP status.
        status: u16,
        /// The body's message or a short excerpt.
        message: String,
    },
    /// The body is not the JSON the endpoint's contract describes.
    #[error("Cin7 answered `{path}` with a body that does not parse: {message}")]
    Decode {
        /// Endpoint path.
        path: String,
        /// What failed, with the field path when known.
        message: String,
    },
    /// Paging went wrong: a page repeated, or more rows than `Total` (E8).
    #[error("Cin7 paging of `{path}` went wrong: {message}")]
    Paging {
        /// Endpoint path.
        path: String,
        /// What happened.
        message: String,
    },
}

impl From<Cin7Error> for PortError {
    /// The port error with the same meaning, its message this error's, its source this error.
    fn from(err: Cin7Error) -> Self {
        let service = Service::Cin7;
        let message = err.to_string();
        let port = match &err {
            Cin7Error::BadCredentials => PortError::unauthenticated(service, message),
            Cin7Error::Throttled { retry_after, .. } => {
                PortError::rate_limited(service, *retry_after)
            }
            Cin7Error::Server { .. } | Cin7Error::Network { .. } => {
                PortError::unavailable(service, message)
            }
            Cin7Error::Status { status: 404, .. } => PortError::not_found(service, message),
            Cin7Error::Status { .. } => PortError::rejected(service, None, None, message),
            Cin7Error::ErrorBody { code, .. } => {
                PortError::rejected(service, Some(format!("cin7_error_{code}")), None, message)
            }
            Cin7Error::Html { .. } | Cin7Error::Decode { .. } | Cin7Error::Paging { .. } => {
                PortError::protocol(service, message)
            }
        };
        port.with_source(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_credentials_is_fatal_and_one_line() {
        let port: PortError = Cin7Error::BadCredentials.into();
        assert!(port.is_fatal());
        let text = port.to_string();
        assert!(!text.contains('\n'));
        assert!(text.contains("CIN7_APPLICATION_KEY"), "{text}");
    }

    #[test]
    fn transient_failures_are_retryable_for_a_later_run() {
        let throttled: PortError = Cin7Error::Throttled {
            path: "customer".into(),
            status: 503,
            attempts: 6,
            retry_after: None,
        }
        .into();
        assert!(throttled.is_retryable());
        let server: PortError = Cin7Error::Server {
            path: "customer".into(),
            status: 502,
            attempts: 6,
        }
        .into();
        assert!(server.is_retryable());
        let html: PortError = Cin7Error::Html {
            path: "customer".into(),
            status: 200,
        }
        .into();
        assert!(!html.is_retryable() && !html.is_fatal());
    }
}
