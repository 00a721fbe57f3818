//! The client's errors, and how they map onto the core's [`PortError`] (E3, E7).
//!
//! No variant carries the access token, a header or a request body; the endpoint URL is
//! stripped from transport errors as well.

use std::time::Duration;

use cin7_sparklayer_core::{PortError, Service};

/// What to tell the user when Shopify refuses the credentials.
pub const AUTH_HINT: &str = "check SHOPIFY_ACCESS_TOKEN (or SHOPIFY_CLIENT_ID and SHOPIFY_CLIENT_SECRET) and the app's scopes (read_customers, write_customers)";

/// What to tell the user when the client credentials grant is refused.
pub const GRANT_HINT: &str =
    "check SHOPIFY_CLIENT_ID and SHOPIFY_CLIENT_SECRET, and that the app is installed on the shop";

/// What to tell the user when Shopify withholds protected customer data.
pub const PROTECTED_DATA_HINT: &str = "the sync reads and writes customers' names, emails, phones and addresses: in the app's settings (Dev Dashboard or Partner Dashboard, API access requests → Protected customer data) request access to protected customer data and to the Name, Email, Phone and Address fields (level 2), release that app version and run again";

/// An error of the Shopify transport or of a whole GraphQL document.
///
/// Per-record problems (`userErrors`) are not here: they become [`PortError::Rejected`] on
/// the record they belong to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShopifyError {
    /// HTTP 401/403: the token is wrong, expired or lacks scopes. Fatal to the run.
    #[error("Shopify refused the access token (HTTP {status}): {AUTH_HINT}")]
    Unauthorized {
        /// 401 or 403.
        status: u16,
    },
    /// The client credentials grant was refused (HTTP 400/401/403): wrong client ID or secret,
    /// or the app is not installed on the shop. Fatal to the run.
    #[error("Shopify refused the client credentials (HTTP {status}): {GRANT_HINT}")]
    GrantRefused {
        /// 400, 401 or 403.
        status: u16,
    },
    /// A top-level `ACCESS_DENIED` GraphQL error: the app lacks a scope. Fatal to the run.
    #[error("Shopify denied access ({message}): {AUTH_HINT}")]
    AccessDenied {
        /// Shopify's message.
        message: String,
    },
    /// Shopify withholds protected customer data from the app (errors "This app is not approved
    /// to …" on customer fields): fatal to the run, before any write.
    #[error(
        "Shopify withholds protected customer data ({denied}) from the app: {PROTECTED_DATA_HINT}"
    )]
    ProtectedCustomerData {
        /// What was withheld: `customer data`, `name`, `email`, `phone`, `address`.
        denied: String,
    },
    /// Still `THROTTLED` (or 429) when the attempts ran out.
    #[error("still throttled after {attempts} attempts")]
    Throttled {
        /// Attempts made.
        attempts: u32,
        /// The last wait the bucket asked for.
        retry_after: Option<Duration>,
    },
    /// HTTP 5xx on every attempt.
    #[error("HTTP {status} after {attempts} attempts")]
    Server {
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The connection failed on every attempt (URL removed from the source).
    #[error("request failed after {attempts} attempts: {source}")]
    Network {
        /// Attempts made.
        attempts: u32,
        /// The transport error, without its URL.
        #[source]
        source: reqwest::Error,
    },
    /// An HTTP status the API should not answer with (400, 404 …).
    #[error("unexpected HTTP {status}")]
    Status {
        /// The status.
        status: u16,
    },
    /// The document failed as a whole (`errors[]` without data), e.g. a schema mismatch.
    #[error("GraphQL error: {message}")]
    GraphQl {
        /// Shopify's messages, joined.
        message: String,
    },
    /// The body is not the JSON the API documents.
    #[error("response did not parse: {0}")]
    Decode(String),
    /// An answer without the shape its document selected: a missing or mistyped field, named
    /// by its path from the alias (`c3.defaultAddress.zip`). Never read as a default.
    #[error("unexpected answer at {path}: {message}")]
    Answer {
        /// Alias, then fields and list indices.
        path: String,
        /// What was wrong there.
        message: String,
    },
}

impl From<ShopifyError> for PortError {
    /// The port error with the same meaning; its source is this error (and so the transport's).
    fn from(e: ShopifyError) -> Self {
        let service = Service::Shopify;
        let port = match &e {
            ShopifyError::Unauthorized { status } => {
                PortError::unauthenticated(service, format!("HTTP {status}: {AUTH_HINT}"))
            }
            ShopifyError::GrantRefused { status } => PortError::unauthenticated(
                service,
                format!("client credentials refused (HTTP {status}): {GRANT_HINT}"),
            ),
            ShopifyError::AccessDenied { message } => {
                PortError::unauthenticated(service, format!("{message}: {AUTH_HINT}"))
            }
            ShopifyError::ProtectedCustomerData { denied } => PortError::unauthenticated(
                service,
                format!(
                    "the app is not approved for protected customer data ({denied}): {PROTECTED_DATA_HINT}"
                ),
            ),
            ShopifyError::Throttled { retry_after, .. } => {
                PortError::rate_limited(service, *retry_after)
            }
            ShopifyError::Server { .. } | ShopifyError::Network { .. } => {
                PortError::unavailable(service, e.to_string())
            }
            ShopifyError::Status { .. }
            | ShopifyError::GraphQl { .. }
            | ShopifyError::Decode(_)
            | ShopifyError::Answer { .. } => PortError::protocol(service, e.to_string()),
        };
        port.with_source(e)
    }
}

/// A `PortError::Rejected` from Shopify.
pub(crate) fn rejected(code: Option<String>, field: Option<String>, message: String) -> PortError {
    PortError::rejected(Service::Shopify, code, field, message)
}
