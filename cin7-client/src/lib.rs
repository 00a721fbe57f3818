//! # cin7-client
//!
//! Cin7 Core External API v2 client: the sync's customer and pricing source. It implements the
//! core's [`CustomerSource`](cin7_sparklayer_core::ports::CustomerSource) (`GET me`,
//! `GET ref/priceTier`, `GET customer`) and
//! [`PricingSource`](cin7_sparklayer_core::ports::PricingSource) (`GET product`) ports.
//!
//! What it handles for you (see `reference/cin7-core-api.md`):
//! - **Auth**: `api-auth-accountid` / `api-auth-applicationkey` on every request, marked sensitive;
//!   a 403 fails fast with one clear line ([`Cin7Error::BadCredentials`]).
//! - **Paging (E8)**: pages until an empty page or until the rows received reach `Total`; a short
//!   page alone never ends the walk. Customer pages ask for at most 100 rows whatever
//!   `page_size` says (they are capped at 100 on real accounts); product pages ask `page_size`.
//!   A walk that served fewer distinct rows than `Total` ends with
//!   [`Fetched::Incomplete`](cin7_sparklayer_core::ports::Fetched). A server that repeats a page
//!   ends the stream with a protocol error instead of looping.
//! - **Pacing (E7)**: one GCRA limiter shared by every clone, burst 1, one request every
//!   `60 s / calls_per_minute`, so no sliding 60-second window ever holds more than
//!   `calls_per_minute` requests (a full burst of N would allow 2N). 429 and 503 are throttling
//!   and pause every clone; 500/502/504 and network errors are retried with jittered
//!   exponential backoff ([`RetryPolicy`], [`DEFAULT_RETRY_POLICY`]), through the shared
//!   retry loop of `cin7-sparklayer-http`.
//! - **Bad bodies**: HTML with HTTP 200 and an `ErrorCode` body on HTTP 200 are errors, not data.
//! - **Tolerant records** ([`wire::lenient`]): dates with 0–7 fractional digits and optional `Z`,
//!   `""` vs `null`, numbers as strings and the reverse, the comma-joined `Tags`. A record that
//!   still does not parse becomes [`Fetched::Malformed`](cin7_sparklayer_core::ports::Fetched)
//!   with its ID and field path; the rest of the page goes on.
//! - **Counting (E9)**: [`Cin7Client::request_counts`], shared by clones.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use cin7_client::Cin7Client;
//! use cin7_sparklayer_core::ports::{CustomerSource, FetchScope};
//! use futures::TryStreamExt;
//!
//! let client = Cin7Client::builder()
//!     .account_id("my-account-id")
//!     .application_key("my-application-key")
//!     .calls_per_minute(60)
//!     .build()?;
//! let account = client.account().await?;
//! let mut customers = client.customers(FetchScope::All);
//! while let Some(item) = customers.try_next().await? {
//!     let _ = (&account, item);
//! }
//! # Ok(()) }
//! ```

mod body;
mod client;
mod config;
mod error;
mod paging;
mod settings;
mod source;
mod webhooks;
pub mod wire;

pub use cin7_sparklayer_http::{ClientOptions, RetryPolicy};
pub use client::Cin7Client;
pub use config::{Cin7ClientBuilder, DEFAULT_BASE_URL, DEFAULT_RETRY_POLICY};
pub use error::{BuildError, Cin7Error};
pub use settings::Cin7Config;
pub use source::modified_since;
pub use webhooks::{SYNC_WEBHOOK_TYPES, WebhookAction, WebhookTarget};
