//! Wiring: one configuration → the three clients, the state store and the engine.

use std::path::Path;
use std::sync::Arc;

use cin7_client::{Cin7Client, Cin7ClientBuilder};
use cin7_sparklayer_core::engine::{EngineSettings, Ports, SyncEngine};
use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_core::{PortError, Service};
use cin7_sparklayer_state::{SqliteStateStore, StateLocation};
use cin7_sparklayer_state_postgres::{DEFAULT_TENANT, PostgresStateStore};
use shopify_client::{ClientOptions, ShopifyClient, ShopifyClientBuilder};
use sparklayer_client::{SparkLayerClient, SparkLayerClientBuilder};

use crate::Config;

/// What a client builder returned: each client has its own error type.
type ClientError = Box<dyn std::error::Error + Send + Sync>;

/// A problem that stops a run before it starts (exit status 1, E3): one line saying what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {reason}")]
    ReadConfig {
        /// The path given.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// The configuration is invalid.
    #[error("config {path}: {source}")]
    Config {
        /// The path given.
        path: String,
        /// What is wrong.
        #[source]
        source: crate::ConfigError,
    },
    /// A client could not be built from the configuration.
    #[error("{} settings: {source}", service.key())]
    Client {
        /// [`Service::Cin7`], [`Service::Shopify`] or [`Service::SparkLayer`].
        service: Service,
        /// What is wrong, from the client's builder.
        #[source]
        source: ClientError,
    },
    /// The state store ([`Service::State`]) could not be opened.
    #[error("{source}")]
    State {
        /// What is wrong, naming the file.
        #[source]
        source: PortError,
    },
}

impl SetupError {
    /// The service whose setup failed, if the error belongs to one.
    pub fn service(&self) -> Option<Service> {
        match self {
            Self::Client { service, .. } => Some(*service),
            Self::State { .. } => Some(Service::State),
            Self::ReadConfig { .. } | Self::Config { .. } => None,
        }
    }

    fn client(service: Service, source: impl Into<ClientError>) -> Self {
        Self::Client {
            service,
            source: source.into(),
        }
    }
}

/// Reads and validates the TOML configuration at `path`; secrets from the environment win.
///
/// # Errors
/// [`SetupError::ReadConfig`] or [`SetupError::Config`], one line each.
pub fn load_config(path: &Path) -> Result<Config, SetupError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SetupError::ReadConfig {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    Config::from_toml_str(&text, |k| std::env::var(k).ok()).map_err(|source| SetupError::Config {
        path: shown,
        source,
    })
}

/// Builds the ports from a validated configuration: Cin7, Shopify and SparkLayer clients and
/// the state store (see [`state_from_config`]).
///
/// # Errors
/// [`SetupError`] naming the setting or the state file problem.
pub fn ports_from_config(config: &Config) -> Result<Ports, SetupError> {
    ports_with_cin7(config, cin7_client(config)?)
}

/// The Cin7 client for a validated configuration.
pub(crate) fn cin7_client(config: &Config) -> Result<Cin7Client, SetupError> {
    Cin7Client::from_config(&config.cin7).map_err(|e| SetupError::client(Service::Cin7, e))
}

/// [`ports_from_config`] around an existing Cin7 client, so a host that also calls Cin7 itself
/// (the daemon registering webhooks) shares its rate limiter (E7).
fn ports_with_cin7(config: &Config, cin7: Cin7Client) -> Result<Ports, SetupError> {
    let state = state_from_config(config)?;
    ports_with_state(config, cin7, state)
}

/// The ports around an existing Cin7 client and state store (a tenant's store, issue 16).
fn ports_with_state(
    config: &Config,
    cin7: Cin7Client,
    state: Arc<dyn StateStore>,
) -> Result<Ports, SetupError> {
    let shopify = ShopifyClient::from_config(&config.shopify)
        .map_err(|e| SetupError::client(Service::Shopify, e))?;
    let sparklayer = SparkLayerClient::from_config(&config.sparklayer)
        .map_err(|e| SetupError::client(Service::SparkLayer, e))?;
    Ok(assemble(cin7, shopify, sparklayer, state))
}

