//! The client credentials grant of a Dev Dashboard app (reference `shopify-admin-api.md` §1.2):
//! one grant shared by every request, renewed before it expires and once on a 401, retried on
//! 5xx, refused credentials fatal with a hint, and the secret never shown.

mod common;

use std::time::Duration;

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::CustomerSink;
use common::{PATH, accounts, builder};
use serde_json::json;
use shopify_client::ShopifyConfig;
use shopify_client::{GRANT_HINT, ShopifyClient};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_ID: &str = "client-id-4c1d";
const CLIENT_SECRET: &str = "shpss_SECRET_client_77aa";
const GRANT_PATH: &str = "/admin/oauth/access_token";

fn client(server: &MockServer) -> ShopifyClient {
    builder(server)
        .client_credentials(CLIENT_ID.into(), CLIENT_SECRET.into())
        .build()
        .expect("test client builds")
}

fn granted(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token,
        "scope": "read_customers,write_customers",
        "expires_in": expires_in
    }))
}

/// GraphQL answers only for `token`.
async fn graphql_for(server: &MockServer, token: &str, expect: u64) {
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(header("X-Shopify-Access-Token", token))
        .respond_with(accounts())
        .expect(expect)
        .mount(server)
        .await;
}

#[tokio::test(start_paused = true)]
async fn one_grant_serves_every_request_until_it_is_about_to_expire() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GRANT_PATH))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains(format!("client_id={CLIENT_ID}")))
        .and(body_string_contains(
            "client_secret=shpss_SECRET_client_77aa",
        ))
        .respond_with(granted("shpca_first", 3600))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GRANT_PATH))
        .respond_with(granted("shpca_second", 3600))
        .expect(1)
        .mount(&server)
        .await;
    graphql_for(&server, "shpca_first", 4).await;
    graphql_for(&server, "shpca_second", 1).await;

    let c = client(&server);
    for _ in 0..3 {
        c.invite_support().await.expect("granted token works");
    }
    // Renewed 5 minutes before the hour is up: at 54 minutes the first token is still used…
    tokio::time::advance(Duration::from_secs(54 * 60)).await;
    c.invite_support().await.expect("still the first token");
    // …and past 55 minutes a new one is asked for before the request.
    tokio::time::advance(Duration::from_secs(61)).await;
    c.invite_support().await.expect("renewed token works");
    // Two grants and five documents, all reads.
    assert_eq!(c.request_counts().reads, 7);
}

#[tokio::test(start_paused = true)]
async fn a_401_on_a_granted_token_renews_it_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GRANT_PATH))
        .respond_with(granted("shpca_revoked", 86_399))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GRANT_PATH))
        .respond_with(granted("shpca_fresh", 86_399))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(header("X-Shopify-Access-Token", "shpca_revoked"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    graphql_for(&server, "shpca_fresh", 1).await;
    client(&server)
        .invite_support()
        .await
        .expect("renewed after the 401");
}

#[tokio::test(start_paused = true)]
async fn a_401_on_a_fresh_grant_is_fatal() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GRANT_PATH))
        .respond_with(granted("shpca_never_good", 86_399))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&server)
        .await;
    let e = client(&server).invite_support().await.unwrap_err();
    assert!(matches!(e, PortError::Unauthenticated { .. }), "{e:?}");
    assert!(e.is_fatal());
}

#[tokio::test(start_paused = true)]
async fn refused_credentials_are_fatal_with_a_hint_and_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GRANT_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "Client authentication failed"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .respond_with(accounts())
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server);
    let e = c.invite_support().await.unwrap_err();
    assert!(matches!(e, PortError::Unauthenticated { .. }), "{e:?}");
    assert!(e.is_fatal());
    let shown = format!("{e} {e:?} {c:?}");
    assert!(shown.contains(GRANT_HINT), "{shown}");
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
}

#[tokio::test(start_paused = true)]
async fn a_grant_answered_503_is_retried_then_used() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GRANT_PATH))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GRANT_PATH))
        .respond_with(granted("shpca_after_retry", 86_399))
        .expect(1)
        .mount(&server)
        .await;
    graphql_for(&server, "shpca_after_retry", 1).await;
    let c = client(&server);
    c.invite_support().await.expect("retried grant");
    assert_eq!(c.request_counts().retried, 2);
}

#[tokio::test(start_paused = true)]
async fn a_grant_without_a_token_is_a_protocol_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GRANT_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>login</html>"))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server).invite_support().await.unwrap_err();
    assert!(matches!(e, PortError::Protocol { .. }), "{e:?}");
    assert!(!e.is_retryable());
}

#[test]
fn from_config_takes_either_a_token_or_client_credentials() {
    let mut cfg = ShopifyConfig {
        shop: "acme.myshopify.com".into(),
        access_token: None,
        client_id: Some(CLIENT_ID.into()),
        client_secret: Some(CLIENT_SECRET.into()),
        api_version: "2026-10".into(),
        endpoint: None,
    };
    let c = ShopifyClient::from_config(&cfg).expect("client credentials alone");
    assert!(!format!("{c:?}").contains(CLIENT_SECRET));
    cfg.client_secret = None;
    let e = ShopifyClient::from_config(&cfg).unwrap_err().to_string();
    assert!(e.contains("SHOPIFY_CLIENT_SECRET"), "{e}");
    cfg.client_secret = Some(CLIENT_SECRET.into());
    cfg.access_token = Some("shpat_also".into());
    let e = ShopifyClient::from_config(&cfg).unwrap_err().to_string();
    assert!(e.contains("not both"), "{e}");
    assert!(
        !e.contains(CLIENT_SECRET) && !e.contains("shpat_also"),
        "{e}"
    );
}
