//! Building a [`SparkLayerClient`]: credentials, base URL, timeouts, retry policy.

use std::time::Duration;

use cin7_sparklayer_core::Secret;
use reqwest::header::HeaderValue;
use url::Url;

use crate::client::SparkLayerClient;
use crate::error::SparkLayerError;
use crate::settings::SparkLayerConfig;
use cin7_sparklayer_http::{ClientOptions, Jitter, Retrier, RetryPolicy};

/// SparkLayer's live API.
pub const DEFAULT_BASE_URL: &str = "https://app.sparklayer.io";

/// The `User-Agent` every request carries: this library and its version.
pub const USER_AGENT: &str = concat!(
    "cin7-sparklayer/",
    env!("CARGO_PKG_VERSION"),
    " (sparklayer-client; Cin7 Core B2B sync)"
);

/// The integration name the sync log is written under (reference §10).
pub const DEFAULT_SYNC_LOG_INTEGRATION: &str = "cin7-core-sync";

/// SparkLayer's retry policy (E7), the builder's default: 7 attempts; 5xx, 408, 409 and network
/// errors back off from 500 ms to 30 s; 429/503 wait their `Retry-After` (up to 5 minutes), else
/// the same curve: the shared [`RetryPolicy::DEFAULT`].
pub const DEFAULT_RETRY_POLICY: RetryPolicy = RetryPolicy::DEFAULT;

/// SparkLayer's transport defaults: 120 s per request (PATCHes of 500 SKUs can be slow), 15 s to
/// connect, idle connections kept 90 s, [`USER_AGENT`].
pub fn default_options() -> ClientOptions {
    ClientOptions {
        request_timeout: Some(Duration::from_secs(120)),
        connect_timeout: Some(Duration::from_secs(15)),
        pool_idle_timeout: Some(Duration::from_secs(90)),
        user_agent: None,
    }
}

/// Renew the access token this long before its `expires_in` runs out, by default (at most half
/// the token's lifetime).
pub const DEFAULT_RENEW_BEFORE: Duration = Duration::from_secs(60);

/// Builder of a [`SparkLayerClient`]: `SparkLayerClient::builder()…build()`.
#[derive(Debug, Clone)]
pub struct SparkLayerClientBuilder {
    site_id: Option<String>,
    client_id: Option<Secret>,
    client_secret: Option<Secret>,
    base_url: Option<String>,
    options: ClientOptions,
    retry: RetryPolicy,
    renew_before: Duration,
    jitter_seed: Option<u64>,
    sync_log_integration: Option<String>,
}

impl Default for SparkLayerClientBuilder {
    /// [`default_options`], [`DEFAULT_RETRY_POLICY`], [`DEFAULT_RENEW_BEFORE`].
    fn default() -> Self {
        Self {
            site_id: None,
            client_id: None,
            client_secret: None,
            base_url: None,
            options: default_options(),
            retry: DEFAULT_RETRY_POLICY,
            renew_before: DEFAULT_RENEW_BEFORE,
            jitter_seed: None,
            sync_log_integration: None,
        }
    }
}

impl SparkLayerClientBuilder {
    /// The Site ID (`sparklayer.site_id`), sent as the `Site-Id` header.
    pub fn site_id(mut self, site_id: impl Into<String>) -> Self {
        self.site_id = Some(site_id.into());
        self
    }

    /// The API Client ID (`SPARKLAYER_CLIENT_ID`).
    pub fn client_id(mut self, client_id: Secret) -> Self {
        self.client_id = Some(client_id);
        self
    }

    /// The API Client Secret (`SPARKLAYER_CLIENT_SECRET`).
    pub fn client_secret(mut self, client_secret: Secret) -> Self {
        self.client_secret = Some(client_secret);
        self
    }

    /// The API's base URL (default [`DEFAULT_BASE_URL`]); tests point it at a mock or the sandbox.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Timeouts and user agent (default [`default_options`]).
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// The retry policy (E7; default [`DEFAULT_RETRY_POLICY`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Seeds the backoff jitter, for reproducible runs.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// How long before its expiry the access token is renewed (default [`DEFAULT_RENEW_BEFORE`]).
    pub fn renew_before(mut self, margin: Duration) -> Self {
        self.renew_before = margin;
        self
    }

