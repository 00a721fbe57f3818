//! E8: customer pages ask for at most 100 rows whatever `page_size` says (products keep it),
//! and a walk that serves fewer distinct rows than `Total` says so as its last item.

mod common;

use cin7_sparklayer_core::ports::{
    CustomerSource, FetchScope, Fetched, IncompleteRead, PricingSource,
};
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn products(start: usize, n: usize) -> Vec<Value> {
    let page: Value = serde_json::from_str(PRODUCT_PAGE).unwrap();
    let template = page["Products"][0].clone();
    (start..start + n)
        .map(|i| {
            let mut p = template.clone();
            p["ID"] = json!(format!("p-{i}"));
            p["SKU"] = json!(format!("SKU-{i}"));
            p
        })
        .collect()
}

async fn page(server: &MockServer, what: &str, page: usize, limit: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path_regex(format!("{what}$")))
        .and(query_param("Page", page.to_string()))
        .and(query_param("Limit", limit))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

fn shortfalls<T>(items: &[Fetched<T>]) -> Vec<IncompleteRead> {
    items
        .iter()
        .filter_map(|f| match f {
            Fetched::Incomplete(i) => Some(*i),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn customers_ask_limit_100_with_page_size_1000_and_products_keep_it() {
    let server = MockServer::start().await;
    page(
        &server,
        "customer",
        1,
        "100",
        customer_page(Some(150), customers(0, 100)),
    )
    .await;
    page(
        &server,
        "customer",
        2,
        "100",
        customer_page(Some(150), customers(100, 50)),
    )
    .await;
    let body = json!({"Total": 2, "Page": 1, "Products": products(0, 2)});
    page(&server, "product", 1, "1000", body).await;
    fallback(&server).await;
    let client = builder(&server).page_size(1000).build().unwrap();
    assert_eq!(client.page_size(), 1000);

    let c = collect(client.customers(FetchScope::All)).await.unwrap();
    assert_eq!(records(&c).len(), 150);
    assert_eq!(shortfalls(&c), vec![]);
    let p = collect(client.products(FetchScope::All)).await.unwrap();
    assert_eq!(records(&p).len(), 2);
    assert_eq!(shortfalls(&p), vec![]);
}

#[tokio::test]
async fn a_smaller_page_size_is_sent_as_is_for_customers() {
    let server = MockServer::start().await;
    page(
        &server,
        "customer",
        1,
        "40",
        customer_page(Some(40), customers(0, 40)),
    )
    .await;
    fallback(&server).await;
    let client = builder(&server).page_size(40).build().unwrap();
    let c = collect(client.customers(FetchScope::All)).await.unwrap();
    assert_eq!(records(&c).len(), 40);
}

#[tokio::test]
async fn rows_served_twice_make_a_walk_that_reaches_total_incomplete() {
    let server = MockServer::start().await;
    // A record moved between pages: c-95..c-99 come again on page 2 and c-195..c-199 never come.
    page(
        &server,
        "customer",
        1,
        "100",
        customer_page(Some(200), customers(0, 100)),
    )
    .await;
    page(
        &server,
        "customer",
        2,
        "100",
        customer_page(Some(200), customers(95, 100)),
    )
    .await;
    fallback(&server).await;
    let items = collect(client(&server).customers(FetchScope::All))
        .await
        .unwrap();
    assert_eq!(records(&items).len(), 200, "rows are passed on as served");
    assert_eq!(
        shortfalls(&items),
        vec![IncompleteRead {
            expected: 200,
            received: 195
        }]
    );
    assert!(
        matches!(items.last(), Some(Fetched::Incomplete(_))),
        "the shortfall comes after the last record"
    );
}

#[tokio::test]
async fn a_walk_that_runs_out_of_rows_before_total_is_incomplete() {
    let server = MockServer::start().await;
    let body = |rows| json!({"Total": 1500, "Page": 1, "Products": rows});
    page(&server, "product", 1, "1000", body(products(0, 1000))).await;
    page(&server, "product", 2, "1000", body(products(1000, 300))).await;
    page(&server, "product", 3, "1000", body(Vec::new())).await;
    fallback(&server).await;
    let client = client(&server);
    let items = collect(client.products(FetchScope::All)).await.unwrap();
    assert_eq!(records(&items).len(), 1300);
    assert_eq!(
        shortfalls(&items),
        vec![IncompleteRead {
            expected: 1500,
            received: 1300
        }]
    );
    assert_eq!(CustomerSource::request_counts(&client).reads, 3);
    assert_eq!(PricingSource::request_counts(&client).reads, 0);
}

#[tokio::test]
async fn malformed_rows_count_as_served() {
    let server = MockServer::start().await;
    let mut rows = customers(0, 3);
    rows[1]["CreditLimit"] = json!("lots");
    rows[2].as_object_mut().unwrap().remove("ID");
    page(&server, "customer", 1, "100", customer_page(Some(3), rows)).await;
    fallback(&server).await;
    let items = collect(client(&server).customers(FetchScope::All))
        .await
        .unwrap();
    assert_eq!(
        items.len(),
        3,
        "two malformed rows and one record, no shortfall"
    );
    assert_eq!(shortfalls(&items), vec![]);
}
