//! The core ports over the client: [`PriceListSink`] and [`CustomerGroupDirectory`].

use async_trait::async_trait;
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::model::{CustomerGroup, PriceListHeader, PriceRow};
use cin7_sparklayer_core::ports::{
    CustomerGroupDirectory, PatchOutcome, PriceListSink, RemotePriceList, RequestCounts,
};
use cin7_sparklayer_core::report::RunReport;

use crate::client::SparkLayerClient;

#[async_trait]
impl PriceListSink for SparkLayerClient {
    /// P4/C15: every list in the account, paged by 250.
    async fn price_lists(&self) -> Result<Vec<RemotePriceList>, PortError> {
        Ok(self.list_price_lists().await?)
    }

    /// P1/P2: creates the list with `source: "integration"`; an existing slug is success.
    async fn create_price_list(&self, header: &PriceListHeader) -> Result<(), PortError> {
        Ok(self.create_list(header).await?)
    }

    /// C15 reconcile: the prices the list holds, grouped by SKU (204 = none).
    async fn prices(&self, slug: &str) -> Result<Vec<PriceRow>, PortError> {
        Ok(self.read_prices(slug).await?)
    }

    /// P3: one PATCH with the rows as sent; refused rows come back in the outcome.
    async fn patch_prices(&self, slug: &str, rows: &[PriceRow]) -> Result<PatchOutcome, PortError> {
        Ok(self.patch_rows(slug, rows).await?)
    }

    /// E9: the run's status and failures in SparkLayer's sync log.
    async fn report_run(&self, report: &RunReport) -> Result<(), PortError> {
        Ok(self.put_sync_log(report).await?)
    }

    /// Reads (token requests included), writes, throttled and retried requests (E9).
    fn request_counts(&self) -> RequestCounts {
        self.counts()
    }
}

#[async_trait]
impl CustomerGroupDirectory for SparkLayerClient {
    /// C7: every customer group, name and slug.
    async fn customer_groups(&self) -> Result<Vec<CustomerGroup>, PortError> {
        Ok(self.list_customer_groups().await?)
    }

    /// Zero: the counts are reported by [`PriceListSink::request_counts`] (same client).
    fn request_counts(&self) -> RequestCounts {
        RequestCounts::default()
    }
}
