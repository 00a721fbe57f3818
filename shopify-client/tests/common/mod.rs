//! Helpers shared by the wiremock tests: a client aimed at a `MockServer`, Shopify-shaped
//! responses, and the schema check every sent document goes through.

#![allow(dead_code, unreachable_pub)]

pub mod data;

use cin7_sparklayer_sandbox::shopify::schema::{deprecated_fields, validate_request};
use serde_json::{Map, Value, json};
use shopify_client::{RetryPolicy, ShopifyClient, ShopifyClientBuilder};
use wiremock::{MockServer, Request, ResponseTemplate};

/// The token every test client uses; it must never show in Debug output or errors.
pub const TOKEN: &str = "shpat_test_SECRET_9f8e7d";

/// The GraphQL path of the pinned version.
pub const PATH: &str = "/admin/api/2026-10/graphql.json";

/// A client aimed at `server`, without timeouts (paused clocks) and with fast retries.
pub fn client(server: &MockServer) -> ShopifyClient {
    builder(server)
        .access_token(TOKEN.into())
        .build()
        .expect("test client builds")
}

/// [`client`]'s builder before its credentials are set.
pub fn builder(server: &MockServer) -> ShopifyClientBuilder {
    ShopifyClient::builder()
        .endpoint(format!("{}{PATH}", server.uri()))
        .no_timeouts()
        .retry(RetryPolicy {
            max_attempts: 4,
            ..RetryPolicy::default()
        })
}

/// The answer to the shop's customer-accounts query (the smallest document the client sends).
pub fn accounts() -> ResponseTemplate {
    ok(json!({ "shop": { "customerAccountsV2": { "customerAccountsVersion": "CLASSIC" } } }))
}

/// `extensions.cost` like Shopify sends it.
pub fn cost(requested: f64, actual: f64, available: f64) -> Value {
    json!({ "cost": {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": { "maximumAvailable": 1000.0, "currentlyAvailable": available, "restoreRate": 100.0 }
    } })
}

/// HTTP 200 with `data`.
pub fn ok(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({ "data": data, "extensions": cost(10.0, 10.0, 900.0) }))
}

/// The request's `query` and `variables`.
pub fn gql(req: &Request) -> (String, Map<String, Value>) {
    let body: Value = serde_json::from_slice(&req.body).expect("request body is JSON");
    let query = body["query"]
        .as_str()
        .expect("query is a string")
        .to_owned();
    let vars = body["variables"].as_object().cloned().unwrap_or_default();
    (query, vars)
}

/// `(alias, field name)` of each top-level field (the client writes one per line).
pub fn top_fields(query: &str) -> Vec<(String, String)> {
    query
        .lines()
        .skip(1)
        .filter_map(|l| {
            let l = l.trim();
            let name = l.split([':', '(', ' ', '{']).next()?;
            if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                return None;
            }
            let field = match l[name.len()..].strip_prefix(": ") {
                Some(rest) => rest.split(['(', ' ']).next()?,
                None => name,
            };
            Some((name.to_owned(), field.to_owned()))
        })
        .collect()
}

/// A responder computing each alias's payload with `f(alias, field, variables)`.
pub fn scripted<F>(f: F) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static
where
    F: Fn(&str, &str, &Map<String, Value>) -> Value + Send + Sync + 'static,
{
    move |req: &Request| {
        let (query, vars) = gql(req);
        let data: Map<String, Value> = top_fields(&query)
            .into_iter()
            .map(|(alias, field)| {
                let v = f(&alias, &field, &vars);
                (alias, v)
            })
            .collect();
        ok(Value::Object(data))
    }
}

/// The index in an alias such as `s3` or `m12`.
pub fn index(alias: &str) -> usize {
    alias
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .expect("alias ends in a number")
}

/// Checks one request as Shopify would before running it: the document against the vendored
/// schema (`schema/admin-2026-04.graphql`), the variables against their input types, and no
/// deprecated field selected.
pub fn check_request(query: &str, variables: &Map<String, Value>) -> Result<(), String> {
    validate_request(query, variables).map_err(|e| e.to_string())?;
    let deprecated = deprecated_fields(query);
    if deprecated.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "selects deprecated fields: {}",
            deprecated.join(", ")
        ))
    }
}

/// [`check_request`] without variables (documents that declare none).
pub fn validate(query: &str) -> Result<(), String> {
    check_request(query, &Map::new())
}

/// Every request `server` received passes [`check_request`], variables included.
pub async fn assert_documents_valid(server: &MockServer) {
    let requests = server.received_requests().await.unwrap_or_default();
    assert!(!requests.is_empty(), "no request reached the server");
    for r in &requests {
        let (query, vars) = gql(r);
        if let Err(e) = check_request(&query, &vars) {
            panic!(
                "request does not match the Shopify schema:\n{query}\n{}\n{e}",
                Value::Object(vars)
            );
        }
    }
}

/// The payload of a successful `customerSet`.
pub fn set_ok(id: &str, state: &str) -> Value {
    json!({ "customer": { "id": id, "state": state }, "userErrors": [] })
}

/// A successful `metafieldsSet` / `tagsAdd` / … payload.
pub fn mutation_ok(field: &str) -> Value {
    match field {
        "metafieldsSet" => json!({ "metafields": [], "userErrors": [] }),
        "metafieldsDelete" => json!({ "deletedMetafields": [], "userErrors": [] }),
        _ => json!({ "userErrors": [] }),
    }
}
