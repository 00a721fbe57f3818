//! Account invites (C13).

mod common;

use cin7_sparklayer_core::ports::CustomerSink;
use common::{assert_documents_valid, client, gql, ok};
use serde_json::json;
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn invite_sends_customer_send_account_invite_email() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("customerSendAccountInviteEmail"))
        .respond_with(ok(json!({ "invite": {
            "customer": { "id": "gid://shopify/Customer/1", "state": "INVITED" }, "userErrors": [] } })))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.send_invite("gid://shopify/Customer/1").await.unwrap();
    let (_, vars) = gql(&server.received_requests().await.unwrap()[0]);
    assert_eq!(vars["id"], "gid://shopify/Customer/1");
    assert_eq!(c.request_counts().writes, 1);
    assert_documents_valid(&server).await;
}

#[tokio::test]
async fn a_refused_invite_is_a_record_failure_with_shopifys_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok(json!({ "invite": { "customer": null, "userErrors": [
            { "code": "INVALID", "field": ["customerId"], "message": "Customer account is already enabled" } ] } })))
        .mount(&server)
        .await;
    let e = client(&server)
        .send_invite("gid://shopify/Customer/1")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("invalid"));
    assert!(e.to_string().contains("already enabled"));
    assert!(!e.is_fatal());
}
