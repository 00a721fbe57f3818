//! `price_lists` and `price_rows`: the lists the sync created and the SKU hashes it last wrote.

use std::collections::BTreeMap;

use cin7_sparklayer_core::model::{PriceListHeader, PriceListOrigin};
use cin7_sparklayer_core::ports::{PriceListState, RowChange};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::codec::{from_json, hash_from_sql, hash_to_sql, to_json};
use crate::error::OpError;

/// Every list with its rows, by slug, read in one transaction (a consistent snapshot).
pub(crate) fn all(conn: &mut Connection) -> Result<Vec<PriceListState>, OpError> {
    let what = "reading price lists";
    let tx = conn.transaction().map_err(OpError::sqlite(what))?;
    let mut lists = BTreeMap::new();
    {
        let mut stmt = tx
            .prepare_cached("SELECT slug, name, currency, origin FROM price_lists")
            .map_err(OpError::sqlite(what))?;
        let mut rows = stmt.query([]).map_err(OpError::sqlite(what))?;
        while let Some(row) = rows.next().map_err(OpError::sqlite(what))? {
            let header = PriceListHeader {
                slug: row.get(0).map_err(OpError::sqlite(what))?,
                name: row.get(1).map_err(OpError::sqlite(what))?,
                currency: row.get(2).map_err(OpError::sqlite(what))?,
            };
            let origin: String = row.get(3).map_err(OpError::sqlite(what))?;
            let origin = from_json(&origin, || {
                format!("price list {:?}, column origin", header.slug)
            })?;
            let state = PriceListState {
                header,
                origin,
                rows: BTreeMap::new(),
            };
            lists.insert(state.header.slug.clone(), state);
        }
    }
    {
        let what = "reading price rows";
        // In primary-key order (free: the table is that b-tree), so each list's rows come
        // together and sorted: the list is found once and its map built in one go, and no
        // slug is copied per row (315,000 rows are read by every run that prices).
        let mut stmt = tx
            .prepare_cached("SELECT slug, sku, hash FROM price_rows ORDER BY slug, sku")
            .map_err(OpError::sqlite(what))?;
        let mut rows = stmt.query([]).map_err(OpError::sqlite(what))?;
        let mut group: Option<(String, Vec<(String, u64)>)> = None;
        while let Some(row) = rows.next().map_err(OpError::sqlite(what))? {
            let slug = row.get_ref(0).map_err(OpError::sqlite(what))?;
            let slug = slug.as_str().map_err(|e| OpError::BadValue {
                what: "a price row's slug".to_owned(),
                detail: e.to_string(),
            })?;
            let sku: String = row.get(1).map_err(OpError::sqlite(what))?;
            let hash = hash_from_sql(row.get(2).map_err(OpError::sqlite(what))?);
            match &mut group {
                Some((current, skus)) if current == slug => skus.push((sku, hash)),
                _ => {
                    if let Some((done, skus)) = group.take() {
                        attach_rows(&mut lists, done, skus)?;
                    }
                    group = Some((slug.to_owned(), vec![(sku, hash)]));
                }
            }
        }
        if let Some((done, skus)) = group {
            attach_rows(&mut lists, done, skus)?;
        }
    }
    tx.commit().map_err(OpError::sqlite(what))?;
    Ok(lists.into_values().collect())
}

/// Gives list `slug` its rows (sorted by SKU, as read).
fn attach_rows(
    lists: &mut BTreeMap<String, PriceListState>,
    slug: String,
    skus: Vec<(String, u64)>,
) -> Result<(), OpError> {
    // The foreign key (ON DELETE CASCADE) keeps every row's list present.
    let Some(list) = lists.get_mut(&slug) else {
        let sku = skus
            .first()
            .map(|(sku, _)| sku.as_str())
            .unwrap_or_default();
        return Err(OpError::BadValue {
            what: format!("price row {slug:?}/{sku:?}"),
            detail: "its price list is missing".to_owned(),
        });
    };
    list.rows = skus.into_iter().collect();
    Ok(())
}

/// Records a list's header and origin; its rows are kept (an upsert, never a replace, which
/// would cascade to the rows).
pub(crate) fn save_list(
    conn: &Connection,
    header: &PriceListHeader,
    origin: &PriceListOrigin,
) -> Result<(), OpError> {
    let what = || format!("saving price list {:?}", header.slug);
    let origin = to_json(origin, what)?;
    conn.prepare_cached(
        "INSERT INTO price_lists (slug, name, currency, origin) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (slug) DO UPDATE SET
             name = excluded.name, currency = excluded.currency, origin = excluded.origin",
    )
    .and_then(|mut stmt| stmt.execute(params![header.slug, header.name, header.currency, origin]))
    .map_err(OpError::sqlite(what()))?;
    Ok(())
}

/// Applies row changes in one transaction: `Some(hash)` upserts the SKU, `None` deletes it.
/// Changes apply in order, so the last change to a SKU wins.
pub(crate) fn save_rows(
    conn: &mut Connection,
    slug: &str,
    changes: &[RowChange],
) -> Result<(), OpError> {
    let what = || {
        format!(
            "saving {} row changes of price list {slug:?}",
            changes.len()
        )
    };
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(OpError::sqlite(what()))?;
    let known = tx
        .prepare_cached("SELECT 1 FROM price_lists WHERE slug = ?1")
        .and_then(|mut stmt| stmt.query_row([slug], |_| Ok(())).optional())
        .map_err(OpError::sqlite(what()))?;
    if known.is_none() {
        return Err(OpError::UnknownList {
            slug: slug.to_owned(),
        });
    }
    {
        let mut upsert = tx
            .prepare_cached(
                "INSERT INTO price_rows (slug, sku, hash) VALUES (?1, ?2, ?3)
                 ON CONFLICT (slug, sku) DO UPDATE SET hash = excluded.hash",
            )
            .map_err(OpError::sqlite(what()))?;
        let mut delete = tx
            .prepare_cached("DELETE FROM price_rows WHERE slug = ?1 AND sku = ?2")
            .map_err(OpError::sqlite(what()))?;
        for (sku, hash) in changes {
            match hash {
                Some(hash) => upsert.execute(params![slug, sku, hash_to_sql(*hash)]),
                None => delete.execute(params![slug, sku]),
            }
            .map_err(OpError::sqlite(what()))?;
        }
    }
    tx.commit().map_err(OpError::sqlite(what()))?;
    Ok(())
}
