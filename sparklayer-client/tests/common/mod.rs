//! Shared helpers of the wiremock tests.
#![allow(dead_code, unreachable_pub)]

use cin7_sparklayer_core::Secret;
use serde_json::json;
use sparklayer_client::{ClientOptions, RetryPolicy, SparkLayerClient};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const SITE: &str = "jones-climbing";
pub const CLIENT_ID: &str = "client-id-4711";
pub const SECRET: &str = "sl_secret_DO_NOT_LEAK_42";

/// A client for `server` with no timers (paused-clock safe) and the default retry policy.
pub fn client(server: &MockServer) -> SparkLayerClient {
    client_with(server, RetryPolicy::default())
}

pub fn client_with(server: &MockServer, retry: RetryPolicy) -> SparkLayerClient {
    SparkLayerClient::builder()
        .site_id(SITE)
        .client_id(Secret::new(CLIENT_ID))
        .client_secret(Secret::new(SECRET))
        .base_url(server.uri())
        .options(ClientOptions::without_timeouts())
        .retry(retry)
        .build()
        .expect("valid test client")
}

/// A token response as SparkLayer sends it.
pub fn token_response(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in,
    }))
}

/// Mounts a token endpoint handing out `tok-1` for an hour.
pub async fn mount_token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(token_response("tok-1", 3600))
        .mount(server)
        .await;
}

/// A catch-all mounted last, so an unexpected request fails readably.
pub async fn mount_fallback(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(599).set_body_string("unexpected request in test"))
        .expect(0)
        .named("fallback: no other request")
        .mount(server)
        .await;
}
