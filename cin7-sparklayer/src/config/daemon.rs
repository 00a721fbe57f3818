//! `[schedule]` and `[daemon]`: the daemon's sections of the configuration (SPEC §6, E4).
//! Plain settings, compiled without the daemon itself.

use std::net::SocketAddr;
use std::time::Duration;

use cin7_sparklayer_core::config::values::{self, secret_from_env};
use cin7_sparklayer_core::{ConfigError, Secret};
use serde::{Deserialize, Deserializer};
use url::Url;

const WEBHOOK_TOKEN_ENV: &str = "CIN7_WEBHOOK_TOKEN";

/// The shortest `schedule.interval` accepted.
pub const MIN_INTERVAL: Duration = Duration::from_secs(10);

/// The shortest `schedule.poll` accepted.
pub const MIN_POLL: Duration = Duration::from_secs(5);

/// The default `schedule.poll`: 30 s (E12).
pub const DEFAULT_POLL: Duration = Duration::from_secs(30);

/// `[schedule]`: the daemon's timing (E4, E12).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// `interval` between incremental runs, written like `6h` or `15m` (default `6h`, at
    /// least [`MIN_INTERVAL`]).
    #[serde(default = "default_interval", deserialize_with = "duration")]
    pub interval: Duration,
    /// `poll` (E12): how often the daemon asks Cin7 what changed (`ModifiedSince`) between
    /// runs, written like `30s` (default [`DEFAULT_POLL`], at least [`MIN_POLL`]); `"off"`
    /// (`None`) disables it. Each idle poll costs at most 2 Cin7 calls.
    #[serde(default = "default_poll", deserialize_with = "poll")]
    pub poll: Option<Duration>,
}

impl ScheduleConfig {
    /// Checks the section: `interval` is at least [`MIN_INTERVAL`]; `poll`, unless off, is at
    /// least [`MIN_POLL`].
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `schedule.interval` or `schedule.poll`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.interval < MIN_INTERVAL {
            return Err(ConfigError::invalid(
                "schedule.interval",
                "must be at least 10s",
            ));
        }
        match self.poll {
            Some(poll) if poll < MIN_POLL => Err(ConfigError::invalid(
                "schedule.poll",
                "must be at least 5s, or \"off\"",
            )),
            _ => Ok(()),
        }
    }
}

impl Default for ScheduleConfig {
    /// Six hours; a poll every 30 s.
    fn default() -> Self {
        Self {
            interval: default_interval(),
            poll: default_poll(),
        }
    }
}

/// `[daemon]`: the daemon's listener, webhook auth and public address.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonConfig {
    /// `listen`, default `127.0.0.1:8080`.
    #[serde(default = "default_listen", deserialize_with = "socket_addr")]
    pub listen: SocketAddr,
    /// `webhook_token` (env `CIN7_WEBHOOK_TOKEN`): bearer token Cin7 webhooks must carry.
    pub webhook_token: Option<Secret>,
    /// `public_url`: the daemon's address as Cin7 reaches it, e.g. `https://sync.example.com`
    /// (a reverse proxy in front of `listen`). When set, the daemon registers its webhooks in
    /// Cin7 (`Customer/Updated`, `Product/Updated` → `{public_url}/webhooks/cin7?event=…`)
    /// at start and every `schedule.interval`, turning back on any Cin7 deactivated.
    #[serde(default, deserialize_with = "values::optional_http_url")]
    pub public_url: Option<Url>,
}

impl DaemonConfig {
    /// The environment variables that may carry this section's secrets, and the key each
    /// one overrides.
    pub const SECRET_ENV_VARS: [(&'static str, &'static str); 1] =
        [(WEBHOOK_TOKEN_ENV, "daemon.webhook_token")];

    /// Overrides the webhook token with a non-blank environment value (the environment wins).
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        secret_from_env(&mut self.webhook_token, env, WEBHOOK_TOKEN_ENV);
    }

    /// Checks the section: `public_url` is a base address without query or fragment. The
    /// webhook token is checked by the daemon, which alone needs it.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `daemon.public_url`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.public_url
            && (url.query().is_some() || url.fragment().is_some())
        {
            return Err(ConfigError::invalid(
                "daemon.public_url",
                "give the base address only, e.g. \"https://sync.example.com\"",
            ));
        }
        Ok(())
    }
}

impl Default for DaemonConfig {
    /// `127.0.0.1:8080`, no token, no public address.
    fn default() -> Self {
        Self {
            listen: default_listen(),
            webhook_token: None,
            public_url: None,
        }
    }
}

fn default_interval() -> Duration {
    Duration::from_secs(6 * 3600)
}

fn default_poll() -> Option<Duration> {
    Some(DEFAULT_POLL)
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

/// A duration written like `15m`, `1h`, `6h` (humantime's syntax).
pub(crate) fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(text.trim())
        .map_err(|e| serde::de::Error::custom(format!("{e} (use e.g. \"15m\", \"1h\", \"6h\")")))
}

/// `"off"` (no poll) or a duration such as `30s`.
fn poll<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let text = text.trim();
    if text.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    humantime::parse_duration(text).map(Some).map_err(|e| {
        serde::de::Error::custom(format!("{e} (use e.g. \"30s\", \"1m\", or \"off\")"))
    })
}

/// An address and port such as `127.0.0.1:8080`.
pub(crate) fn socket_addr<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.trim().parse().map_err(|_| {
        serde::de::Error::custom("must be an address and port such as \"127.0.0.1:8080\"")
    })
}
