//! `price_lists` and `price_rows`: the lists the sync created and the SKU hashes it last wrote,
//! per tenant.

use std::collections::BTreeMap;

use cin7_sparklayer_core::model::{PriceListHeader, PriceListOrigin};
use cin7_sparklayer_core::ports::{PriceListState, RowChange};
use deadpool_postgres::{Client, Transaction};
use tokio_postgres::IsolationLevel;
use tokio_postgres::types::Json;

use crate::codec::{column, from_json, hash_from_sql, hash_to_sql};
use crate::error::OpError;

/// Every list of the tenant with its rows, by slug, read in one repeatable-read transaction (a
/// consistent snapshot while other replicas write).
pub(crate) async fn all(client: &mut Client, tenant: &str) -> Result<Vec<PriceListState>, OpError> {
    let what = "reading price lists";
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(OpError::sql(what))?;
    let mut lists = headers(&tx, tenant).await?;
    let rows = tx
        .query(
            "SELECT slug, sku, hash FROM price_rows WHERE tenant = $1",
            &[&tenant],
        )
        .await
        .map_err(OpError::sql("reading price rows"))?;
    for row in rows {
        let what = "reading price rows";
        // Borrowed: the slug only finds the list (no copy for each of 315,000 rows).
        let slug: &str = column(&row, 0, what)?;
        let sku: String = column(&row, 1, what)?;
        let hash: i64 = column(&row, 2, what)?;
        // The foreign key (ON DELETE CASCADE) keeps every row's list present.
        let Some(list) = lists.get_mut(slug) else {
            return Err(OpError::BadValue {
                what: format!("price row {slug:?}/{sku:?}"),
                detail: "its price list is missing".to_owned(),
            });
        };
        list.rows.insert(sku, hash_from_sql(hash));
    }
    tx.commit().await.map_err(OpError::sql(what))?;
    Ok(lists.into_values().collect())
}

/// The tenant's lists without rows, by slug.
async fn headers(
    tx: &Transaction<'_>,
    tenant: &str,
) -> Result<BTreeMap<String, PriceListState>, OpError> {
    let what = "reading price lists";
    let rows = tx
        .query(
            "SELECT slug, name, currency, origin FROM price_lists WHERE tenant = $1",
            &[&tenant],
        )
        .await
        .map_err(OpError::sql(what))?;
    let mut lists = BTreeMap::new();
    for row in rows {
        let header = PriceListHeader {
            slug: column(&row, 0, what)?,
            name: column(&row, 1, what)?,
            currency: column(&row, 2, what)?,
        };
        let origin = from_json(column(&row, 3, what)?, || {
            format!("price list {:?}, column origin", header.slug)
        })?;
        let state = PriceListState {
            header,
            origin,
            rows: BTreeMap::new(),
        };
        lists.insert(state.header.slug.clone(), state);
    }
    Ok(lists)
}

/// Records a list's header and origin; its rows are kept (an upsert, never a replace).
pub(crate) async fn save_list(
    client: &Client,
    tenant: &str,
    header: &PriceListHeader,
    origin: &PriceListOrigin,
) -> Result<(), OpError> {
    let what = || format!("saving price list {:?}", header.slug);
    let stmt = client
        .prepare_cached(
            "INSERT INTO price_lists (tenant, slug, name, currency, origin)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant, slug) DO UPDATE SET
                 name = excluded.name, currency = excluded.currency, origin = excluded.origin",
        )
        .await
        .map_err(OpError::sql(what()))?;
    client
        .execute(
            &stmt,
            &[
                &tenant,
                &header.slug,
                &header.name,
                &header.currency,
                &Json(origin),
            ],
        )
        .await
        .map_err(OpError::sql(what()))?;
    Ok(())
}

/// Applies row changes in one transaction: `Some(hash)` upserts the SKU, `None` deletes it;
/// the last change to a SKU wins. Two statements whatever the number of changes (arrays), in
/// SKU order, so two replicas patching one list lock its rows in the same order.
pub(crate) async fn save_rows(
    client: &mut Client,
    tenant: &str,
    slug: &str,
    changes: &[RowChange],
) -> Result<(), OpError> {
    let what = || {
        format!(
            "saving {} row changes of price list {slug:?}",
            changes.len()
        )
    };
    let last: BTreeMap<&str, Option<u64>> = changes
        .iter()
        .map(|(sku, hash)| (sku.as_str(), *hash))
        .collect();
    let (mut upsert_skus, mut upsert_hashes, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    for (sku, hash) in last {
        match hash {
            Some(hash) => {
                upsert_skus.push(sku);
                upsert_hashes.push(hash_to_sql(hash));
            }
            None => removed.push(sku),
        }
    }
    let tx = client.transaction().await.map_err(OpError::sql(what()))?;
    let known = tx
        .query_opt(
            "SELECT 1 FROM price_lists WHERE tenant = $1 AND slug = $2",
            &[&tenant, &slug],
        )
        .await
        .map_err(OpError::sql(what()))?;
    if known.is_none() {
        return Err(OpError::UnknownList {
            slug: slug.to_owned(),
        });
    }
    if !removed.is_empty() {
        tx.execute(
            "DELETE FROM price_rows WHERE tenant = $1 AND slug = $2 AND sku = ANY($3)",
            &[&tenant, &slug, &removed],
        )
        .await
        .map_err(OpError::sql(what()))?;
    }
    if !upsert_skus.is_empty() {
        tx.execute(
            "INSERT INTO price_rows (tenant, slug, sku, hash)
             SELECT $1, $2, sku, hash FROM unnest($3::text[], $4::bigint[]) AS c (sku, hash)
             ON CONFLICT (tenant, slug, sku) DO UPDATE SET hash = excluded.hash",
            &[&tenant, &slug, &upsert_skus, &upsert_hashes],
        )
        .await
        .map_err(OpError::sql(what()))?;
    }
    tx.commit().await.map_err(OpError::sql(what()))?;
    Ok(())
}
