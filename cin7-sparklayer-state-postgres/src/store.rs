//! [`PostgresStateStore`]: the connection pool, the tenant, and the one-time schema check.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use cin7_sparklayer_core::{PortError, Secret};
use deadpool_postgres::{Client, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};
use tokio::sync::OnceCell;

use crate::error::{OpError, PgOpenError};
use crate::{schema, tls, url};

/// The longest tenant ID.
pub const MAX_TENANT_LEN: usize = 128;

/// The tenant ID of a single-merchant configuration (`state.url` in one config file).
pub const DEFAULT_TENANT: &str = "default";

/// Options for [`PostgresStateStore::connect_with`]. `Default`: 8 connections, 10 s to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostgresOptions {
    /// The most connections the store (and every store made from it with
    /// [`PostgresStateStore::for_tenant`]) holds open at once.
    pub max_connections: usize,
    /// How long opening one connection may take, when the URL sets no `connect_timeout`.
    pub connect_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

impl PostgresOptions {
    /// Sets [`PostgresOptions::max_connections`] (at least 1).
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Sets [`PostgresOptions::connect_timeout`].
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
}

/// The sync's state for one tenant in a PostgreSQL database, implementing
/// [`StateStore`](cin7_sparklayer_core::ports::StateStore) (E2, E4, E5).
///
/// Every row the store reads or writes carries its tenant, so tenants sharing a database never
/// see each other's links, lists or cursor. Cloning is cheap and shares the pool; so does
/// [`PostgresStateStore::for_tenant`]. Any number of stores (in one process or in replicas on
/// other machines) may use one database at once: each save is one atomic upsert or one
/// transaction.
#[derive(Clone)]
pub struct PostgresStateStore {
    pool: Pool,
    tenant: Arc<str>,
    /// `postgres://user@host:port/database`: for messages, never with the password.
    target: Arc<str>,
    /// Set once the schema was checked and migrated (shared by every tenant of the pool).
    ready: Arc<OnceCell<()>>,
}

impl fmt::Debug for PostgresStateStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStateStore")
            .field("database", &self.target)
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

