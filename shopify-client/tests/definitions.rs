//! E10: the shop's customer metafield definitions, one alias per namespace, paged by cursor;
//! every document valid against the schema; errors are errors, never "no definitions".

mod common;

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::model::{MetafieldDefinition, MetafieldKey};
use cin7_sparklayer_core::ports::CustomerSink;
use common::{assert_documents_valid, client, gql, ok, scripted};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn node(ns: &str, key: &str, ty: &str) -> Value {
    json!({ "namespace": ns, "key": key, "name": format!("{key} name"), "type": { "name": ty } })
}

fn page(nodes: Vec<Value>, next: Option<&str>) -> Value {
    json!({ "nodes": nodes, "pageInfo": { "hasNextPage": next.is_some(), "endCursor": next } })
}

fn def(ns: &str, key: &str, ty: &str) -> MetafieldDefinition {
    MetafieldDefinition {
        key: MetafieldKey::new(ns, key),
        name: format!("{key} name"),
        type_name: ty.into(),
    }
}

#[tokio::test]
async fn both_namespaces_in_one_document_then_the_next_page_of_the_one_that_has_more() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(scripted(|alias, field, vars| {
            assert_eq!(field, "metafieldDefinitions");
            let i = &alias[1..];
            let ns = vars[&format!("ns{i}")].as_str().unwrap();
            let after = vars[&format!("after{i}")].as_str();
            match (ns, after) {
                ("sparklayer", None) => page(
                    vec![node("sparklayer", "price_lists", "json")],
                    Some("cursor-1"),
                ),
                ("sparklayer", Some("cursor-1")) => page(
                    vec![node("sparklayer", "group", "multi_line_text_field")],
                    None,
                ),
                ("cin7", None) => page(vec![node("cin7", "credit_limit", "number_integer")], None),
                other => panic!("unexpected {other:?}"),
            }
        }))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    let mut got = c
        .metafield_definitions(&["sparklayer", "cin7"])
        .await
        .unwrap();
    got.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(
        got,
        vec![
            def("cin7", "credit_limit", "number_integer"),
            def("sparklayer", "group", "multi_line_text_field"),
            def("sparklayer", "price_lists", "json"),
        ]
    );
    let requests = server.received_requests().await.unwrap();
    let (first, vars) = gql(&requests[0]);
    assert!(
        first.contains("ownerType: CUSTOMER") && first.contains("d0:") && first.contains("d1:"),
        "{first}"
    );
    assert_eq!(vars["ns1"], "cin7");
    assert_eq!(vars["after0"], Value::Null);
    let (second, vars) = gql(&requests[1]);
    assert!(
        second.contains("d0:") && !second.contains("d1:"),
        "{second}"
    );
    assert_eq!(vars["after0"], "cursor-1");
    assert_eq!(c.request_counts().reads, 2);
    assert_documents_valid(&server).await;
}

#[tokio::test]
async fn access_denied_is_an_error_not_an_empty_list() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(|_: &Request| {
            ResponseTemplate::new(200).set_body_json(json!({
                "data": { "d0": null },
                "errors": [{ "message": "Access denied for metafieldDefinitions field.",
                             "path": ["d0"], "extensions": { "code": "ACCESS_DENIED" } }],
                "extensions": common::cost(52.0, 2.0, 990.0)
            }))
        })
        .mount(&server)
        .await;
    let err = client(&server)
        .metafield_definitions(&["sparklayer"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Access denied"), "{err}");
    // The transport reads ACCESS_DENIED as missing scopes: fatal, the run stops (no guessing).
    assert!(matches!(err, PortError::Unauthenticated { .. }), "{err:?}");
}

#[tokio::test]
async fn a_page_that_does_not_move_the_cursor_ends_with_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(|_: &Request| {
            ok(json!({ "d0": page(vec![node("cin7", "credit_limit", "number_decimal")], Some("same")) }))
        })
        .expect(2)
        .mount(&server)
        .await;
    let err = client(&server)
        .metafield_definitions(&["cin7"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("endCursor"), "{err}");
}
