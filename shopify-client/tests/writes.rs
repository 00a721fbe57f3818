//! Customer writes (C4, C5, C11, C14, E3, E5, E6) against Shopify-shaped responses.

mod common;

use cin7_sparklayer_core::model::MetafieldKey;
use cin7_sparklayer_core::ports::{AccountState, CustomerSink, CustomerWrite, WriteTarget};
use cin7_sparklayer_core::report::WarningReason;
use common::data::{new_write, update_write};
use common::{
    assert_documents_valid, client, gql, index, mutation_ok, scripted, set_ok, top_fields,
};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request};

/// Answers every `customerSet` with a new ID derived from the alias, and every other
/// mutation with success.
fn happy() -> impl Fn(&Request) -> wiremock::ResponseTemplate + Send + Sync + 'static {
    scripted(|alias, field, vars| match field {
        "customerSet" => {
            let known = vars[&format!("k{}", index(alias))]["id"]
                .as_str()
                .map(str::to_owned);
            let id =
                known.unwrap_or_else(|| format!("gid://shopify/Customer/{}", 100 + index(alias)));
            set_ok(&id, "DISABLED")
        }
        other => mutation_ok(other),
    })
}

/// Every top-level field sent, with its variables, across all requests.
async fn sent(server: &MockServer) -> Vec<(String, String, serde_json::Map<String, Value>)> {
    let mut out = Vec::new();
    for r in server.received_requests().await.unwrap() {
        let (query, vars) = gql(&r);
        for (alias, field) in top_fields(&query) {
            out.push((alias, field, vars.clone()));
        }
    }
    out
}

#[tokio::test]
async fn create_sends_customer_set_by_email_with_tags_then_metafields() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(happy())
        .mount(&server)
        .await;
    let c = client(&server);
    let out = c.write_customers(&[new_write(0)]).await;
    let outcome = out[0].as_ref().expect("created");
    assert_eq!(outcome.shopify_id, "gid://shopify/Customer/100");
    assert_eq!(outcome.account_state, AccountState::Disabled);
    assert!(outcome.warnings.is_empty());

    let fields = sent(&server).await;
    let (_, f, vars) = &fields[0];
    assert_eq!(f, "customerSet");
    assert_eq!(vars["k0"], json!({ "email": "buyer0@acme.example" }));
    let input = &vars["in0"];
    assert_eq!(input["email"], "buyer0@acme.example");
    assert_eq!(input["tags"], json!(["b2b"]));
    assert_eq!(input["taxExempt"], true);
    assert_eq!(input["addresses"].as_array().unwrap().len(), 1);
    assert_eq!(input["addresses"][0]["countryCode"], "AU");
    assert_eq!(input["addresses"][0]["provinceCode"], "NSW");
    // New customers get their tags through customerSet, never tagsAdd.
    assert!(fields.iter().all(|(_, f, _)| f != "tagsAdd"));
    let mf: Vec<_> = fields
        .iter()
        .filter(|(_, f, _)| f == "metafieldsSet")
        .collect();
    assert_eq!(mf.len(), 1);
    let entries = mf[0]
        .2
        .values()
        .find(|v| v.is_array())
        .unwrap()
        .as_array()
        .unwrap();
    assert_eq!(entries.len(), 7);
    assert!(
        entries
            .iter()
            .all(|e| e["ownerId"] == "gid://shopify/Customer/100")
    );
    let decimal = entries.iter().find(|e| e["key"] == "credit_limit").unwrap();
    assert_eq!(decimal["type"], "number_decimal");
    assert_eq!(decimal["value"], "5000.25");
    assert_eq!(c.request_counts().writes, 2);
    assert_documents_valid(&server).await;
}

#[tokio::test]
async fn update_uses_the_id_and_changes_tags_with_tags_add_and_remove() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(happy())
        .mount(&server)
        .await;
    let mut w = update_write(1, "gid://shopify/Customer/55");
    w.tags_remove = vec!["old-tier".into()];
    w.metafields_delete = vec![MetafieldKey::new("sparklayer", "group")];
    let out = client(&server).write_customers(&[w]).await;
    assert!(out[0].is_ok(), "{:?}", out[0]);

    let fields = sent(&server).await;
    let (_, _, vars) = fields.iter().find(|(_, f, _)| f == "customerSet").unwrap();
    assert_eq!(vars["k0"], json!({ "id": "gid://shopify/Customer/55" }));
    assert!(
        vars["in0"].get("tags").is_none(),
        "customerSet must not replace the merchant's tags"
    );
    let (_, _, add) = fields.iter().find(|(_, f, _)| f == "tagsAdd").unwrap();
    assert!(add.values().any(|v| v == &json!(["b2b"])));
    let (_, _, remove) = fields.iter().find(|(_, f, _)| f == "tagsRemove").unwrap();
    assert!(remove.values().any(|v| v == &json!(["old-tier"])));
    let (_, _, del) = fields
        .iter()
        .find(|(_, f, _)| f == "metafieldsDelete")
        .unwrap();
    assert!(del.values().any(|v| v
        == &json!([{ "ownerId": "gid://shopify/Customer/55", "namespace": "sparklayer", "key": "group" }])));
    assert_documents_valid(&server).await;
}

