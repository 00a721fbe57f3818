//! The state port: what the sync remembers between runs (E2, E4, E5).

use std::collections::BTreeMap;
use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::PortError;
use crate::model::{MetafieldKey, PriceListHeader, PriceListOrigin};
use crate::report::RunReport;

/// What the sync last wrote for one Cin7 customer, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerLink {
    /// Cin7 customer ID (the key).
    pub cin7_id: String,
    /// The linked Shopify customer ID (E5, E6).
    pub shopify_id: String,
    /// The email last written, lowercased.
    pub email: String,
    /// Content hash of the desired customer last written in full (E2). Empty after a revoke.
    pub content_hash: String,
    /// Whether the account invite was sent (C13): never twice.
    pub invite_sent: bool,
    /// Managed tags the sync set and has not removed (C11, C14).
    pub managed_tags: Vec<String>,
    /// Metafields the sync set and has not deleted (C7, C14).
    pub metafields: Vec<MetafieldKey>,
    /// Whether the customer was revoked because it left scope (C14).
    pub revoked: bool,
}

/// What the sync last wrote to one of its own price lists (P3, P4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListState {
    /// Slug, name and currency the list was created with.
    pub header: PriceListHeader,
    /// Where it came from.
    pub origin: PriceListOrigin,
    /// SKU → hash of the pricing last written ([`crate::hash::price_hash`]).
    pub rows: BTreeMap<String, u64>,
}

/// A change to one SKU of a list's state: `Some(hash)` written, `None` removed.
pub type RowChange = (String, Option<u64>);

/// Persists the sync's memory.
///
/// Contract:
/// - Each `save_*` is durable when it returns, and is called right after the matching
///   remote write succeeded, so a crash loses at most the record in flight (E5).
/// - Saves are idempotent upserts.
/// - Every error is [`PortError::State`] and is fatal to the run: a store that cannot be
///   trusted must not drive writes.
#[async_trait]
pub trait StateStore: Send + Sync + Debug {
    /// Every customer link.
    async fn customer_links(&self) -> Result<Vec<CustomerLink>, PortError>;

    /// Inserts or replaces a link (keyed by `cin7_id`).
    async fn save_customer_link(&self, link: &CustomerLink) -> Result<(), PortError>;

    /// C16: saves `link` (keyed by its `cin7_id`) and, atomically with it, removes the link
    /// keyed `from` if that one still links `link.shopify_id`: a Shopify customer following its
    /// email to another record of the same Cin7 customer (a contact made the default one).
    /// When `from` links another Shopify customer by then, or is `link`'s own key, only the
    /// save happens.
    async fn move_customer_link(&self, from: &str, link: &CustomerLink) -> Result<(), PortError>;

    /// Every price list the sync created, with its rows.
    async fn price_lists(&self) -> Result<Vec<PriceListState>, PortError>;

    /// Records that the sync created (or adopted) a list.
    async fn save_price_list(
        &self,
        header: &PriceListHeader,
        origin: &PriceListOrigin,
    ) -> Result<(), PortError>;

    /// Applies row changes to a list's state after a successful PATCH.
    async fn save_price_rows(&self, slug: &str, changes: &[RowChange]) -> Result<(), PortError>;

    /// Start time of the last full or incremental run that finished without failures (the
    /// incremental cursor, E4). Runs over named records (webhooks, [`crate::report::RunMode::Records`])
    /// never move it.
    async fn last_successful_run(&self) -> Result<Option<DateTime<Utc>>, PortError>;

    /// Start time of the last full run that finished without failures (the daemon's daily
    /// reconcile, E4), so a restart does not force an extra full run. The default says "unknown".
    async fn last_full_run(&self) -> Result<Option<DateTime<Utc>>, PortError> {
        Ok(None)
    }

    /// Stores a finished run's report; a run with no failures moves the cursor.
    async fn record_run(&self, report: &RunReport) -> Result<(), PortError>;
}
