//! The PostgreSQL state store against a real server: set `CIN7_SPARKLAYER_TEST_PG` (see
//! `.ci/postgres.sh`). Without it the tests that need the server print one line and pass;
//! under CI they fail instead. One test binary (and `logs.rs`, which needs a global
//! subscriber), so the line is printed once per binary.

#[path = "../common/mod.rs"]
mod common;

mod concurrency;
mod conformance;
mod coordination;
mod cursor;
mod durability;
mod errors;
mod migration;
mod round_trip;
mod tenants;
