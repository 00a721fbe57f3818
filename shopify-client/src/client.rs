//! [`ShopifyClient`] and its builder.

use std::sync::Arc;
use std::time::Duration;

use cin7_sparklayer_core::ConfigError;
use cin7_sparklayer_core::Secret;

use cin7_sparklayer_http::{ClientOptions, Jitter, Retrier, RetryPolicy, sensitive_header};

use crate::auth::{Auth, ClientCredentials};
use crate::settings::{DEFAULT_SHOPIFY_API_VERSION, ShopifyAuth, ShopifyConfig};
use crate::transport::Transport;

/// Shopify's retry policy (E7), the builder's default: 8 attempts; 5xx and network errors back
/// off from 500 ms to 30 s; a throttled document waits what the cost bucket needs (or its
/// `Retry-After`), at most 60 s, and a 429 without either backs off like a 5xx.
pub const DEFAULT_RETRY_POLICY: RetryPolicy = RetryPolicy {
    max_attempts: 8,
    base_delay: Duration::from_millis(500),
    max_delay: Duration::from_secs(30),
    throttle_base_delay: Duration::from_millis(500),
    throttle_max_delay: Duration::from_secs(30),
    max_server_wait: Duration::from_secs(60),
};

/// Operations per document, and document sizes (each alias is one customer's operation).
///
/// `Default`: 25 mutations a document (≈ 250 cost points, well below any bucket), 50 lookups
/// a document, and full reads up to 250 a document: the read-back packs as many as Shopify's
/// single-query cost limit (1,000 points) allows with its selection (66 today, C15). A document
/// never asks for more than the bucket holds: the mutation and read counts are lowered once a
/// response tells the bucket size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// Mutation fields per document.
    pub mutations_per_document: usize,
    /// `customerByIdentifier` aliases per document.
    pub lookups_per_document: usize,
    /// Most `customer(id:)` aliases per document; fewer when the cost limit says so.
    pub reads_per_document: usize,
}

impl Default for BatchLimits {
    fn default() -> Self {
        Self {
            mutations_per_document: 25,
            lookups_per_document: 50,
            reads_per_document: 250,
        }
    }
}

/// The Shopify Admin GraphQL client: the sync's [`cin7_sparklayer_core::ports::CustomerSink`].
///
/// Cheap to clone (one `Arc`); clones share the connection pool, the cost bucket and the
/// request counters. `Debug` shows the endpoint, never the token.
#[derive(Clone)]
pub struct ShopifyClient {
    pub(crate) transport: Arc<Transport>,
    pub(crate) limits: BatchLimits,
}

impl std::fmt::Debug for ShopifyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyClient")
            .field("endpoint", &self.transport.endpoint())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl ShopifyClient {
    /// A builder; see [`ShopifyClientBuilder`].
    pub fn builder() -> ShopifyClientBuilder {
        ShopifyClientBuilder::default()
    }

    /// A client from the `[shopify]` config section (SPEC §6).
    ///
    /// # Errors
    /// [`ConfigError::Missing`] without an access token or client credentials;
    /// [`ConfigError::Invalid`] for a bad shop domain or endpoint, or both ways of
    /// authenticating at once.
    pub fn from_config(config: &ShopifyConfig) -> Result<Self, ConfigError> {
        ShopifyClientBuilder::from_config(config)?.build()
    }

    /// The GraphQL URL requests go to.
    pub fn endpoint(&self) -> &str {
        self.transport.endpoint()
    }

    /// Sum of `actualQueryCost` Shopify reported so far (for benchmarks and the run log).
    pub fn cost_points(&self) -> u64 {
        self.transport.points_spent()
    }

    /// Mutations per document, lowered so one document never asks more than the bucket holds.
    pub(crate) fn mutations_per_document(&self) -> usize {
        let limit = self.limits.mutations_per_document.max(1);
        match self.transport.bucket_maximum() {
            Some(max) => {
                limit.min(((max / crate::document::MUTATION_COST).floor() as usize).max(1))
            }
            None => limit,
        }
    }
}

/// Builds a [`ShopifyClient`].
///
/// Defaults: API version [`DEFAULT_SHOPIFY_API_VERSION`], [`ClientOptions::default`] (60 s
/// request timeout, 10 s connect timeout), [`DEFAULT_RETRY_POLICY`], [`BatchLimits::default`].
pub struct ShopifyClientBuilder {
    shop: Option<String>,
    token: Option<Secret>,
    client_credentials: Option<(Secret, Secret)>,
    api_version: Option<String>,
    endpoint: Option<String>,
    options: ClientOptions,
    retry: RetryPolicy,
    jitter_seed: Option<u64>,
    limits: BatchLimits,
}

impl Default for ShopifyClientBuilder {
    fn default() -> Self {
        Self {
            shop: None,
            token: None,
            client_credentials: None,
            api_version: None,
            endpoint: None,
            options: ClientOptions::default(),
            retry: DEFAULT_RETRY_POLICY,
            jitter_seed: None,
            limits: BatchLimits::default(),
        }
    }
}

