//! P3, P4: the minimal writes that bring a price list to its desired rows.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::hash::price_hash;
use crate::model::{DesiredPriceList, PriceListHeader, PriceListOrigin, PriceRow};
use crate::report::ListAction;

/// What the list's rows are compared against.
#[derive(Debug, Clone, Copy)]
pub enum Baseline<'a> {
    /// SKU → hash the sync last wrote (state), or read back from SparkLayer (reconcile, C15).
    Known(&'a BTreeMap<String, u64>),
    /// Nothing is known (a list being created): every desired row is written.
    Empty,
}

/// How complete the desired rows are.
#[derive(Debug, Clone, Copy)]
pub enum Coverage<'a> {
    /// The desired rows are the whole list: any baseline SKU not desired is removed.
    Complete,
    /// Only the SKUs in this set were looked at (an incremental run saw only these products):
    /// a baseline SKU is removed only if it is in the set and not desired.
    Partial(&'a BTreeSet<String>),
}

/// The writes planned for one list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPlan {
    /// Slug, name and currency.
    pub header: PriceListHeader,
    /// Where the list comes from.
    pub origin: PriceListOrigin,
    /// What happens.
    pub action: ListAction,
    /// Create the list first.
    pub create: bool,
    /// Rows to write: new or changed prices, then removals (`pricing: []`), sorted by SKU each.
    pub rows: Vec<PriceRow>,
    /// Of which removals.
    pub removals: usize,
}

impl ListPlan {
    /// Rows in batches of at most `batch_size` (P3); one PATCH per batch.
    pub fn batches(&self, batch_size: usize) -> impl Iterator<Item = &[PriceRow]> {
        self.rows.chunks(batch_size.max(1))
    }

    /// Whether the list costs no request.
    pub fn is_noop(&self) -> bool {
        !self.create && self.rows.is_empty()
    }
}

/// P3: plans a desired list against its baseline (its rows are moved into the plan, not copied).
///
/// Writes only the SKUs whose pricing hash changed or is new, and removes SKUs that left the list.
/// `exists` says whether SparkLayer has the list (else it is created).
pub fn plan_list(
    desired: DesiredPriceList,
    baseline: Baseline<'_>,
    coverage: Coverage<'_>,
    exists: bool,
) -> ListPlan {
    let empty = BTreeMap::new();
    let base = match baseline {
        Baseline::Known(b) => b,
        Baseline::Empty => &empty,
    };
    let DesiredPriceList {
        header,
        origin,
        rows: desired_rows,
    } = desired;
    let removals: Vec<PriceRow> = if base.is_empty() {
        Vec::new()
    } else {
        let desired_skus: HashSet<&str> = desired_rows.iter().map(|r| r.sku.as_str()).collect();
        base.keys()
            .filter(|sku| !desired_skus.contains(sku.as_str()))
            .filter(|sku| match coverage {
                Coverage::Complete => true,
                Coverage::Partial(seen) => seen.contains(*sku),
            })
            .map(|sku| PriceRow::removal(sku.clone()))
            .collect()
    };
    let mut rows: Vec<PriceRow> = if base.is_empty() {
        desired_rows
    } else {
        desired_rows
            .into_iter()
            .filter(|r| {
                base.get(&r.sku)
                    .is_none_or(|h| *h != price_hash(&r.pricing))
            })
            .collect()
    };
    let removal_count = removals.len();
    rows.extend(removals);
    let action = if !exists {
        ListAction::Create
    } else if rows.is_empty() {
        ListAction::Unchanged
    } else {
        ListAction::Patch
    };
    ListPlan {
        header,
        origin,
        action,
        create: !exists,
        rows,
        removals: removal_count,
    }
}

/// P4: empties a list the sync created whose source is gone (every baseline SKU removed).
/// A list SparkLayer no longer has needs nothing.
pub fn plan_empty(
    header: &PriceListHeader,
    origin: &PriceListOrigin,
    baseline: &BTreeMap<String, u64>,
    exists: bool,
) -> ListPlan {
    let rows: Vec<PriceRow> = if exists {
        baseline
            .keys()
            .map(|s| PriceRow::removal(s.clone()))
            .collect()
    } else {
        Vec::new()
    };
    ListPlan {
        header: header.clone(),
        origin: origin.clone(),
        action: if rows.is_empty() {
            ListAction::Unchanged
        } else {
            ListAction::Empty
        },
        create: false,
        removals: rows.len(),
        rows,
    }
}

/// Hashes rows read from SparkLayer into a baseline (reconcile, C15).
pub fn baseline_from_rows(rows: &[PriceRow]) -> BTreeMap<String, u64> {
    rows.iter()
        .filter(|r| !r.pricing.is_empty())
        .map(|r| (r.sku.clone(), price_hash(&r.pricing)))
        .collect()
}
