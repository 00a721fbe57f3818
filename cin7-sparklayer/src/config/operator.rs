//! The operator's configuration for `daemon --tenants DIR` (issue 16): `[daemon]` (the
//! listener), `[state]` (where every tenant's state lives) and `[replicas]` (this replica's
//! identity, its leases and its cap on concurrent runs). The merchants' own sections live in
//! the tenant files ([`super::TenantConfig`]).

use std::time::Duration;

use cin7_sparklayer_core::ConfigError;
use cin7_sparklayer_state::StateConfig;
use serde::Deserialize;

use super::DaemonConfig;
use super::daemon::duration;

/// The environment variable that sets `replicas.id` (it wins over the file).
pub const REPLICA_ID_ENV: &str = "CIN7_SPARKLAYER_REPLICA_ID";

/// The shortest `replicas.lease_ttl` accepted.
pub const MIN_LEASE_TTL: Duration = Duration::from_secs(3);

/// The shortest `replicas.scan_every` accepted.
pub const MIN_SCAN_EVERY: Duration = Duration::from_millis(100);

/// The operator's file: `[daemon]`, `[state]`, `[replicas]`; any other section is refused.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorConfig {
    /// `[daemon]`: `listen` only (tenants carry their own webhook tokens).
    #[serde(default)]
    pub daemon: DaemonConfig,
    /// `[state]`: `url` (PostgreSQL, any number of replicas) or `path`, a directory holding
    /// one `<tenant>.sqlite` per tenant (one replica only).
    #[serde(default)]
    pub state: StateConfig,
    /// `[replicas]`.
    #[serde(default)]
    pub replicas: ReplicasConfig,
}

/// `[replicas]`: how this replica shares the tenants with the others (issue 16 item 3).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicasConfig {
    /// `id`: this replica's name in the leases (default `<hostname>-<pid>`; env
    /// [`REPLICA_ID_ENV`] wins).
    #[serde(default)]
    pub id: Option<String>,
    /// `lease_ttl` (default `30s`, at least [`MIN_LEASE_TTL`]): a replica that stops renewing
    /// loses its tenants after this; leases are renewed every third of it.
    #[serde(default = "default_lease_ttl", deserialize_with = "duration")]
    pub lease_ttl: Duration,
    /// `max_concurrent_runs` (default 4): sync runs going at once on this replica, all tenants.
    #[serde(default = "default_max_runs")]
    pub max_concurrent_runs: usize,
    /// `scan_every` (default `5s`): how often the tenants directory is read again.
    #[serde(default = "default_scan_every", deserialize_with = "duration")]
    pub scan_every: Duration,
}

impl Default for ReplicasConfig {
    /// Hostname-pid, 30 s leases, 4 runs at once, the directory read every 5 s.
    fn default() -> Self {
        Self {
            id: None,
            lease_ttl: default_lease_ttl(),
            max_concurrent_runs: default_max_runs(),
            scan_every: default_scan_every(),
        }
    }
}

impl ReplicasConfig {
    /// This replica's ID: `id`, else `<hostname>-<pid>`.
    pub fn replica_id(&self) -> String {
        self.id.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .or_else(|| std::env::var("HOSTNAME").ok())
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "replica".to_owned());
            format!("{host}-{}", std::process::id())
        })
    }

    /// Checks the section.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(id) = &self.id
            && (id.is_empty() || id.len() > 128 || !id.chars().all(|c| c.is_ascii_graphic()))
        {
            return Err(ConfigError::invalid(
                "replicas.id",
                "must be 1 to 128 printable ASCII characters without spaces",
            ));
        }
        if self.lease_ttl < MIN_LEASE_TTL {
            return Err(ConfigError::invalid(
                "replicas.lease_ttl",
                "must be at least 3s",
            ));
        }
        if self.max_concurrent_runs == 0 {
            return Err(ConfigError::invalid(
                "replicas.max_concurrent_runs",
                "must be at least 1",
            ));
        }
        if self.scan_every < MIN_SCAN_EVERY {
            return Err(ConfigError::invalid(
                "replicas.scan_every",
                "must be at least 100ms",
            ));
        }
        Ok(())
    }
}

impl OperatorConfig {
    /// Parses the operator's TOML (`*_file` secrets read, e.g. `state.url_file`), applies
    /// [`REPLICA_ID_ENV`] from `env`, and validates.
    ///
    /// # Errors
    /// [`ConfigError`] naming the key to fix.
    pub fn from_toml_str(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let text = super::secret_files::expand(text, &["state.url"])?;
        let document = toml::Deserializer::parse(&text)
            .map_err(|e| ConfigError::Parse(super::one_line(&e.to_string())))?;
        let mut config: Self =
            serde_path_to_error::deserialize(document).map_err(super::refused_key)?;
        if let Some(id) = env(REPLICA_ID_ENV).filter(|v| !v.trim().is_empty()) {
            config.replicas.id = Some(id.trim().to_owned());
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks every section; a webhook token or public URL here is refused (each tenant has
    /// its own, in its file).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.daemon.webhook_token.is_some() {
            return Err(ConfigError::invalid(
                "daemon.webhook_token",
                "not used with --tenants: each tenant file has its own [webhook] token",
            ));
        }
        if self.daemon.public_url.is_some() {
            return Err(ConfigError::invalid(
                "daemon.public_url",
                "not supported with --tenants yet: register each tenant's webhook (/webhooks/cin7/<tenant>) in Cin7",
            ));
        }
        self.state.validate()?;
        self.replicas.validate()
    }
}

fn default_lease_ttl() -> Duration {
    Duration::from_secs(30)
}

fn default_max_runs() -> usize {
    4
}

fn default_scan_every() -> Duration {
    Duration::from_secs(5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_env_and_refusals() {
        let config = OperatorConfig::from_toml_str("", |_| None).expect("empty is fine");
        assert_eq!(config.replicas.lease_ttl, Duration::from_secs(30));
        assert!(
            config
                .replicas
                .replica_id()
                .ends_with(&format!("-{}", std::process::id()))
        );
        let config = OperatorConfig::from_toml_str(
            "[replicas]\nid = \"a\"\nlease_ttl = \"9s\"\nmax_concurrent_runs = 2\n",
            |k| (k == REPLICA_ID_ENV).then(|| "from-env".to_owned()),
        )
        .expect("valid");
        assert_eq!(config.replicas.replica_id(), "from-env");
        assert_eq!(config.replicas.max_concurrent_runs, 2);
        for (text, line) in [
            ("[cin7]\naccount_id = \"x\"\n", "invalid cin7: "),
            (
                "[replicas]\nlease_ttl = \"1s\"\n",
                "invalid replicas.lease_ttl: ",
            ),
            (
                "[replicas]\nleas_ttl = \"10s\"\n",
                "invalid replicas.leas_ttl: ",
            ),
            (
                "[daemon]\nwebhook_token = \"t\"\n",
                "invalid daemon.webhook_token: ",
            ),
        ] {
            let err = OperatorConfig::from_toml_str(text, |_| None).expect_err(text);
            assert!(err.to_string().starts_with(line), "{text}: {err}");
        }
    }
}
