//! # cin7-sparklayer-sandbox
//!
//! In-process fakes of the three APIs the sync talks to, each a real HTTP server on loopback,
//! plus a seeded data generator. The demo, the end-to-end tests and the benchmarks use them.
//!
//! - [`data`]: seeded generator of Cin7 customers and products covering every edge case of SPEC §3–§4.
//! - [`cin7`]: fake Cin7 Core External API v2 (`me`, `ref/priceTier`, `customer`, `product`).
//! - [`shopify`]: fake Shopify Admin GraphQL API.
//! - [`sparklayer`]: fake SparkLayer API (auth, customer groups, price lists, pricing, sync log).
//! - [`world`]: all three started together with the matching configuration.

pub mod cin7;
pub mod data;
pub mod shopify;
pub mod sparklayer;
pub mod world;

pub use world::{Sandbox, SandboxOptions};
