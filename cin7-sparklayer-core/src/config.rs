//! Configuration (SPEC §6): TOML, unknown keys rejected by name, defaults as documented,
//! secrets from the environment winning over the file.

use std::time::Duration;

use serde::Deserialize;

use crate::secret::Secret;

/// A configuration problem a user can fix: one line that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The TOML did not parse or named an unknown key (the message names it).
    #[error("{0}")]
    Parse(String),
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

/// `[cin7]`: Cin7 Core API access.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cin7Config {
    /// `account_id` (env `CIN7_ACCOUNT_ID`).
    pub account_id: Option<Secret>,
    /// `application_key` (env `CIN7_APPLICATION_KEY`).
    pub application_key: Option<Secret>,
    /// `base_url`, default `https://inventory.dearsystems.com/ExternalApi/v2/`.
    #[serde(default = "default_cin7_base_url")]
    pub base_url: String,
    /// `page_size`, default 1000 (1–1000).
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// `calls_per_minute`, default 60 (E7).
    #[serde(default = "default_calls_per_minute")]
    pub calls_per_minute: u32,
}

/// `[shopify]`: Shopify Admin API access.
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
    /// `api_version`, default [`DEFAULT_SHOPIFY_API_VERSION`].
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// `endpoint`: full GraphQL URL override (sandbox, proxies).
    pub endpoint: Option<String>,
}

/// The Shopify Admin API version used when the config names none.
pub const DEFAULT_SHOPIFY_API_VERSION: &str = "2026-10";

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
        match (token, id, secret) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(invalid(
                "shopify.client_id",
                "give either shopify.access_token or shopify.client_id with shopify.client_secret, not both",
            )),
            (Some(token), None, None) => Ok(ShopifyAuth::AccessToken(token)),
            (None, Some(client_id), Some(client_secret)) => Ok(ShopifyAuth::ClientCredentials {
                client_id,
                client_secret,
            }),
            (None, Some(_), None) => Err(ConfigError::Missing {
                key: "shopify.client_secret",
                env: "SHOPIFY_CLIENT_SECRET",
            }),
            (None, None, Some(_)) => Err(ConfigError::Missing {
                key: "shopify.client_id",
                env: "SHOPIFY_CLIENT_ID",
            }),
            (None, None, None) => Err(ConfigError::Missing {
                key: "shopify.access_token",
                env: "SHOPIFY_ACCESS_TOKEN",
            }),
        }
    }
}

/// `[sparklayer]`: SparkLayer API access.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SparkLayerConfig {
    /// `site_id`.
    pub site_id: String,
    /// `client_id` (env `SPARKLAYER_CLIENT_ID`).
    pub client_id: Option<Secret>,
    /// `client_secret` (env `SPARKLAYER_CLIENT_SECRET`).
    pub client_secret: Option<Secret>,
    /// `base_url`, default `https://app.sparklayer.io`.
    #[serde(default = "default_sparklayer_base_url")]
    pub base_url: String,
}

/// What happens to a synced customer that leaves scope (C14).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnLeave {
    /// Leave it as it is (the reference integration's behaviour).
    #[default]
    Keep,
    /// Remove the B2B tag and every metafield the sync set.
    Revoke,
}

/// Which customer currencies are synced (C12).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurrencyMode {
    /// Only customers in the base currency (default, as the reference integration).
    #[default]
    BaseOnly,
    /// Every currency; a customer's own price list is in its currency.
    All,
}

/// `[customers]`: the customers pass (C1–C14).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomersConfig {
    /// `include_tags`: a customer needs one of these tags (C1). Must not be empty.
    #[serde(default = "default_include_tags")]
    pub include_tags: Vec<String>,
    /// `tax_exempt_rules`: tax rule names that make a customer tax exempt (C6).
    #[serde(default = "default_tax_exempt_rules")]
    pub tax_exempt_rules: Vec<String>,
    /// `b2b_tag`: the tag every synced customer carries (C11), default `b2b`.
    #[serde(default = "default_b2b_tag")]
    pub b2b_tag: String,
    /// `send_invites`, default `true` (C13).
    #[serde(default = "default_true")]
    pub send_invites: bool,
    /// `on_leave`, default `keep` (C14).
    #[serde(default)]
    pub on_leave: OnLeave,
    /// `email_fallback`, default `false` (C2).
    #[serde(default)]
    pub email_fallback: bool,
    /// `currency`, default `base_only` (C12).
    #[serde(default)]
    pub currency: CurrencyMode,
}

