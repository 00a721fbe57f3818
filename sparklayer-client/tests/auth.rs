//! Token handling: JSON body + `Site-Id`, caching, renewal before expiry and once on 401.

mod common;

use std::time::Duration;

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::{CustomerGroupDirectory, PriceListSink};
use common::*;
use serde_json::json;
use sparklayer_client::{CREDENTIALS_HINT, RetryPolicy, USER_AGENT};
use wiremock::matchers::{bearer_token, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn groups_body() -> serde_json::Value {
    json!([
        {"slug": "trade", "name": "Trade", "parent_slug": "base"},
        {"slug": "vip", "name": "VIP Customers", "parent_slug": "base"}
    ])
}

#[tokio::test(start_paused = true)]
async fn token_is_requested_with_a_json_body_and_cached_across_clones() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .and(header("Site-Id", SITE))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
        })))
        .respond_with(token_response("tok-1", 3600))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/customer-groups"))
        .and(bearer_token("tok-1"))
        .and(header("Site-Id", SITE))
        .and(header("user-agent", USER_AGENT))
        .respond_with(ResponseTemplate::new(200).set_body_json(groups_body()))
        .expect(2)
        .mount(&server)
        .await;
    mount_fallback(&server).await;

    let client = client(&server);
    let groups = client.customer_groups().await.unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(
        (groups[1].name.as_str(), groups[1].slug.as_str()),
        ("VIP Customers", "vip")
    );
    let clone = client.clone();
    clone.customer_groups().await.unwrap();
    assert_eq!(client.token_requests(), 1);
    // Token requests count as reads (documented on `SparkLayerClient::counts`).
    assert_eq!(PriceListSink::request_counts(&client).reads, 3);
    assert_eq!(CustomerGroupDirectory::request_counts(&client).reads, 0);
}

#[tokio::test(start_paused = true)]
async fn token_is_renewed_before_it_expires() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(token_response("tok-1", 3600))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(token_response("tok-2", 3600))
        .expect(1)
        .mount(&server)
        .await;
    for (token, n) in [("tok-1", 2), ("tok-2", 1)] {
        Mock::given(method("GET"))
            .and(path("/api/v1/customer-groups"))
            .and(bearer_token(token))
            .respond_with(ResponseTemplate::new(200).set_body_json(groups_body()))
            .expect(n)
            .mount(&server)
            .await;
    }
    mount_fallback(&server).await;

    let client = client(&server);
    client.customer_groups().await.unwrap();
    // Still well inside the hour: the cached token is used.
    tokio::time::advance(Duration::from_secs(3000)).await;
    client.customer_groups().await.unwrap();
    assert_eq!(client.token_requests(), 1);
    // Within the 60 s renewal margin: a new token before the old one runs out.
    tokio::time::advance(Duration::from_secs(541)).await;
    client.customer_groups().await.unwrap();
    assert_eq!(client.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_401_renews_the_token_once_and_retries_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(token_response("revoked", 3600))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(token_response("tok-2", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/customer-groups"))
        .and(bearer_token("revoked"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/customer-groups"))
        .and(bearer_token("tok-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(groups_body()))
        .expect(1)
        .mount(&server)
        .await;
    mount_fallback(&server).await;

    let client = client(&server);
    assert_eq!(client.customer_groups().await.unwrap().len(), 2);
    assert_eq!(client.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_second_401_is_one_clear_fatal_line() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(token_response("tok", 3600))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/customer-groups"))
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&server)
        .await;

    let err = client(&server).customer_groups().await.unwrap_err();
    assert!(err.is_fatal(), "{err}");
    assert!(matches!(err, PortError::Unauthenticated { .. }));
    assert_eq!(
        err.to_string(),
        format!("SparkLayer: authentication failed: {CREDENTIALS_HINT}")
    );
}

#[tokio::test(start_paused = true)]
async fn bad_credentials_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "title": "Unauthorized", "status": 401, "detail": "invalid client"
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_fallback(&server).await;
    let err = client(&server).price_lists().await.unwrap_err();
    assert!(matches!(err, PortError::Unauthenticated { .. }), "{err}");
}

#[tokio::test(start_paused = true)]
async fn secrets_stay_out_of_debug_and_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(token_response("tok-SECRET-TOKEN", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/customer-groups"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .mount(&server)
        .await;
    let client = client_with(
        &server,
        RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        },
    );
    let builder = sparklayer_client::SparkLayerClient::builder()
        .client_id(cin7_sparklayer_core::Secret::new(CLIENT_ID))
        .client_secret(cin7_sparklayer_core::Secret::new(SECRET));
    let builder_debug = format!("{builder:?}");
    assert!(!builder_debug.contains(SECRET) && !builder_debug.contains(CLIENT_ID));
    let debug = format!("{client:?}");
    assert!(debug.contains(SITE));
    for text in [debug, format!("{:?}", SparkLayerClientDebugProbe(&client))] {
        assert!(
            !text.contains(SECRET) && !text.contains(CLIENT_ID),
            "{text}"
        );
    }
    let err = client.customer_groups().await.unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains("tok-SECRET-TOKEN"), "{text}");
        assert!(!text.contains(CLIENT_ID), "{text}");
    }
    // A refused token request's error as well.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_string(format!("bad secret {SECRET}")))
        .mount(&server)
        .await;
    let err = client_with(&server, RetryPolicy::none())
        .customer_groups()
        .await
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains(SECRET));
}

/// Debug of the builder output wrapped, as a host would log its config.
#[derive(Debug)]
#[allow(dead_code)]
struct SparkLayerClientDebugProbe<'a>(&'a sparklayer_client::SparkLayerClient);