#[tokio::test]
async fn email_change_goes_to_the_known_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(happy())
        .mount(&server)
        .await;
    let mut w = update_write(2, "gid://shopify/Customer/77");
    if let Some(f) = w.fields.as_mut() {
        f.email = "new-address@acme.example".into();
    }
    let out = client(&server).write_customers(&[w]).await;
    // The customer keeps its ID: no second customer (E6).
    assert_eq!(
        out[0].as_ref().unwrap().shopify_id,
        "gid://shopify/Customer/77"
    );
    let fields = sent(&server).await;
    let (_, _, vars) = &fields[0];
    assert_eq!(vars["k0"], json!({ "id": "gid://shopify/Customer/77" }));
    assert_eq!(vars["in0"]["email"], "new-address@acme.example");
}

#[tokio::test]
async fn metafields_of_many_customers_are_packed_25_to_a_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(happy())
        .mount(&server)
        .await;
    // 10 customers × 7 metafields, metafields only (fields: None).
    let writes: Vec<CustomerWrite> = (0..10)
        .map(|n| CustomerWrite {
            fields: None,
            tags_add: vec![],
            ..update_write(n, &format!("gid://shopify/Customer/{n}"))
        })
        .collect();
    let out = client(&server).write_customers(&writes).await;
    assert!(out.iter().all(Result::is_ok));
    let fields = sent(&server).await;
    let calls: Vec<_> = fields
        .iter()
        .filter(|(_, f, _)| f == "metafieldsSet")
        .collect();
    assert_eq!(calls.len(), 3, "70 metafields → 25 + 25 + 20");
    assert!(
        fields.iter().all(|(_, f, _)| f == "metafieldsSet"),
        "no customerSet without fields"
    );
    // All three calls share one document.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let total: usize = calls
        .iter()
        .map(|(a, _, v)| v[&format!("v{}", index(a))].as_array().unwrap().len())
        .sum();
    assert_eq!(total, 70);
    assert_documents_valid(&server).await;
}

#[tokio::test]
async fn taken_email_fails_that_record_only() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(scripted(|alias, field, _| match (field, index(alias)) {
            ("customerSet", 0) => json!({ "customer": null, "userErrors": [
                { "code": "TAKEN", "field": ["input", "email"], "message": "Email has already been taken" } ] }),
            ("customerSet", i) => set_ok(&format!("gid://shopify/Customer/{}", 100 + i), "DISABLED"),
            (other, _) => mutation_ok(other),
        }))
        .mount(&server)
        .await;
    let out = client(&server)
        .write_customers(&[update_write(0, "gid://shopify/Customer/5"), new_write(1)])
        .await;
    let e = out[0].as_ref().unwrap_err();
    assert_eq!(e.code(), Some("email_taken"));
    assert!(e.to_string().contains("buyer0@acme.example"), "{e}");
    assert!(
        e.to_string().contains("Email has already been taken"),
        "{e}"
    );
    assert!(!e.is_fatal());
    assert!(out[1].is_ok(), "the rest of the batch goes on (E3)");
    // No metafields were written for the failed customer.
    let fields = sent(&server).await;
    for (a, f, v) in &fields {
        if f == "metafieldsSet" {
            let entries = v[&format!("v{}", index(a))].as_array().unwrap();
            assert!(
                entries
                    .iter()
                    .all(|e| e["ownerId"] != "gid://shopify/Customer/5")
            );
        }
    }
}

