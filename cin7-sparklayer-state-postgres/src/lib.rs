//! # cin7-sparklayer-state-postgres
//!
//! The PostgreSQL state store of the Cin7 → Shopify/SparkLayer sync: [`PostgresStateStore`]
//! implements the core's [`StateStore`](cin7_sparklayer_core::ports::StateStore) port (E2, E4,
//! E5) for one tenant of a database that many tenants and many replicas share. SQLite
//! (`cin7-sparklayer-state`, `state.path`) stays the embedded default; this store is chosen with
//! `state.url = "postgres://…"`.
//!
//! ```no_run
//! use cin7_sparklayer_core::Secret;
//! use cin7_sparklayer_core::ports::StateStore;
//! use cin7_sparklayer_state_postgres::PostgresStateStore;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let url = Secret::new("postgres://sync:password@db.internal:5432/cin7_sparklayer");
//! let state = PostgresStateStore::connect(&url, "acme").await?; // checks and migrates
//! let cursor = state.last_successful_run().await?;
//! # Ok(()) }
//! ```
//!
//! - **Tenants.** Every table of tenant data has a `tenant` column first in its primary key, and
//!   every statement filters on the store's tenant: two tenants on one database never see each
//!   other's links, lists or cursor. [`PostgresStateStore::for_tenant`] shares one pool between
//!   tenants.
//! - **Durability (E5).** Each save is one upsert (`INSERT … ON CONFLICT … DO UPDATE`) or one
//!   transaction (a price-row patch), committed when it returns. Replicas writing the same
//!   tenant at once cannot corrupt it: the upserts are atomic, and row patches lock their rows
//!   in SKU order.
//! - **Schema.** Versioned migrations (`migrations/NNNN_name.sql`, embedded) are applied in
//!   order in one transaction under an advisory lock and recorded in [`SCHEMA_TABLE`]. The
//!   tables go in the connection's current schema (`public`, or the first of `search_path`:
//!   `?options=-c%20search_path%3Dsync` in the URL). A schema holding another application's
//!   tables, or migrated by a newer release, is refused untouched ([`PgOpenError`]).
//! - **Secrets.** The URL's password is never shown: `Debug`, errors and logs name the server
//!   as `postgres://user@host:port/database`.
//! - **TLS.** `sslmode=require` encrypts with rustls and verifies the server certificate against
//!   the system's trust store; `prefer` (the default) and `disable` connect without TLS.
//!
//! - **Coordination (issue 16).** [`PostgresCoordination`] implements the core's
//!   [`LeaseStore`](cin7_sparklayer_core::ports::LeaseStore) and
//!   [`WebhookInbox`](cin7_sparklayer_core::ports::WebhookInbox) on the same database: which
//!   replica runs which tenant (lease rows with an expiry on the database's clock; its docs say
//!   why rows rather than advisory locks) and the webhook deliveries any replica accepted,
//!   claimed by the tenant's lease holder with `FOR UPDATE SKIP LOCKED`.
//!
//! ## Why tokio-postgres and deadpool-postgres
//! `tokio-postgres` is the asynchronous driver underneath most of the ecosystem: small, no
//! macros, no database needed at build time, and it runs on the Tokio runtime the workspace
//! already uses. `deadpool-postgres` adds the pool (statement cache per connection, broken
//! connections replaced) without further dependencies. `sqlx` would bring its own pool and
//! query layer, a larger build, and compile-time checking this crate cannot use without a live
//! database; the store's dozen fixed statements do not need it.

mod codec;
mod coordination;
mod error;
mod port;
mod schema;
mod store;
mod tables;
mod tls;
mod url;

pub use coordination::PostgresCoordination;
pub use error::PgOpenError;
pub use schema::{SCHEMA_TABLE, SCHEMA_VERSION};
pub use store::{DEFAULT_TENANT, MAX_TENANT_LEN, PostgresOptions, PostgresStateStore};
