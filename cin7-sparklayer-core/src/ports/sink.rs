//! Sink ports: Shopify customers, SparkLayer price lists and customer groups.

use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::RequestCounts;
use crate::error::PortError;
use crate::model::{
    CustomerGroup, DesiredAddress, DesiredCustomer, DesiredMetafield, MetafieldDefinition,
    MetafieldKey, PriceListHeader, PriceRow,
};
use crate::report::{RunReport, WarningReason};

/// A Shopify customer's account state (`Customer.state`), which decides invites (C13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountState {
    /// `DISABLED`: no account yet; an invite may be sent.
    Disabled,
    /// `INVITED`: an invite was sent (by us or anyone); never send another.
    Invited,
    /// `ENABLED`: the customer has an account.
    Enabled,
    /// `DECLINED`: the customer declined the invite.
    Declined,
    /// The sink did not say.
    Unknown,
}

/// Which customer accounts the shop uses (C13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteSupport {
    /// Classic customer accounts: `customerSendAccountInviteEmail` works.
    Classic,
    /// New customer accounts: no invite exists (`invite_not_applicable`).
    NotApplicable,
}

/// The values of a Shopify customer's synced fields, read back for drift detection (C15).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteFields {
    /// `firstName`.
    pub first_name: Option<String>,
    /// `lastName`.
    pub last_name: Option<String>,
    /// `phone`.
    pub phone: Option<String>,
    /// `taxExempt`.
    pub tax_exempt: bool,
    /// The default address.
    pub address: Option<DesiredAddress>,
    /// Metafields in the `sparklayer` and `cin7` namespaces.
    pub metafields: Vec<DesiredMetafield>,
}

/// A customer as it exists in Shopify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteCustomer {
    /// Shopify's ID (`gid://shopify/Customer/…`).
    pub id: String,
    /// The customer's email.
    pub email: Option<String>,
    /// Account state (C13, E5).
    pub account_state: AccountState,
    /// All tags, the merchant's included.
    pub tags: Vec<String>,
    /// The synced fields, when the call read them ([`CustomerSink::get_customers`]).
    pub fields: Option<RemoteFields>,
}

/// How a write addresses its customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WriteTarget {
    /// A customer Shopify has under this ID: `customerSet(identifier: {id})`, tags via `tagsAdd`/`tagsRemove`.
    Existing {
        /// Shopify ID.
        shopify_id: String,
    },
    /// A customer not found by email: `customerSet(identifier: {email})` carrying the managed tags.
    New,
}

/// Everything one customer needs written, decided by the planner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerWrite {
    /// The Cin7 ID, for error reports.
    pub cin7_id: String,
    /// Which Shopify customer.
    pub target: WriteTarget,
    /// Fields to upsert with `customerSet`; `None` writes no fields (a revoke, or tags/metafields only).
    pub fields: Option<DesiredCustomer>,
    /// Managed tags to add (`tagsAdd`; on [`WriteTarget::New`] they go into `customerSet.tags`).
    pub tags_add: Vec<String>,
    /// Managed tags to remove (`tagsRemove`).
    pub tags_remove: Vec<String>,
    /// Metafields to set (`metafieldsSet`).
    pub metafields_set: Vec<DesiredMetafield>,
    /// Metafields the sync set before and no longer wants (`metafieldsDelete`).
    pub metafields_delete: Vec<MetafieldKey>,
}

/// A warning a sink raises on a write that otherwise succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkWarning {
    /// Reason code, e.g. `phone_taken` or `invalid_phone` (C4).
    pub reason: WarningReason,
    /// Human-readable detail (the API's message).
    pub message: String,
}

/// The result of one successful customer write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// The Shopify ID the customer has now (new for creates).
    pub shopify_id: String,
    /// The customer's account state after the write, when the sink read it.
    pub account_state: AccountState,
    /// Warnings, e.g. the phone was dropped because another customer has it.
    pub warnings: Vec<SinkWarning>,
}

/// Writes customers to the storefront (Shopify Admin GraphQL).
///
/// Contract:
/// - Lookups are reads; writes are idempotent for the same input (`customerSet` is an upsert,
///   `tagsAdd`/`tagsRemove`/`metafieldsSet`/`metafieldsDelete` converge), so a rerun after a crash is safe (E5).
/// - Batch methods return one result per input, in input order. One record's failure never fails the others (E3).
/// - Errors per record: [`PortError::Rejected`] with code `email_taken` or the API's message.
///   Throttling is handled inside the sink; [`PortError::RateLimited`] means it outlived the retries.
/// - [`PortError::Unauthenticated`] is fatal to the run.
#[async_trait]
pub trait CustomerSink: Send + Sync + Debug {
    /// Whether invites exist in this shop (read once per run, C13).
    async fn invite_support(&self) -> Result<InviteSupport, PortError>;