    /// The sync-log integration name (default [`DEFAULT_SYNC_LOG_INTEGRATION`]).
    pub fn sync_log_integration(mut self, name: impl Into<String>) -> Self {
        self.sync_log_integration = Some(name.into());
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`SparkLayerError::Config`] naming the missing or invalid setting.
    pub fn build(self) -> Result<SparkLayerClient, SparkLayerError> {
        let site_id = self
            .site_id
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or(SparkLayerError::Config {
                key: "sparklayer.site_id",
                reason: "missing".into(),
            })?;
        let site_header = HeaderValue::from_str(&site_id).map_err(|_| SparkLayerError::Config {
            key: "sparklayer.site_id",
            reason: "must be printable ASCII".into(),
        })?;
        let client_id = non_blank(
            self.client_id,
            "sparklayer.client_id",
            "SPARKLAYER_CLIENT_ID",
        )?;
        let client_secret = non_blank(
            self.client_secret,
            "sparklayer.client_secret",
            "SPARKLAYER_CLIENT_SECRET",
        )?;
        let raw = self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let base_url = Url::parse(raw.trim()).map_err(|e| SparkLayerError::Config {
            key: "sparklayer.base_url",
            reason: e.to_string(),
        })?;
        if base_url.cannot_be_a_base() || !matches!(base_url.scheme(), "http" | "https") {
            return Err(SparkLayerError::Config {
                key: "sparklayer.base_url",
                reason: "must be an http(s) URL".into(),
            });
        }
        let http = self
            .options
            .build(USER_AGENT)
            .map_err(|e| SparkLayerError::Config {
                key: "sparklayer",
                reason: format!("HTTP client: {e}"),
            })?;
        Ok(SparkLayerClient::from_parts(crate::client::Parts {
            http,
            base_url,
            site_id,
            site_header,
            client_id,
            client_secret,
            retrier: Retrier::new(
                "SparkLayer",
                self.retry,
                Jitter::from_seed(self.jitter_seed),
            ),
            renew_before: self.renew_before,
            sync_log_integration: self
                .sync_log_integration
                .unwrap_or_else(|| DEFAULT_SYNC_LOG_INTEGRATION.to_owned()),
        }))
    }
}

fn non_blank(
    value: Option<Secret>,
    key: &'static str,
    env: &'static str,
) -> Result<Secret, SparkLayerError> {
    value
        .filter(|s| !s.is_blank())
        .ok_or(SparkLayerError::Config {
            key,
            reason: format!("missing: set it in the config file or the environment variable {env}"),
        })
}

impl SparkLayerClient {
    /// A builder with default options and retry policy.
    pub fn builder() -> SparkLayerClientBuilder {
        SparkLayerClientBuilder::default()
    }

    /// A client from the `[sparklayer]` section of the configuration (SPEC §6).
    ///
    /// # Errors
    /// [`SparkLayerError::Config`] when a credential is missing or the base URL is invalid.
    pub fn from_config(config: &SparkLayerConfig) -> Result<Self, SparkLayerError> {
        SparkLayerClientBuilder::from_config(config).build()
    }
}

impl SparkLayerClientBuilder {
    /// A builder with the `[sparklayer]` section's settings (SPEC §6), for a host that also
    /// sets e.g. [`ClientOptions`] (a replica's user agent, issue 16) before building.
    pub fn from_config(config: &SparkLayerConfig) -> Self {
        let mut builder = SparkLayerClient::builder()
            .site_id(config.site_id.clone())
            .base_url(config.base_url.as_str());
        if let Some(id) = &config.client_id {
            builder = builder.client_id(id.clone());
        }
        if let Some(secret) = &config.client_secret {
            builder = builder.client_secret(secret.clone());
        }
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SparkLayerConfig {
        SparkLayerConfig {
            site_id: "jones-climbing".into(),
            client_id: Some(Secret::new("id")),
            client_secret: Some(Secret::new("s3cr3t")),
            base_url: "https://test.app.sparklayer.io/".parse().unwrap(),
        }
    }

    #[test]
    fn from_config_builds_and_keeps_the_base_path() {
        let client = SparkLayerClient::from_config(&config()).unwrap();
        assert_eq!(client.base_url(), "https://test.app.sparklayer.io/");
        assert_eq!(client.site_id(), "jones-climbing");
        assert!(!format!("{client:?}").contains("s3cr3t"));
    }

    #[test]
    fn a_missing_secret_names_its_environment_variable() {
        let mut c = config();
        c.client_secret = Some(Secret::new("  "));
        let err = SparkLayerClient::from_config(&c).unwrap_err().to_string();
        assert!(err.contains("SPARKLAYER_CLIENT_SECRET"), "{err}");
        let mut c = config();
        c.client_id = None;
        let err = SparkLayerClient::from_config(&c).unwrap_err().to_string();
        assert!(err.contains("SPARKLAYER_CLIENT_ID"), "{err}");
    }

    #[test]
    fn bad_site_ids_and_urls_are_refused() {
        let mut c = config();
        c.site_id = " ".into();
        assert!(SparkLayerClient::from_config(&c).is_err());
        let mut c = config();
        c.base_url = "ftp://example.com".parse().unwrap();
        assert!(SparkLayerClient::from_config(&c).is_err());
        let c = config();
        let built = SparkLayerClient::builder()
            .site_id(c.site_id)
            .client_id(c.client_id.unwrap())
            .client_secret(c.client_secret.unwrap())
            .base_url("not a url")
            .build();
        assert!(built.is_err());
    }
}
