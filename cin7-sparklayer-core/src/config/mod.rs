//! The rules' configuration (SPEC §6 `[customers]`, `[pricing]`) and what every section of the
//! configuration shares: [`ConfigError`] and the value rules of [`values`].
//!
//! The adapters own their sections (`[cin7]` in `cin7-client`, `[shopify]` in `shopify-client`,
//! `[sparklayer]` in `sparklayer-client`, `[state]` in `cin7-sparklayer-state`) and the facade
//! `cin7-sparklayer` composes the file; the core reads no file and parses no TOML.

mod currencies;
mod customers;
mod pricing;
pub mod values;

pub use currencies::{Currencies, ExchangeRate};
pub use customers::{CurrencyMode, CustomersConfig, OnLeave};
pub use pricing::{PricingConfig, TierSelection, ZeroPrice};

/// A configuration problem a user can fix: one line that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file is not valid TOML (the message says where).
    #[error("{0}")]
    Parse(String),
    /// A key of the file was refused while it was read: unknown, of the wrong type, or a
    /// value that is not acceptable (e.g. `daemon.listen` that is no address).
    #[error("invalid {key}: {message}")]
    Rejected {
        /// The full key, e.g. `shopify.acess_token` or `daemon.listen`.
        key: String,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// A required value (usually a secret) is missing from both the file and the environment.
    #[error("missing {key}: set it in the config file or the environment variable {env}")]
    Missing {
        /// The config key, e.g. `cin7.application_key`.
        key: &'static str,
        /// The environment variable that can provide it.
        env: &'static str,
    },
    /// A value is present but not acceptable.
    #[error("invalid {key}: {reason}")]
    Invalid {
        /// The config key.
        key: &'static str,
        /// What is wrong and what is accepted.
        reason: String,
    },
}

impl ConfigError {
    /// A [`ConfigError::Invalid`] for `key`.
    pub fn invalid(key: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            key,
            reason: reason.into(),
        }
    }
}

/// A host's configuration that carries the rules' sections, `[customers]` and `[pricing]`:
/// what [`EngineSettings::from_config`](crate::engine::EngineSettings::from_config) reads.
pub trait RulesConfig {
    /// `[customers]` (C1–C14).
    fn customers(&self) -> &CustomersConfig;
    /// `[pricing]` (P1–P5).
    fn pricing(&self) -> &PricingConfig;
}

fn default_true() -> bool {
    true
}