/// The state store `[state]` selects: the SQLite file at `state.path` (opened, checked and
/// migrated now), or the PostgreSQL database at `state.url` for the tenant [`DEFAULT_TENANT`]
/// (the URL is checked now; the server and its schema on the first state call, whose error
/// fails that run with one line).
///
/// # Errors
/// [`SetupError::State`] naming the file, or the URL's problem without its password.
pub fn state_from_config(config: &Config) -> Result<Arc<dyn StateStore>, SetupError> {
    let state_error = |source: PortError| SetupError::State { source };
    Ok(match config.state.location() {
        StateLocation::Postgres(url) => Arc::new(
            PostgresStateStore::connect_lazy(url, DEFAULT_TENANT)
                .map_err(|e| state_error(e.into()))?,
        ),
        StateLocation::Sqlite(_) => Arc::new(
            SqliteStateStore::from_config(&config.state).map_err(|e| state_error(e.into()))?,
        ),
    })
}

/// The engine for a validated configuration (see [`ports_from_config`]).
///
/// # Errors
/// As [`ports_from_config`].
pub fn engine_from_config(config: &Config) -> Result<SyncEngine, SetupError> {
    engine_with_cin7(config, cin7_client(config)?)
}

/// [`engine_from_config`] around an existing Cin7 client (see [`ports_with_cin7`]).
pub(crate) fn engine_with_cin7(
    config: &Config,
    cin7: Cin7Client,
) -> Result<SyncEngine, SetupError> {
    Ok(SyncEngine::new(
        ports_with_cin7(config, cin7)?,
        EngineSettings::from_config(config),
    ))
}

/// The `User-Agent` of a replica's requests (issue 16): the library's, with the replica's ID, so
/// the APIs' logs (and the sandbox fakes) tell which replica wrote what.
pub fn replica_user_agent(replica: &str) -> String {
    format!(
        "cin7-sparklayer/{} (replica {replica})",
        env!("CARGO_PKG_VERSION")
    )
}

/// [`engine_with_state`] whose three clients send [`replica_user_agent`] (issue 16).
///
/// # Errors
/// [`SetupError::Client`] naming the setting.
pub fn engine_for_replica(
    config: &Config,
    state: Arc<dyn StateStore>,
    replica: &str,
) -> Result<SyncEngine, SetupError> {
    let agent = Some(replica_user_agent(replica));
    let cin7 = Cin7ClientBuilder::from_config(&config.cin7)
        .options(ClientOptions {
            user_agent: agent.clone(),
            ..ClientOptions::default()
        })
        .build()
        .map_err(|e| SetupError::client(Service::Cin7, e))?;
    let shopify = ShopifyClientBuilder::from_config(&config.shopify)
        .and_then(|b| {
            b.options(ClientOptions {
                user_agent: agent.clone(),
                ..ClientOptions::default()
            })
            .build()
        })
        .map_err(|e| SetupError::client(Service::Shopify, e))?;
    let sparklayer = SparkLayerClientBuilder::from_config(&config.sparklayer)
        .options(ClientOptions {
            user_agent: agent,
            ..sparklayer_client::default_options()
        })
        .build()
        .map_err(|e| SetupError::client(Service::SparkLayer, e))?;
    Ok(SyncEngine::new(
        assemble(cin7, shopify, sparklayer, state),
        EngineSettings::from_config(config),
    ))
}

/// The ports over built clients and a state store.
fn assemble(
    cin7: Cin7Client,
    shopify: ShopifyClient,
    sparklayer: SparkLayerClient,
    state: Arc<dyn StateStore>,
) -> Ports {
    let cin7 = Arc::new(cin7);
    let sparklayer = Arc::new(sparklayer);
    Ports {
        customers: cin7.clone(),
        products: cin7,
        shopify: Arc::new(shopify),
        price_lists: sparklayer.clone(),
        groups: sparklayer,
        state,
    }
}

