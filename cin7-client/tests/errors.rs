//! E7 throttling and retries on tokio's paused clock, and the bodies that are errors, not data.

mod common;

use std::time::Duration;

use cin7_client::{Cin7Client, DEFAULT_RETRY_POLICY};
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::{CustomerSource, FetchScope};
use common::*;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn fail_once_then_page(server: &MockServer, first: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path_regex("customer$"))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .expect(times)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("customer$"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(customer_page(Some(2), customers(0, 2))),
        )
        .with_priority(2)
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test(start_paused = true)]
async fn throttled_429_then_success_backs_off_toward_the_window() {
    let server = MockServer::start().await;
    fail_once_then_page(&server, ResponseTemplate::new(429), 1).await;
    let client = client(&server);
    let start = tokio::time::Instant::now();
    let items = collect(client.customers(FetchScope::All)).await.unwrap();
    assert_eq!(records(&items).len(), 2);
    // No Retry-After: the first throttle wait is the policy's base (virtual time).
    assert!(start.elapsed() >= DEFAULT_RETRY_POLICY.throttle_base_delay);
    let counts = CustomerSource::request_counts(&client);
    assert_eq!((counts.reads, counts.throttled, counts.retried), (2, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn throttled_503_honours_retry_after() {
    let server = MockServer::start().await;
    fail_once_then_page(
        &server,
        ResponseTemplate::new(503)
            .insert_header("Retry-After", "3")
            .set_body_string("You reached 60 calls per minute API limit"),
        1,
    )
    .await;
    let client = client(&server);
    let start = tokio::time::Instant::now();
    let items = collect(client.customers(FetchScope::All)).await.unwrap();
    assert_eq!(records(&items).len(), 2);
    let waited = start.elapsed();
    assert!(waited >= Duration::from_secs(3), "{waited:?}");
    assert!(
        waited < DEFAULT_RETRY_POLICY.throttle_base_delay,
        "{waited:?}"
    );
    assert_eq!(CustomerSource::request_counts(&client).throttled, 1);
}

#[tokio::test(start_paused = true)]
async fn a_throttle_pauses_every_clone() {
    let server = MockServer::start().await;
    fail_once_then_page(
        &server,
        ResponseTemplate::new(503).insert_header("Retry-After", "20"),
        1,
    )
    .await;
    Mock::given(method("GET"))
        .and(path_regex("/me$"))
        .respond_with(ResponseTemplate::new(200).set_body_string(ME))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/ref/priceTier$"))
        .respond_with(ResponseTemplate::new(200).set_body_string(PRICE_TIERS))
        .mount(&server)
        .await;
    let client = client(&server);
    let other = client.clone();
    let start = tokio::time::Instant::now();
    collect(client.customers(FetchScope::All)).await.unwrap();
    // The clone asks after the throttle; it must not send before the 20 s pause is over.
    let _ = other.account().await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(20));
    assert_eq!(other.request_counts().reads, 4, "clones share the counters");
}

#[tokio::test(start_paused = true)]
async fn server_errors_retry_with_backoff_then_succeed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("customer$"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    fail_once_then_page(&server, ResponseTemplate::new(500), 1).await;
    let client = client(&server);
    let items = collect(client.customers(FetchScope::All)).await.unwrap();
    assert_eq!(records(&items).len(), 2);
    let counts = CustomerSource::request_counts(&client);
    assert_eq!((counts.reads, counts.retried, counts.throttled), (3, 2, 0));
}

#[tokio::test(start_paused = true)]
async fn throttling_that_never_ends_is_rate_limited() {
    let server = MockServer::start().await;
    let policy = DEFAULT_RETRY_POLICY;
    Mock::given(method("GET"))
        .and(path_regex("customer$"))
        .respond_with(ResponseTemplate::new(429))
        .expect(u64::from(policy.max_attempts))
        .mount(&server)
        .await;
    let err = collect(client(&server).customers(FetchScope::All))
        .await
        .unwrap_err();
    assert!(matches!(err, PortError::RateLimited { .. }), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn connection_errors_are_retried_then_reported_unavailable() {
    // Nothing listens on this port once the listener is dropped (wiremock pools its servers,
    // so a dropped MockServer's port may be answered by another test).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Cin7Client::builder()
        .account_id(ACCOUNT)
        .application_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/ExternalApi/v2"))
        .request_timeout(None)
        .connect_timeout(None)
        .jitter_seed(1)
        .build()
        .unwrap();
    let err = client.account().await.unwrap_err();
    assert!(matches!(err, PortError::Unavailable { .. }), "{err}");
    assert_eq!(
        client.request_counts().retried,
        u64::from(DEFAULT_RETRY_POLICY.max_retries())
    );
}

#[tokio::test]
async fn forbidden_fails_fast_with_one_clear_line() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_string("Incorrect credentials!"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).account().await.unwrap_err();
    assert!(err.is_fatal());
    let text = err.to_string();
    assert!(!text.contains('\n'));
    assert!(
        text.contains("Cin7 rejected the account ID / application key (HTTP 403): check CIN7_ACCOUNT_ID and CIN7_APPLICATION_KEY"),
        "{text}"
    );
}

#[tokio::test]
async fn html_with_http_200_is_an_error_not_data() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<!DOCTYPE html><html><body>Page not found</body></html>",
            "text/html",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = collect(client(&server).customers(FetchScope::All))
        .await
        .unwrap_err();
    assert!(matches!(err, PortError::Protocol { .. }), "{err}");
    assert!(err.to_string().contains("HTML"), "{err}");
}

#[tokio::test]
async fn html_labelled_as_json_is_still_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("\n  <html>oops</html>", "application/json"),
        )
        .mount(&server)
        .await;
    let err = client(&server).account().await.unwrap_err();
    assert!(matches!(err, PortError::Protocol { .. }), "{err}");
}

#[tokio::test]
async fn error_code_body_on_200_is_an_error_not_data() {
    for body in [
        serde_json::json!({"ErrorCode": 500, "Exception": "Unexpected error"}),
        serde_json::json!([{"ErrorCode": 400, "Exception": "Unexpected error"}]),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
        let err = collect(client(&server).customers(FetchScope::All))
            .await
            .unwrap_err();
        assert!(matches!(err, PortError::Rejected { .. }), "{err}");
        assert!(err.to_string().contains("Unexpected error"), "{err}");
    }
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("customer$"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/me$"))
        .respond_with(ResponseTemplate::new(400).set_body_string("bad request"))
        .mount(&server)
        .await;
    let b = builder(&server);
    assert!(!format!("{b:?}").contains(KEY));
    let client = b.build().unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains(KEY) && !debug.contains(ACCOUNT), "{debug}");
    let e1 = collect(client.customers(FetchScope::All))
        .await
        .unwrap_err();
    let e2 = client.account().await.unwrap_err();
    for e in [&e1, &e2] {
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains(KEY) && !text.contains(ACCOUNT), "{text}");
        }
    }
    let missing = Cin7Client::builder()
        .account_id(ACCOUNT)
        .build()
        .unwrap_err();
    assert!(missing.to_string().contains("CIN7_APPLICATION_KEY"));
}
