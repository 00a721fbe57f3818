//! Shared helpers for the wiremock tests.
#![allow(dead_code, unreachable_pub)]

use cin7_client::{Cin7Client, DEFAULT_RETRY_POLICY};
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::Fetched;
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const ACCOUNT: &str = "acc-1234";
pub const KEY: &str = "super-secret-application-key-XYZ";

pub const CUSTOMER_PAGE: &str = include_str!("../fixtures/customer.json");
pub const ME: &str = include_str!("../fixtures/me.json");
pub const PRICE_TIERS: &str = include_str!("../fixtures/ref-pricetier.json");
pub const PRODUCT_PAGE: &str = include_str!("../fixtures/product.json");

/// A client on `server` with no timeouts (paused-clock safe), fast pacing and seeded jitter.
pub fn client(server: &MockServer) -> Cin7Client {
    builder(server).build().expect("valid test client")
}

pub fn builder(server: &MockServer) -> cin7_client::Cin7ClientBuilder {
    Cin7Client::builder()
        .account_id(ACCOUNT)
        .application_key(KEY)
        .base_url(format!("{}/ExternalApi/v2", server.uri()))
        .calls_per_minute(6_000)
        .request_timeout(None)
        .connect_timeout(None)
        .pool_idle_timeout(None)
        .retry(DEFAULT_RETRY_POLICY)
        .jitter_seed(7)
}

/// A catch-all that fails loudly, mounted after the real expectations.
pub async fn fallback(server: &MockServer) {
    Mock::given(any())
        .respond_with(ResponseTemplate::new(418).set_body_string("unexpected request"))
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

/// `n` customers from the blueprint's first sample, IDs `c-{start+i}`.
pub fn customers(start: usize, n: usize) -> Vec<Value> {
    let page: Value = serde_json::from_str(CUSTOMER_PAGE).unwrap();
    let template = page["CustomerList"][1].clone();
    (start..start + n)
        .map(|i| {
            let mut c = template.clone();
            c["ID"] = json!(format!("c-{i}"));
            c["Name"] = json!(format!("Customer {i}"));
            c
        })
        .collect()
}

pub fn customer_page(total: Option<usize>, rows: Vec<Value>) -> Value {
    match total {
        Some(t) => json!({"Total": t, "Page": 1, "CustomerList": rows}),
        None => json!({"CustomerList": rows}),
    }
}

pub async fn collect<T: Send + 'static>(
    stream: cin7_sparklayer_core::ports::RecordStream<T>,
) -> Result<Vec<Fetched<T>>, PortError> {
    stream.try_collect().await
}

pub fn records<T: Clone>(items: &[Fetched<T>]) -> Vec<T> {
    items
        .iter()
        .filter_map(|f| match f {
            Fetched::Record(r) => Some(r.clone()),
            Fetched::Malformed(_) | Fetched::Incomplete(_) => None,
        })
        .collect()
}
