//! The fake's Shopify semantics and costs, exercised without HTTP.

use serde_json::{Map, Value, json};

use super::exec::prepare;
use super::model::FakeCustomer;
use super::store::Store;

fn run(store: &mut Store, query: &str, variables: Value) -> (Value, f64, f64) {
    let vars: Map<String, Value> = variables.as_object().cloned().unwrap_or_default();
    let p = prepare(query, vars).expect("document parses");
    let requested = p.requested;
    let (data, actual, _) = p
        .run(store)
        .unwrap_or_else(|e| panic!("document runs: {e:?}"));
    (data, requested, actual)
}

const SET: &str = "mutation M($k: CustomerSetIdentifiers, $in: CustomerSetInput!) {
  s0: customerSet(identifier: $k, input: $in) { customer { id state tags } userErrors { code field message } }
}";

fn create(store: &mut Store, email: &str, phone: Option<&str>) -> Value {
    let (data, _, _) = run(
        store,
        SET,
        json!({ "k": { "email": email }, "in": { "email": email, "firstName": "Jo", "phone": phone,
                "tags": ["b2b"], "addresses": [{ "address1": "1 St", "countryCode": "AU" }] } }),
    );
    data["s0"].clone()
}

#[test]
fn customer_set_upserts_by_email_and_keeps_email_and_phone_unique() {
    let mut s = Store::new(true);
    let a = create(&mut s, "a@x.example", Some("+61400000001"));
    assert!(a["userErrors"].as_array().unwrap().is_empty());
    assert_eq!(a["customer"]["state"], "DISABLED");
    // Same email, other case: the same customer is updated, not a second one created.
    let again = create(&mut s, "A@X.example", Some("+61400000001"));
    assert_eq!(again["customer"]["id"], a["customer"]["id"]);
    assert_eq!(s.customers.len(), 1);
    // Another customer with the same phone: TAKEN on input.phone.
    let b = create(&mut s, "b@x.example", Some("+61400000001"));
    assert_eq!(b["userErrors"][0]["code"], "TAKEN");
    assert_eq!(b["userErrors"][0]["field"], json!(["input", "phone"]));
    // Invalid phone and unknown country are refused with Shopify-like messages.
    let c = create(&mut s, "c@x.example", Some("0400"));
    assert_eq!(c["userErrors"][0]["message"], "Phone is invalid");
    // Changing b's email to a's: TAKEN on input.email.
    create(&mut s, "b@x.example", None);
    let b_id = s.by_email("b@x.example").unwrap().id.clone();
    let (data, _, _) = run(
        &mut s,
        SET,
        json!({ "k": { "id": b_id }, "in": { "email": "a@x.example" } }),
    );
    assert_eq!(data["s0"]["userErrors"][0]["code"], "TAKEN");
    assert_eq!(
        data["s0"]["userErrors"][0]["field"],
        json!(["input", "email"])
    );
}

#[test]
fn customer_set_replaces_addresses_and_given_tags_while_tags_add_keeps_others() {
    let mut s = Store::new(true);
    let id = create(&mut s, "a@x.example", None)["customer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (data, _, _) = run(
        &mut s,
        "mutation M($id: ID!, $t: [String!]!) { m0: tagsAdd(id: $id, tags: $t) { userErrors { field message } } }",
        json!({ "id": id, "t": ["vip", "B2B"] }),
    );
    assert!(data["m0"]["userErrors"].as_array().unwrap().is_empty());
    assert_eq!(s.get(&id).unwrap().tags, vec!["b2b", "vip"]);
    run(
        &mut s,
        SET,
        json!({ "k": { "id": id }, "in": { "addresses": [
            { "address1": "2 St", "countryCode": "NZ" }, { "address1": "3 St", "countryCode": "NZ" } ] } }),
    );
    let c = s.get(&id).unwrap();
    assert_eq!(c.addresses.len(), 2);
    assert_eq!(
        c.default_address().unwrap().address1.as_deref(),
        Some("2 St")
    );
    assert_eq!(c.tags, vec!["b2b", "vip"], "tags untouched when not given");
    run(
        &mut s,
        SET,
        json!({ "k": { "id": id }, "in": { "tags": ["only"] } }),
    );
    assert_eq!(s.get(&id).unwrap().tags, vec!["only"]);
}

