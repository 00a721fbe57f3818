//! The client against the sandbox fake of Cin7: every record exactly once (E8), incremental
//! fetches after mutations, faults and throttles survived, credentials enforced.

use std::collections::HashSet;
use std::time::Duration;

use cin7_client::{Cin7Client, DEFAULT_RETRY_POLICY, RetryPolicy};
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::{CustomerSource, FetchScope, Fetched, PricingSource};
use cin7_sparklayer_sandbox::cin7::{FakeCin7, FakeCin7Options, ThrottleStatus};
use cin7_sparklayer_sandbox::data::{CustomerCase, Dataset, ProductCase};
use futures::TryStreamExt;
use rust_decimal::Decimal;

fn client_for(fake: &FakeCin7, calls_per_minute: u32) -> Cin7Client {
    Cin7Client::builder()
        .account_id(fake.account_id())
        .application_key(fake.application_key())
        .base_url(fake.base_url())
        .calls_per_minute(calls_per_minute)
        .request_timeout(None)
        .connect_timeout(None)
        .jitter_seed(3)
        .build()
        .expect("client")
}

fn split<T>(items: Vec<Fetched<T>>) -> (Vec<T>, usize) {
    let mut records = Vec::new();
    let mut malformed = 0;
    for item in items {
        match item {
            Fetched::Record(r) => records.push(r),
            Fetched::Malformed(_) => malformed += 1,
            Fetched::Incomplete(short) => panic!("a complete walk: {short}"),
        }
    }
    (records, malformed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walks_every_customer_and_product_exactly_once() {
    let data = Dataset::generate(11, 1_234, 3_210);
    let fake = FakeCin7::start(&data, FakeCin7Options::unlimited())
        .await
        .unwrap();
    let client = client_for(&fake, 60_000);

    let items: Vec<_> = client
        .customers(FetchScope::All)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), data.customers.len());
    let (customers, malformed) = split(items);
    let expected_bad = data.customers_of(CustomerCase::Malformed).count();
    assert_eq!(malformed, expected_bad);
    let ids: HashSet<_> = customers.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), customers.len(), "no customer twice");
    // 100-row pages: 13 of them (customer walks ask Limit=100, the cap real accounts apply).
    assert_eq!(fake.stats().customer_pages, 13);

    let items: Vec<_> = client
        .products(FetchScope::All)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), data.products.len());
    let (products, malformed) = split(items);
    assert_eq!(malformed, data.products_of(ProductCase::Malformed).count());
    let ids: HashSet<_> = products.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ids.len(), products.len(), "no product twice");
    assert_eq!(fake.stats().product_pages, 4);
    assert_eq!(fake.stats().throttled, 0);
    assert_eq!(CustomerSource::request_counts(&client).reads, 17);

    let account = client.account().await.unwrap();
    assert_eq!(account.base_currency, "AUD");
    assert_eq!(account.tier_code("wholesale"), Some(2));
}

#[tokio::test]
async fn incremental_fetch_sees_exactly_the_changed_records() {
    let data = Dataset::generate(5, 300, 200);
    let fake = FakeCin7::start(&data, FakeCin7Options::unlimited())
        .await
        .unwrap();
    let client = client_for(&fake, 60_000);
    let since = chrono::Utc::now() - chrono::Duration::seconds(2);
    let id = data.customer_id(0).unwrap().to_owned();
    assert!(fake.update_customer(&id, |c| c["Name"] = "Renamed Pty Ltd".into()));
    let sku = data.products[0]["SKU"].as_str().unwrap().to_owned();
    assert!(fake.set_product_price(&sku, 2, Decimal::new(123_4567, 4)));

    let items: Vec<_> = client
        .customers(FetchScope::ModifiedSince(since))
        .try_collect()
        .await
        .unwrap();
    let (customers, _) = split(items);
    assert_eq!(customers.len(), 1);
    assert_eq!(customers[0].id, id);
    assert_eq!(customers[0].name.as_deref(), Some("Renamed Pty Ltd"));

    let items: Vec<_> = client
        .products(FetchScope::ModifiedSince(since))
        .try_collect()
        .await
        .unwrap();
    let (products, _) = split(items);
    assert_eq!(products.len(), 1);
    assert_eq!(products[0].tier_prices[1], Some(Decimal::new(123_4567, 4)));

    let items: Vec<_> = client
        .customers(FetchScope::Ids(vec![id.to_uppercase()]))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 1);

    assert!(fake.remove_customer(&id));
    let items: Vec<_> = client
        .customers(FetchScope::All)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), data.customers.len() - 1);
}

