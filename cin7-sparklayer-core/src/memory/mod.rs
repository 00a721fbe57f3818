//! In-memory adapters (feature `testing`): a state store, a Cin7 source, a Shopify sink and a
//! SparkLayer sink that keep everything in memory with the real APIs' main semantics.
//! For tests, benchmarks and hosts that want a dry harness.

mod coordination;
mod sinks;
mod source;
mod state;

pub use coordination::{MemoryInbox, MemoryLeases};
pub use sinks::{MemoryPriceLists, MemoryShopify, ShopifyRecord};
pub use source::MemorySource;
pub use state::MemoryState;
