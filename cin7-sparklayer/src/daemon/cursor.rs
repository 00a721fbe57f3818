//! A state-store decorator that keeps webhook (records) runs from moving the incremental cursor.
//!
//! The core's cursor is "the start of the last successful run" (E4), whatever its mode. A
//! records run only looks at the IDs a webhook named, so letting it move the cursor would make
//! the next incremental run skip changes made before it that no webhook announced (webhooks can
//! be late, switched off, or not sent at all for price edits). [`CursorGuard`] forwards every
//! call and answers [`StateStore::last_successful_run`] with the last successful *full or
//! incremental* run: read once from the wrapped store, then kept up to date as runs are recorded.
//!
//! Limit: the first read comes from the wrapped store, so a records run recorded by an earlier
//! process after its last incremental run still counts there. The daemon's daily full reconcile
//! (the first tick after a restart when the last full run is unknown) closes that gap.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::model::{PriceListHeader, PriceListOrigin};
use cin7_sparklayer_core::ports::{CustomerLink, PriceListState, RowChange, StateStore};
use cin7_sparklayer_core::report::{RunMode, RunReport};

/// Wraps a [`StateStore`] so that records runs do not move the incremental cursor.
#[derive(Debug)]
pub struct CursorGuard {
    inner: Arc<dyn StateStore>,
    /// `None` until first read from `inner`; then the cursor.
    cursor: Mutex<Option<Option<DateTime<Utc>>>>,
}

impl CursorGuard {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn StateStore>) -> Self {
        Self {
            inner,
            cursor: Mutex::new(None),
        }
    }

    fn cached(&self) -> Option<Option<DateTime<Utc>>> {
        *self.cursor.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn load(&self) -> Result<Option<DateTime<Utc>>, PortError> {
        if let Some(c) = self.cached() {
            return Ok(c);
        }
        let read = self.inner.last_successful_run().await?;
        let mut guard = self.cursor.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(*guard.get_or_insert(read))
    }
}

#[async_trait]
impl StateStore for CursorGuard {
    async fn customer_links(&self) -> Result<Vec<CustomerLink>, PortError> {
        self.inner.customer_links().await
    }

    async fn save_customer_link(&self, link: &CustomerLink) -> Result<(), PortError> {
        self.inner.save_customer_link(link).await
    }

    async fn price_lists(&self) -> Result<Vec<PriceListState>, PortError> {
        self.inner.price_lists().await
    }

    async fn save_price_list(
        &self,
        header: &PriceListHeader,
        origin: &PriceListOrigin,
    ) -> Result<(), PortError> {
        self.inner.save_price_list(header, origin).await
    }

    async fn save_price_rows(&self, slug: &str, changes: &[RowChange]) -> Result<(), PortError> {
        self.inner.save_price_rows(slug, changes).await
    }

    async fn last_successful_run(&self) -> Result<Option<DateTime<Utc>>, PortError> {
        self.load().await
    }

    async fn last_full_run(&self) -> Result<Option<DateTime<Utc>>, PortError> {
        self.inner.last_full_run().await
    }

    async fn record_run(&self, report: &RunReport) -> Result<(), PortError> {
        // Read the cursor before this run is stored, so a records run never becomes it.
        let before = self.load().await?;
        self.inner.record_run(report).await?;
        if report.mode != RunMode::Records && report.succeeded() {
            let next = Some(before.map_or(report.started_at, |b| b.max(report.started_at)));
            *self.cursor.lock().unwrap_or_else(PoisonError::into_inner) = Some(next);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cin7_sparklayer_core::memory::MemoryState;

    fn run(mode: RunMode, at: DateTime<Utc>) -> RunReport {
        let mut r = RunReport::new(mode, false, at);
        r.finished_at = at;
        r
    }

    #[tokio::test]
    async fn records_runs_do_not_move_the_cursor() {
        let inner = Arc::new(MemoryState::new());
        let guard = CursorGuard::new(inner.clone());
        assert_eq!(guard.last_successful_run().await.ok(), Some(None));
        let t0 = Utc::now();
        let t1 = t0 + chrono::Duration::hours(1);
        let t2 = t0 + chrono::Duration::hours(2);
        guard.record_run(&run(RunMode::Full, t0)).await.ok();
        guard.record_run(&run(RunMode::Records, t1)).await.ok();
        assert_eq!(guard.last_successful_run().await.ok(), Some(Some(t0)));
        assert_eq!(inner.runs().len(), 2, "every run is still recorded");
        let mut interrupted = run(RunMode::Incremental, t2);
        interrupted.interrupted = true;
        guard.record_run(&interrupted).await.ok();
        assert_eq!(guard.last_successful_run().await.ok(), Some(Some(t0)));
        guard.record_run(&run(RunMode::Incremental, t2)).await.ok();
        assert_eq!(guard.last_successful_run().await.ok(), Some(Some(t2)));
    }
}
