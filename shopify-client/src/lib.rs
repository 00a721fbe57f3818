//! # shopify-client
//!
//! The Shopify Admin GraphQL API as the sync's customer sink
//! ([`cin7_sparklayer_core::ports::CustomerSink`], SPEC §7).
//!
//! - One small transport: `POST {query, variables}` to
//!   `https://{shop}/admin/api/{version}/graphql.json` (or a configured endpoint) with the
//!   `X-Shopify-Access-Token` header marked sensitive: a fixed token, or tokens from a Dev
//!   Dashboard app's client credentials grant, renewed before they expire and once on a 401.
//! - Pacing by Shopify's cost bucket as each response reports it, retries on `THROTTLED`,
//!   429, 5xx and network errors, fail-fast on 401/403 (E7): see [`bucket`] and the shared loop of `cin7-sparklayer-http`.
//! - Typed operations on top, several customers per document with aliases: lookup by email,
//!   `customerSet`, `tagsAdd`/`tagsRemove`, `metafieldsSet`/`metafieldsDelete` (25 a call,
//!   packed across customers), `customerSendAccountInviteEmail`, and the shop's customer
//!   metafield definitions (E10).
//!
//! Every document the client sends is validated in the tests, with its variables, against
//! `schema/admin-2026-04.graphql`: Shopify's own Admin schema of API 2026-04.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use cin7_sparklayer_core::{Secret, ports::CustomerSink};
//! use shopify_client::ShopifyClient;
//!
//! let client = ShopifyClient::builder()
//!     .shop("acme.myshopify.com")
//!     .access_token(Secret::new("shpat_…"))
//!     .build()?;
//! let found = client.find_by_emails(&["jane@acme.example".into()]).await?;
//! # let _ = found; Ok(()) }
//! ```

mod answers;
mod auth;
pub mod bucket;
mod client;
mod definitions;
mod document;
mod error;
mod invites;
mod protected;
mod reads;
mod selection;
mod settings;
mod sink;
mod transport;
mod wire;
mod writes;

pub use cin7_sparklayer_http::{ClientOptions, RetryPolicy};
pub use client::{BatchLimits, DEFAULT_RETRY_POLICY, ShopifyClient, ShopifyClientBuilder};
pub use error::{AUTH_HINT, GRANT_HINT, PROTECTED_DATA_HINT, ShopifyError};
pub use settings::{
    DEFAULT_SHOPIFY_API_VERSION, MIN_SHOPIFY_API_VERSION, ShopifyAuth, ShopifyConfig,
    check_api_version,
};
