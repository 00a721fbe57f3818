//! An in-memory [`StateStore`].

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::PortError;
use crate::model::{PriceListHeader, PriceListOrigin};
use crate::ports::{CustomerLink, PriceListState, RowChange, StateStore};
use crate::report::RunReport;

#[derive(Debug, Default)]
struct Inner {
    links: BTreeMap<String, CustomerLink>,
    lists: BTreeMap<String, PriceListState>,
    runs: Vec<RunReport>,
}

/// A [`StateStore`] in memory. Clone the `Arc` to share it between runs.
#[derive(Debug, Default)]
pub struct MemoryState {
    inner: Mutex<Inner>,
}

impl MemoryState {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, PortError> {
        self.inner
            .lock()
            .map_err(|_| PortError::state("in-memory state lock poisoned"))
    }

    /// Every run recorded so far.
    pub fn runs(&self) -> Vec<RunReport> {
        self.inner
            .lock()
            .map(|i| i.runs.clone())
            .unwrap_or_default()
    }
}

#[async_trait]
impl StateStore for MemoryState {
    async fn customer_links(&self) -> Result<Vec<CustomerLink>, PortError> {
        Ok(self.lock()?.links.values().cloned().collect())
    }

    async fn save_customer_link(&self, link: &CustomerLink) -> Result<(), PortError> {
        self.lock()?
            .links
            .insert(link.cin7_id.clone(), link.clone());
        Ok(())
    }

    async fn move_customer_link(&self, from: &str, link: &CustomerLink) -> Result<(), PortError> {
        let mut inner = self.lock()?;
        let still_there = inner
            .links
            .get(from)
            .is_some_and(|l| l.shopify_id == link.shopify_id);
        if still_there && from != link.cin7_id {
            inner.links.remove(from);
        }
        inner.links.insert(link.cin7_id.clone(), link.clone());
        Ok(())
    }

    async fn price_lists(&self) -> Result<Vec<PriceListState>, PortError> {
        Ok(self.lock()?.lists.values().cloned().collect())
    }

    async fn save_price_list(
        &self,
        header: &PriceListHeader,
        origin: &PriceListOrigin,
    ) -> Result<(), PortError> {
        let mut inner = self.lock()?;
        let entry = inner
            .lists
            .entry(header.slug.clone())
            .or_insert_with(|| PriceListState {
                header: header.clone(),
                origin: origin.clone(),
                rows: BTreeMap::new(),
            });
        entry.header = header.clone();
        entry.origin = origin.clone();
        Ok(())
    }

    async fn save_price_rows(&self, slug: &str, changes: &[RowChange]) -> Result<(), PortError> {
        let mut inner = self.lock()?;
        let list = inner
            .lists
            .get_mut(slug)
            .ok_or_else(|| PortError::state(format!("price list {slug} is not in the state")))?;
        for (sku, hash) in changes {
            match hash {
                Some(h) => {
                    list.rows.insert(sku.clone(), *h);
                }
                None => {
                    list.rows.remove(sku);
                }
            }
        }
        Ok(())
    }

    async fn last_successful_run(&self) -> Result<Option<DateTime<Utc>>, PortError> {
        Ok(self
            .lock()?
            .runs
            .iter()
            .filter(|r| r.succeeded() && r.mode != crate::report::RunMode::Records)
            .map(|r| r.started_at)
            .max())
    }

    async fn last_full_run(&self) -> Result<Option<DateTime<Utc>>, PortError> {
        Ok(self
            .lock()?
            .runs
            .iter()
            .filter(|r| r.succeeded() && r.mode == crate::report::RunMode::Full)
            .map(|r| r.started_at)
            .max())
    }

    async fn record_run(&self, report: &RunReport) -> Result<(), PortError> {
        self.lock()?.runs.push(report.clone());
        Ok(())
    }
}
