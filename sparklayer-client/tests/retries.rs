//! E7 against wiremock on a paused clock: 409, 429 with `Retry-After`, 5xx, and no retry of 4xx.

mod common;

use std::time::Duration;

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::model::PriceRow;
use cin7_sparklayer_core::ports::PriceListSink;
use common::*;
use rust_decimal_macros::dec;
use sparklayer_client::RetryPolicy;
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PRICING: &str = "/api/v1/price-lists/cin7-tier-1/pricing";

async fn server() -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server).await;
    server
}

fn rows() -> Vec<PriceRow> {
    vec![PriceRow::single("A-1", dec!(5))]
}

async fn then_ok(server: &MockServer) {
    Mock::given(method("PATCH"))
        .and(path(PRICING))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test(start_paused = true)]
async fn a_409_is_retried_then_succeeds() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path(PRICING))
        .respond_with(ResponseTemplate::new(409).set_body_json(serde_json::json!({
            "title": "Conflict", "status": 409, "detail": "concurrent update"
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    then_ok(&server).await;
    let client = client(&server);
    client.patch_prices("cin7-tier-1", &rows()).await.unwrap();
    let counts = client.request_counts();
    assert_eq!((counts.writes, counts.retried, counts.throttled), (2, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn a_429_waits_the_retry_after_seconds() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path(PRICING))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    then_ok(&server).await;
    let client = client(&server);
    let start = Instant::now();
    client.patch_prices("cin7-tier-1", &rows()).await.unwrap();
    // Virtual time on the paused clock: exactly the wait the server asked for.
    assert_eq!(start.elapsed().as_secs(), 7);
    assert_eq!(client.request_counts().throttled, 1);
}

#[tokio::test(start_paused = true)]
async fn a_429_with_an_http_date_is_honoured() {
    let server = server().await;
    let at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
    Mock::given(method("PATCH"))
        .and(path(PRICING))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", at.as_str()))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    then_ok(&server).await;
    let start = Instant::now();
    client(&server)
        .patch_prices("cin7-tier-1", &rows())
        .await
        .unwrap();
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(28) && waited <= Duration::from_secs(30),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn persistent_5xx_gives_up_after_the_policy_with_backoff() {
    let server = server().await;
    let policy = RetryPolicy {
        max_attempts: 4,
        ..RetryPolicy::default()
    };
    Mock::given(method("PATCH"))
        .and(path(PRICING))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .expect(4)
        .mount(&server)
        .await;
    let client = client_with(&server, policy);
    let start = Instant::now();
    let err = client
        .patch_prices("cin7-tier-1", &rows())
        .await
        .unwrap_err();
    assert!(
        matches!(err, PortError::Unavailable { .. }) && err.is_retryable(),
        "{err}"
    );
    assert!(err.to_string().contains("502"), "{err}");
    // Equal jitter: each wait is between half and all of 0.5 s, 1 s, 2 s.
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(1750) && waited <= Duration::from_millis(3500),
        "{waited:?}"
    );
    assert_eq!(client.request_counts().retried, 3);
}

#[tokio::test(start_paused = true)]
async fn throttling_that_outlives_the_retries_is_rate_limited() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path(PRICING))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "2"))
        .expect(3)
        .mount(&server)
        .await;
    let policy = RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    };
    let err = client_with(&server, policy)
        .patch_prices("cin7-tier-1", &rows())
        .await
        .unwrap_err();
    assert!(
        matches!(err, PortError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(2)),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn other_4xx_are_not_retried() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path(PRICING))
        .respond_with(ResponseTemplate::new(422))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let err = client
        .patch_prices("cin7-tier-1", &rows())
        .await
        .unwrap_err();
    assert!(matches!(err, PortError::Rejected { .. }), "{err}");
    assert_eq!(client.request_counts().retried, 0);
}
