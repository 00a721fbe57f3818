//! Where the replica's coordination and every tenant's state live, from the operator's
//! `[state]` (issue 16): PostgreSQL (`state.url`) for any number of replicas, or an SQLite
//! directory (`state.path`) with in-process leases and inbox for one replica.

use std::path::PathBuf;
use std::sync::Arc;

use cin7_sparklayer_core::memory::{MemoryInbox, MemoryLeases};
use cin7_sparklayer_core::ports::{LeaseStore, StateStore, WebhookInbox};
use cin7_sparklayer_state::{SqliteStateStore, StateConfig, StateLocation};
use cin7_sparklayer_state_postgres::{DEFAULT_TENANT, PostgresCoordination, PostgresStateStore};

use crate::SetupError;
use crate::daemon::DaemonError;

/// The coordination ports a replica uses: leases over tenants and the webhook inbox.
#[derive(Debug, Clone)]
pub struct Coordination {
    /// Who runs which tenant.
    pub leases: Arc<dyn LeaseStore>,
    /// Webhook deliveries waiting for their tenant's lease holder.
    pub inbox: Arc<dyn WebhookInbox>,
}

impl Coordination {
    /// In-process leases and inbox ([`MemoryLeases`], [`MemoryInbox`]): one replica (the
    /// SQLite layout), or several in one process sharing them (tests).
    pub fn in_memory() -> Self {
        Self {
            leases: Arc::new(MemoryLeases::new()),
            inbox: Arc::new(MemoryInbox::new()),
        }
    }

    /// The coordination for the tenants' states: on their PostgreSQL database
    /// ([`coordination_for_postgres`], sharing its pool) or in memory for the SQLite layout.
    ///
    /// # Errors
    /// As [`coordination_for_postgres`].
    pub fn for_states(states: &TenantStates) -> Result<Self, DaemonError> {
        match states {
            TenantStates::Postgres(base) => coordination_for_postgres(base),
            TenantStates::SqliteDir(_) => Ok(Self::in_memory()),
        }
    }
}

/// PostgreSQL leases and webhook inbox (`state.url`, issue 16 items 3 and 4):
/// [`PostgresCoordination`] on the tenants' database, sharing their pool (one pool per replica).
///
/// # Errors
/// None today: the pool connects on first use, and a database that cannot be reached is the
/// first lease call's error. The `Result` keeps room for a check at start.
pub fn coordination_for_postgres(base: &PostgresStateStore) -> Result<Coordination, DaemonError> {
    let coordination = Arc::new(PostgresCoordination::from_store(base));
    Ok(Coordination {
        leases: coordination.clone(),
        inbox: coordination,
    })
}

/// Every tenant's state store (issue 16 item 3): one PostgreSQL pool shared by all tenants
/// (`PostgresStateStore::for_tenant`), or one SQLite file per tenant, `<state.path>/<tenant>.sqlite`.
#[derive(Debug, Clone)]
pub enum TenantStates {
    /// `state.url`: the pool, opened lazily.
    Postgres(PostgresStateStore),
    /// `state.path`: the directory.
    SqliteDir(PathBuf),
}

impl TenantStates {
    /// From the operator's `[state]`; the SQLite directory is created when missing.
    ///
    /// # Errors
    /// [`SetupError::State`] naming the URL's problem or the directory.
    pub fn from_state(state: &StateConfig) -> Result<Self, SetupError> {
        match state.location() {
            StateLocation::Postgres(url) => PostgresStateStore::connect_lazy(url, DEFAULT_TENANT)
                .map(Self::Postgres)
                .map_err(|e| SetupError::State { source: e.into() }),
            StateLocation::Sqlite(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| SetupError::State {
                    source: cin7_sparklayer_core::PortError::state(format!(
                        "state.path {}: cannot create the tenants' state directory: {e}",
                        dir.display()
                    )),
                })?;
                Ok(Self::SqliteDir(dir.to_path_buf()))
            }
        }
    }

    /// `tenant`'s store.
    ///
    /// # Errors
    /// [`SetupError::State`] naming the tenant's file or the tenant.
    pub fn for_tenant(&self, tenant: &str) -> Result<Arc<dyn StateStore>, SetupError> {
        let error = |source| SetupError::State { source };
        Ok(match self {
            Self::Postgres(base) => Arc::new(base.for_tenant(tenant).map_err(|e| error(e.into()))?),
            Self::SqliteDir(dir) => Arc::new(
                SqliteStateStore::open(dir.join(format!("{tenant}.sqlite")))
                    .map_err(|e| error(e.into()))?,
            ),
        })
    }
}