/// E12: the poll's reads are one light page per kind when little changed (no prices), name
/// each change with its `LastModifiedOn`, and page on when more than a page changed.
#[tokio::test]
async fn changes_cost_one_request_per_kind_and_page_on_when_busy() {
    let data = Dataset::generate(6, 450, 300);
    let fake = FakeCin7::start(&data, FakeCin7Options::unlimited())
        .await
        .unwrap();
    let client = client_for(&fake, 60_000);
    let since = chrono::Utc::now() - chrono::Duration::seconds(2);
    assert!(client.customer_changes(since).await.unwrap().is_empty());
    assert!(client.product_changes(since).await.unwrap().is_empty());
    assert_eq!(fake.stats().requests, 2, "an idle poll: 2 requests");

    let id = data.customer_id(0).unwrap().to_owned();
    assert!(fake.update_customer(&id, |c| c["Name"] = "Polled Pty Ltd".into()));
    let sku = data.products[0]["SKU"].as_str().unwrap().to_owned();
    assert!(fake.set_product_price(&sku, 1, Decimal::new(42, 0)));
    let stamp = |v: Option<serde_json::Value>| {
        v.and_then(|v| v["LastModifiedOn"].as_str().map(str::to_owned))
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|d| d.with_timezone(&chrono::Utc))
    };
    let customers = client.customer_changes(since).await.unwrap();
    assert_eq!(customers.len(), 1);
    assert_eq!(customers[0].id, id);
    assert_eq!(customers[0].modified, stamp(fake.customer(&id)));
    let products = client.product_changes(since).await.unwrap();
    assert_eq!(products.len(), 1);
    assert_eq!(fake.stats().requests, 4, "one request per kind");

    // Every customer changed: 450 rows at 100 a page, paged on (E8).
    let all: Vec<String> = data
        .customers
        .iter()
        .filter_map(|c| c["ID"].as_str().map(|s| s.trim().to_owned()))
        .filter(|id| !id.is_empty())
        .collect();
    for id in &all {
        fake.update_customer(id, |_| {});
    }
    fake.reset_stats();
    let changed = client.customer_changes(since).await.unwrap();
    let ids: HashSet<_> = changed.iter().map(|c| c.id.clone()).collect();
    assert!(all.iter().all(|id| ids.contains(id)), "every change named");
    assert!(changed.len() > 400);
    assert_eq!(
        fake.stats().customer_pages as usize,
        changed.len().div_ceil(100)
    );
}

#[tokio::test(start_paused = true)]
async fn survives_injected_faults_and_throttles() {
    let data = Dataset::generate(9, 1_000, 0);
    let options = FakeCin7Options {
        fault_rate: 0.2,
        throttle_rate: 0.1,
        throttle_status: ThrottleStatus::Alternate,
        seed: 99,
        ..FakeCin7Options::unlimited()
    };
    let fake = FakeCin7::start(&data, options).await.unwrap();
    let client = Cin7Client::builder()
        .account_id(fake.account_id())
        .application_key(fake.application_key())
        .base_url(fake.base_url())
        .calls_per_minute(600)
        .request_timeout(None)
        .connect_timeout(None)
        .retry(RetryPolicy {
            max_attempts: 11,
            ..DEFAULT_RETRY_POLICY
        })
        .jitter_seed(3)
        .build()
        .unwrap();
    let items: Vec<_> = client
        .customers(FetchScope::All)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 1_000);
    let stats = fake.stats();
    let counts = CustomerSource::request_counts(&client);
    assert!(stats.faults > 0 && stats.throttled > 0, "{stats:?}");
    assert_eq!(counts.retried, stats.faults);
    assert_eq!(counts.throttled, stats.throttled);
    assert_eq!(counts.reads, stats.requests);
}

#[tokio::test(start_paused = true)]
async fn pacing_keeps_the_fake_from_throttling() {
    // 60 calls per 60 s on both sides: 70 requests must not draw a single 429/503.
    let data = Dataset::generate(2, 7_000, 0);
    let fake = FakeCin7::start(&data, FakeCin7Options::default())
        .await
        .unwrap();
    let client = client_for(&fake, 60);
    let start = tokio::time::Instant::now();
    let items: Vec<_> = client
        .customers(FetchScope::All)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 7_000);
    assert_eq!(fake.stats().throttled, 0);
    // 70 requests, one per second after the first (virtual time).
    assert!(start.elapsed() >= Duration::from_secs(69));
}

#[tokio::test]
async fn wrong_credentials_and_paths() {
    let data = Dataset::generate(1, 10, 10);
    let fake = FakeCin7::start(&data, FakeCin7Options::unlimited())
        .await
        .unwrap();
    let bad = Cin7Client::builder()
        .account_id(fake.account_id())
        .application_key("wrong")
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let err = bad.account().await.unwrap_err();
    assert!(matches!(err, PortError::Unauthenticated { .. }), "{err}");
    assert_eq!(fake.stats().unauthorized, 1);

    let client = client_for(&fake, 60_000);
    // Paths are case-insensitive, like Cin7's.
    let body = client
        .get_json("Customer", &[("Limit", "5".to_owned())])
        .await
        .unwrap();
    assert_eq!(body["CustomerList"].as_array().map(Vec::len), Some(5));
    // A wrong path is an HTML page with HTTP 200, which the client refuses.
    let err = client.get_json("Customers", &[]).await.unwrap_err();
    assert!(err.to_string().contains("HTML"), "{err}");
}
