//! # sparklayer-client
//!
//! SparkLayer API client for the Cin7 Core → Shopify/SparkLayer sync: it implements the core's
//! [`PriceListSink`] and [`CustomerGroupDirectory`] ports (SPEC §4, P1–P4, C7) and reports each
//! run to SparkLayer's sync log (E9).
//!
//! - Auth: `POST /api/auth/token` with a JSON body and the `Site-Id` header; the token is cached
//!   (shared by clones), renewed before `expires_in` runs out, and renewed once on a 401.
//! - Every call carries `Authorization: Bearer` (marked sensitive), `Site-Id` and a
//!   [`USER_AGENT`] naming this library.
//! - E7: 5xx, 429 (honouring `Retry-After`) and 409 are retried with jittered exponential backoff
//!   through the shared retry loop of `cin7-sparklayer-http` ([`RetryPolicy`],
//!   [`DEFAULT_RETRY_POLICY`]); other 4xx fail that request only. A 401 after one renewal is
//!   [`PortError::Unauthenticated`] with one line saying what to check.
//! - Writes to one price list are serialised by a per-slug lock.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use cin7_sparklayer_core::Secret;
//! use cin7_sparklayer_core::ports::PriceListSink;
//! use sparklayer_client::SparkLayerClient;
//!
//! let client = SparkLayerClient::builder()
//!     .site_id("jones-climbing")
//!     .client_id(Secret::new("id"))
//!     .client_secret(Secret::new("secret"))
//!     .build()?;
//! let lists = client.price_lists().await?;
//! # Ok(()) }
//! ```
//!
//! [`PriceListSink`]: cin7_sparklayer_core::ports::PriceListSink
//! [`CustomerGroupDirectory`]: cin7_sparklayer_core::ports::CustomerGroupDirectory
//! [`PortError::Unauthenticated`]: cin7_sparklayer_core::PortError::Unauthenticated

mod builder;
mod client;
pub mod error;
mod groups;
mod price_lists;
mod settings;
mod sink;
pub mod sync_log;

pub use builder::{
    DEFAULT_BASE_URL, DEFAULT_RENEW_BEFORE, DEFAULT_RETRY_POLICY, DEFAULT_SYNC_LOG_INTEGRATION,
    SparkLayerClientBuilder, USER_AGENT, default_options,
};
pub use cin7_sparklayer_http::{ClientOptions, RetryPolicy};
pub use client::SparkLayerClient;
pub use error::{CREDENTIALS_HINT, ErrorBody, SparkLayerError};
pub use price_lists::{MAX_PAGE_SIZE, batches, validate_slug};
pub use settings::SparkLayerConfig;