/// Which tier lists are published (P1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierSelection {
    /// Only tiers some synced customer uses (default).
    #[default]
    Assigned,
    /// All ten tiers.
    All,
}

/// What a zero tier price means (P1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroPrice {
    /// "Not set": not published (default).
    #[default]
    Skip,
    /// Published as a free price.
    Publish,
}

/// `[pricing]`: the pricing pass (P1–P4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricingConfig {
    /// `enabled`, default `true`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// `prefix` of every list slug, default `cin7` (P1, P2).
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// `tiers`, default `assigned`.
    #[serde(default)]
    pub tiers: TierSelection,
    /// `zero_price`, default `skip`.
    #[serde(default)]
    pub zero_price: ZeroPrice,
    /// `batch_size`, default 500 (P3).
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
}

/// `[schedule]`: the daemon's timing (E4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// `interval` between incremental runs, e.g. `6h`, `15m` (default `6h`).
    #[serde(default = "default_interval")]
    pub interval: String,
}

impl ScheduleConfig {
    /// The interval as a duration.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] when the text is not a duration such as `15m` or `6h`.
    pub fn interval(&self) -> Result<Duration, ConfigError> {
        let d =
            humantime::parse_duration(self.interval.trim()).map_err(|e| ConfigError::Invalid {
                key: "schedule.interval",
                reason: format!("{e} (use e.g. \"15m\", \"1h\", \"6h\")"),
            })?;
        if d < Duration::from_secs(10) {
            return Err(ConfigError::Invalid {
                key: "schedule.interval",
                reason: "must be at least 10s".into(),
            });
        }
        Ok(d)
    }
}

/// `[daemon]`: the daemon's listener and webhook auth.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonConfig {
    /// `listen`, default `127.0.0.1:8080`.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// `webhook_token` (env `CIN7_WEBHOOK_TOKEN`): bearer token Cin7 webhooks must carry.
    pub webhook_token: Option<Secret>,
    /// `public_url`: the daemon's address as Cin7 reaches it, e.g. `https://sync.example.com`
    /// (a reverse proxy in front of `listen`). When set, the daemon registers its webhooks in
    /// Cin7 (`Customer/Updated`, `Product/Updated` → `{public_url}/webhooks/cin7?event=…`)
    /// at start and every `schedule.interval`, turning back on any Cin7 deactivated.
    pub public_url: Option<String>,
}

/// `[state]`: where the state lives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateConfig {
    /// `path` of the SQLite file, default `cin7-sparklayer.sqlite`.
    #[serde(default = "default_state_path")]
    pub path: String,
}

fn default_cin7_base_url() -> String {
    "https://inventory.dearsystems.com/ExternalApi/v2/".into()
}
fn default_page_size() -> u32 {
    1000
}
fn default_calls_per_minute() -> u32 {
    60
}
fn default_api_version() -> String {
    DEFAULT_SHOPIFY_API_VERSION.into()
}
fn default_sparklayer_base_url() -> String {
    "https://app.sparklayer.io".into()
}
fn default_include_tags() -> Vec<String> {
    vec!["b2b".into()]
}
fn default_tax_exempt_rules() -> Vec<String> {
    vec!["Tax Exempt".into()]
}
fn default_b2b_tag() -> String {
    "b2b".into()
}
fn default_true() -> bool {
    true
}
fn default_prefix() -> String {
    "cin7".into()
}
fn default_batch_size() -> usize {
    500
}
fn default_interval() -> String {
    "6h".into()
}
fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_state_path() -> String {
    "cin7-sparklayer.sqlite".into()
}

impl Default for CustomersConfig {
    fn default() -> Self {
        Self {
            include_tags: default_include_tags(),
            tax_exempt_rules: default_tax_exempt_rules(),
            b2b_tag: default_b2b_tag(),
            send_invites: true,
            on_leave: OnLeave::Keep,
            email_fallback: false,
            currency: CurrencyMode::BaseOnly,
        }
    }
}