    /// Proves the sink may read the customer data the sync reads and writes (names, emails,
    /// phones, addresses: Shopify's protected customer data), before any write of a run and in
    /// `sync --check`. [`PortError::Unauthenticated`] (fatal) saying which access is missing.
    /// A sink with nothing to prove keeps the default, `Ok(())`.
    async fn check_access(&self) -> Result<(), PortError> {
        Ok(())
    }

    /// Finds customers by email with an exact, case-insensitive match (C2, E5): one entry per input, in order.
    async fn find_by_emails(
        &self,
        emails: &[String],
    ) -> Result<Vec<Option<RemoteCustomer>>, PortError>;

    /// Reads customers by Shopify ID with their synced fields (C15, E6): one entry per input, in order.
    async fn get_customers(&self, ids: &[String])
    -> Result<Vec<Option<RemoteCustomer>>, PortError>;

    /// Applies a batch of writes; one result per write, in order.
    async fn write_customers(
        &self,
        writes: &[CustomerWrite],
    ) -> Vec<Result<WriteOutcome, PortError>>;

    /// The shop's customer metafield definitions in `namespaces` (E10), read once per run and
    /// by `sync --check`. The default reports none, so a sink that cannot read definitions
    /// writes the sync's own types (and a shop that defines other ones refuses them per record).
    async fn metafield_definitions(
        &self,
        namespaces: &[&str],
    ) -> Result<Vec<MetafieldDefinition>, PortError> {
        let _ = namespaces;
        Ok(Vec::new())
    }

    /// Sends the account invite email (`customerSendAccountInviteEmail`, C13).
    async fn send_invite(&self, shopify_id: &str) -> Result<(), PortError>;

    /// Sends several invites; one result per ID, in order. The default calls
    /// [`CustomerSink::send_invite`] for each; a sink may batch them into one request (aliases).
    async fn send_invites(&self, shopify_ids: &[String]) -> Vec<Result<(), PortError>> {
        let mut out = Vec::with_capacity(shopify_ids.len());
        for id in shopify_ids {
            out.push(self.send_invite(id).await);
        }
        out
    }

    /// Requests made so far.
    fn request_counts(&self) -> RequestCounts {
        RequestCounts::default()
    }
}

/// A price list as SparkLayer lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemotePriceList {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Currency code.
    pub currency: Option<String>,
    /// `source` (`integration`, `custom`, …).
    pub source: Option<String>,
}

/// A row SparkLayer refused inside a PATCH that otherwise went through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRow {
    /// The SKU refused.
    pub sku: String,
    /// SparkLayer's message.
    pub message: String,
}

/// The result of a pricing PATCH: which rows, if any, were refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchOutcome {
    /// Rows refused by validation; every other row of the call was written.
    pub rejected: Vec<RejectedRow>,
}

/// Writes price lists to SparkLayer.
///
/// Contract:
/// - [`PriceListSink::create_price_list`] is idempotent: a list that already exists is success.
/// - [`PriceListSink::patch_prices`] replaces the prices of exactly the SKUs sent; a row with
///   empty `pricing` removes that SKU (P3). It sends one request per call (the engine batches).
///   Rows SparkLayer refuses come back in [`PatchOutcome::rejected`] and the other rows are still written.
/// - The engine never calls two writes on one list at once; 409s are retried inside the sink.
/// - [`PortError::Unauthenticated`] is fatal; [`PortError::NotFound`] means the list is gone.
#[async_trait]
pub trait PriceListSink: Send + Sync + Debug {
    /// All price lists in the account (paged by the sink).
    async fn price_lists(&self) -> Result<Vec<RemotePriceList>, PortError>;

    /// Creates a list with `source: "integration"`.
    async fn create_price_list(&self, header: &PriceListHeader) -> Result<(), PortError>;

    /// Reads the prices a list holds (reconcile, C15); an empty list is `Ok(vec![])`.
    async fn prices(&self, slug: &str) -> Result<Vec<PriceRow>, PortError>;

    /// Replaces the prices of the SKUs in `rows` (one request).
    async fn patch_prices(&self, slug: &str, rows: &[PriceRow]) -> Result<PatchOutcome, PortError>;

    /// Reports a finished run to the vendor's sync log, so the merchant sees it in their dashboard.
    /// The default does nothing.
    async fn report_run(&self, report: &RunReport) -> Result<(), PortError> {
        let _ = report;
        Ok(())
    }

    /// Requests made so far.
    fn request_counts(&self) -> RequestCounts {
        RequestCounts::default()
    }
}

/// Lists SparkLayer customer groups (C7). Read-only and idempotent.
#[async_trait]
pub trait CustomerGroupDirectory: Send + Sync + Debug {
    /// Every customer group (name and slug).
    async fn customer_groups(&self) -> Result<Vec<CustomerGroup>, PortError>;

    /// Requests made so far. An adapter that also implements [`PriceListSink`] reports its
    /// counts there only and returns zero here.
    fn request_counts(&self) -> RequestCounts {
        RequestCounts::default()
    }
}
