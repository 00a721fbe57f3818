//! Source ports: where Cin7 customers, products and account facts come from.

use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
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

    /// Requests made so far by this source. A client that implements both source traits
    /// reports its counts from [`CustomerSource::request_counts`] only and returns zero here.
    fn request_counts(&self) -> RequestCounts {
        RequestCounts::default()
    }
}
