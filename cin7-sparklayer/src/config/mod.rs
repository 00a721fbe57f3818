//! The configuration file (SPEC §6), composed from the sections each part owns: `[cin7]`
//! ([`Cin7Config`], `cin7-client`), `[shopify]` ([`ShopifyConfig`], `shopify-client`),
//! `[sparklayer]` ([`SparkLayerConfig`], `sparklayer-client`), `[customers]` and `[pricing]`
//! (the core's rules), `[state]` ([`StateConfig`], `cin7-sparklayer-state`), `[schedule]` and
//! `[daemon]` ([`daemon`]). Unknown keys are refused by their full name, secrets from the
//! environment win over the file, and every value is checked before anything starts.

pub mod daemon;
pub mod operator;
pub mod secret_files;
pub mod tenant;

use cin7_client::Cin7Config;
use cin7_sparklayer_core::ConfigError;
use cin7_sparklayer_core::config::{CustomersConfig, PricingConfig, RulesConfig};
use cin7_sparklayer_state::StateConfig;
use serde::Deserialize;
use shopify_client::ShopifyConfig;
use sparklayer_client::SparkLayerConfig;

pub use daemon::{DaemonConfig, ScheduleConfig};
pub use operator::{OperatorConfig, ReplicasConfig};
pub use tenant::{TenantConfig, TenantIdError, validate_tenant_id};

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[cin7]`.
    pub cin7: Cin7Config,
    /// `[shopify]`.
    pub shopify: ShopifyConfig,
    /// `[sparklayer]`.
    pub sparklayer: SparkLayerConfig,
    /// `[customers]`.
    #[serde(default)]
    pub customers: CustomersConfig,
    /// `[pricing]`.
    #[serde(default)]
    pub pricing: PricingConfig,
    /// `[schedule]`.
    #[serde(default)]
    pub schedule: ScheduleConfig,
    /// `[daemon]`.
    #[serde(default)]
    pub daemon: DaemonConfig,
    /// `[state]`.
    #[serde(default)]
    pub state: StateConfig,
}

/// The environment variables that may carry secrets, and the key each one overrides: every
/// section's own list.
pub const SECRET_ENV_VARS: [(&str, &str); 8] = [
    Cin7Config::SECRET_ENV_VARS[0],
    Cin7Config::SECRET_ENV_VARS[1],
    ShopifyConfig::SECRET_ENV_VARS[0],
    ShopifyConfig::SECRET_ENV_VARS[1],
    ShopifyConfig::SECRET_ENV_VARS[2],
    SparkLayerConfig::SECRET_ENV_VARS[0],
    SparkLayerConfig::SECRET_ENV_VARS[1],
    DaemonConfig::SECRET_ENV_VARS[0],
];

/// The keys a `*_file` may give (issue 16): every secret of [`SECRET_ENV_VARS`] and `state.url`.
pub fn secret_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = SECRET_ENV_VARS.iter().map(|(_, key)| *key).collect();
    keys.push("state.url");
    keys
}

impl Config {
    /// Parses TOML, reads `*_file` secrets ([`secret_files`]), applies `env` (a lookup such as `|k| std::env::var(k).ok()`) and validates.
    ///
    /// # Errors
    /// [`ConfigError`] naming the unknown key, the missing secret or the invalid value.
    pub fn from_toml_str(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let text = secret_files::expand(text, &secret_keys())?;
        let document = toml::Deserializer::parse(&text)
            .map_err(|e| ConfigError::Parse(one_line(&e.to_string())))?;
        let mut config: Config = serde_path_to_error::deserialize(document).map_err(refused_key)?;
        config.apply_env(env);
        config.validate()?;
        Ok(config)
    }

    /// Overrides secrets with non-empty environment values (the environment wins, SPEC §6).
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        self.cin7.apply_env(&env);
        self.shopify.apply_env(&env);
        self.sparklayer.apply_env(&env);
        self.daemon.apply_env(&env);
    }

    /// Checks every rule a value must follow, section by section; SparkLayer's credentials
    /// only when pricing is on. The daemon's webhook token is checked by the daemon.
    ///
    /// # Errors
    /// The first problem found, as a [`ConfigError`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.cin7.validate()?;
        self.shopify.validate()?;
        if self.pricing.enabled {
            self.sparklayer.validate()?;
        }
        self.customers.validate()?;
        self.pricing.validate()?;
        self.schedule.validate()?;
        self.daemon.validate()?;
        self.state.validate()
    }
}

impl RulesConfig for Config {
    fn customers(&self) -> &CustomersConfig {
        &self.customers
    }

    fn pricing(&self) -> &PricingConfig {
        &self.pricing
    }
}

/// A value the sections refused while the file was read, named by its full key
/// (`shopify.acess_token`, `daemon.listen`); a document-level problem (a missing section)
/// keeps the parser's own line.
pub(crate) fn refused_key(error: serde_path_to_error::Error<toml::de::Error>) -> ConfigError {
    let key = error.path().to_string();
    let inner = error.into_inner();
    if key.is_empty() || key == "." {
        return ConfigError::Parse(one_line(&inner.to_string()));
    }
    ConfigError::Rejected {
        key,
        message: one_line(inner.message()),
    }
}

/// Collapses a multi-line parser message into one line, without the quoted source lines
/// (which may hold a secret).
pub(crate) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.chars().all(|c| c == '|' || c == '^' || c == ' '))
        .filter(|l| !l.contains(" | "))
        .collect::<Vec<_>>()
        .join(" ")
}