/// The engine for a validated configuration over the given state store: a tenant's own
/// clients (its Cin7 limiter, Shopify bucket and SparkLayer token) and its own state (issue 16).
///
/// # Errors
/// [`SetupError::Client`] naming the setting.
pub fn engine_with_state(
    config: &Config,
    state: Arc<dyn StateStore>,
) -> Result<SyncEngine, SetupError> {
    Ok(SyncEngine::new(
        ports_with_state(config, cin7_client(config)?, state)?,
        EngineSettings::from_config(config),
    ))
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    const BASE: &str = r#"
[cin7]
account_id = "acc"
application_key = "key"
[shopify]
shop = "acme.myshopify.com"
access_token = "shpat_x"
[sparklayer]
site_id = "acme"
client_id = "cid"
client_secret = "csecret"
"#;

    fn setup_error(from: &str, to: &str, state: &Path) -> SetupError {
        let text = format!(
            "{}\n[state]\npath = {:?}\n",
            BASE.replace(from, to),
            state.display().to_string()
        );
        let config = Config::from_toml_str(&text, |_| None).expect("config");
        ports_from_config(&config).expect_err("setup fails")
    }

    #[test]
    fn setup_errors_name_their_service_in_the_same_lines() {
        let dir = std::env::temp_dir().join(format!("setup-errors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let state = dir.join("state.sqlite");
        let cases = [
            (
                "application_key = \"key\"",
                "application_key = \"k\\u0001ey\"",
                Service::Cin7,
                "cin7 settings: Cin7 application key contains characters not allowed in an HTTP header",
            ),
            (
                "access_token = \"shpat_x\"",
                "access_token = \"shpat\\u0001x\"",
                Service::Shopify,
                "shopify settings: invalid shopify.access_token: contains characters not allowed in an HTTP header",
            ),
            (
                "site_id = \"acme\"",
                "site_id = \"ac\\u0001me\"",
                Service::SparkLayer,
                "sparklayer settings: invalid SparkLayer configuration: sparklayer.site_id: must be printable ASCII",
            ),
        ];
        for (from, to, service, line) in cases {
            let err = setup_error(from, to, &state);
            assert_eq!(err.service(), Some(service), "{err}");
            assert_eq!(err.to_string(), line);
            assert!(err.source().is_some(), "{err:?} keeps its source");
        }
        let not_ours = dir.join("not-ours.sqlite");
        std::fs::write(&not_ours, b"definitely not SQLite, just some bytes").expect("write");
        let err = setup_error("", "", &not_ours);
        assert_eq!(err.service(), Some(Service::State));
        assert!(matches!(&err, SetupError::State { source } if source.service() == Service::State));
        assert!(err.to_string().contains("not-ours.sqlite"), "{err}");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    fn with_state(state: &str) -> Config {
        Config::from_toml_str(&format!("{BASE}\n[state]\n{state}\n"), |_| None).expect("config")
    }

    #[test]
    fn a_bad_state_url_fails_setup_in_one_line_without_its_password() {
        let config = with_state("url = \"postgres://sync:s3cret-pw@/state\"");
        let err = ports_from_config(&config).expect_err("no host");
        assert_eq!(err.service(), Some(Service::State));
        assert_eq!(
            err.to_string(),
            "state store: invalid state.url: it names no host \
             (postgres://user:password@host:port/database)"
        );
        assert!(!format!("{err:?}").contains("s3cret-pw"));
    }

    #[tokio::test]
    async fn a_state_url_selects_postgres_checked_on_first_use() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let config = with_state(&format!(
            "url = \"postgres://sync:s3cret-pw@127.0.0.1:{port}/state\""
        ));
        let ports = ports_from_config(&config).expect("the URL is fine");
        let debug = format!("{:?}", ports.state);
        assert!(
            debug.contains("PostgresStateStore") && !debug.contains("s3cret-pw"),
            "{debug}"
        );
        let err = ports
            .state
            .customer_links()
            .await
            .expect_err("nothing listens");
        let line = err.to_string();
        assert!(
            line.contains(&format!(
                "cannot connect to PostgreSQL at postgres://sync@127.0.0.1:{port}/state"
            )) && line.contains("tenant default")
                && !line.contains("s3cret-pw"),
            "{line}"
        );
        // The SQLite default is unchanged.
        let dir = std::env::temp_dir().join(format!("setup-sqlite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("state.sqlite");
        let config = with_state(&format!("path = {:?}", path.display().to_string()));
        let ports = ports_from_config(&config).expect("sqlite");
        assert!(format!("{:?}", ports.state).contains("SqliteStateStore"));
        assert!(path.exists());
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
