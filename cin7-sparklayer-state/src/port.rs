//! The [`StateStore`] port on SQLite: each method is one call on the blocking pool.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::model::{PriceListHeader, PriceListOrigin};
use cin7_sparklayer_core::ports::{CustomerLink, PriceListState, RowChange, StateStore};
use cin7_sparklayer_core::report::RunReport;

use crate::store::SqliteStateStore;
use crate::tables::{customers, price_lists, runs};

#[async_trait]
impl StateStore for SqliteStateStore {
    async fn customer_links(&self) -> Result<Vec<CustomerLink>, PortError> {
        self.call(|conn| customers::all(conn)).await
    }

    async fn save_customer_link(&self, link: &CustomerLink) -> Result<(), PortError> {
        let link = link.clone();
        self.call(move |conn| customers::save(conn, &link, Utc::now()))
            .await
    }

    async fn move_customer_link(&self, from: &str, link: &CustomerLink) -> Result<(), PortError> {
        let (from, link) = (from.to_owned(), link.clone());
        self.call(move |conn| customers::move_to(conn, &from, &link, Utc::now()))
            .await
    }

    async fn price_lists(&self) -> Result<Vec<PriceListState>, PortError> {
        self.call(price_lists::all).await
    }

    async fn save_price_list(
        &self,
        header: &PriceListHeader,
        origin: &PriceListOrigin,
    ) -> Result<(), PortError> {
        let (header, origin) = (header.clone(), origin.clone());
        self.call(move |conn| price_lists::save_list(conn, &header, &origin))
            .await
    }

    async fn save_price_rows(&self, slug: &str, changes: &[RowChange]) -> Result<(), PortError> {
        let (slug, changes) = (slug.to_owned(), changes.to_vec());
        self.call(move |conn| price_lists::save_rows(conn, &slug, &changes))
            .await
    }

    async fn last_successful_run(&self) -> Result<Option<DateTime<Utc>>, PortError> {
        self.call(|conn| runs::last_successful(conn)).await
    }

    async fn last_full_run(&self) -> Result<Option<DateTime<Utc>>, PortError> {
        self.call(|conn| runs::last_full(conn)).await
    }

    async fn record_run(&self, report: &RunReport) -> Result<(), PortError> {
        let report = report.clone();
        self.call(move |conn| runs::record(conn, &report)).await
    }
}

impl SqliteStateStore {
    /// Every recorded run's report, oldest first (for a status display; not part of the port).
    ///
    /// # Errors
    /// [`PortError::State`] when the file cannot be read.
    pub async fn runs(&self) -> Result<Vec<RunReport>, PortError> {
        self.call(|conn| runs::all(conn)).await
    }
}
