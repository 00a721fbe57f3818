//! # cin7-sparklayer
//!
//! Facade over the workspace: re-exports the pure core so hosts depend on one crate.
//! The example binaries (`demo`, `sync`, `daemon`) and the benchmarks live in this package.

pub use cin7_sparklayer_core as core;
