//! Every GraphQL request the client can send, built by its own builders with realistic
//! variables, is valid against Shopify's schema (`schema/admin-2026-04.graphql`, API 2026-04):
//! the document (fields, arguments, types), the variable values against their input types
//! (input object fields, enum values, non-null, lists), and no deprecated field selected. A
//! typo fails CI, not a merchant's sync.

mod common;

use std::collections::BTreeSet;

use cin7_sparklayer_core::model::MetafieldKey;
use cin7_sparklayer_core::ports::{CustomerSink, CustomerWrite};
use common::data::{new_write, update_write};
use common::{
    assert_documents_valid, check_request, client, gql, index, mutation_ok, scripted, set_ok,
    top_fields,
};
use serde_json::{Map, Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request};

/// Every top-level field the client sends, one per operation kind.
const EVERY_KIND: [&str; 10] = [
    "shop",
    "customers",
    "customerByIdentifier",
    "customer",
    "customerSet",
    "tagsAdd",
    "tagsRemove",
    "metafieldsSet",
    "metafieldsDelete",
    "customerSendAccountInviteEmail",
];

/// A Shopify that sends every path the client has through its documents: a phone and a
/// province refused (second `customerSet` without them), a packed `metafieldsSet` refused
/// (each customer's part sent again alone), lookups that find and miss.
fn every_path() -> impl Fn(&Request) -> wiremock::ResponseTemplate + Send + Sync + 'static {
    scripted(|alias, field, vars| {
        let i = if matches!(field, "shop" | "customers") {
            0
        } else {
            index(alias)
        };
        match field {
            "shop" => json!({ "customerAccountsV2": { "customerAccountsVersion": "CLASSIC" } }),
            "customers" => json!({ "nodes": [] }),
            "customerByIdentifier" if i == 0 => json!({
                "id": "gid://shopify/Customer/9", "state": "ENABLED", "tags": ["b2b"],
                "defaultEmailAddress": { "emailAddress": "a@b.example" } }),
            "customerByIdentifier" | "customer" => Value::Null,
            "customerSet" if i == 1 && vars[&format!("in{i}")]["phone"].is_string() => {
                json!({ "customer": null, "userErrors": [
                    { "code": "TAKEN", "field": ["input", "phone"], "message": "Phone has already been taken" },
                    { "code": "INVALID", "field": ["input", "addresses", "0", "provinceCode"], "message": "Province is invalid" } ] })
            }
            "customerSet" => set_ok(&format!("gid://shopify/Customer/{}", 100 + i), "DISABLED"),
            "metafieldsSet" => {
                let owners: BTreeSet<&str> = vars[&format!("v{i}")]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m["ownerId"].as_str())
                    .collect();
                if owners.len() > 1 {
                    json!({ "metafields": null, "userErrors": [
                        { "code": "INVALID_VALUE", "field": ["metafields", "0", "value"], "message": "Value is invalid" } ] })
                } else {
                    mutation_ok(field)
                }
            }
            "customerSendAccountInviteEmail" => json!({ "customer": null, "userErrors": [] }),
            other => mutation_ok(other),
        }
    })
}

/// Drives every public operation of the client with realistic data.
async fn drive_every_operation(server: &MockServer) {
    let c = client(server);
    c.invite_support().await.unwrap();
    c.check_access().await.unwrap();
    c.find_by_emails(&[
        "a@b.example".into(),
        "c@d.example".into(),
        "e@f.example".into(),
    ])
    .await
    .unwrap();
    c.get_customers(&[
        "gid://shopify/Customer/1".into(),
        "gid://shopify/Customer/2".into(),
    ])
    .await
    .unwrap();
    let mut update = update_write(3, "gid://shopify/Customer/3");
    update.tags_remove = vec!["old".into()];
    update.metafields_delete = vec![MetafieldKey::new("sparklayer", "group")];
    let revoke = CustomerWrite {
        fields: None,
        ..update_write(4, "gid://shopify/Customer/4")
    };
    let out = c
        .write_customers(&[new_write(0), new_write(1), update, revoke])
        .await;
    assert!(
        out[1].as_ref().is_ok_and(|o| o.warnings.len() == 2),
        "{out:?}"
    );
    c.send_invite("gid://shopify/Customer/0").await.unwrap();
    let sent = c
        .send_invites(&[
            "gid://shopify/Customer/0".into(),
            "gid://shopify/Customer/1".into(),
        ])
        .await;
    assert!(sent.iter().all(Result::is_ok));
}

