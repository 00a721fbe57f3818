//! `customer_links`: what the sync last wrote per Cin7 customer.

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::ports::CustomerLink;
use rusqlite::{Connection, Row, TransactionBehavior, params};

use crate::codec::{bool_from_sql, from_json, time_to_sql, to_json};
use crate::error::OpError;

/// Every link, by Cin7 ID.
pub(crate) fn all(conn: &Connection) -> Result<Vec<CustomerLink>, OpError> {
    let what = || "reading customer links";
    let mut stmt = conn
        .prepare_cached(
            "SELECT cin7_id, shopify_id, email, content_hash, invite_sent, managed_tags,
                    metafields, revoked
             FROM customer_links ORDER BY cin7_id",
        )
        .map_err(OpError::sqlite(what()))?;
    let mut rows = stmt.query([]).map_err(OpError::sqlite(what()))?;
    let mut links = Vec::new();
    while let Some(row) = rows.next().map_err(OpError::sqlite(what()))? {
        links.push(decode(row)?);
    }
    Ok(links)
}

/// One row into a link.
fn decode(row: &Row<'_>) -> Result<CustomerLink, OpError> {
    let get = |i| OpError::sqlite(format!("reading customer links (column {i})"));
    let cin7_id: String = row.get(0).map_err(get(0))?;
    let column = |name: &str| format!("customer link {cin7_id:?}, column {name}");
    let tags: String = row.get(5).map_err(get(5))?;
    let metafields: String = row.get(6).map_err(get(6))?;
    Ok(CustomerLink {
        shopify_id: row.get(1).map_err(get(1))?,
        email: row.get(2).map_err(get(2))?,
        content_hash: row.get(3).map_err(get(3))?,
        invite_sent: bool_from_sql(row.get(4).map_err(get(4))?),
        managed_tags: from_json(&tags, || column("managed_tags"))?,
        metafields: from_json(&metafields, || column("metafields"))?,
        revoked: bool_from_sql(row.get(7).map_err(get(7))?),
        cin7_id,
    })
}

/// Inserts or replaces one link. A single statement in autocommit mode: its own transaction.
pub(crate) fn save(
    conn: &Connection,
    link: &CustomerLink,
    now: DateTime<Utc>,
) -> Result<(), OpError> {
    let what = || format!("saving customer link {:?}", link.cin7_id);
    let tags = to_json(&link.managed_tags, what)?;
    let metafields = to_json(&link.metafields, what)?;
    conn.prepare_cached(
        "INSERT INTO customer_links (cin7_id, shopify_id, email, content_hash, invite_sent,
                                     managed_tags, metafields, revoked, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (cin7_id) DO UPDATE SET
             shopify_id = excluded.shopify_id, email = excluded.email,
             content_hash = excluded.content_hash, invite_sent = excluded.invite_sent,
             managed_tags = excluded.managed_tags, metafields = excluded.metafields,
             revoked = excluded.revoked, updated_at = excluded.updated_at",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            link.cin7_id,
            link.shopify_id,
            link.email,
            link.content_hash,
            link.invite_sent,
            tags,
            metafields,
            link.revoked,
            time_to_sql(now),
        ])
    })
    .map_err(OpError::sqlite(what()))?;
    Ok(())
}

/// C16: saves `link` and, in the same transaction, removes the link keyed `from` if it still
/// links the same Shopify customer (and is not `link`'s own key).
pub(crate) fn move_to(
    conn: &mut Connection,
    from: &str,
    link: &CustomerLink,
    now: DateTime<Utc>,
) -> Result<(), OpError> {
    let what = || format!("moving customer link {from:?} to {:?}", link.cin7_id);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(OpError::sqlite(what()))?;
    tx.prepare_cached(
        "DELETE FROM customer_links WHERE cin7_id = ?1 AND shopify_id = ?2 AND cin7_id <> ?3",
    )
    .and_then(|mut stmt| stmt.execute(params![from, link.shopify_id, link.cin7_id]))
    .map_err(OpError::sqlite(what()))?;
    save(&tx, link, now)?;
    tx.commit().map_err(OpError::sqlite(what()))
}
