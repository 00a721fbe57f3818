//! Price lists and pricing against wiremock: create (idempotent), paging, 204, PATCH bodies,
//! batching, SKU removal and row refusals (P1–P4).

mod common;

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::model::{PriceBreak, PriceListHeader, PriceRow};
use cin7_sparklayer_core::ports::{PriceListSink, RejectedRow};
use common::*;
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn header(slug: &str) -> PriceListHeader {
    PriceListHeader {
        slug: slug.into(),
        name: "Wholesale".into(),
        currency: "AUD".into(),
    }
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server).await;
    server
}

fn bodies(requests: &[wiremock::Request], verb: &str) -> Vec<Value> {
    requests
        .iter()
        .filter(|r| r.method.as_str() == verb)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn create_sends_an_integration_list() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/price-lists"))
        .and(body_json(json!({
            "slug": "cin7-tier-1", "name": "Wholesale", "currency_code": "AUD", "source": "integration"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"slug": "cin7-tier-1"})))
        .expect(1)
        .mount(&server)
        .await;
    mount_fallback(&server).await;
    client(&server)
        .create_price_list(&header("cin7-tier-1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn create_with_an_existing_slug_is_success() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/price-lists"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "title": "Bad Request", "status": 400, "detail": "Price list already exists",
            "errors": [{"code": "resource-already-exists", "message": "slug in use", "property": "slug"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_fallback(&server).await;
    client(&server)
        .create_price_list(&header("cin7-tier-1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn create_400_without_a_code_is_checked_by_reading_the_list() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/price-lists"))
        .respond_with(ResponseTemplate::new(400))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/price-lists/cin7-tier-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"slug": "cin7-tier-1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/price-lists/cin7-tier-2"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    mount_fallback(&server).await;
    let client = client(&server);
    client
        .create_price_list(&header("cin7-tier-1"))
        .await
        .unwrap();
    let err = client
        .create_price_list(&header("cin7-tier-2"))
        .await
        .unwrap_err();
    assert!(matches!(err, PortError::Rejected { .. }), "{err}");
}

#[tokio::test]
async fn a_slug_over_30_characters_is_refused_locally() {
    let server = MockServer::start().await;
    mount_fallback(&server).await;
    let err = client(&server)
        .create_price_list(&header(&"x".repeat(31)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_slug"));
}

#[tokio::test]
async fn price_lists_are_read_page_by_page() {
    let server = server().await;
    for page in 1..=3u32 {
        let data: Vec<Value> = (0..if page < 3 { 250 } else { 10 })
            .map(|i| json!({"slug": format!("l-{page}-{i}"), "name": format!("L {i}"), "currency_code": "AUD", "source": "custom"}))
            .collect();
        Mock::given(method("GET"))
            .and(path("/api/v2/price-lists"))
            .and(query_param("page", page.to_string()))
            .and(query_param("page_size", "250"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "data": data,
                "pagination": {"current_page": page, "page_size": 250, "total_pages": 3, "total_items": 510}
            })))
            .expect(1)
            .mount(&server)
            .await;
    }
    mount_fallback(&server).await;
    let lists = client(&server).price_lists().await.unwrap();
    assert_eq!(lists.len(), 510);
    assert_eq!(lists[0].slug, "l-1-0");
    assert_eq!(lists[0].currency.as_deref(), Some("AUD"));
    assert_eq!(lists[509].source.as_deref(), Some("custom"));
}

#[tokio::test]
async fn pricing_204_is_empty_and_entries_group_by_sku() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/price-lists/cin7-tier-1/pricing"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/price-lists/cin7-tier-2/pricing"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"sku": "A-1", "quantity": 1, "price": 10.4},
            {"sku": "A-1", "quantity": 10, "price": 9.2},
            {"sku": "B-2", "quantity": 1, "price": 3}
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/price-lists/gone/pricing"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let client = client(&server);
    assert!(client.prices("cin7-tier-1").await.unwrap().is_empty());
    let rows = client.prices("cin7-tier-2").await.unwrap();
    assert_eq!(
        rows,
        vec![
            PriceRow {
                sku: "A-1".into(),
                pricing: vec![
                    PriceBreak {
                        quantity: 1,
                        price: dec!(10.4)
                    },
                    PriceBreak {
                        quantity: 10,
                        price: dec!(9.2)
                    },
                ],
            },
            PriceRow::single("B-2", dec!(3)),
        ]
    );
    let err = client.prices("gone").await.unwrap_err();
    assert!(matches!(err, PortError::NotFound { .. }), "{err}");
}

#[tokio::test]
async fn patch_sends_prices_as_numbers_and_removals_as_empty_pricing() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/price-lists/cin7-tier-1/pricing"))
        .and(body_json(json!([
            {"sku": "A-1", "pricing": [{"quantity": 1, "price": 10.40}]},
            {"sku": "GONE-9", "pricing": []}
        ])))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    mount_fallback(&server).await;
    let rows = [
        PriceRow::single("A-1", dec!(10.40)),
        PriceRow::removal("GONE-9"),
    ];
    let outcome = client(&server)
        .patch_prices("cin7-tier-1", &rows)
        .await
        .unwrap();
    assert!(outcome.rejected.is_empty());
    let raw = String::from_utf8(server.received_requests().await.unwrap()[1].body.clone()).unwrap();
    assert!(raw.contains(r#""price":10.40"#), "{raw}");
}

#[tokio::test]
async fn a_1234_row_push_at_500_is_three_patches() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/price-lists/cin7-tier-1/pricing"))
        .respond_with(ResponseTemplate::new(200))
        .expect(3)
        .mount(&server)
        .await;
    mount_fallback(&server).await;
    let rows: Vec<PriceRow> = (0..1234)
        .map(|i| PriceRow::single(format!("SKU-{i:05}"), dec!(1.5)))
        .collect();
    let outcome = client(&server)
        .push_in_batches("cin7-tier-1", &rows, 500)
        .await
        .unwrap();
    assert!(outcome.rejected.is_empty());
    let sizes: Vec<usize> = bodies(&server.received_requests().await.unwrap(), "PATCH")
        .iter()
        .map(|b| b.as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, vec![500, 500, 234]);
}

#[tokio::test]
async fn a_refused_row_is_reported_by_sku_and_the_rest_is_still_written() {
    let server = server().await;
    // First try: SparkLayer refuses line 2 (the negative price).
    Mock::given(method("PATCH"))
        .and(path("/api/v1/price-lists/cin7-tier-1/pricing"))
        .and(body_json(json!([
            {"sku": "A-1", "pricing": [{"quantity": 1, "price": 5}]},
            {"sku": "BAD-2", "pricing": [{"quantity": 1, "price": -1}]},
            {"sku": "C-3", "pricing": [{"quantity": 1, "price": 7}]}
        ])))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!([
            {"line": 2, "field": "price", "message": "Price must be greater than or equal to 0"}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    // Second try: the same request without the refused row.
    Mock::given(method("PATCH"))
        .and(path("/api/v1/price-lists/cin7-tier-1/pricing"))
        .and(body_json(json!([
            {"sku": "A-1", "pricing": [{"quantity": 1, "price": 5}]},
            {"sku": "C-3", "pricing": [{"quantity": 1, "price": 7}]}
        ])))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    // The next batch goes out as well.
    Mock::given(method("PATCH"))
        .and(path("/api/v1/price-lists/cin7-tier-1/pricing"))
        .and(body_json(
            json!([{"sku": "D-4", "pricing": [{"quantity": 1, "price": 8}]}]),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    mount_fallback(&server).await;
    let rows = [
        PriceRow::single("A-1", dec!(5)),
        PriceRow::single("BAD-2", dec!(-1)),
        PriceRow::single("C-3", dec!(7)),
        PriceRow::single("D-4", dec!(8)),
    ];
    let client = client(&server);
    let outcome = client
        .push_in_batches("cin7-tier-1", &rows, 3)
        .await
        .unwrap();
    assert_eq!(
        outcome.rejected,
        vec![RejectedRow {
            sku: "BAD-2".into(),
            message: "price: Price must be greater than or equal to 0".into(),
        }]
    );
}

#[tokio::test]
async fn a_refusal_naming_no_row_fails_the_request_only() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/price-lists/cin7-tier-1/pricing"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "title": "Bad Request", "status": 400, "detail": "Unsupported body"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/price-lists/missing/pricing"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    mount_fallback(&server).await;
    let client = client(&server);
    let rows = [PriceRow::single("A-1", dec!(5))];
    let err = client.patch_prices("cin7-tier-1", &rows).await.unwrap_err();
    assert!(
        matches!(err, PortError::Rejected { .. }) && !err.is_retryable(),
        "{err}"
    );
    assert!(err.to_string().contains("Unsupported body"));
    let err = client.patch_prices("missing", &rows).await.unwrap_err();
    assert!(matches!(err, PortError::NotFound { .. }), "{err}");
}
