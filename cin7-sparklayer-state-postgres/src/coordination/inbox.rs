//! [`WebhookInbox`] on PostgreSQL: `webhook_inbox`, claimed with `FOR UPDATE SKIP LOCKED`.

use std::time::Duration;

use async_trait::async_trait;
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::{QueuedDelivery, WebhookInbox};
use tokio_postgres::Row;
use tokio_postgres::types::Json;

use super::{PostgresCoordination, from_micros, micros, ttl_millis, until};
use crate::codec::{column, from_json};
use crate::error::OpError;

const PUSH: &str = "INSERT INTO webhook_inbox (tenant, customers, products) VALUES ($1, $2, $3)";

/// Claims the oldest unclaimed (or lapsed) deliveries of a tenant. `SKIP LOCKED` passes over rows
/// another replica is claiming at this moment instead of waiting for them, and the claim's
/// expiry keeps them from being claimed again until it lapses.
const CLAIM: &str = concat!(
    "WITH picked AS (
       SELECT id FROM webhook_inbox
       WHERE tenant = $1 AND (claimed_until IS NULL OR claimed_until <= now())
       ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
     UPDATE webhook_inbox w SET claimed_by = $2, claimed_until = ",
    until!(4),
    " FROM picked WHERE w.id = picked.id
     RETURNING w.id, w.tenant, w.customers, w.products, ",
    micros!("w.received_at")
);

const COMPLETE: &str = "DELETE FROM webhook_inbox WHERE id = ANY($1)";

const PENDING: &str = "SELECT count(*) FROM webhook_inbox WHERE tenant = $1";

#[async_trait]
impl WebhookInbox for PostgresCoordination {
    async fn push(
        &self,
        tenant: &str,
        customers: &[String],
        products: &[String],
    ) -> Result<(), PortError> {
        let result = async {
            let what = format!("queueing a webhook delivery for tenant {tenant:?}");
            let client = self.client(&what).await?;
            client
                .execute(PUSH, &[&tenant, &Json(customers), &Json(products)])
                .await
                .map_err(OpError::sql(what))?;
            Ok(())
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn claim(
        &self,
        tenant: &str,
        replica: &str,
        max: usize,
        ttl: Duration,
    ) -> Result<Vec<QueuedDelivery>, PortError> {
        let result = async {
            let what = format!("claiming webhook deliveries of tenant {tenant:?}");
            let client = self.client(&what).await?;
            let stmt = client
                .prepare_cached(CLAIM)
                .await
                .map_err(OpError::sql(what.clone()))?;
            let max = i64::try_from(max).unwrap_or(i64::MAX);
            let rows = client
                .query(&stmt, &[&tenant, &replica, &max, &ttl_millis(ttl)])
                .await
                .map_err(OpError::sql(what))?;
            let mut claimed = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
            claimed.sort_by_key(|d| d.id);
            Ok(claimed)
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn complete(&self, ids: &[i64]) -> Result<(), PortError> {
        let result = async {
            let what = "completing webhook deliveries";
            let client = self.client(what).await?;
            client
                .execute(COMPLETE, &[&ids])
                .await
                .map_err(OpError::sql(what))?;
            Ok(())
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn pending(&self, tenant: &str) -> Result<usize, PortError> {
        let result = async {
            let what = format!("counting webhook deliveries of tenant {tenant:?}");
            let client = self.client(&what).await?;
            let row = client
                .query_one(PENDING, &[&tenant])
                .await
                .map_err(OpError::sql(what.clone()))?;
            let count: i64 = column(&row, 0, &what)?;
            Ok(usize::try_from(count).unwrap_or(0))
        };
        result.await.map_err(|e| self.port_error(e))
    }
}

/// One claimed row into a delivery.
fn decode(row: &Row) -> Result<QueuedDelivery, OpError> {
    let what = "reading claimed webhook deliveries";
    let id: i64 = column(row, 0, what)?;
    let named = |name: &str| format!("webhook delivery {id}, column {name}");
    let customers: serde_json::Value = column(row, 2, what)?;
    let products: serde_json::Value = column(row, 3, what)?;
    Ok(QueuedDelivery {
        id,
        tenant: column(row, 1, what)?,
        customers: from_json(customers, || named("customers"))?,
        products: from_json(products, || named("products"))?,
        received_at: from_micros(column(row, 4, what)?),
    })
}
