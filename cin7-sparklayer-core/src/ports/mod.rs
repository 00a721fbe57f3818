//! Ports: the traits through which the core reaches the outside world.
//!
//! All are object-safe (`Arc<dyn …>`) and use `#[async_trait]`: one boxed future per call is
//! nothing next to an HTTP round trip. Adapters live in other crates (`cin7-client`,
//! `shopify-client`, `sparklayer-client`, the state crate); in-memory ones ship in
//! [`crate::memory`] behind the `testing` feature.

mod coordination;
mod sink;
mod source;
mod state;
pub mod stored;

use serde::{Deserialize, Serialize};

pub use coordination::{Lease, LeaseStore, QueuedDelivery, WebhookInbox};
pub use sink::{
    AccountState, CustomerGroupDirectory, CustomerSink, CustomerWrite, InviteSupport, PatchOutcome,
    PriceListSink, RejectedRow, RemoteCustomer, RemoteFields, RemotePriceList, SinkWarning,
    WriteOutcome, WriteTarget,
};
pub use source::{
    Change, CustomerSource, FetchScope, Fetched, IncompleteRead, MalformedRecord, PricingSource,
    RecordStream,
};
pub use state::{CustomerLink, PriceListState, RowChange, StateStore};

/// HTTP requests an adapter made, for the run report (E9).
///
/// Counters are cumulative over the adapter's life; the engine reports the difference
/// between the start and the end of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCounts {
    /// Requests that only read.
    pub reads: u64,
    /// Requests that wrote (mutations, POST/PATCH/PUT).
    pub writes: u64,
    /// Requests answered with throttling (429, 503, `THROTTLED`) and retried.
    pub throttled: u64,
    /// Requests retried for any other transient reason (5xx, 409, network).
    pub retried: u64,
}

impl RequestCounts {
    /// `self - earlier`, saturating: the requests made between two snapshots.
    pub fn since(self, earlier: RequestCounts) -> RequestCounts {
        RequestCounts {
            reads: self.reads.saturating_sub(earlier.reads),
            writes: self.writes.saturating_sub(earlier.writes),
            throttled: self.throttled.saturating_sub(earlier.throttled),
            retried: self.retried.saturating_sub(earlier.retried),
        }
    }

    /// Adds two counts.
    pub fn plus(self, other: RequestCounts) -> RequestCounts {
        RequestCounts {
            reads: self.reads + other.reads,
            writes: self.writes + other.writes,
            throttled: self.throttled + other.throttled,
            retried: self.retried + other.retried,
        }
    }
}