impl std::fmt::Debug for ShopifyClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyClientBuilder")
            .field("shop", &self.shop)
            .field("api_version", &self.api_version)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl ShopifyClientBuilder {
    /// The shop's domain, e.g. `acme.myshopify.com` (a bare `acme` gets `.myshopify.com`).
    pub fn shop(mut self, shop: impl Into<String>) -> Self {
        self.shop = Some(shop.into());
        self
    }

    /// The Admin API access token (`X-Shopify-Access-Token`).
    pub fn access_token(mut self, token: Secret) -> Self {
        self.token = Some(token);
        self
    }

    /// A Dev Dashboard app's client ID and secret: tokens come from the client credentials
    /// grant (`POST /admin/oauth/access_token` on the shop, or on the endpoint's host) and are
    /// renewed before they expire and once on a 401. Replaces [`Self::access_token`].
    pub fn client_credentials(mut self, client_id: Secret, client_secret: Secret) -> Self {
        self.client_credentials = Some((client_id, client_secret));
        self
    }

    /// The API version, e.g. `2026-10`.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// A full GraphQL URL overriding shop and version (sandbox, proxies, tests).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Whole-request timeout (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.request_timeout = Some(timeout);
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.options.connect_timeout = Some(timeout);
        self
    }

    /// Turns every timer off (timeouts, idle pool): only for tests on a paused tokio clock, where
    /// an idle runtime jumps straight to the next timer and would fire it mid-request.
    pub fn no_timeouts(mut self) -> Self {
        self.options = ClientOptions::without_timeouts();
        self
    }

    /// Timeouts and user agent, all at once.
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Retry policy (E7; default [`DEFAULT_RETRY_POLICY`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Seeds the backoff jitter, for reproducible runs.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// Document sizes.
    pub fn limits(mut self, limits: BatchLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The client.
    ///
    /// # Errors
    /// [`ConfigError`] when neither a token nor client credentials are given (or a blank one),
    /// the shop domain or the endpoint is not usable, or the HTTP client cannot be built.
    pub fn build(self) -> Result<ShopifyClient, ConfigError> {
        let token = self.token.filter(|t| !t.is_blank());
        let credentials = self
            .client_credentials
            .filter(|(id, secret)| !id.is_blank() && !secret.is_blank());
        let endpoint = match self.endpoint {
            Some(url) => {
                let url = url.trim().to_owned();
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(ConfigError::Invalid {
                        key: "shopify.endpoint",
                        reason: "must be an http(s) URL".into(),
                    });
                }
                url
            }
            None => {
                let shop = self.shop.unwrap_or_default();
                let shop = shop
                    .trim()
                    .trim_start_matches("https://")
                    .trim_end_matches('/');
                if shop.is_empty() || shop.contains('/') || shop.contains(' ') {
                    return Err(ConfigError::Invalid {
                        key: "shopify.shop",
                        reason: "give the shop's domain, e.g. \"acme.myshopify.com\"".into(),
                    });
                }
                let host = if shop.contains('.') {
                    shop.to_owned()
                } else {
                    format!("{shop}.myshopify.com")
                };
                let version = self
                    .api_version
                    .unwrap_or_else(|| DEFAULT_SHOPIFY_API_VERSION.to_owned());
                format!("https://{host}/admin/api/{}/graphql.json", version.trim())
            }
        };
        let auth = match (credentials, token) {
            (Some((client_id, client_secret)), _) => Auth::Granted(Box::new(
                ClientCredentials::new(token_url(&endpoint), client_id, client_secret),
            )),
            (None, Some(token)) => {
                Auth::Static(sensitive_header(token.expose()).ok_or_else(|| {
                    ConfigError::Invalid {
                        key: "shopify.access_token",
                        reason: "contains characters not allowed in an HTTP header".into(),
                    }
                })?)
            }
            (None, None) => {
                return Err(ConfigError::Missing {
                    key: "shopify.access_token",
                    env: "SHOPIFY_ACCESS_TOKEN",
                });
            }
        };
        let http = self
            .options
            .build(cin7_sparklayer_http::USER_AGENT)
            .map_err(|e| ConfigError::Invalid {
                key: "shopify",
                reason: e.to_string(),
            })?;
        let retrier = Retrier::new("Shopify", self.retry, Jitter::from_seed(self.jitter_seed));
        Ok(ShopifyClient {
            transport: Arc::new(Transport::new(http, endpoint, auth, retrier)),
            limits: self.limits,
        })
    }
}

/// The client credentials grant's URL on the GraphQL endpoint's origin:
/// `https://acme.myshopify.com/admin/api/2026-10/graphql.json` → `https://acme.myshopify.com/admin/oauth/access_token`.
fn token_url(endpoint: &str) -> String {
    let after_scheme = endpoint.find("://").map_or(0, |i| i + 3);
    let origin_end = endpoint[after_scheme..]
        .find('/')
        .map_or(endpoint.len(), |i| after_scheme + i);
    format!("{}/admin/oauth/access_token", &endpoint[..origin_end])
}

impl ShopifyClientBuilder {
    /// A builder with the `[shopify]` section's settings (SPEC §6), for a host that also sets
    /// e.g. [`ClientOptions`] (a replica's user agent, issue 16) before building.
    ///
    /// # Errors
    /// As [`ShopifyClient::from_config`], for the credentials.
    pub fn from_config(config: &ShopifyConfig) -> Result<Self, ConfigError> {
        let mut b = ShopifyClient::builder()
            .shop(&config.shop)
            .api_version(&config.api_version);
        b = match config.auth()? {
            ShopifyAuth::AccessToken(token) => b.access_token(token),
            ShopifyAuth::ClientCredentials {
                client_id,
                client_secret,
            } => b.client_credentials(client_id, client_secret),
        };
        if let Some(endpoint) = &config.endpoint {
            b = b.endpoint(endpoint.as_str());
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::token_url;

    #[test]
    fn token_url_is_on_the_endpoints_origin() {
        assert_eq!(
            token_url("https://acme.myshopify.com/admin/api/2026-10/graphql.json"),
            "https://acme.myshopify.com/admin/oauth/access_token"
        );
        assert_eq!(
            token_url("http://127.0.0.1:8082/graphql.json"),
            "http://127.0.0.1:8082/admin/oauth/access_token"
        );
        assert_eq!(
            token_url("http://127.0.0.1:8082"),
            "http://127.0.0.1:8082/admin/oauth/access_token"
        );
    }
}
