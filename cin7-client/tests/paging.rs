//! E8 paging against wiremock: short non-final pages, `Total`, empty pages, repeats, scopes.

mod common;

use chrono::TimeZone;
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::{CustomerSource, FetchScope, Fetched, PricingSource};
use common::*;
use rust_decimal::Decimal;
use wiremock::matchers::{header, method, path_regex, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn walks_short_non_final_pages_until_total() {
    let server = MockServer::start().await;
    // page_size is 1000, but customer pages ask for 100: Cin7 caps them there (reference §2).
    for (page, start, n) in [(1, 0, 100), (2, 100, 100), (3, 200, 50)] {
        Mock::given(method("GET"))
            .and(path_regex("(?i)/externalapi/v2/customer$"))
            .and(query_param("Page", page.to_string()))
            .and(query_param("Limit", "100"))
            .and(query_param("IncludeDeprecated", "true"))
            .and(query_param("IncludeProductPrices", "true"))
            .and(query_param_is_missing("ModifiedSince"))
            .and(header("api-auth-accountid", ACCOUNT))
            .and(header("api-auth-applicationkey", KEY))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(customer_page(Some(250), customers(start, n))),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    fallback(&server).await;
    let client = client(&server);
    let items = collect(client.customers(FetchScope::All)).await.unwrap();
    let got = records(&items);
    assert_eq!(got.len(), 250);
    assert_eq!(items.len(), 250, "complete: no shortfall reported");
    let ids: std::collections::HashSet<_> = got.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), 250, "every record exactly once");
    assert_eq!(CustomerSource::request_counts(&client).reads, 3);
    assert_eq!(PricingSource::request_counts(&client).reads, 0);
}

#[tokio::test]
async fn without_total_walks_until_an_empty_page() {
    let server = MockServer::start().await;
    for (page, rows) in [(1, customers(0, 3)), (2, customers(3, 2)), (3, vec![])] {
        Mock::given(method("GET"))
            .and(path_regex("customer$"))
            .and(query_param("Page", page.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(customer_page(None, rows)))
            .expect(1)
            .mount(&server)
            .await;
    }
    fallback(&server).await;
    let items = collect(client(&server).customers(FetchScope::All))
        .await
        .unwrap();
    assert_eq!(records(&items).len(), 5);
}

#[tokio::test]
async fn a_page_served_again_and_again_is_a_protocol_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("customer$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(customer_page(Some(1_000_000), customers(0, 10))),
        )
        .expect(2)
        .mount(&server)
        .await;
    let err = collect(client(&server).customers(FetchScope::All))
        .await
        .unwrap_err();
    assert!(matches!(err, PortError::Protocol { .. }), "{err}");
    assert!(err.to_string().contains("repeats"), "{err}");
}

#[tokio::test]
async fn modified_since_is_sent_as_seconds_utc() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("customer$"))
        .and(query_param("ModifiedSince", "2026-01-15T10:20:30"))
        .and(query_param("IncludeDeprecated", "true"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(customer_page(Some(1), customers(0, 1))),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("product$"))
        .and(query_param("ModifiedSince", "2026-01-15T10:20:30"))
        .and(query_param("IncludeDeprecated", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_string(PRODUCT_PAGE))
        .expect(1)
        .mount(&server)
        .await;
    fallback(&server).await;
    let client = client(&server);
    let since = chrono::Utc
        .with_ymd_and_hms(2026, 1, 15, 10, 20, 30)
        .unwrap()
        + chrono::Duration::milliseconds(999);
    let c = collect(client.customers(FetchScope::ModifiedSince(since)))
        .await
        .unwrap();
    assert_eq!(c.len(), 1);
    let p = collect(client.products(FetchScope::ModifiedSince(since)))
        .await
        .unwrap();
    assert_eq!(p.len(), 1);
}

#[tokio::test]
async fn ids_scope_asks_for_each_id() {
    let server = MockServer::start().await;
    for id in ["c-1", "c-2"] {
        let mut rows = customers(0, 1);
        rows[0]["ID"] = serde_json::json!(id);
        Mock::given(method("GET"))
            .and(path_regex("customer$"))
            .and(query_param("ID", id))
            .respond_with(ResponseTemplate::new(200).set_body_json(customer_page(Some(1), rows)))
            .expect(1)
            .mount(&server)
            .await;
    }
    fallback(&server).await;
    let items =
        collect(client(&server).customers(FetchScope::Ids(vec!["c-1".into(), "c-2".into()])))
            .await
            .unwrap();
    let ids: Vec<_> = records(&items).into_iter().map(|c| c.id).collect();
    assert_eq!(ids, ["c-1", "c-2"]);
}

#[tokio::test]
async fn parses_the_blueprint_customer_sample() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("customer$"))
        .respond_with(ResponseTemplate::new(200).set_body_string(CUSTOMER_PAGE))
        .mount(&server)
        .await;
    let items = collect(client(&server).customers(FetchScope::All))
        .await
        .unwrap();
    let got = records(&items);
    assert_eq!(got.len(), 2);
    let human = &got[0];
    assert_eq!(human.id, "0365e5bb-e5ea-4a45-b98b-fdc4466bdaf1");
    assert!(human.tags.is_empty(), "\"\" tags");
    assert_eq!(human.contacts[0].email, None, "Email: null");
    assert!(human.contacts[0].default);
    assert_eq!(human.addresses[0].country.as_deref(), Some("Uruguay"));
    assert_eq!(human.price_tier.as_deref(), Some("Tier 1"));
    let second = &got[1];
    assert!(second.tags.is_empty(), "null tags");
    assert_eq!(second.product_prices.len(), 1);
    assert_eq!(second.product_prices[0].sku, "Screws-SKU - 002");
    assert_eq!(second.product_prices[0].price, Decimal::new(11, 1));
    assert_eq!(
        second.last_modified.map(|d| d.to_rfc3339()),
        Some("2018-01-30T06:07:43.460+00:00".to_owned())
    );
}