impl Default for PricingConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            prefix: default_prefix(),
            tiers: TierSelection::Assigned,
            zero_price: ZeroPrice::Skip,
            batch_size: default_batch_size(),
        }
    }
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self {
            interval: default_interval(),
        }
    }
}

impl Default for DaemonConfig {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            webhook_token: None,
            public_url: None,
        }
    }
}

impl Default for StateConfig {
    fn default() -> Self {
        Self {
            path: default_state_path(),
        }
    }
}

/// The environment variables that may carry secrets, and the key each one overrides.
pub const SECRET_ENV_VARS: [(&str, &str); 8] = [
    ("CIN7_ACCOUNT_ID", "cin7.account_id"),
    ("CIN7_APPLICATION_KEY", "cin7.application_key"),
    ("SHOPIFY_ACCESS_TOKEN", "shopify.access_token"),
    ("SHOPIFY_CLIENT_ID", "shopify.client_id"),
    ("SHOPIFY_CLIENT_SECRET", "shopify.client_secret"),
    ("SPARKLAYER_CLIENT_ID", "sparklayer.client_id"),
    ("SPARKLAYER_CLIENT_SECRET", "sparklayer.client_secret"),
    ("CIN7_WEBHOOK_TOKEN", "daemon.webhook_token"),
];

impl Config {
    /// Parses TOML, applies `env` (a lookup such as `|k| std::env::var(k).ok()`) and validates.
    ///
    /// # Errors
    /// [`ConfigError`] naming the unknown key, the missing secret or the invalid value.
    pub fn from_toml_str(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| ConfigError::Parse(one_line(&e.to_string())))?;
        config.apply_env(env);
        config.validate()?;
        Ok(config)
    }

    /// Overrides secrets with non-empty environment values (the environment wins, SPEC §6).
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty()).map(Secret::new);
        if let Some(v) = get("CIN7_ACCOUNT_ID") {
            self.cin7.account_id = Some(v);
        }
        if let Some(v) = get("CIN7_APPLICATION_KEY") {
            self.cin7.application_key = Some(v);
        }
        if let Some(v) = get("SHOPIFY_ACCESS_TOKEN") {
            self.shopify.access_token = Some(v);
        }
        if let Some(v) = get("SHOPIFY_CLIENT_ID") {
            self.shopify.client_id = Some(v);
        }
        if let Some(v) = get("SHOPIFY_CLIENT_SECRET") {
            self.shopify.client_secret = Some(v);
        }
        if let Some(v) = get("SPARKLAYER_CLIENT_ID") {
            self.sparklayer.client_id = Some(v);
        }
        if let Some(v) = get("SPARKLAYER_CLIENT_SECRET") {
            self.sparklayer.client_secret = Some(v);
        }
        if let Some(v) = get("CIN7_WEBHOOK_TOKEN") {
            self.daemon.webhook_token = Some(v);
        }
    }

    /// Checks every rule a value must follow; the daemon's webhook token is checked by the daemon.
    ///
    /// # Errors
    /// The first problem found, as a [`ConfigError`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        require(&self.cin7.account_id, "cin7.account_id", "CIN7_ACCOUNT_ID")?;
        require(
            &self.cin7.application_key,
            "cin7.application_key",
            "CIN7_APPLICATION_KEY",
        )?;
        self.shopify.auth()?;
        if self.pricing.enabled {
            require(
                &self.sparklayer.client_id,
                "sparklayer.client_id",
                "SPARKLAYER_CLIENT_ID",
            )?;
            require(
                &self.sparklayer.client_secret,
                "sparklayer.client_secret",
                "SPARKLAYER_CLIENT_SECRET",
            )?;
        }
        check_url(&self.cin7.base_url, "cin7.base_url")?;
        check_url(&self.sparklayer.base_url, "sparklayer.base_url")?;
        if let Some(endpoint) = &self.shopify.endpoint {
            check_url(endpoint, "shopify.endpoint")?;
        } else if self.shopify.shop.trim().is_empty() || self.shopify.shop.contains('/') {
            return Err(invalid(
                "shopify.shop",
                "give the shop's domain, e.g. \"acme.myshopify.com\"",
            ));
        }
        check_shopify_api_version(&self.shopify.api_version)?;
        if !(1..=1000).contains(&self.cin7.page_size) {
            return Err(invalid("cin7.page_size", "must be between 1 and 1000"));
        }
        if !(1..=10_000).contains(&self.cin7.calls_per_minute) {
            return Err(invalid(
                "cin7.calls_per_minute",
                "must be between 1 and 10000 (Cin7 allows 60)",
            ));
        }
        if self.sparklayer.site_id.trim().is_empty() && self.pricing.enabled {
            return Err(invalid("sparklayer.site_id", "must not be empty"));
        }
        let c = &self.customers;
        if c.include_tags.iter().all(|t| t.trim().is_empty()) {
            return Err(invalid(
                "customers.include_tags",
                "must not be empty: name at least one Cin7 tag that marks a B2B customer",
            ));
        }
        if c.b2b_tag.trim().is_empty() || c.b2b_tag.contains(',') {
            return Err(invalid(
                "customers.b2b_tag",
                "must be one non-empty tag without commas",
            ));
        }
        let p = &self.pricing;
        if !(1..=1000).contains(&p.batch_size) {
            return Err(invalid("pricing.batch_size", "must be between 1 and 1000"));
        }
        crate::rules::validate_prefix(&p.prefix)
            .map_err(|reason| invalid("pricing.prefix", reason))?;
        self.schedule.interval()?;
        if self.daemon.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid(
                "daemon.listen",
                "must be an address and port such as \"127.0.0.1:8080\"",
            ));
        }
        if let Some(url) = &self.daemon.public_url {
            check_url(url, "daemon.public_url")?;
            if url.contains('?') || url.contains('#') {
                return Err(invalid(
                    "daemon.public_url",
                    "give the base address only, e.g. \"https://sync.example.com\"",
                ));
            }
        }
        if self.state.path.trim().is_empty() {
            return Err(invalid("state.path", "must not be empty"));
        }
        Ok(())
    }
}