#[test]
fn metafields_are_typed_and_written_atomically() {
    let mut s = Store::new(true);
    let id = s.insert(FakeCustomer::new("", Some("a@x.example".into())));
    let q = "mutation M($m: [MetafieldsSetInput!]!) { m0: metafieldsSet(metafields: $m) { metafields { key } userErrors { code field message } } }";
    let mf = |key: &str, kind: &str, value: &str| json!({ "ownerId": id, "namespace": "cin7", "key": key, "type": kind, "value": value });
    let (data, _, _) = run(
        &mut s,
        q,
        json!({ "m": [mf("credit_limit", "number_decimal", "12.5"), mf("on_credit_hold", "boolean", "yes")] }),
    );
    assert_eq!(data["m0"]["userErrors"][0]["code"], "INVALID_VALUE");
    assert_eq!(
        data["m0"]["userErrors"][0]["field"],
        json!(["metafields", "1", "value"])
    );
    assert!(s.get(&id).unwrap().metafields.is_empty(), "nothing written");
    let (data, _, _) = run(
        &mut s,
        q,
        json!({ "m": [mf("credit_limit", "number_decimal", "12.5"), mf("on_credit_hold", "boolean", "true"),
                      mf("prices", "json", "{\"a\":1.25}")] }),
    );
    assert!(data["m0"]["userErrors"].as_array().unwrap().is_empty());
    assert_eq!(s.get(&id).unwrap().metafields.len(), 3);
    let (data, _, _) = run(
        &mut s,
        q,
        json!({ "m": [mf("prices", "json", "{not json")] }),
    );
    assert_eq!(data["m0"]["userErrors"][0]["code"], "INVALID_VALUE");
    let (data, _, _) = run(
        &mut s,
        q,
        json!({ "m": [mf("prices", "single_line_text_field", "x")] }),
    );
    assert_eq!(data["m0"]["userErrors"][0]["code"], "INVALID_TYPE");
    run(
        &mut s,
        "mutation M($m: [MetafieldIdentifierInput!]!) { m0: metafieldsDelete(metafields: $m) { deletedMetafields { key } userErrors { field message } } }",
        json!({ "m": [{ "ownerId": id, "namespace": "cin7", "key": "prices" }] }),
    );
    assert!(s.get(&id).unwrap().metafield("cin7", "prices").is_none());
}

#[test]
fn invites_need_classic_accounts_and_move_the_state() {
    let mut s = Store::new(true);
    let id = s.insert(FakeCustomer::new("", Some("a@x.example".into())));
    let q = "mutation M($id: ID!) { invite: customerSendAccountInviteEmail(customerId: $id) { customer { state } userErrors { code field message } } }";
    let (data, _, _) = run(&mut s, q, json!({ "id": id }));
    assert_eq!(data["invite"]["customer"]["state"], "INVITED");
    assert_eq!(s.invites[&id], 1);
    s.classic_accounts = false;
    let (data, _, _) = run(&mut s, q, json!({ "id": id }));
    assert_eq!(data["invite"]["userErrors"][0]["code"], "INVALID");
    assert_eq!(s.invites[&id], 1);
}

#[test]
fn costs_follow_shopify_rules() {
    let mut s = Store::new(true);
    create(&mut s, "a@x.example", None);
    let lookup = "query Q($a: String!, $b: String!) {
  c0: customerByIdentifier(identifier: {emailAddress: $a}) { id state tags defaultEmailAddress { emailAddress } }
  c1: customerByIdentifier(identifier: {emailAddress: $b}) { id state tags defaultEmailAddress { emailAddress } }
}";
    let (data, requested, actual) = run(
        &mut s,
        lookup,
        json!({ "a": "a@x.example", "b": "zz@x.example" }),
    );
    assert_eq!(
        data["c0"]["defaultEmailAddress"]["emailAddress"],
        "a@x.example"
    );
    assert!(data["c1"].is_null());
    // 2 per lookup asked; the miss costs 1.
    assert_eq!((requested, actual), (4.0, 3.0));
    let (_, requested, actual) = run(
        &mut s,
        "query { shop { customerAccountsV2 { customerAccountsVersion } } }",
        json!({}),
    );
    assert_eq!((requested, actual), (2.0, 2.0));
    let vars = json!({ "k": { "email": "b@x.example" }, "in": { "email": "b@x.example" } });
    let (_, requested, actual) = run(&mut s, SET, vars);
    assert_eq!((requested, actual), (10.0, 10.0));
}

