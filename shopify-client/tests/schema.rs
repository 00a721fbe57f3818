//! Every GraphQL document the client sends is valid against `schema/admin-subset.graphql`
//! (the real Shopify type and field names), so a typo fails CI, not a merchant's sync.

mod common;

use cin7_sparklayer_core::model::MetafieldKey;
use cin7_sparklayer_core::ports::{CustomerSink, CustomerWrite};
use common::data::{new_write, update_write};
use common::{assert_documents_valid, client, index, mutation_ok, scripted, set_ok, validate};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer};

#[test]
fn the_schema_check_catches_typos() {
    assert!(validate("query { shop { customerAccountsV2 { customerAccountsVersion } } }").is_ok());
    let typo_field =
        "query Q($e: String!) { c0: customerByIdentifer(identifier: {emailAddress: $e}) { id } }";
    assert!(validate(typo_field).is_err());
    let typo_input =
        "query Q($e: String!) { c0: customerByIdentifier(identifier: {email: $e}) { id } }";
    assert!(validate(typo_input).is_err());
    let wrong_var_type = "mutation M($m: [MetafieldsSetInput!]!) { metafieldsDelete(metafields: $m) { userErrors { message } } }";
    assert!(validate(wrong_var_type).is_err());
    let unused_var = "query Q($e: String!) { shop { name } }";
    assert!(validate(unused_var).is_err());
}

#[tokio::test]
async fn every_operation_the_client_sends_is_valid() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(scripted(|alias, field, _| match field {
            "customerSet" => set_ok(&format!("gid://shopify/Customer/{}", index(alias)), "DISABLED"),
            "shop" => serde_json::json!({ "customerAccountsV2": { "customerAccountsVersion": "CLASSIC" } }),
            "customerByIdentifier" | "customer" => serde_json::Value::Null,
            "customerSendAccountInviteEmail" => serde_json::json!({ "customer": null, "userErrors": [] }),
            other => mutation_ok(other),
        }))
        .mount(&server)
        .await;
    let c = client(&server);
    c.invite_support().await.unwrap();
    c.find_by_emails(&["a@b.example".into(), "c@d.example".into()])
        .await
        .unwrap();
    c.get_customers(&["gid://shopify/Customer/1".into()])
        .await
        .unwrap();
    let mut update = update_write(1, "gid://shopify/Customer/1");
    update.tags_remove = vec!["old".into()];
    update.metafields_delete = vec![MetafieldKey::new("sparklayer", "group")];
    let revoke = CustomerWrite {
        fields: None,
        ..update_write(2, "gid://shopify/Customer/2")
    };
    let out = c.write_customers(&[new_write(0), update, revoke]).await;
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    let _ = c.send_invite("gid://shopify/Customer/0").await;
    let _ = c
        .send_invites(&[
            "gid://shopify/Customer/0".into(),
            "gid://shopify/Customer/1".into(),
        ])
        .await;
    assert_documents_valid(&server).await;
}