fn require(
    value: &Option<Secret>,
    key: &'static str,
    env: &'static str,
) -> Result<(), ConfigError> {
    match value {
        Some(v) if !v.is_blank() => Ok(()),
        _ => Err(ConfigError::Missing { key, env }),
    }
}

fn invalid(key: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        reason: reason.into(),
    }
}

/// The oldest Shopify API version the sync works with: `customerSet` upserts (SPEC §7) are stable
/// from 2025-04, `customerByIdentifier` from 2025-01.
pub const MIN_SHOPIFY_API_VERSION: &str = "2025-04";

/// `shopify.api_version`: a stable quarterly version (`YYYY-01/04/07/10`) no older than
/// [`MIN_SHOPIFY_API_VERSION`], or `unstable`. Caught here, not as an opaque GraphQL error on
/// the first write.
fn check_shopify_api_version(version: &str) -> Result<(), ConfigError> {
    let v = version.trim();
    if v == "unstable" {
        return Ok(());
    }
    let quarterly = v.len() == 7
        && v.as_bytes()[4] == b'-'
        && v[..4].bytes().all(|b| b.is_ascii_digit())
        && matches!(&v[5..], "01" | "04" | "07" | "10");
    if !quarterly {
        return Err(invalid(
            "shopify.api_version",
            format!(
                "\"{}\" is not a Shopify API version: use a stable one like \"{DEFAULT_SHOPIFY_API_VERSION}\"",
                v.chars().take(40).collect::<String>()
            ),
        ));
    }
    // Same-width `YYYY-MM` strings compare in date order.
    if v < MIN_SHOPIFY_API_VERSION {
        return Err(invalid(
            "shopify.api_version",
            format!(
                "{v} is too old: the sync needs {MIN_SHOPIFY_API_VERSION} or later (customerSet upserts); use \"{DEFAULT_SHOPIFY_API_VERSION}\""
            ),
        ));
    }
    Ok(())
}

fn check_url(value: &str, key: &'static str) -> Result<(), ConfigError> {
    let v = value.trim();
    if v.starts_with("https://") || v.starts_with("http://") {
        Ok(())
    } else {
        Err(invalid(key, "must be an http(s) URL"))
    }
}

/// Collapses a multi-line parser message into one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.chars().all(|c| c == '|' || c == '^' || c == ' '))
        .filter(|l| !l.contains(" | "))
        .collect::<Vec<_>>()
        .join(" ")
}