#[test]
fn unknown_fields_fail_the_whole_document() {
    let mut s = Store::new(true);
    let p = prepare(
        "query { shop { customerAccountsV2 { customerAccountsVersionn } } }",
        Map::new(),
    )
    .unwrap();
    let errors = p.run(&mut s).unwrap_err();
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("customerAccountsVersionn")
    );
    let p = prepare(
        "mutation { customerDelete(id: \"x\") { deletedCustomerId } }",
        Map::new(),
    )
    .unwrap();
    assert!(p.run(&mut s).is_err());
}

#[test]
fn provinces_must_be_the_countrys_and_get_their_name() {
    let mut s = Store::new(true).with_refused_provinces(&["AU-TAS".into()]);
    let set = |s: &mut Store, email: &str, country: &str, province: &str| {
        let (data, _, _) = run(
            s,
            SET,
            json!({ "k": { "email": email }, "in": { "email": email,
                "addresses": [{ "address1": "1 St", "countryCode": country, "provinceCode": province }] } }),
        );
        data["s0"].clone()
    };
    let ok = set(&mut s, "a@x.example", "AU", "NSW");
    assert!(ok["userErrors"].as_array().unwrap().is_empty(), "{ok}");
    let a = s
        .by_email("a@x.example")
        .unwrap()
        .default_address()
        .unwrap()
        .clone();
    assert_eq!(a.province_code.as_deref(), Some("NSW"));
    assert_eq!(a.province.as_deref(), Some("New South Wales"));
    // Another country's code, a made-up one, one this shop refuses: a userError on the
    // province, nothing written.
    for (country, code) in [("CA", "NSW"), ("AU", "XYZ"), ("AU", "TAS")] {
        let refused = set(&mut s, "b@x.example", country, code);
        assert_eq!(
            refused["userErrors"][0]["field"],
            json!(["input", "addresses", "0", "provinceCode"])
        );
        assert_eq!(refused["customer"], Value::Null);
    }
    assert!(s.by_email("b@x.example").is_none());
}

#[test]
fn customer_data_is_withheld_as_shopify_does_without_protected_data_access() {
    use super::model::CustomerDataAccess;
    let q = "query Q($id: ID!) { c0: customer(id: $id) { id state firstName defaultEmailAddress { emailAddress } } }";
    let mut s = Store::new(true);
    let id = create(&mut s, "a@x.example", None)["customer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let read = |s: &mut Store| {
        let p = prepare(q, json!({ "id": id }).as_object().cloned().unwrap()).unwrap();
        p.run(s).expect("runs, with data")
    };
    let (data, _, denials) = read(&mut s);
    assert_eq!(data["c0"]["firstName"], "Jo");
    assert!(denials.is_empty());
    // Level 1: the fields come back null, each with an ACCESS_DENIED error and its path.
    s.customer_data_access = CustomerDataAccess::NoProtectedFields;
    let (data, _, denials) = read(&mut s);
    assert_eq!(data["c0"]["id"], id.as_str());
    assert_eq!(data["c0"]["firstName"], Value::Null);
    assert_eq!(denials.len(), 2);
    assert_eq!(denials[1]["path"], json!(["c0", "defaultEmailAddress"]));
    assert_eq!(denials[1]["extensions"]["code"], "ACCESS_DENIED");
    assert!(
        denials[1]["message"]
            .as_str()
            .unwrap()
            .starts_with("This app is not approved to use the defaultEmailAddress field")
    );
    // Level 0: the whole customer is withheld.
    s.customer_data_access = CustomerDataAccess::NoCustomerData;
    let (data, _, denials) = read(&mut s);
    assert_eq!(data["c0"], Value::Null);
    assert_eq!(denials[0]["path"], json!(["c0"]));
}

#[test]
fn customers_query_returns_at_most_first_nodes() {
    let mut s = Store::new(true);
    for i in 0..5 {
        create(&mut s, &format!("p{i}@x.example"), None);
    }
    let q = "query Q($n: Int) { c: customers(first: $n) { nodes { id } } }";
    let count = |s: &mut Store, n: u64| {
        run(s, q, json!({ "n": n })).0["c"]["nodes"]
            .as_array()
            .map(Vec::len)
    };
    assert_eq!(count(&mut s, 1), Some(1));
    assert_eq!(count(&mut s, 3), Some(3));
    assert_eq!(count(&mut s, 50), Some(5));
}
