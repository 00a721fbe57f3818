//! `[sparklayer]`: the SparkLayer section of the configuration (SPEC §6), owned by this client.

use cin7_sparklayer_core::config::values::{self, required_secret, secret_from_env};
use cin7_sparklayer_core::{ConfigError, Secret};
use serde::Deserialize;
use url::Url;

use crate::builder::DEFAULT_BASE_URL;

const CLIENT_ID_ENV: &str = "SPARKLAYER_CLIENT_ID";
const CLIENT_SECRET_ENV: &str = "SPARKLAYER_CLIENT_SECRET";

/// `[sparklayer]`: SparkLayer API access. Build the client with
/// [`SparkLayerClient::from_config`](crate::SparkLayerClient::from_config).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SparkLayerConfig {
    /// `site_id`, sent as the `Site-Id` header.
    pub site_id: String,
    /// `client_id` (env `SPARKLAYER_CLIENT_ID`).
    pub client_id: Option<Secret>,
    /// `client_secret` (env `SPARKLAYER_CLIENT_SECRET`).
    pub client_secret: Option<Secret>,
    /// `base_url`, default [`DEFAULT_BASE_URL`].
    #[serde(default = "default_base_url", deserialize_with = "values::http_url")]
    pub base_url: Url,
}

impl SparkLayerConfig {
    /// The environment variables that may carry this section's secrets, and the key each
    /// one overrides.
    pub const SECRET_ENV_VARS: [(&'static str, &'static str); 2] = [
        (CLIENT_ID_ENV, "sparklayer.client_id"),
        (CLIENT_SECRET_ENV, "sparklayer.client_secret"),
    ];

    /// A section for `site_id` with the default base URL and no credentials.
    pub fn new(site_id: impl Into<String>) -> Self {
        Self {
            site_id: site_id.into(),
            client_id: None,
            client_secret: None,
            base_url: default_base_url(),
        }
    }

    /// Overrides the secrets with non-blank environment values (the environment wins, SPEC §6).
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        secret_from_env(&mut self.client_id, env, CLIENT_ID_ENV);
        secret_from_env(&mut self.client_secret, env, CLIENT_SECRET_ENV);
    }

    /// Checks what the pricing pass (P1–P4) needs: both credentials and a site ID. A host
    /// that turns pricing off need not call it.
    ///
    /// # Errors
    /// The first problem, as a [`ConfigError`] naming the full key (e.g. `sparklayer.site_id`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        required_secret(&self.client_id, "sparklayer.client_id", CLIENT_ID_ENV)?;
        required_secret(
            &self.client_secret,
            "sparklayer.client_secret",
            CLIENT_SECRET_ENV,
        )?;
        if self.site_id.trim().is_empty() {
            return Err(ConfigError::invalid(
                "sparklayer.site_id",
                "must not be empty",
            ));
        }
        Ok(())
    }
}

fn default_base_url() -> Url {
    Url::parse(DEFAULT_BASE_URL).expect("the default base URL parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SparkLayerConfig, String> {
        serde_json::from_value::<SparkLayerConfig>(serde_json::from_str(text).unwrap())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_validation_and_environment() {
        let mut c = parse(r#"{"site_id": "acme", "client_id": "id"}"#).unwrap();
        assert_eq!(c.base_url.as_str(), "https://app.sparklayer.io/");
        assert_eq!(
            c.validate().unwrap_err(),
            ConfigError::Missing {
                key: "sparklayer.client_secret",
                env: "SPARKLAYER_CLIENT_SECRET"
            }
        );
        c.apply_env(&|k| (k == "SPARKLAYER_CLIENT_SECRET").then(|| "s3cr3t".to_owned()));
        c.validate().unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t"));
        c.site_id = " ".into();
        let err = c.validate().unwrap_err().to_string();
        assert!(err.starts_with("invalid sparklayer.site_id:"), "{err}");
    }

    #[test]
    fn base_url_must_be_http_and_unknown_keys_are_refused() {
        let err = parse(r#"{"site_id": "a", "base_url": "ftp://x"}"#).unwrap_err();
        assert!(err.contains(values::NOT_AN_HTTP_URL), "{err}");
        let err = parse(r#"{"site_id": "a", "clientid": "x"}"#).unwrap_err();
        assert!(err.contains("clientid"), "{err}");
    }
}