impl PostgresStateStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`,
    /// `state.url`) for `tenant`, and checks and migrates the schema before returning, with
    /// [`PostgresOptions::default`].
    ///
    /// # Errors
    /// [`PgOpenError`]: a bad URL or tenant ID, an unreachable server, refused credentials, a
    /// schema that belongs to another application or to a newer release. One line each, never
    /// with the password.
    pub async fn connect(url: &Secret, tenant: &str) -> Result<Self, PgOpenError> {
        Self::connect_with(url, tenant, PostgresOptions::default()).await
    }

    /// [`PostgresStateStore::connect`] with options.
    ///
    /// # Errors
    /// As [`PostgresStateStore::connect`].
    pub async fn connect_with(
        url: &Secret,
        tenant: &str,
        options: PostgresOptions,
    ) -> Result<Self, PgOpenError> {
        let store = Self::connect_lazy_with(url, tenant, options)?;
        store.ensure_ready().await?;
        Ok(store)
    }

    /// A store that connects on first use: the URL and the tenant ID are checked now, the
    /// server and the schema by the first call (whose error, if any, is the run's
    /// [`PortError::State`]; the next call tries again). For hosts that build their ports
    /// without an async runtime at hand.
    ///
    /// # Errors
    /// [`PgOpenError::BadUrl`], [`PgOpenError::BadTenant`] or [`PgOpenError::Tls`].
    pub fn connect_lazy(url: &Secret, tenant: &str) -> Result<Self, PgOpenError> {
        Self::connect_lazy_with(url, tenant, PostgresOptions::default())
    }

    /// [`PostgresStateStore::connect_lazy`] with options.
    ///
    /// # Errors
    /// As [`PostgresStateStore::connect_lazy`].
    pub fn connect_lazy_with(
        url: &Secret,
        tenant: &str,
        options: PostgresOptions,
    ) -> Result<Self, PgOpenError> {
        let tenant = check_tenant(tenant)?;
        let target = url::parse(url.expose(), options.connect_timeout)?;
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = if url::wants_tls(&target.config) {
            Manager::from_config(target.config, tls::connector()?, manager_config)
        } else {
            Manager::from_config(target.config, tokio_postgres::NoTls, manager_config)
        };
        let pool = Pool::builder(manager)
            .max_size(options.max_connections.max(1))
            .runtime(Runtime::Tokio1)
            .timeouts(Timeouts {
                create: Some(options.connect_timeout * 2),
                ..Timeouts::default()
            })
            .build()
            .map_err(|e| PgOpenError::BadUrl {
                reason: format!("the connection pool cannot be built ({e})"),
            })?;
        Ok(Self {
            pool,
            tenant,
            target: target.shown.into(),
            ready: Arc::new(OnceCell::new()),
        })
    }

    /// The store of another tenant on the same database, sharing this store's connections.
    ///
    /// # Errors
    /// [`PgOpenError::BadTenant`].
    pub fn for_tenant(&self, tenant: &str) -> Result<Self, PgOpenError> {
        Ok(Self {
            tenant: check_tenant(tenant)?,
            ..self.clone()
        })
    }

    /// The tenant whose state this store reads and writes.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The database, as `postgres://user@host:port/database` (never the password).
    pub fn database(&self) -> &str {
        &self.target
    }

    /// Checks and migrates the schema once per pool.
    async fn ensure_ready(&self) -> Result<(), PgOpenError> {
        self.ready
            .get_or_try_init(|| async {
                let mut client = self
                    .pool
                    .get()
                    .await
                    .map_err(|e| PgOpenError::connect(&self.target, e))?;
                schema::migrate(&mut client, &self.target).await
            })
            .await
            .map(|_| ())
    }

    /// A pooled connection to a checked schema; `what` names the operation for the error.
    pub(crate) async fn client(&self, what: &str) -> Result<Client, OpError> {
        self.ensure_ready().await?;
        self.pool.get().await.map_err(|source| OpError::Pool {
            what: what.to_owned(),
            source,
        })
    }

    /// Turns an operation's error into [`PortError::State`] naming the server and the tenant.
    pub(crate) fn port_error(&self, err: OpError) -> PortError {
        err.into_port(&self.target, &self.tenant)
    }
}

/// A tenant ID: 1 to [`MAX_TENANT_LEN`] ASCII letters, digits, `-`, `_` or `.` (it names a
/// tenant's file, metrics label and webhook path too).
fn check_tenant(tenant: &str) -> Result<Arc<str>, PgOpenError> {
    let bad = |reason| PgOpenError::BadTenant {
        tenant: tenant.chars().take(MAX_TENANT_LEN + 8).collect(),
        reason,
    };
    if tenant.is_empty() || tenant.len() > MAX_TENANT_LEN {
        return Err(bad("it must be 1 to 128 characters long"));
    }
    if !tenant
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(bad("use only ASCII letters, digits, '-', '_' and '.'"));
    }
    Ok(Arc::from(tenant))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_are_checked() {
        for ok in ["acme", "shop-1.example_NZ", &"a".repeat(MAX_TENANT_LEN)] {
            assert_eq!(check_tenant(ok).unwrap().as_ref(), ok);
        }
        let long = "a".repeat(MAX_TENANT_LEN + 1);
        for bad in ["", "a b", "ä", "a/b", long.as_str()] {
            let err = check_tenant(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid tenant ID"), "{err}");
        }
    }

    #[tokio::test]
    async fn debug_shows_the_server_and_tenant_but_not_the_password() {
        let url = Secret::new("postgres://sync:pa55-w0rd@127.0.0.1:1/state");
        let store = PostgresStateStore::connect_lazy(&url, "acme").unwrap();
        let debug = format!("{store:?}");
        assert_eq!(
            debug,
            "PostgresStateStore { database: \"postgres://sync@127.0.0.1:1/state\", tenant: \"acme\", .. }"
        );
        let other = store.for_tenant("globex").unwrap();
        assert_eq!(
            (other.tenant(), other.database()),
            ("globex", store.database())
        );
    }
}
