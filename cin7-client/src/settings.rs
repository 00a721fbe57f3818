//! `[cin7]`: the Cin7 Core section of the configuration (SPEC §6), owned by this client.

use cin7_sparklayer_core::config::values::{self, required_secret, secret_from_env};
use cin7_sparklayer_core::{ConfigError, Secret};
use serde::Deserialize;
use url::Url;

use crate::config::DEFAULT_BASE_URL;

const ACCOUNT_ID_ENV: &str = "CIN7_ACCOUNT_ID";
const APPLICATION_KEY_ENV: &str = "CIN7_APPLICATION_KEY";

/// `[cin7]`: Cin7 Core API access. Build the client with
/// [`Cin7Client::from_config`](crate::Cin7Client::from_config).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cin7Config {
    /// `account_id` (env `CIN7_ACCOUNT_ID`).
    pub account_id: Option<Secret>,
    /// `application_key` (env `CIN7_APPLICATION_KEY`).
    pub application_key: Option<Secret>,
    /// `base_url`, default [`DEFAULT_BASE_URL`].
    #[serde(default = "default_base_url", deserialize_with = "values::http_url")]
    pub base_url: Url,
    /// `page_size`, default 1000 (1–1000, E8).
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// `calls_per_minute`, default 60 (E7).
    #[serde(default = "default_calls_per_minute")]
    pub calls_per_minute: u32,
}

impl Cin7Config {
    /// The environment variables that may carry this section's secrets, and the key each
    /// one overrides.
    pub const SECRET_ENV_VARS: [(&'static str, &'static str); 2] = [
        (ACCOUNT_ID_ENV, "cin7.account_id"),
        (APPLICATION_KEY_ENV, "cin7.application_key"),
    ];

    /// Overrides the secrets with non-blank environment values (the environment wins, SPEC §6).
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        secret_from_env(&mut self.account_id, env, ACCOUNT_ID_ENV);
        secret_from_env(&mut self.application_key, env, APPLICATION_KEY_ENV);
    }

    /// Checks the section: both secrets given, `page_size` 1–1000 (E8), `calls_per_minute`
    /// 1–10000 (E7).
    ///
    /// # Errors
    /// The first problem, as a [`ConfigError`] naming the full key (e.g. `cin7.page_size`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        required_secret(&self.account_id, "cin7.account_id", ACCOUNT_ID_ENV)?;
        required_secret(
            &self.application_key,
            "cin7.application_key",
            APPLICATION_KEY_ENV,
        )?;
        if !(1..=1000).contains(&self.page_size) {
            return Err(ConfigError::invalid(
                "cin7.page_size",
                "must be between 1 and 1000",
            ));
        }
        if !(1..=10_000).contains(&self.calls_per_minute) {
            return Err(ConfigError::invalid(
                "cin7.calls_per_minute",
                "must be between 1 and 10000 (Cin7 allows 60)",
            ));
        }
        Ok(())
    }
}

impl Default for Cin7Config {
    /// No secrets, the documented defaults for the rest.
    fn default() -> Self {
        Self {
            account_id: None,
            application_key: None,
            base_url: default_base_url(),
            page_size: default_page_size(),
            calls_per_minute: default_calls_per_minute(),
        }
    }
}

fn default_base_url() -> Url {
    Url::parse(DEFAULT_BASE_URL).expect("the default base URL parses")
}
fn default_page_size() -> u32 {
    1000
}
fn default_calls_per_minute() -> u32 {
    60
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Cin7Config, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn defaults_and_validation_name_the_full_key() {
        let c = parse("account_id = \"a\"\napplication_key = \"k\"").unwrap();
        assert_eq!(c.base_url.as_str(), DEFAULT_BASE_URL);
        assert_eq!((c.page_size, c.calls_per_minute), (1000, 60));
        c.validate().unwrap();
        for (extra, key) in [
            ("page_size = 0", "cin7.page_size"),
            ("page_size = 1001", "cin7.page_size"),
            ("calls_per_minute = 0", "cin7.calls_per_minute"),
        ] {
            let c = parse(&format!(
                "account_id = \"a\"\napplication_key = \"k\"\n{extra}"
            ))
            .unwrap();
            let err = c.validate().unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("invalid {key}:")),
                "{extra}: {err}"
            );
        }
        let err = parse("account_id = \"a\"").unwrap().validate().unwrap_err();
        assert_eq!(
            err,
            ConfigError::Missing {
                key: "cin7.application_key",
                env: "CIN7_APPLICATION_KEY"
            }
        );
    }

    #[test]
    fn base_url_must_be_http_and_unknown_keys_are_refused() {
        let err = parse("base_url = \"ftp://x\"").unwrap_err();
        assert_eq!(err.message(), values::NOT_AN_HTTP_URL);
        let err = parse("page_sise = 10").unwrap_err();
        assert!(err.message().contains("page_sise"), "{err}");
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let mut c = parse("account_id = \"file\"").unwrap();
        c.apply_env(&|k| (k == "CIN7_ACCOUNT_ID").then(|| "env".to_owned()));
        assert_eq!(c.account_id.as_ref().map(Secret::expose), Some("env"));
        assert!(!format!("{c:?}").contains("env"));
    }
}
