//! The [`StateStore`] port on PostgreSQL: each method takes a pooled connection, runs its
//! statements for the store's tenant, and names the server and tenant in its error.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::model::{PriceListHeader, PriceListOrigin};
use cin7_sparklayer_core::ports::{CustomerLink, PriceListState, RowChange, StateStore};
use cin7_sparklayer_core::report::RunReport;

use crate::store::PostgresStateStore;
use crate::tables::{customers, price_lists, runs};

#[async_trait]
impl StateStore for PostgresStateStore {
    async fn customer_links(&self) -> Result<Vec<CustomerLink>, PortError> {
        let result = async {
            let client = self.client("reading customer links").await?;
            customers::all(&client, self.tenant()).await
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn save_customer_link(&self, link: &CustomerLink) -> Result<(), PortError> {
        let result = async {
            let client = self.client("saving a customer link").await?;
            customers::save(&client, self.tenant(), link).await
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn move_customer_link(&self, from: &str, link: &CustomerLink) -> Result<(), PortError> {
        let result = async {
            let client = self.client("moving a customer link").await?;
            customers::move_to(&client, self.tenant(), from, link).await
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn price_lists(&self) -> Result<Vec<PriceListState>, PortError> {
        let result = async {
            let mut client = self.client("reading price lists").await?;
            price_lists::all(&mut client, self.tenant()).await
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn save_price_list(
        &self,
        header: &PriceListHeader,
        origin: &PriceListOrigin,
    ) -> Result<(), PortError> {
        let result = async {
            let client = self.client("saving a price list").await?;
            price_lists::save_list(&client, self.tenant(), header, origin).await
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn save_price_rows(&self, slug: &str, changes: &[RowChange]) -> Result<(), PortError> {
        let result = async {
            let mut client = self.client("saving price rows").await?;
            price_lists::save_rows(&mut client, self.tenant(), slug, changes).await
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn last_successful_run(&self) -> Result<Option<DateTime<Utc>>, PortError> {
        let result = async {
            let client = self.client("reading the last successful run").await?;
            runs::last_successful(&client, self.tenant()).await
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn last_full_run(&self) -> Result<Option<DateTime<Utc>>, PortError> {
        let result = async {
            let client = self.client("reading the last full run").await?;
            runs::last_full(&client, self.tenant()).await
        };
        result.await.map_err(|e| self.port_error(e))
    }

    async fn record_run(&self, report: &RunReport) -> Result<(), PortError> {
        let result = async {
            let client = self.client("recording a run").await?;
            runs::record(&client, self.tenant(), report).await
        };
        result.await.map_err(|e| self.port_error(e))
    }
}

impl PostgresStateStore {
    /// Every recorded run's report of the tenant, oldest first (for a status display; not part
    /// of the port).
    ///
    /// # Errors
    /// [`PortError::State`] when the database cannot be read.
    pub async fn runs(&self) -> Result<Vec<RunReport>, PortError> {
        let result = async {
            let client = self.client("reading the run history").await?;
            runs::all(&client, self.tenant()).await
        };
        result.await.map_err(|e| self.port_error(e))
    }
}
