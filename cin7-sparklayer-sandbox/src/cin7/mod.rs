//! A fake Cin7 Core External API v2 on loopback, serving a [`Dataset`].
//!
//! [`FakeCin7::start`] binds `127.0.0.1:0` and serves, under `/ExternalApi/v2/` (paths and
//! query keys case-insensitive, like Cin7's):
//! - `GET me`, `GET ref/priceTier`;
//! - `GET customer` (`Page`, `Limit`, `ID`, `ModifiedSince`, `IncludeDeprecated`,
//!   `IncludeProductPrices`): pages are capped at [`FakeCin7Options::customer_page_cap`] (100)
//!   whatever `Limit` says, as on real accounts (E8); `Total` can be made to claim rows no
//!   page serves ([`FakeCin7Options::customer_total_surplus`]);
//! - `GET product` (`Page`, `Limit` up to 1000, `ID`, `ModifiedSince`, `IncludeDeprecated`).
//!
//! Like Cin7 it answers bad credentials with 403, more than
//! [`FakeCin7Options::calls_per_window`] requests in a sliding window with 429 or 503 and no
//! `Retry-After` (unless configured), and an unknown path with an HTML page and HTTP 200.
//! Fault injection: a seeded fraction of 500s and of spurious throttles.
//!
//! Tests and the demo change the data while it runs with the mutation methods
//! ([`FakeCin7::update_customer`], [`FakeCin7::set_product_price`], …); every change bumps the
//! record's `LastModifiedOn` so `ModifiedSince` sees it.

mod server;
mod store;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::data::{Dataset, money};
use store::Store;

/// Credentials the fake accepts unless told otherwise.
pub const SANDBOX_ACCOUNT_ID: &str = "sandbox-account-id";
/// Application key the fake accepts unless told otherwise.
pub const SANDBOX_APPLICATION_KEY: &str = "sandbox-application-key";

/// Which status the fake throttles with (reference §3.2: sources disagree, Cin7 sends both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleStatus {
    /// 429 Too Many Requests.
    TooManyRequests,
    /// 503 Service Unavailable, "You reached 60 calls per minute API limit".
    ServiceUnavailable,
    /// 429 and 503 in turn.
    Alternate,
}

/// How the fake behaves. [`Default`]: sandbox credentials, 60 calls per 60 s, 503 throttling
/// without `Retry-After`, customer pages capped at 100, no injected faults, seed 0.
#[derive(Debug, Clone)]
pub struct FakeCin7Options {
    /// The accepted `api-auth-accountid`.
    pub account_id: String,
    /// The accepted `api-auth-applicationkey`.
    pub application_key: String,
    /// Requests allowed in any sliding [`FakeCin7Options::window`]; `None` = unlimited.
    pub calls_per_window: Option<u32>,
    /// The rate-limit window. Default 60 s.
    pub window: Duration,
    /// The throttling status.
    pub throttle_status: ThrottleStatus,
    /// `Retry-After` sent with throttling answers; `None` (Cin7 promises none).
    pub retry_after: Option<Duration>,
    /// Most rows on one customer page, whatever `Limit` asks. Default 100.
    pub customer_page_cap: usize,
    /// Customers counted in `Total` that no page serves, as when Cin7's page offsets skip
    /// rows (E8: the walk is then incomplete). Not added to requests by `ID`. Default 0.
    pub customer_total_surplus: usize,
    /// Products counted in `Total` that no page serves; see
    /// [`FakeCin7Options::customer_total_surplus`]. Default 0.
    pub product_total_surplus: usize,
    /// Fraction (0–1) of requests answered with an injected 500.
    pub fault_rate: f64,
    /// Fraction (0–1) of requests answered with an injected throttle.
    pub throttle_rate: f64,
    /// Seed of the fault-injection RNG.
    pub seed: u64,
}

impl Default for FakeCin7Options {
    fn default() -> Self {
        Self {
            account_id: SANDBOX_ACCOUNT_ID.to_owned(),
            application_key: SANDBOX_APPLICATION_KEY.to_owned(),
            calls_per_window: Some(60),
            window: Duration::from_secs(60),
            throttle_status: ThrottleStatus::ServiceUnavailable,
            retry_after: None,
            customer_page_cap: 100,
            customer_total_surplus: 0,
            product_total_surplus: 0,
            fault_rate: 0.0,
            throttle_rate: 0.0,
            seed: 0,
        }
    }
}

impl FakeCin7Options {
    /// No rate limit and no faults: for tests that only care about data.
    pub fn unlimited() -> Self {
        Self {
            calls_per_window: None,
            ..Self::default()
        }
    }
}

/// Request counters of the fake, readable by tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FakeCin7Stats {
    /// Every request received.
    pub requests: u64,
    /// Requests answered 403 (bad or missing credentials).
    pub unauthorized: u64,
    /// Requests answered 429/503 (the rate limit or an injected throttle).
    pub throttled: u64,
    /// Requests answered with an injected 500.
    pub faults: u64,
    /// `GET customer` requests served with data.
    pub customer_pages: u64,
    /// `GET product` requests served with data.
    pub product_pages: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    unauthorized: AtomicU64,
    throttled: AtomicU64,
    faults: AtomicU64,
    customer_pages: AtomicU64,
    product_pages: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> FakeCin7Stats {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        FakeCin7Stats {
            requests: l(&self.requests),
            unauthorized: l(&self.unauthorized),
            throttled: l(&self.throttled),
            faults: l(&self.faults),
            customer_pages: l(&self.customer_pages),
            product_pages: l(&self.product_pages),
        }
    }

    fn reset(&self) {
        for a in [
            &self.requests,
            &self.unauthorized,
            &self.throttled,
            &self.faults,
            &self.customer_pages,
            &self.product_pages,
        ] {
            a.store(0, Ordering::Relaxed);
        }
    }
}

