//! `[shopify]`: the Shopify section of the configuration (SPEC §6), owned by this client.

use cin7_sparklayer_core::config::values::{self, secret_from_env};
use cin7_sparklayer_core::{ConfigError, Secret};
use serde::Deserialize;
use url::Url;

const ACCESS_TOKEN_ENV: &str = "SHOPIFY_ACCESS_TOKEN";
const CLIENT_ID_ENV: &str = "SHOPIFY_CLIENT_ID";
const CLIENT_SECRET_ENV: &str = "SHOPIFY_CLIENT_SECRET";

/// The Shopify Admin API version used when the config names none.
pub const DEFAULT_SHOPIFY_API_VERSION: &str = "2026-10";

/// The oldest Shopify API version the sync works with: `customerSet` upserts (SPEC §7) are stable
/// from 2025-04, `customerByIdentifier` from 2025-01.
pub const MIN_SHOPIFY_API_VERSION: &str = "2025-04";

/// `[shopify]`: Shopify Admin API access. Build the client with
/// [`ShopifyClient::from_config`](crate::ShopifyClient::from_config).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopifyConfig {
    /// `shop`, e.g. `acme.myshopify.com`.
    pub shop: String,
    /// `access_token` (env `SHOPIFY_ACCESS_TOKEN`): a legacy custom app's or an offline token,
    /// used as it is. Give either this or `client_id` + `client_secret`.
    pub access_token: Option<Secret>,
    /// `client_id` (env `SHOPIFY_CLIENT_ID`) of a Dev Dashboard app installed on the merchant's
    /// own store: the client asks for tokens with the client credentials grant and renews them
    /// before they expire (they last about 24 hours; reference `shopify-admin-api.md` §1.2).
    pub client_id: Option<Secret>,
    /// `client_secret` (env `SHOPIFY_CLIENT_SECRET`), with `client_id`.
    pub client_secret: Option<Secret>,
    /// `api_version`, default [`DEFAULT_SHOPIFY_API_VERSION`]; see [`check_api_version`].
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// `endpoint`: full GraphQL URL override (sandbox, proxies).
    #[serde(default, deserialize_with = "values::optional_http_url")]
    pub endpoint: Option<Url>,
}

/// How the sync authenticates to Shopify, from `[shopify]`.
#[derive(Debug, Clone)]
pub enum ShopifyAuth {
    /// A token used as it is (`access_token`).
    AccessToken(Secret),
    /// The client credentials grant of a Dev Dashboard app (`client_id` + `client_secret`).
    ClientCredentials {
        /// The app's client ID.
        client_id: Secret,
        /// The app's client secret.
        client_secret: Secret,
    },
}

impl ShopifyConfig {
    /// The environment variables that may carry this section's secrets, and the key each
    /// one overrides.
    pub const SECRET_ENV_VARS: [(&'static str, &'static str); 3] = [
        (ACCESS_TOKEN_ENV, "shopify.access_token"),
        (CLIENT_ID_ENV, "shopify.client_id"),
        (CLIENT_SECRET_ENV, "shopify.client_secret"),
    ];

    /// A section for `shop` with the default API version and no credentials.
    pub fn new(shop: impl Into<String>) -> Self {
        Self {
            shop: shop.into(),
            access_token: None,
            client_id: None,
            client_secret: None,
            api_version: default_api_version(),
            endpoint: None,
        }
    }