/// Every request received: query, variables, and its top-level field names.
async fn requests(server: &MockServer) -> Vec<(String, Map<String, Value>, Vec<String>)> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let (query, vars) = gql(r);
            let fields = top_fields(&query).into_iter().map(|(_, f)| f).collect();
            (query, vars, fields)
        })
        .collect()
}

#[tokio::test]
async fn every_request_the_client_sends_is_valid_with_its_variables() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(every_path())
        .mount(&server)
        .await;
    drive_every_operation(&server).await;
    assert_documents_valid(&server).await;

    let sent = requests(&server).await;
    let kinds: BTreeSet<&str> = sent
        .iter()
        .flat_map(|(_, _, f)| f.iter().map(String::as_str))
        .collect();
    let every: BTreeSet<&str> = EVERY_KIND.into_iter().collect();
    assert_eq!(kinds, every, "every operation kind was sent and checked");
    // Batched documents (several aliases of one operation) were among them.
    for kind in [
        "customerByIdentifier",
        "customer",
        "customerSet",
        "customerSendAccountInviteEmail",
    ] {
        assert!(
            sent.iter()
                .any(|(_, _, f)| f.iter().filter(|x| x.as_str() == kind).count() > 1),
            "no batched {kind} document"
        );
    }
}

/// The recorded request whose first field is `field`.
fn find<'a>(
    sent: &'a [(String, Map<String, Value>, Vec<String>)],
    field: &str,
) -> &'a (String, Map<String, Value>, Vec<String>) {
    sent.iter()
        .find(|(_, _, f)| f.first().map(String::as_str) == Some(field))
        .unwrap_or_else(|| panic!("no {field} request"))
}

/// Renames `from` to `to` in every object key inside `v`.
fn rename_key(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::Object(m) => {
            if let Some(x) = m.remove(from) {
                m.insert(to.to_owned(), x);
            }
            m.values_mut().for_each(|x| rename_key(x, from, to));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rename_key(x, from, to)),
        _ => {}
    }
}

#[tokio::test]
async fn a_misspelt_field_in_a_sent_document_or_its_variables_fails_the_check() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(every_path())
        .mount(&server)
        .await;
    drive_every_operation(&server).await;
    let sent = requests(&server).await;

    // The real requests pass …
    let (set_query, set_vars, _) = find(&sent, "customerSet");
    assert_eq!(check_request(set_query, set_vars), Ok(()));
    // … an input field misspelt in the variables does not (incl. the free-text province
    // that `MailingAddressInput` no longer has) …
    for (from, to) in [
        ("provinceCode", "provinceCod"),
        ("provinceCode", "province"),
        ("taxExempt", "taxExcempt"),
    ] {
        let mut vars = Value::Object(set_vars.clone());
        rename_key(&mut vars, from, to);
        let vars = vars.as_object().cloned().unwrap_or_default();
        let e = check_request(set_query, &vars).expect_err(to);
        assert!(e.contains(to), "{e}");
    }
    // … nor a wrong enum value or a missing non-null value …
    let mut vars = Value::Object(set_vars.clone());
    vars["in0"]["addresses"][0]["countryCode"] = json!("XX");
    assert!(check_request(set_query, vars.as_object().unwrap()).is_err());
    let (mf_query, mf_vars, _) = find(&sent, "metafieldsSet");
    let mut vars = Value::Object(mf_vars.clone());
    if let Some(m) = vars["v0"].get_mut(0).and_then(Value::as_object_mut) {
        m.remove("ownerId");
    }
    assert!(check_request(mf_query, vars.as_object().unwrap()).is_err());
    // … nor an input field misspelt in a document's text, nor a deprecated field.
    let (lookup, lookup_vars, _) = find(&sent, "customerByIdentifier");
    assert_eq!(check_request(lookup, lookup_vars), Ok(()));
    let typo = lookup.replace("emailAddress:", "emailAdress:");
    assert!(check_request(&typo, lookup_vars).is_err());
    let (read, read_vars, _) = find(&sent, "customer");
    assert_eq!(check_request(read, read_vars), Ok(()));
    let deprecated = read.replace("defaultPhoneNumber { phoneNumber }", "phone");
    let e = check_request(&deprecated, read_vars).unwrap_err();
    assert!(e.contains("Customer.phone"), "{e}");
}