/// Shared state of a running fake.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) store: Mutex<Store>,
    pub(crate) options: Mutex<FakeCin7Options>,
    pub(crate) counters: Counters,
}

/// A running fake Cin7 Core. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeCin7 {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl FakeCin7 {
    /// Starts the fake on `127.0.0.1:0` with a copy of `dataset`.
    ///
    /// # Errors
    /// The loopback socket could not be bound.
    pub async fn start(dataset: &Dataset, options: FakeCin7Options) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::new(dataset, options.seed)),
            options: Mutex::new(options),
            counters: Counters::default(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let app = server::router(shared.clone());
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "fake Cin7 server stopped");
            }
        });
        Ok(Self {
            addr,
            shared,
            shutdown: Some(tx),
        })
    }

    /// The API base URL, `http://127.0.0.1:{port}/ExternalApi/v2/`.
    pub fn base_url(&self) -> String {
        format!("http://{}/ExternalApi/v2/", self.addr)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The account ID the fake accepts.
    pub fn account_id(&self) -> String {
        lock(&self.shared.options).account_id.clone()
    }

    /// The application key the fake accepts.
    pub fn application_key(&self) -> String {
        lock(&self.shared.options).application_key.clone()
    }

    /// The webhooks registered with `POST /webhooks` (as updated by `PUT`).
    pub fn webhooks(&self) -> Vec<serde_json::Value> {
        lock(&self.shared.store).webhooks.clone()
    }

    /// Edits the registered webhooks, as Cin7 does when it deactivates one after failed
    /// deliveries (reference §7).
    pub fn edit_webhooks(&self, edit: impl FnOnce(&mut Vec<serde_json::Value>)) {
        edit(&mut lock(&self.shared.store).webhooks);
    }

    /// The request counters.
    pub fn stats(&self) -> FakeCin7Stats {
        self.shared.counters.snapshot()
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        self.shared.counters.reset();
    }

    /// Changes the options while running (rate limit, faults, throttle status…).
    pub fn set_options(&self, change: impl FnOnce(&mut FakeCin7Options)) {
        change(&mut lock(&self.shared.options));
    }

    /// A copy of a customer's raw record.
    pub fn customer(&self, id: &str) -> Option<Value> {
        lock(&self.shared.store).customers.get(id).cloned()
    }

    /// How many customers the fake holds.
    pub fn customer_count(&self) -> usize {
        lock(&self.shared.store).customers.len()
    }

    /// How many products the fake holds.
    pub fn product_count(&self) -> usize {
        lock(&self.shared.store).products.len()
    }

    /// Changes a customer's raw record and bumps its `LastModifiedOn`. `false` if unknown.
    pub fn update_customer(&self, id: &str, change: impl FnOnce(&mut Value)) -> bool {
        let mut store = lock(&self.shared.store);
        let now = store.tick();
        store.customers.update(id, now, change)
    }

    /// Adds a customer (its `LastModifiedOn` is set to now) or replaces one with the same `ID`.
    pub fn add_customer(&self, record: Value) {
        let mut store = lock(&self.shared.store);
        let now = store.tick();
        store.customers.upsert(record, now);
    }

    /// Removes a customer (a hard delete; Cin7 itself deprecates). `false` if unknown.
    pub fn remove_customer(&self, id: &str) -> bool {
        lock(&self.shared.store).customers.remove(id)
    }

    /// A copy of a product's raw record.
    pub fn product(&self, id: &str) -> Option<Value> {
        lock(&self.shared.store).products.get(id).cloned()
    }

    /// Changes a product's raw record and bumps its `LastModifiedOn`. `false` if unknown.
    pub fn update_product(&self, id: &str, change: impl FnOnce(&mut Value)) -> bool {
        let mut store = lock(&self.shared.store);
        let now = store.tick();
        store.products.update(id, now, change)
    }

    /// Adds a product or replaces one with the same `ID`.
    pub fn add_product(&self, record: Value) {
        let mut store = lock(&self.shared.store);
        let now = store.tick();
        store.products.upsert(record, now);
    }

    /// Removes a product. `false` if unknown.
    pub fn remove_product(&self, id: &str) -> bool {
        lock(&self.shared.store).products.remove(id)
    }

    /// Sets `PriceTier{tier}` (1–10) of the product with this `SKU`. `false` if no product
    /// has the SKU or the tier is out of range.
    pub fn set_product_price(&self, sku: &str, tier: u8, price: Decimal) -> bool {
        if !(1..=10).contains(&tier) {
            return false;
        }
        let mut store = lock(&self.shared.store);
        let Some(id) = store.products.id_by_sku(sku) else {
            return false;
        };
        let now = store.tick();
        store.products.update(&id, now, |p| {
            p[format!("PriceTier{tier}")] = money(price);
        })
    }
}

impl Drop for FakeCin7 {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Locks a mutex, recovering from poisoning (a panicking test must not wedge the fake).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
