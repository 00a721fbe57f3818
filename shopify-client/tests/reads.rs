//! Lookups and reads (C2, C13, C15, E5): invite support, find by email, full reads.

mod common;

use cin7_sparklayer_core::rules::MANAGED_KEYS;

use cin7_sparklayer_core::ports::{AccountState, CustomerSink, InviteSupport};
use common::{PATH, assert_documents_valid, client, index, scripted};
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn classic_accounts_mean_invites_exist() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(header("X-Shopify-Access-Token", common::TOKEN))
        .and(body_string_contains("customerAccountsV2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(include_str!("fixtures/customer_accounts_classic.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(c.invite_support().await.unwrap(), InviteSupport::Classic);
    assert_documents_valid(&server).await;
}

#[tokio::test]
async fn new_customer_accounts_mean_no_invites() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(common::ok(json!({ "shop": { "customerAccountsV2": {
            "customerAccountsVersion": "NEW_CUSTOMER_ACCOUNTS" } } })))
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).invite_support().await.unwrap(),
        InviteSupport::NotApplicable
    );
}

#[tokio::test]
async fn find_by_email_keeps_exact_matches_only_and_ignores_case() {
    let server = MockServer::start().await;
    // 0: exact but different case → found; 1: a near miss (another customer) → ignored;
    // 2: not found → None.
    Mock::given(method("POST"))
        .and(body_string_contains("customerByIdentifier"))
        .respond_with(scripted(|alias, _, vars| {
            let asked = vars[&format!("e{}", index(alias))].as_str().unwrap().to_owned();
            match index(alias) {
                0 => json!({ "id": "gid://shopify/Customer/1", "state": "INVITED", "tags": ["b2b", "vip"],
                             "defaultEmailAddress": { "emailAddress": asked.to_uppercase() } }),
                1 => json!({ "id": "gid://shopify/Customer/2", "state": "ENABLED", "tags": [],
                             "defaultEmailAddress": { "emailAddress": "jane.doe@acme.example" } }),
                _ => Value::Null,
            }
        }))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let emails = vec![
        "Buyer@Acme.example".to_owned(),
        "jane@acme.example".to_owned(),
        "nobody@acme.example".to_owned(),
    ];
    let found = c.find_by_emails(&emails).await.unwrap();
    assert_eq!(found.len(), 3);
    let first = found[0].as_ref().expect("exact match found");
    assert_eq!(first.id, "gid://shopify/Customer/1");
    assert_eq!(first.account_state, AccountState::Invited);
    assert_eq!(first.tags, vec!["b2b", "vip"]);
    assert!(
        found[1].is_none(),
        "a near miss must not count as the customer"
    );
    assert!(found[2].is_none());
    assert_eq!(c.request_counts().reads, 1);
    assert_documents_valid(&server).await;
}

#[tokio::test]
async fn get_customers_reads_fields_address_and_synced_metafields() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("customer(id:"))
        .respond_with(scripted(|alias, _, _| match index(alias) {
            0 => json!({
                "id": "gid://shopify/Customer/7", "state": "DISABLED", "tags": ["b2b", "merchant-own"],
                "firstName": "Jane", "lastName": "Doe", "taxExempt": true,
                "defaultEmailAddress": { "emailAddress": "jane@acme.example" },
                "defaultPhoneNumber": { "phoneNumber": "+61400000001" },
                "defaultAddress": { "address1": "1 Main St", "address2": null, "city": "Sydney",
                    "company": "Acme", "countryCodeV2": "AU", "firstName": "Jane", "lastName": "Doe",
                    "phone": null, "provinceCode": "NSW", "zip": "2000" },
                "metafields": { "nodes": [
                    { "namespace": "sparklayer", "key": "price_lists", "type": "json", "value": "[\"cin7-tier-1\"]" },
                    { "namespace": "cin7", "key": "credit_limit", "type": "number_decimal", "value": "100.5" }
                ] }
            }),
            _ => Value::Null,
        }))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let got = c
        .get_customers(&[
            "gid://shopify/Customer/7".into(),
            "gid://shopify/Customer/8".into(),
        ])
        .await
        .unwrap();
    let one = got[0].as_ref().unwrap();
    let fields = one.fields.as_ref().unwrap();
    assert_eq!(fields.first_name.as_deref(), Some("Jane"));
    assert_eq!(fields.phone.as_deref(), Some("+61400000001"));
    assert!(fields.tax_exempt);
    let address = fields.address.as_ref().unwrap();
    assert_eq!(address.country_code, "AU");
    assert_eq!(address.province_code.as_deref(), Some("NSW"));
    // Sorted by key: cin7 first.
    assert_eq!(fields.metafields[0].key.to_string(), "cin7.credit_limit");
    assert_eq!(fields.metafields[1].value, "[\"cin7-tier-1\"]");
    assert!(got[1].is_none());
    // The keys the core writes (defined once there) travel as a variable, all of them
    // fitting in the connection's `first`.
    let requests = server.received_requests().await.unwrap();
    let (query, vars) = common::gql(&requests[0]);
    let managed: Vec<String> = MANAGED_KEYS
        .iter()
        .map(|(n, k)| format!("{n}.{k}"))
        .collect();
    assert_eq!(vars["keys"], json!(managed));
    assert!(query.contains(&format!(
        "metafields(first: {}, keys: $keys)",
        managed.len()
    )));
    assert_documents_valid(&server).await;
}

#[tokio::test]
async fn an_answer_missing_a_selected_field_fails_naming_its_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(scripted(|_, _, _| {
            // `taxExempt` is selected but missing: never read as `false`.
            json!({
                "id": "gid://shopify/Customer/7", "state": "DISABLED", "tags": [],
                "firstName": "Jane", "lastName": "Doe",
                "defaultEmailAddress": null, "defaultPhoneNumber": null, "defaultAddress": null,
                "metafields": { "nodes": [] }
            })
        }))
        .mount(&server)
        .await;
    let e = client(&server)
        .get_customers(&["gid://shopify/Customer/7".into()])
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, cin7_sparklayer_core::PortError::Protocol { .. }),
        "{e:?}"
    );
    assert!(text.contains("c0") && text.contains("taxExempt"), "{text}");
}
