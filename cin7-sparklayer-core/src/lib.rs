//! # cin7-sparklayer-core
//!
//! The pure domain of the Cin7 Core → Shopify / SparkLayer B2B sync. It knows every rule of
//! SPEC §3–§5 and does no I/O: everything outside comes through the [`ports`] traits, which the
//! client crates (`cin7-client`, `shopify-client`, `sparklayer-client`) and the state crate
//! implement. Hosts embed it with their own adapters.
//!
//! - [`model`]: source records and desired state, API-neutral.
//! - [`config`]: the rules' configuration of SPEC §6 (`[customers]`, `[pricing]`) and [`ConfigError`].
//! - [`rules`]: C1–C12 and P1–P2 as pure functions.
//! - [`plan`]: the desired state compared with the state store (E1, E2, C14, P3, P4).
//! - [`engine`]: fetch → map → plan → apply, with per-record isolation (E3) and the [`report`] (E9).
//! - [`memory`] (feature `testing`): in-memory adapters for tests and hosts.
//! - [`conformance`] (feature `testing`): each port's contract as reusable checks, for any adapter.

pub mod config;
#[cfg(feature = "testing")]
pub mod conformance;
pub mod engine;
pub mod error;
pub mod hash;
#[cfg(feature = "testing")]
pub mod memory;
pub mod model;
pub mod plan;
pub mod ports;
pub mod report;
pub mod rules;
pub mod secret;

pub use config::{ConfigError, RulesConfig};
pub use error::{ErrorSource, PortError, RunError, Service};
pub use secret::Secret;
