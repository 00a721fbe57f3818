//! Source ports: where Cin7 customers, products and account facts come from.

use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

use super::RequestCounts;
use crate::error::PortError;
use crate::model::{AccountInfo, SourceCustomer, SourceProduct};

/// Which records a fetch asks for (E4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FetchScope {
    /// Every record, deprecated ones included (full run).
    All,
    /// Records modified at or after this UTC instant (incremental run).
    ModifiedSince(DateTime<Utc>),
    /// Just these record IDs (webhook-driven run).
    Ids(Vec<String>),
}

/// A record that could not be read into the model: reported as a skip, never a run failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MalformedRecord {
    /// The record's ID, when it could be read.
    pub id: Option<String>,
    /// The field that failed, when known (e.g. `CustomerList[3].CreditLimit`).
    pub field: Option<String>,
    /// Why it failed.
    pub reason: String,
}

/// A read that ended with fewer distinct records than the source says it holds (E8): Cin7's
/// `Total` was larger than the distinct rows its pages served (rows skipped by page offsets
/// that moved, pages capped below `Limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncompleteRead {
    /// How many records the source says match (Cin7's latest `Total`).
    pub expected: u64,
    /// How many distinct records (by ID; rows without one count once each) the read served,
    /// malformed ones included.
    pub received: u64,
}

impl std::fmt::Display for IncompleteRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "read {} distinct records of the {} the source reports",
            self.received, self.expected
        )
    }
}

/// One item of a source stream: a record, a record that failed to parse, or the news that the
/// read fell short.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched<T> {
    /// A record that parsed.
    Record(T),
    /// A record that did not parse; the rest of the page goes on.
    Malformed(MalformedRecord),
    /// The read served fewer distinct records than the source reports (E8). Yielded at most
    /// once per walk, after its last record; a read without it is complete.
    Incomplete(IncompleteRead),
}

/// A stream of records. It ends after the last record or after the first `Err`, which is a
/// failure of the fetch itself (credentials, retries exhausted), not of one record. A read
/// that came up short says so with a [`Fetched::Incomplete`] after its last record (E8).
pub type RecordStream<T> = BoxStream<'static, Result<Fetched<T>, PortError>>;

/// A record's Cin7 ID and when Cin7 last changed it (`LastModifiedOn`): what the daemon's
/// freshness poll reads (E12). `modified` is `None` when the record carries no readable date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The record's Cin7 ID.
    pub id: String,
    /// Its `LastModifiedOn` (Cin7's clock, UTC).
    pub modified: Option<DateTime<Utc>>,
}

/// Drains a record stream into [`Change`]s: the default of the ports' `*_changes` methods.
/// A malformed record with an ID is a change too (the records run then reports it).
async fn changes_of<T>(
    mut stream: RecordStream<T>,
    key: fn(&T) -> Change,
) -> Result<Vec<Change>, PortError> {
    let mut out = Vec::new();
    while let Some(item) = stream.next().await {
        match item? {
            Fetched::Record(r) => out.push(key(&r)),
            Fetched::Malformed(m) => {
                if let Some(id) = m.id {
                    out.push(Change { id, modified: None });
                }
            }
            // A short change list is still every change it saw; the next scheduled full run
            // reconciles what paging skipped (E8).
            Fetched::Incomplete(_) => {}
        }
    }
    Ok(out)
}

/// Reads customers and account facts from the ERP (Cin7 Core `GET /customer`, `/me`, `/ref/priceTier`).
///
/// Contract:
/// - Reads only; every method is idempotent and safe to call again.
/// - [`CustomerSource::customers`] yields every matching record exactly once (E8), including
///   deprecated ones, each with its customer-specific prices. Memory must not grow with the
///   account's size: implementations page lazily.
/// - A read that ends with fewer distinct records than the source reports ends with
///   [`Fetched::Incomplete`] (E8): the engine then treats no linked customer as gone.
/// - Errors: [`PortError::Unauthenticated`] is fatal; [`PortError::RateLimited`] and
///   [`PortError::Unavailable`] mean retries ran out and a later run may succeed.
#[async_trait]
pub trait CustomerSource: Send + Sync + Debug {
    /// Base currency and price tier names (C8, C12, P1).
    async fn account(&self) -> Result<AccountInfo, PortError>;

    /// Streams the customers in `scope` (C1–C12 input).
    fn customers(&self, scope: FetchScope) -> RecordStream<SourceCustomer>;

    /// The ID and `LastModifiedOn` of every customer modified at or after `since` (the same
    /// records as `customers(FetchScope::ModifiedSince(since))`, deprecated ones included),
    /// for the daemon's freshness poll (E12). Adapters should answer it with as few and as
    /// light requests as they can (`cin7-client`: one page, no prices, when few changed);
    /// the default reads the full records and keeps their IDs.
    async fn customer_changes(&self, since: DateTime<Utc>) -> Result<Vec<Change>, PortError> {
        changes_of(self.customers(FetchScope::ModifiedSince(since)), |c| {
            Change {
                id: c.id.clone(),
                modified: c.last_modified,
            }
        })
        .await
    }

    /// Requests made so far by this source (reads only: the sync never writes to Cin7).
    fn request_counts(&self) -> RequestCounts {
        RequestCounts::default()
    }
}

/// Reads products and their tier prices from the ERP (Cin7 Core `GET /product`).
///
/// Same contract as [`CustomerSource`]: read-only, each record once, lazily paged.
#[async_trait]
pub trait PricingSource: Send + Sync + Debug {
    /// Streams the products in `scope` (P1 input).
    fn products(&self, scope: FetchScope) -> RecordStream<SourceProduct>;

    /// The ID and `LastModifiedOn` of every product modified at or after `since`, as
    /// [`CustomerSource::customer_changes`] (E12).
    async fn product_changes(&self, since: DateTime<Utc>) -> Result<Vec<Change>, PortError> {
        changes_of(self.products(FetchScope::ModifiedSince(since)), |p| {
            Change {
                id: p.id.clone(),
                modified: p.last_modified,
            }
        })
        .await
    }

    /// Requests made so far by this source. A client that implements both source traits
    /// reports its counts from [`CustomerSource::request_counts`] only and returns zero here.
    fn request_counts(&self) -> RequestCounts {
        RequestCounts::default()
    }
}
