//! Fake SparkLayer API on loopback (reference `sparklayer-api.md` §2–§10, SPEC §4).
//!
//! A real HTTP server (axum) on `127.0.0.1:0` with:
//! - `POST /api/auth/token` (JSON body + `Site-Id`; form bodies are refused), tokens that expire
//!   after [`FakeSparkLayerOptions::token_ttl`] and 401 for an unknown or expired token;
//! - `GET /api/v1/customer-groups`;
//! - `GET /api/v2/price-lists` (paged, `page_size` ≤ 250), `POST /api/v1/price-lists`
//!   (slug ≤ 30 of `a-z0-9-_`; 400 `resource-already-exists`), `GET /api/v1/price-lists/{slug}`;
//! - `GET …/{slug}/pricing` (204 when empty) and `PATCH …/{slug}/pricing` (replaces the SKUs
//!   sent, `"pricing": []` removes; 400 `[{line, field, message}]` for a missing SKU or a
//!   negative price, nothing written then; 409 while another write to the list is in progress);
//! - `PUT`/`GET /api/v1/sync-log/{integration}/{data_type}`;
//! - seeded fault injection ([`Faults`]) and request counters ([`FakeCounts`]).
//!
//! Tests inspect and edit the stored lists ([`FakeSparkLayer::price_lists`],
//! [`FakeSparkLayer::set_price`] to simulate drift) and force token expiry.

mod routes;
mod store;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cin7_sparklayer_core::Secret;
use cin7_sparklayer_core::model::{CustomerGroup, PriceBreak};

pub use store::{FakeCounts, FakePriceList, SyncLogEntry};

/// Seeded fault injection, applied to every authenticated request (not to token requests).
///
/// Each request draws one number: below `server_error_rate` it gets a 500/502/503; below
/// `+ throttle_rate` a 429 with `Retry-After: retry_after_secs`; below `+ conflict_rate`
/// (writes only) a 409. Rates are fractions in `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Seed of the fault RNG (same seed, same faults for the same request order).
    pub seed: u64,
    /// Fraction of requests answered 5xx.
    pub server_error_rate: f64,
    /// Fraction answered 429.
    pub throttle_rate: f64,
    /// The `Retry-After` seconds sent with a 429.
    pub retry_after_secs: u64,
    /// Fraction of writes answered 409.
    pub conflict_rate: f64,
}

impl Default for Faults {
    /// No faults; `Retry-After: 1` when throttling is turned on.
    fn default() -> Self {
        Self {
            seed: 7,
            server_error_rate: 0.0,
            throttle_rate: 0.0,
            retry_after_secs: 1,
            conflict_rate: 0.0,
        }
    }
}

/// How the fake starts.
#[derive(Debug, Clone)]
pub struct FakeSparkLayerOptions {
    /// The Site ID every request must carry (default `sandbox-site`).
    pub site_id: String,
    /// The accepted client ID (default `sandbox-client-id`).
    pub client_id: String,
    /// The accepted client secret (default `sandbox-client-secret`).
    pub client_secret: String,
    /// Customer groups served by `GET /api/v1/customer-groups` (default: Trade, Wholesale, VIP).
    pub groups: Vec<CustomerGroup>,
    /// Lifetime of issued tokens, also sent as `expires_in` (default 3600 s).
    pub token_ttl: Duration,
    /// Lists present from the start, e.g. the merchant's own (P4).
    pub price_lists: Vec<FakePriceList>,
    /// How long a PATCH holds its list's "write in progress" flag (default zero: one yield).
    pub write_hold: Duration,
    /// Fault injection (default none).
    pub faults: Faults,
}

impl Default for FakeSparkLayerOptions {
    fn default() -> Self {
        let group = |name: &str, slug: &str| CustomerGroup {
            name: name.into(),
            slug: slug.into(),
        };
        Self {
            site_id: "sandbox-site".into(),
            client_id: "sandbox-client-id".into(),
            client_secret: "sandbox-client-secret".into(),
            groups: vec![
                group("Trade", "trade"),
                group("Wholesale", "wholesale"),
                group("VIP", "vip"),
            ],
            token_ttl: Duration::from_secs(3600),
            price_lists: Vec::new(),
            write_hold: Duration::ZERO,
            faults: Faults::default(),
        }
    }
}

/// A running fake SparkLayer. The server stops when this is dropped.
#[derive(Debug)]
pub struct FakeSparkLayer {
    addr: SocketAddr,
    shared: Arc<store::Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSparkLayer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeSparkLayer {
    /// Binds `127.0.0.1:0` and serves in a background task of the current tokio runtime.
    ///
    /// # Errors
    /// The bind error.
    pub async fn start(options: FakeSparkLayerOptions) -> std::io::Result<Self> {
        let shared = Arc::new(store::Shared::new(options));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let app = routes::router(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "fake SparkLayer stopped");
            }
        });
        Ok(Self {
            addr,
            shared,
            server,
        })
    }

    /// `http://127.0.0.1:{port}`: the `sparklayer.base_url` to use.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A `[sparklayer]` configuration pointing at this fake with valid credentials.
    pub fn config(&self) -> sparklayer_client::SparkLayerConfig {
        let o = &self.shared.options;
        sparklayer_client::SparkLayerConfig {
            site_id: o.site_id.clone(),
            client_id: Some(Secret::new(o.client_id.clone())),
            client_secret: Some(Secret::new(o.client_secret.clone())),
            base_url: self.base_url().parse().expect("a loopback URL"),
        }
    }

    /// The options it was started with.
    pub fn options(&self) -> &FakeSparkLayerOptions {
        &self.shared.options
    }

    /// Every price list with its prices, by slug.
    pub fn price_lists(&self) -> BTreeMap<String, FakePriceList> {
        self.shared.with(|s| s.lists.clone())
    }

    /// One list, if it exists.
    pub fn price_list(&self, slug: &str) -> Option<FakePriceList> {
        self.shared.with(|s| s.lists.get(slug).cloned())
    }

    /// Adds or replaces a list directly (e.g. a merchant's own list, P4).
    pub fn insert_price_list(&self, list: FakePriceList) {
        self.shared
            .with(|s| s.lists.insert(list.slug.clone(), list));
    }

    /// Sets one SKU's prices on a list directly, as a merchant editing the dashboard would
    /// (drift, C15). Empty `pricing` removes the SKU. Returns whether the list exists.
    pub fn set_price(&self, slug: &str, sku: &str, pricing: Vec<PriceBreak>) -> bool {
        self.shared.with(|s| match s.lists.get_mut(slug) {
            Some(list) => {
                if pricing.is_empty() {
                    list.prices.remove(sku);
                } else {
                    list.prices.insert(sku.to_owned(), pricing);
                }
                true
            }
            None => false,
        })
    }

    /// The sync-log records received, by `(integration, data_type)`.
    pub fn sync_logs(&self) -> BTreeMap<(String, String), SyncLogEntry> {
        self.shared.with(|s| s.sync_logs.clone())
    }

    /// Request counters since the start or the last [`FakeSparkLayer::reset_counts`].
    pub fn counts(&self) -> FakeCounts {
        self.shared.with(|s| s.counts.clone())
    }

    /// Zeroes the request counters.
    pub fn reset_counts(&self) {
        self.shared.with(|s| s.counts = FakeCounts::default());
    }

    /// Expires every token issued so far: the next request with one gets a 401.
    pub fn expire_tokens(&self) {
        self.shared.with(|s| s.tokens.clear());
    }

    /// Replaces the fault injection (the RNG is reseeded).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.with(|s| s.set_faults(faults));
    }
}
