//! # cin7-sparklayer-state
//!
//! The SQLite state store of the Cin7 → Shopify/SparkLayer sync: [`SqliteStateStore`]
//! implements the core's [`StateStore`](cin7_sparklayer_core::ports::StateStore) port (E2, E4, E5).
//!
//! ```no_run
//! use cin7_sparklayer_core::ports::StateStore;
//! use cin7_sparklayer_state::SqliteStateStore;
//!
//! # async fn demo() -> Result<(), cin7_sparklayer_core::PortError> {
//! let state = SqliteStateStore::open("cin7-sparklayer.sqlite")?; // `state.path`
//! let cursor = state.last_successful_run().await?;
//! # Ok(()) }
//! ```
//!
//! - One file per merchant, in WAL mode. Every save is its own transaction and has reached the
//!   operating system when it returns (see [`Synchronous`] for the durability trade-off).
//! - The file carries [`APPLICATION_ID`] and [`SCHEMA_VERSION`]; older files are migrated on
//!   open, while files that are not ours, are damaged or are newer are refused untouched
//!   ([`StateOpenError`]).

mod codec;
mod error;
mod port;
mod schema;
mod settings;
mod store;
mod tables;

pub use error::StateOpenError;
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use settings::{DEFAULT_STATE_PATH, StateConfig, StateLocation};
pub use store::{SqliteStateStore, StateOptions, Synchronous};
