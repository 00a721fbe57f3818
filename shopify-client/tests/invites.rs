//! Account invites (C13).

mod common;

use cin7_sparklayer_core::ports::CustomerSink;
use common::{assert_documents_valid, client, gql, index, ok, scripted};
use serde_json::json;
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn invite_sends_customer_send_account_invite_email() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("customerSendAccountInviteEmail"))
        .respond_with(ok(json!({ "i0": {
            "customer": { "id": "gid://shopify/Customer/1", "state": "INVITED" }, "userErrors": [] } })))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.send_invite("gid://shopify/Customer/1").await.unwrap();
    let (_, vars) = gql(&server.received_requests().await.unwrap()[0]);
    assert_eq!(vars["id0"], "gid://shopify/Customer/1");
    assert_eq!(c.request_counts().writes, 1);
    assert_documents_valid(&server).await;
}

#[tokio::test]
async fn a_refused_invite_is_a_record_failure_with_shopifys_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok(json!({ "i0": { "customer": null, "userErrors": [
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

#[tokio::test]
async fn several_invites_share_one_document_and_fail_alone() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(scripted(|alias, _, vars| {
            let id = vars[&format!("id{}", index(alias))].clone();
            if index(alias) == 1 {
                json!({ "customer": null, "userErrors": [
                    { "code": "INVALID", "field": ["customerId"], "message": "Customer does not exist" } ] })
            } else {
                json!({ "customer": { "id": id, "state": "INVITED" }, "userErrors": [] })
            }
        }))
        .expect(1)
        .mount(&server)
        .await;
    let ids: Vec<String> = (1..=3)
        .map(|n| format!("gid://shopify/Customer/{n}"))
        .collect();
    let c = client(&server);
    let out = c.send_invites(&ids).await;
    assert!(out[0].is_ok());
    assert!(
        out[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("does not exist")
    );
    assert!(out[2].is_ok());
    assert_eq!(c.request_counts().writes, 1);
    assert_documents_valid(&server).await;
}

#[tokio::test]
async fn an_invite_answered_with_a_server_error_is_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server)
        .send_invite("gid://shopify/Customer/1")
        .await
        .unwrap_err();
    // Retryable on a later run, after reading the state back (C13, E5).
    assert!(e.is_retryable(), "{e:?}");
}

#[tokio::test(start_paused = true)]
async fn a_throttled_invite_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_string(include_str!("fixtures/throttled.json")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok(json!({ "i0": {
            "customer": { "id": "gid://shopify/Customer/1", "state": "INVITED" }, "userErrors": [] } })))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.send_invite("gid://shopify/Customer/1").await.unwrap();
    assert_eq!(c.request_counts().throttled, 1);
}