#[tokio::test]
async fn taken_phone_is_dropped_and_the_write_retried_with_a_warning() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(scripted(|alias, field, vars| {
            let i = index(alias);
            match field {
                "customerSet" if vars[&format!("in{i}")]["phone"].is_string() && i == 0 => json!({
                    "customer": null,
                    "userErrors": [{ "code": "TAKEN", "field": ["input", "phone"],
                                     "message": "Phone has already been taken" }] }),
                "customerSet" if vars[&format!("in{i}")]["phone"].is_string() && i == 1 => json!({
                    "customer": null,
                    "userErrors": [{ "code": "INVALID", "field": ["input", "phone"],
                                     "message": "Phone is invalid" }] }),
                "customerSet" => set_ok(&format!("gid://shopify/Customer/{}", 100 + i), "DISABLED"),
                other => mutation_ok(other),
            }
        }))
        .mount(&server)
        .await;
    let c = client(&server);
    let out = c
        .write_customers(&[new_write(0), new_write(1), new_write(2)])
        .await;
    let w0 = out[0].as_ref().expect("written without the phone");
    assert_eq!(w0.warnings.len(), 1);
    assert_eq!(w0.warnings[0].reason, WarningReason::PhoneTaken);
    assert_eq!(w0.warnings[0].message, "Phone has already been taken");
    let w1 = out[1].as_ref().expect("written without the phone");
    assert_eq!(w1.warnings[0].reason, WarningReason::InvalidPhone);
    assert!(out[2].as_ref().unwrap().warnings.is_empty());
    // The retry carried no phone, neither on the customer nor on its address.
    let fields = sent(&server).await;
    let retries: Vec<_> = fields
        .iter()
        .filter(|(a, f, v)| f == "customerSet" && v[&format!("in{}", index(a))]["phone"].is_null())
        .collect();
    assert_eq!(retries.len(), 2);
    for (a, _, v) in retries {
        assert!(
            v[&format!("in{}", index(a))]["addresses"][0]
                .get("phone")
                .is_none()
        );
    }
    assert_documents_valid(&server).await;
}

#[tokio::test]
async fn a_refused_province_is_dropped_and_the_write_retried_with_a_warning() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(scripted(|alias, field, vars| {
            let i = index(alias);
            let province = vars
                .get(&format!("in{i}"))
                .is_some_and(|input| input["addresses"][0]["provinceCode"].is_string());
            match field {
                // 0: the province alone is refused; 1: phone and province at once; 2: the
                // province and something else: that is the record's failure, no retry.
                "customerSet" if province && i == 0 => json!({ "customer": null, "userErrors": [
                    { "code": "INVALID", "field": ["input", "addresses", "0", "provinceCode"],
                      "message": "Province code NSW is not a province of AU" } ] }),
                "customerSet" if province && i == 1 => json!({ "customer": null, "userErrors": [
                    { "code": "TAKEN", "field": ["input", "phone"], "message": "Phone has already been taken" },
                    { "code": "INVALID", "field": ["input", "addresses", "0", "provinceCode"],
                      "message": "Province is invalid" } ] }),
                "customerSet" if i == 2 => json!({ "customer": null, "userErrors": [
                    { "code": "INVALID", "field": ["input", "addresses", "0", "provinceCode"],
                      "message": "Province is invalid" },
                    { "code": "INVALID", "field": ["input", "addresses", "0", "zip"],
                      "message": "Zip is invalid" } ] }),
                "customerSet" => set_ok(&format!("gid://shopify/Customer/{}", 100 + i), "DISABLED"),
                other => mutation_ok(other),
            }
        }))
        .mount(&server)
        .await;
    let c = client(&server);
    let out = c
        .write_customers(&[new_write(0), new_write(1), new_write(2)])
        .await;
    let w0 = out[0].as_ref().expect("written without the province");
    let reasons: Vec<&str> = w0.warnings.iter().map(|w| w.reason.as_str()).collect();
    assert_eq!(reasons, ["invalid_province"]);
    assert_eq!(
        w0.warnings[0].message,
        "Province code NSW is not a province of AU"
    );
    let w1 = out[1].as_ref().expect("written without phone and province");
    let reasons: Vec<&str> = w1.warnings.iter().map(|w| w.reason.as_str()).collect();
    assert_eq!(reasons, ["phone_taken", "invalid_province"]);
    assert!(
        out[2].is_err(),
        "a province refused with another error is no retry"
    );
    // The retries left out exactly what was refused; each write went at most twice.
    let fields = sent(&server).await;
    let sets = |n: usize| -> Vec<Value> {
        fields
            .iter()
            .filter(|(a, f, _)| f == "customerSet" && index(a) == n)
            .map(|(a, _, v)| v[&format!("in{}", index(a))].clone())
            .collect()
    };
    let zero = sets(0);
    assert_eq!(zero.len(), 2);
    assert!(zero[1]["addresses"][0].get("provinceCode").is_none());
    assert!(zero[1]["phone"].is_string(), "the phone was not refused");
    let one = sets(1);
    assert_eq!(one.len(), 2);
    assert!(one[1]["addresses"][0].get("provinceCode").is_none());
    assert!(one[1]["phone"].is_null());
    assert_eq!(sets(2).len(), 1);
    assert_documents_valid(&server).await;
}

