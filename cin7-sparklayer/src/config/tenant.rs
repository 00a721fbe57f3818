//! A tenant's file for `daemon --tenants DIR` (issue 16): one merchant per `DIR/<tenant>.toml`,
//! the file stem its ID. It holds the merchant's SPEC §6 sections (`[cin7]`, `[shopify]`,
//! `[sparklayer]`, `[customers]`, `[pricing]`, `[schedule]`) and `[webhook] token`, the bearer
//! token of `POST /webhooks/cin7/<tenant>`. Secrets are values or `*_file` paths; the global
//! environment variables (`CIN7_APPLICATION_KEY`, …) are not applied, as they would give every
//! tenant the same credentials. `[daemon]` and `[state]` come from the operator's file.

use cin7_client::Cin7Config;
use cin7_sparklayer_core::config::{CustomersConfig, PricingConfig};
use cin7_sparklayer_core::{ConfigError, Secret};
use serde::Deserialize;
use shopify_client::ShopifyConfig;
use sparklayer_client::SparkLayerConfig;

use super::{Config, DaemonConfig, OperatorConfig, SECRET_ENV_VARS, ScheduleConfig};

/// The longest tenant ID.
pub const MAX_TENANT_ID_LEN: usize = 64;

/// A file stem that is no valid tenant ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{stem:?} is not a tenant ID: use 1 to 64 of a-z, 0-9, '_' and '-' (rename the file)")]
pub struct TenantIdError {
    /// The stem, shortened.
    pub stem: String,
}

/// Checks a tenant ID: `[a-z0-9_-]{1,64}` (issue 16).
///
/// # Errors
/// [`TenantIdError`] with the stem.
pub fn validate_tenant_id(stem: &str) -> Result<(), TenantIdError> {
    let ok = (1..=MAX_TENANT_ID_LEN).contains(&stem.len())
        && stem
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(TenantIdError {
            stem: stem.chars().take(80).collect(),
        })
    }
}

/// `[webhook]` of a tenant file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookSection {
    /// `token` (or `token_file`).
    token: Option<Secret>,
}

/// A tenant file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantFile {
    cin7: Cin7Config,
    shopify: ShopifyConfig,
    sparklayer: SparkLayerConfig,
    #[serde(default)]
    customers: CustomersConfig,
    #[serde(default)]
    pricing: PricingConfig,
    #[serde(default)]
    schedule: ScheduleConfig,
    webhook: Option<WebhookSection>,
}

/// One tenant's configuration, composed into a whole [`Config`] with the operator's `[daemon]`
/// and `[state]`, so every tenant is built by the same code as a single merchant.
#[derive(Debug, Clone)]
pub struct TenantConfig {
    /// The merchant's sections, the operator's `[daemon] listen` and `[state]`, and the
    /// tenant's webhook token as `daemon.webhook_token`.
    pub config: Config,
}

impl TenantConfig {
    /// The keys a tenant file may give as `*_file`.
    pub fn secret_keys() -> Vec<&'static str> {
        let mut keys: Vec<&'static str> = SECRET_ENV_VARS
            .iter()
            .map(|(_, key)| *key)
            .filter(|key| !key.starts_with("daemon."))
            .collect();
        keys.push("webhook.token");
        keys
    }

    /// Parses and validates a tenant file against the operator's configuration.
    ///
    /// # Errors
    /// [`ConfigError`] naming the key to fix (`webhook.token` when there is none).
    pub fn from_toml_str(text: &str, operator: &OperatorConfig) -> Result<Self, ConfigError> {
        let text = super::secret_files::expand(text, &Self::secret_keys())?;
        let document = toml::Deserializer::parse(&text)
            .map_err(|e| ConfigError::Parse(super::one_line(&e.to_string())))?;
        let file: TenantFile =
            serde_path_to_error::deserialize(document).map_err(super::refused_key)?;
        let token = file
            .webhook
            .and_then(|w| w.token)
            .filter(|t| !t.is_blank())
            .ok_or_else(|| {
                ConfigError::invalid(
                    "webhook.token",
                    "is missing: set [webhook] token or token_file (the bearer token of POST /webhooks/cin7/<tenant>)",
                )
            })?;
        let config = Config {
            cin7: file.cin7,
            shopify: file.shopify,
            sparklayer: file.sparklayer,
            customers: file.customers,
            pricing: file.pricing,
            schedule: file.schedule,
            daemon: DaemonConfig {
                webhook_token: Some(token),
                ..operator.daemon.clone()
            },
            state: operator.state.clone(),
        };
        config.validate()?;
        Ok(Self { config })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids() {
        for ok in ["acme", "a", "shop_2-eu", &"x".repeat(64)] {
            assert_eq!(validate_tenant_id(ok), Ok(()), "{ok}");
        }
        for bad in ["", "Acme", "a.b", "a b", "ü", &"x".repeat(65)] {
            assert!(validate_tenant_id(bad).is_err(), "{bad}");
        }
    }
}