#[tokio::test]
async fn parses_the_live_product_sample_and_account() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("/me$"))
        .respond_with(ResponseTemplate::new(200).set_body_string(ME))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/ref/priceTier$"))
        .respond_with(ResponseTemplate::new(200).set_body_string(PRICE_TIERS))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/product$"))
        .and(query_param("IncludeDeprecated", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_string(PRODUCT_PAGE))
        .expect(1)
        .mount(&server)
        .await;
    fallback(&server).await;
    let client = client(&server);
    let account = client.account().await.unwrap();
    assert_eq!(account.base_currency, "RUB");
    assert_eq!(account.price_tiers.len(), 10);
    assert_eq!(account.tier_code("tier 3"), Some(3));
    let items = collect(client.products(FetchScope::All)).await.unwrap();
    let Fetched::Record(p) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(p.sku.as_deref(), Some("$100discount coupon discount"));
    assert_eq!(p.tier_prices[0], Some(Decimal::from(-100)));
    assert_eq!(p.tier_prices[9], Some(Decimal::ZERO));
    assert!(p.status.is_active());
}

#[tokio::test]
async fn a_malformed_record_is_reported_and_the_page_goes_on() {
    let server = MockServer::start().await;
    let mut rows = customers(0, 3);
    rows[1]["CreditLimit"] = serde_json::json!("lots");
    let mut missing_id = customers(3, 1).remove(0);
    missing_id.as_object_mut().unwrap().remove("ID");
    rows.push(missing_id);
    let mut bad_contacts = customers(4, 1).remove(0);
    bad_contacts["Contacts"] = serde_json::json!("not a list");
    rows.push(bad_contacts);
    Mock::given(method("GET"))
        .and(path_regex("customer$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(customer_page(Some(5), rows)))
        .mount(&server)
        .await;
    let items = collect(client(&server).customers(FetchScope::All))
        .await
        .unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(records(&items).len(), 2);
    let bad: Vec<_> = items
        .iter()
        .filter_map(|f| match f {
            Fetched::Malformed(m) => Some(m.clone()),
            Fetched::Record(_) | Fetched::Incomplete(_) => None,
        })
        .collect();
    assert_eq!(bad[0].id.as_deref(), Some("c-1"));
    assert_eq!(bad[0].field.as_deref(), Some("CustomerList[1].CreditLimit"));
    assert!(bad[0].reason.contains("lots"), "{}", bad[0].reason);
    assert_eq!(bad[1].id, None);
    assert_eq!(bad[2].id.as_deref(), Some("c-4"));
    assert_eq!(bad[2].field.as_deref(), Some("CustomerList[4].Contacts"));
}

#[tokio::test]
async fn ids_scope_ends_after_the_first_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("customer$"))
        .and(query_param("ID", "c-1"))
        .respond_with(ResponseTemplate::new(403))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("customer$"))
        .and(query_param("ID", "c-2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(customer_page(Some(1), customers(2, 1))),
        )
        .expect(0)
        .mount(&server)
        .await;
    use futures::StreamExt;
    let items: Vec<_> = client(&server)
        .customers(FetchScope::Ids(vec!["c-1".into(), "c-2".into()]))
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert!(matches!(items[0], Err(PortError::Unauthenticated { .. })));
}