#[tokio::test]
async fn other_user_errors_carry_shopifys_message_and_field() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(scripted(|alias, field, _| match (field, index(alias)) {
            ("customerSet", 0) => json!({ "customer": null, "userErrors": [
                { "code": "INVALID", "field": ["input", "addresses", "0", "countryCode"],
                  "message": "Country code XX is invalid" } ] }),
            ("customerSet", i) => {
                set_ok(&format!("gid://shopify/Customer/{}", 100 + i), "DISABLED")
            }
            (other, _) => mutation_ok(other),
        }))
        .mount(&server)
        .await;
    let out = client(&server)
        .write_customers(&[new_write(0), new_write(1)])
        .await;
    match out[0].as_ref().unwrap_err() {
        cin7_sparklayer_core::PortError::Rejected {
            code,
            field,
            message,
            ..
        } => {
            assert_eq!(code.as_deref(), Some("invalid"));
            assert_eq!(field.as_deref(), Some("input.addresses.0.countryCode"));
            assert_eq!(message, "Country code XX is invalid");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert!(out[1].is_ok());
}

#[tokio::test]
async fn a_failing_packed_metafield_call_is_isolated_to_its_customer() {
    let server = MockServer::start().await;
    // metafieldsSet is atomic: any entry owned by customer 3 fails the whole call.
    Mock::given(method("POST"))
        .respond_with(scripted(|alias, field, vars| {
            let entries = vars.get(&format!("v{}", index(alias)));
            let bad = entries
                .and_then(Value::as_array)
                .is_some_and(|e| e.iter().any(|m| m["ownerId"] == "gid://shopify/Customer/3"));
            match field {
                "metafieldsSet" if bad => json!({ "metafields": null, "userErrors": [
                    { "code": "INVALID_VALUE", "field": ["metafields", "0", "value"],
                      "message": "Value is invalid for type json" } ] }),
                other => mutation_ok(other),
            }
        }))
        .mount(&server)
        .await;
    let writes: Vec<CustomerWrite> = (0..5)
        .map(|n| CustomerWrite {
            fields: None,
            tags_add: vec![],
            ..update_write(n, &format!("gid://shopify/Customer/{n}"))
        })
        .collect();
    let out = client(&server).write_customers(&writes).await;
    for (n, r) in out.iter().enumerate() {
        if n == 3 {
            let e = r.as_ref().unwrap_err();
            assert_eq!(e.code(), Some("invalid_value"));
        } else {
            assert!(r.is_ok(), "customer {n}: {r:?}");
        }
    }
}

#[tokio::test]
async fn a_revoke_writes_no_fields() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(happy())
        .mount(&server)
        .await;
    let w = CustomerWrite {
        cin7_id: "c".into(),
        target: WriteTarget::Existing {
            shopify_id: "gid://shopify/Customer/9".into(),
        },
        fields: None,
        tags_add: vec![],
        tags_remove: vec!["b2b".into()],
        metafields_set: vec![],
        metafields_delete: vec![MetafieldKey::new("sparklayer", "price_lists")],
    };
    let out = client(&server).write_customers(&[w]).await;
    assert_eq!(
        out[0].as_ref().unwrap().shopify_id,
        "gid://shopify/Customer/9"
    );
    let fields: Vec<String> = sent(&server).await.into_iter().map(|(_, f, _)| f).collect();
    assert_eq!(fields, vec!["tagsRemove", "metafieldsDelete"]);
}

#[tokio::test]
async fn a_document_refused_as_a_whole_fails_each_of_its_records() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(json!({
            "errors": [{ "message": "Field 'customerSet' doesn't exist on type 'Mutation'",
                         "extensions": { "code": "undefinedField" } }] })))
        .mount(&server)
        .await;
    let out = client(&server)
        .write_customers(&[new_write(0), new_write(1)])
        .await;
    assert_eq!(out.len(), 2);
    for r in out {
        let e = r.unwrap_err();
        assert!(
            matches!(e, cin7_sparklayer_core::PortError::Protocol { .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("doesn't exist"));
    }
}
