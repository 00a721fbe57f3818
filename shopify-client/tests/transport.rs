//! Throttling, retries and credentials (E7), and secrets kept out of Debug and errors.

mod common;

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::CustomerSink;
use common::{TOKEN, accounts, client, ok};
use serde_json::json;
use shopify_client::{RetryPolicy, ShopifyClient};
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(start_paused = true)]
async fn throttled_on_http_200_waits_for_the_bucket_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(include_str!("fixtures/throttled.json")),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(accounts())
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let started = tokio::time::Instant::now();
    c.invite_support().await.expect("succeeds after the wait");
    // 752 asked, 666 available, 50/s restored: 86 / 50 = 1.72 s before the retry.
    assert!(started.elapsed() >= std::time::Duration::from_millis(1720));
    // Every request sent counts: the throttled one and the one that succeeded.
    let counts = c.request_counts();
    assert_eq!((counts.reads, counts.throttled, counts.retried), (2, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn http_429_is_throttling_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(accounts())
        .mount(&server)
        .await;
    let c = client(&server);
    c.invite_support().await.unwrap();
    assert_eq!(c.request_counts().throttled, 2);
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_with_backoff() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(accounts())
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.invite_support().await.unwrap();
    let counts = c.request_counts();
    assert_eq!((counts.reads, counts.retried, counts.throttled), (3, 2, 0));
}

#[tokio::test(start_paused = true)]
async fn server_errors_outliving_the_retries_are_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .expect(4)
        .mount(&server)
        .await;
    let e = client(&server).invite_support().await.unwrap_err();
    assert!(matches!(e, PortError::Unavailable { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert!(e.to_string().contains("502"), "{e}");
    assert!(!e.to_string().contains(TOKEN));
}

#[tokio::test(start_paused = true)]
async fn the_client_paces_by_the_reported_bucket_before_sending() {
    let server = MockServer::start().await;
    // The first answer says the bucket is empty (restore 100/s): the next lookup document
    // (50 lookups ≈ 100 points) must wait about a second instead of being throttled.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": { "shop": { "customerAccountsV2": { "customerAccountsVersion": "CLASSIC" } } },
            "extensions": { "cost": { "requestedQueryCost": 2, "actualQueryCost": 2,
                "throttleStatus": { "maximumAvailable": 1000.0, "currentlyAvailable": 0, "restoreRate": 100.0 } } }
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("customerByIdentifier"))
        .respond_with(ok(json!({})))
        .mount(&server)
        .await;
    let c = client(&server);
    c.invite_support().await.unwrap();
    let started = tokio::time::Instant::now();
    let emails: Vec<String> = (0..50).map(|i| format!("b{i}@x.example")).collect();
    c.find_by_emails(&emails).await.unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(990));
    assert_eq!(c.request_counts().throttled, 0);
}

#[tokio::test]
async fn unauthorized_fails_fast_with_one_clear_line() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)" })))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server).invite_support().await.unwrap_err();
    assert!(e.is_fatal());
    let line = e.to_string();
    assert!(
        line.contains("check SHOPIFY_ACCESS_TOKEN") && line.contains("the app's scopes"),
        "{line}"
    );
    assert!(!line.contains('\n'));
    assert!(!line.contains(TOKEN) && !format!("{e:?}").contains(TOKEN));
}

#[tokio::test]
async fn access_denied_is_fatal_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errors": [{ "message": "Access denied for customers field. Required access: `read_customers` access scope.",
                         "extensions": { "code": "ACCESS_DENIED" } }] })))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server)
        .find_by_emails(&["a@b.example".into()])
        .await
        .unwrap_err();
    assert!(e.is_fatal(), "{e:?}");
    assert!(e.to_string().contains("read_customers"));
}

#[tokio::test]
async fn the_token_is_sent_but_never_shown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::header("X-Shopify-Access-Token", TOKEN))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let c = ShopifyClient::builder()
        .endpoint(format!("{}{}", server.uri(), common::PATH))
        .access_token(TOKEN.into())
        .retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    assert!(!format!("{c:?}").contains(TOKEN));
    let builder = ShopifyClient::builder().access_token(TOKEN.into());
    assert!(!format!("{builder:?}").contains(TOKEN));
    let e = c.invite_support().await.unwrap_err();
    assert!(!e.to_string().contains(TOKEN) && !format!("{e:?}").contains(TOKEN));
    // It did reach the server in its header.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // A connection error does not show it either.
    let dead = ShopifyClient::builder()
        .endpoint("http://127.0.0.1:9/admin/api/2026-10/graphql.json")
        .access_token(TOKEN.into())
        .retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let e = dead.invite_support().await.unwrap_err();
    assert!(matches!(e, PortError::Unavailable { .. }), "{e:?}");
    assert!(!format!("{e} {e:?}").contains(TOKEN));
}

#[test]
fn from_config_needs_a_token_and_builds_the_url() {
    use shopify_client::ShopifyConfig;
    let mut cfg = ShopifyConfig {
        shop: "acme.myshopify.com".into(),
        access_token: None,
        client_id: None,
        client_secret: None,
        api_version: "2026-10".into(),
        endpoint: None,
    };
    let e = ShopifyClient::from_config(&cfg).unwrap_err();
    assert!(e.to_string().contains("SHOPIFY_ACCESS_TOKEN"), "{e}");
    cfg.access_token = Some(TOKEN.into());
    let c = ShopifyClient::from_config(&cfg).unwrap();
    assert_eq!(
        c.endpoint(),
        "https://acme.myshopify.com/admin/api/2026-10/graphql.json"
    );
    cfg.endpoint = Some(
        "http://127.0.0.1:1234/admin/api/2026-10/graphql.json"
            .parse()
            .unwrap(),
    );
    assert_eq!(
        ShopifyClient::from_config(&cfg).unwrap().endpoint(),
        "http://127.0.0.1:1234/admin/api/2026-10/graphql.json"
    );
}

#[tokio::test]
async fn html_instead_of_json_is_a_protocol_error_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("<html><body>Shop unavailable</body></html>"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server).invite_support().await.unwrap_err();
    assert!(matches!(e, PortError::Protocol { .. }), "{e:?}");
    assert!(!e.is_retryable());
}
