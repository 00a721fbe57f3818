//! `customer_links`: what the sync last wrote per Cin7 customer, per tenant.

use cin7_sparklayer_core::ports::CustomerLink;
use deadpool_postgres::Client;
use tokio_postgres::Row;
use tokio_postgres::types::Json;

use crate::codec::{column, from_json};
use crate::error::OpError;

/// Every link of the tenant, by Cin7 ID.
pub(crate) async fn all(client: &Client, tenant: &str) -> Result<Vec<CustomerLink>, OpError> {
    let what = "reading customer links";
    let stmt = client
        .prepare_cached(
            "SELECT cin7_id, shopify_id, email, content_hash, invite_sent, managed_tags,
                    metafields, revoked
             FROM customer_links WHERE tenant = $1 ORDER BY cin7_id COLLATE \"C\"",
        )
        .await
        .map_err(OpError::sql(what))?;
    let rows = client
        .query(&stmt, &[&tenant])
        .await
        .map_err(OpError::sql(what))?;
    rows.into_iter().map(|row| decode(&row)).collect()
}

/// One row into a link.
fn decode(row: &Row) -> Result<CustomerLink, OpError> {
    let what = "reading customer links";
    let cin7_id: String = column(row, 0, what)?;
    let named = |name: &str| format!("customer link {cin7_id:?}, column {name}");
    let tags: serde_json::Value = column(row, 5, what)?;
    let metafields: serde_json::Value = column(row, 6, what)?;
    Ok(CustomerLink {
        shopify_id: column(row, 1, what)?,
        email: column(row, 2, what)?,
        content_hash: column(row, 3, what)?,
        invite_sent: column(row, 4, what)?,
        managed_tags: from_json(tags, || named("managed_tags"))?,
        metafields: from_json(metafields, || named("metafields"))?,
        revoked: column(row, 7, what)?,
        cin7_id,
    })
}

/// Inserts or replaces one link: a single atomic upsert, committed when it returns.
pub(crate) async fn save(
    client: &Client,
    tenant: &str,
    link: &CustomerLink,
) -> Result<(), OpError> {
    move_to(client, tenant, &link.cin7_id, link).await
}

/// C16: saves `link` and removes the link keyed `from` if it still links the same Shopify
/// customer (and is not `link`'s own key): one statement, so both or neither.
pub(crate) async fn move_to(
    client: &Client,
    tenant: &str,
    from: &str,
    link: &CustomerLink,
) -> Result<(), OpError> {
    let what = || {
        if from == link.cin7_id {
            format!("saving customer link {from:?}")
        } else {
            format!("moving customer link {from:?} to {:?}", link.cin7_id)
        }
    };
    let stmt = client
        .prepare_cached(
            "WITH moved AS (
                 DELETE FROM customer_links
                 WHERE tenant = $1 AND cin7_id = $10 AND shopify_id = $3 AND cin7_id <> $2)
             INSERT INTO customer_links (tenant, cin7_id, shopify_id, email, content_hash,
                                         invite_sent, managed_tags, metafields, revoked)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (tenant, cin7_id) DO UPDATE SET
                 shopify_id = excluded.shopify_id, email = excluded.email,
                 content_hash = excluded.content_hash, invite_sent = excluded.invite_sent,
                 managed_tags = excluded.managed_tags, metafields = excluded.metafields,
                 revoked = excluded.revoked, updated_at = now()",
        )
        .await
        .map_err(OpError::sql(what()))?;
    client
        .execute(
            &stmt,
            &[
                &tenant,
                &link.cin7_id,
                &link.shopify_id,
                &link.email,
                &link.content_hash,
                &link.invite_sent,
                &Json(&link.managed_tags),
                &Json(&link.metafields),
                &link.revoked,
                &from,
            ],
        )
        .await
        .map_err(OpError::sql(what()))?;
    Ok(())
}
