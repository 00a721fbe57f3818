//! [`PostgresCoordination`]: the coordination ports (`LeaseStore`, `WebhookInbox`) on the
//! database the replicas share (issue 16 items 3 and 4).

mod inbox;
mod leases;

use std::fmt;
use std::time::Duration;

use cin7_sparklayer_core::{PortError, Secret};
use deadpool_postgres::Client;

use crate::error::{OpError, PgOpenError, with_causes};
use crate::store::{DEFAULT_TENANT, PostgresOptions, PostgresStateStore};

/// Leases over tenants and the durable webhook inbox, in a PostgreSQL database shared by every
/// replica; implements [`LeaseStore`](cin7_sparklayer_core::ports::LeaseStore) and
/// [`WebhookInbox`](cin7_sparklayer_core::ports::WebhookInbox) (issue 16).
///
/// Every expiry is on the database's clock, so replicas whose clocks disagree still agree on
/// when a lease or a claim lapses. Cloning is cheap and shares the pool.
///
/// ## Why lease rows, not advisory locks
/// A session-level advisory lock (`pg_try_advisory_lock`) would also give one owner per tenant,
/// but it belongs to a *connection*: a replica would hold one open connection per tenant it runs
/// (hundreds of tenants, hundreds of connections per replica), a pool that recycles or loses a
/// connection drops the lock without the replica noticing, and `pg_locks` shows neither the
/// tenant's name nor an expiry, so the `tenants` command could not say who runs a tenant until
/// when. A lease row (`leases`: tenant, owner, expiry) needs a connection only while it is taken
/// or renewed, lapses on the database's clock (`now()`, the one clock every replica shares) when
/// its owner stops renewing it, and is an ordinary row to list. It is taken atomically by one
/// `INSERT … ON CONFLICT (tenant) DO UPDATE … WHERE lapsed or same owner RETURNING`: PostgreSQL
/// locks the conflicting row and re-checks the condition on its latest version, so two replicas
/// asking at once never both get it.
#[derive(Clone)]
pub struct PostgresCoordination {
    /// The pool and the schema check, shared with the tenants' state stores.
    store: PostgresStateStore,
}

impl fmt::Debug for PostgresCoordination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresCoordination")
            .field("database", &self.store.database())
            .finish_non_exhaustive()
    }
}

impl PostgresCoordination {
    /// Connects to the database at `url` (`state.url`), checking and migrating the schema, with
    /// [`PostgresOptions::default`].
    ///
    /// # Errors
    /// [`PgOpenError`], as [`PostgresStateStore::connect`].
    pub async fn connect(url: &Secret) -> Result<Self, PgOpenError> {
        Self::connect_with(url, PostgresOptions::default()).await
    }

    /// [`PostgresCoordination::connect`] with options.
    ///
    /// # Errors
    /// As [`PostgresCoordination::connect`].
    pub async fn connect_with(url: &Secret, options: PostgresOptions) -> Result<Self, PgOpenError> {
        let store = PostgresStateStore::connect_with(url, DEFAULT_TENANT, options).await?;
        Ok(Self { store })
    }

    /// Coordination that connects on first use (the URL is checked now; the server and the
    /// schema by the first call, whose error, if any, is that call's [`PortError::State`]), with
    /// [`PostgresOptions::default`]. For hosts that wire their ports without an async runtime.
    ///
    /// # Errors
    /// [`PgOpenError::BadUrl`] or [`PgOpenError::Tls`].
    pub fn connect_lazy(url: &Secret) -> Result<Self, PgOpenError> {
        Self::connect_lazy_with(url, PostgresOptions::default())
    }

    /// [`PostgresCoordination::connect_lazy`] with options.
    ///
    /// # Errors
    /// As [`PostgresCoordination::connect_lazy`].
    pub fn connect_lazy_with(url: &Secret, options: PostgresOptions) -> Result<Self, PgOpenError> {
        let store = PostgresStateStore::connect_lazy_with(url, DEFAULT_TENANT, options)?;
        Ok(Self { store })
    }

    /// Coordination on the database of `store`, sharing its connections (one pool per replica
    /// for the tenants' state and the coordination).
    pub fn from_store(store: &PostgresStateStore) -> Self {
        Self {
            store: store.clone(),
        }
    }

    /// The database, as `postgres://user@host:port/database` (never the password).
    pub fn database(&self) -> &str {
        self.store.database()
    }

    /// A pooled connection to a checked schema; `what` names the operation for the error.
    async fn client(&self, what: &str) -> Result<Client, OpError> {
        self.store.client(what).await
    }

    /// The port error, naming the server (never the password).
    fn port_error(&self, err: OpError) -> PortError {
        PortError::state(format!(
            "PostgreSQL coordination at {}: {}",
            self.database(),
            with_causes(&err)
        ))
    }
}

/// A TTL in whole milliseconds for SQL (`now() + $n * interval '1 millisecond'`), saturating.
fn ttl_millis(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 1_000)
}

/// The SQL for `now() + ttl`, where the TTL in milliseconds is parameter `$n`.
macro_rules! until {
    ($n:literal) => {
        concat!("now() + $", $n, "::bigint * interval '1 millisecond'")
    };
}
pub(crate) use until;

/// A `timestamptz` read as microseconds since the epoch (`extract(epoch …)`), back to UTC.
fn from_micros(micros: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(micros).unwrap_or(chrono::DateTime::UNIX_EPOCH)
}

/// The SQL reading timestamp column `$col` as microseconds since the epoch.
macro_rules! micros {
    ($col:literal) => {
        concat!("(extract(epoch FROM ", $col, ") * 1000000)::bigint")
    };
}
pub(crate) use micros;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_become_milliseconds() {
        assert_eq!(ttl_millis(Duration::from_millis(1500)), 1500);
        assert_eq!(ttl_millis(Duration::ZERO), 0);
        assert_eq!(ttl_millis(Duration::MAX), i64::MAX / 1_000);
        assert_eq!(until!(3), "now() + $3::bigint * interval '1 millisecond'");
        assert_eq!(
            from_micros(1_000_000).to_rfc3339(),
            "1970-01-01T00:00:01+00:00"
        );
    }
}
