//! [`LeaseStore`] on PostgreSQL: `replicas` (heartbeats) and `leases` (one row per tenant).

use std::time::Duration;

use async_trait::async_trait;
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::{Lease, LeaseStore};

use super::{PostgresCoordination, from_micros, micros, ttl_millis, until};
use crate::codec::column;
use crate::error::OpError;

/// Drops replicas that stopped beating (other than the caller).
const FORGET_LAPSED: &str = "DELETE FROM replicas WHERE expires_at <= now() AND replica <> $1";

/// Records the caller's heartbeat and counts the live replicas, itself included. The count reads
/// the table as it was before the upsert (one snapshot), so the caller is counted from `beat`.
const BEAT: &str = concat!(
    "WITH beat AS (INSERT INTO replicas (replica, expires_at) VALUES ($1, ",
    until!(2),
    ") ON CONFLICT (replica) DO UPDATE SET expires_at = EXCLUDED.expires_at
       RETURNING replica, expires_at)
     SELECT (SELECT count(*) FROM replicas WHERE replica <> $1 AND expires_at > now())
          + (SELECT count(*) FROM beat WHERE expires_at > now())"
);

/// Takes or renews a lease: free, lapsed or already the caller's. A row comes back only when the
/// caller holds the lease afterwards; the conflicting row is locked and the condition re-checked
/// on its latest version, so concurrent callers never both succeed.
const ACQUIRE: &str = concat!(
    "INSERT INTO leases AS l (tenant, owner, expires_at) VALUES ($1, $2, ",
    until!(3),
    ") ON CONFLICT (tenant) DO UPDATE
       SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at,
           acquired_at = CASE WHEN l.owner = EXCLUDED.owner THEN l.acquired_at ELSE now() END
       WHERE l.owner = EXCLUDED.owner OR l.expires_at <= now()
     RETURNING l.owner"
);

const RELEASE: &str = "DELETE FROM leases WHERE tenant = $1 AND owner = $2";

const LIVE: &str = concat!(
    "SELECT tenant, owner, ",
    micros!("expires_at"),
    " FROM leases WHERE expires_at > now() ORDER BY tenant COLLATE \"C\""
);

#[async_trait]
impl LeaseStore for PostgresCoordination {
    async fn heartbeat(&self, replica: &str, ttl: Duration) -> Result<usize, PortError> {
        let result = async {
            let what = format!("recording the heartbeat of replica {replica:?}");
            let client = self.client(&what).await?;
            client
                .execute(FORGET_LAPSED, &[&replica])
                .await
                .map_err(OpError::sql(what.clone()))?;
            let row = client
                .query_one(BEAT, &[&replica, &ttl_millis(ttl)])
                .await
                .map_err(OpError::sql(what.clone()))?;
            let live: i64 = column(&row, 0, &what)?;
            Ok(usize::try_from(live).unwrap_or(0))
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn try_acquire(
        &self,
        tenant: &str,
        replica: &str,
        ttl: Duration,
    ) -> Result<bool, PortError> {
        let result = async {
            let what = format!("taking the lease of tenant {tenant:?} for replica {replica:?}");
            let client = self.client(&what).await?;
            let stmt = client
                .prepare_cached(ACQUIRE)
                .await
                .map_err(OpError::sql(what.clone()))?;
            let rows = client
                .query(&stmt, &[&tenant, &replica, &ttl_millis(ttl)])
                .await
                .map_err(OpError::sql(what))?;
            Ok(!rows.is_empty())
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn release(&self, tenant: &str, replica: &str) -> Result<(), PortError> {
        let result = async {
            let what = format!("releasing the lease of tenant {tenant:?}");
            let client = self.client(&what).await?;
            client
                .execute(RELEASE, &[&tenant, &replica])
                .await
                .map_err(OpError::sql(what))?;
            Ok(())
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn leases(&self) -> Result<Vec<Lease>, PortError> {
        let result = async {
            let what = "listing the leases";
            let client = self.client(what).await?;
            let rows = client.query(LIVE, &[]).await.map_err(OpError::sql(what))?;
            rows.iter()
                .map(|row| {
                    Ok(Lease {
                        tenant: column(row, 0, what)?,
                        owner: column(row, 1, what)?,
                        expires_at: from_micros(column(row, 2, what)?),
                    })
                })
                .collect::<Result<Vec<_>, OpError>>()
        };
        result.await.map_err(|e| self.port_error(e))
    }
}
