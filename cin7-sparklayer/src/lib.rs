//! # cin7-sparklayer
//!
//! Keeps a B2B merchant's Shopify customers and SparkLayer price lists in step with Cin7 Core.
//! This facade re-exports the workspace's crates and wires them from one configuration, so a
//! host needs one dependency and three lines:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use cin7_sparklayer::{Config, RunOptions, engine_from_config};
//! let config = Config::from_toml_str(&std::fs::read_to_string("sync.toml")?, |k| std::env::var(k).ok())?;
//! let engine = engine_from_config(&config)?;
//! let report = engine.run(RunOptions::default()).await?;
//! println!("{}", cin7_sparklayer::core::report::render_table(&report));
//! # Ok(()) }
//! ```
//!
//! The example binaries (`demo`, `sync`, `daemon`) and the benchmarks live in this package.
//!
//! Cargo features: `daemon` (off by default) adds the `daemon` module, the long-running
//! service with its HTTP server (axum), webhook queue, `/metrics` and signal handling; without
//! it an embedder compiles the engine, the clients and the state store only.

pub mod cli;
pub mod config;
#[cfg(feature = "daemon")]
pub mod daemon;
mod progress;
mod report_file;
mod setup;

pub use cin7_client;
pub use cin7_sparklayer_core as core;
pub use cin7_sparklayer_core::engine::{
    EngineSettings, ModeRequest, Ports, RunOptions, SyncEngine,
};
pub use cin7_sparklayer_core::{ConfigError, RunError};
pub use cin7_sparklayer_state as state;
pub use cin7_sparklayer_state_postgres as state_postgres;
pub use config::Config;
pub use progress::BarProgress;
pub use report_file::{ReportFile, ReportFileError};
pub use setup::{
    SetupError, engine_for_replica, engine_from_config, engine_with_state, load_config,
    ports_from_config, replica_user_agent, state_from_config,
};
pub use shopify_client;
pub use sparklayer_client;