    /// Overrides the secrets with non-blank environment values (the environment wins, SPEC §6).
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        secret_from_env(&mut self.access_token, env, ACCESS_TOKEN_ENV);
        secret_from_env(&mut self.client_id, env, CLIENT_ID_ENV);
        secret_from_env(&mut self.client_secret, env, CLIENT_SECRET_ENV);
    }

    /// The way to authenticate: an access token, or client credentials; never both.
    ///
    /// # Errors
    /// [`ConfigError::Missing`] when neither is given (or only half of the client
    /// credentials), [`ConfigError::Invalid`] when both are.
    pub fn auth(&self) -> Result<ShopifyAuth, ConfigError> {
        let given = |v: &Option<Secret>| v.clone().filter(|s| !s.is_blank());
        let token = given(&self.access_token);
        let id = given(&self.client_id);
        let secret = given(&self.client_secret);
        let missing = |key, env| Err(ConfigError::Missing { key, env });
        match (token, id, secret) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ConfigError::invalid(
                "shopify.client_id",
                "give either shopify.access_token or shopify.client_id with shopify.client_secret, not both",
            )),
            (Some(token), None, None) => Ok(ShopifyAuth::AccessToken(token)),
            (None, Some(client_id), Some(client_secret)) => Ok(ShopifyAuth::ClientCredentials {
                client_id,
                client_secret,
            }),
            (None, Some(_), None) => missing("shopify.client_secret", CLIENT_SECRET_ENV),
            (None, None, Some(_)) => missing("shopify.client_id", CLIENT_ID_ENV),
            (None, None, None) => missing("shopify.access_token", ACCESS_TOKEN_ENV),
        }
    }

    /// Checks the section: one way to authenticate ([`Self::auth`]), a shop domain unless an
    /// `endpoint` is given, and a supported `api_version` ([`check_api_version`]).
    ///
    /// # Errors
    /// The first problem, as a [`ConfigError`] naming the full key (e.g. `shopify.shop`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.auth()?;
        if self.endpoint.is_none() && (self.shop.trim().is_empty() || self.shop.contains('/')) {
            return Err(ConfigError::invalid(
                "shopify.shop",
                "give the shop's domain, e.g. \"acme.myshopify.com\"",
            ));
        }
        check_api_version(&self.api_version)
    }
}

/// `shopify.api_version`: a stable quarterly version (`YYYY-01/04/07/10`) no older than
/// [`MIN_SHOPIFY_API_VERSION`], or `unstable`. Caught here, not as an opaque GraphQL error on
/// the first write.
///
/// # Errors
/// [`ConfigError::Invalid`] naming `shopify.api_version` and a version to use.
pub fn check_api_version(version: &str) -> Result<(), ConfigError> {
    let v = version.trim();
    if v == "unstable" {
        return Ok(());
    }
    let quarterly = v.len() == 7
        && v.as_bytes()[4] == b'-'
        && v[..4].bytes().all(|b| b.is_ascii_digit())
        && matches!(&v[5..], "01" | "04" | "07" | "10");
    if !quarterly {
        return Err(ConfigError::invalid(
            "shopify.api_version",
            format!(
                "\"{}\" is not a Shopify API version: use a stable one like \"{DEFAULT_SHOPIFY_API_VERSION}\"",
                v.chars().take(40).collect::<String>()
            ),
        ));
    }
    // Same-width `YYYY-MM` strings compare in date order.
    if v < MIN_SHOPIFY_API_VERSION {
        return Err(ConfigError::invalid(
            "shopify.api_version",
            format!(
                "{v} is too old: the sync needs {MIN_SHOPIFY_API_VERSION} or later (customerSet upserts); use \"{DEFAULT_SHOPIFY_API_VERSION}\""
            ),
        ));
    }
    Ok(())
}

fn default_api_version() -> String {
    DEFAULT_SHOPIFY_API_VERSION.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_are_stable_quarters_from_2025_04_or_unstable() {
        for ok in [
            "2025-04",
            "2025-10",
            "2026-10",
            "2027-01",
            "unstable",
            " 2026-07 ",
        ] {
            assert!(check_api_version(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("2024-10", "too old"),
            ("2025-01", "too old"),
            ("2026-11", "not a Shopify API version"),
            ("2026-1x", "not a Shopify API version"),
            ("latest", "not a Shopify API version"),
            ("", "not a Shopify API version"),
        ] {
            let err = check_api_version(bad).unwrap_err().to_string();
            assert!(
                err.starts_with("invalid shopify.api_version:") && err.contains(says),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn the_shop_is_needed_unless_an_endpoint_is_given() {
        let mut c = ShopifyConfig::new("acme.myshopify.com/admin");
        c.access_token = Some(Secret::new("shpat_x"));
        let err = c.validate().unwrap_err().to_string();
        assert!(err.starts_with("invalid shopify.shop:"), "{err}");
        c.endpoint = Some("http://127.0.0.1:9/graphql".parse().unwrap());
        c.validate().unwrap();
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let mut c = ShopifyConfig::new("acme");
        c.access_token = Some(Secret::new("file"));
        c.apply_env(&|k| (k == ACCESS_TOKEN_ENV).then(|| "env".to_owned()));
        assert!(matches!(c.auth(), Ok(ShopifyAuth::AccessToken(t)) if t.expose() == "env"));
    }
}
