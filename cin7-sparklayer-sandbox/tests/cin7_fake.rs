//! The fake Cin7 Core over raw HTTP: the behaviours the client must cope with (reference §1–§5).

use std::time::Duration;

use cin7_sparklayer_sandbox::cin7::{FakeCin7, FakeCin7Options, ThrottleStatus};
use cin7_sparklayer_sandbox::data::{CustomerCase, Dataset};
use serde_json::Value;

struct Api {
    fake: FakeCin7,
    http: reqwest::Client,
}

impl Api {
    async fn start(data: &Dataset, options: FakeCin7Options) -> Self {
        Self {
            fake: FakeCin7::start(data, options).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path_and_query}", self.fake.base_url()))
            .header("api-auth-accountid", self.fake.account_id())
            .header("api-auth-applicationkey", self.fake.application_key())
            .send()
            .await
            .unwrap()
    }

    async fn json(&self, path_and_query: &str) -> Value {
        let resp = self.get(path_and_query).await;
        assert_eq!(resp.status(), 200, "{path_and_query}");
        resp.json().await.unwrap()
    }
}

fn len(v: &Value, key: &str) -> usize {
    v[key].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn customer_pages_are_capped_at_100_whatever_the_limit() {
    let data = Dataset::generate(3, 250, 1_500);
    let api = Api::start(&data, FakeCin7Options::unlimited()).await;
    let p1 = api
        .json("customer?Page=1&Limit=1000&IncludeDeprecated=true")
        .await;
    assert_eq!(len(&p1, "CustomerList"), 100);
    assert_eq!(p1["Total"], 250);
    let p3 = api
        .json("customer?page=3&limit=1000&includedeprecated=true")
        .await;
    assert_eq!(len(&p3, "CustomerList"), 50);
    let p4 = api
        .json("customer?Page=4&Limit=1000&IncludeDeprecated=true")
        .await;
    assert_eq!(len(&p4, "CustomerList"), 0);
    // Products are not capped: up to 1000 per page.
    let products = api
        .json("product?Page=1&Limit=1000&IncludeDeprecated=true")
        .await;
    assert_eq!(len(&products, "Products"), 1000);
    assert_eq!(products["Total"], 1500);
}

#[tokio::test]
async fn total_can_claim_rows_no_page_serves() {
    let data = Dataset::generate(3, 150, 20);
    let api = Api::start(
        &data,
        FakeCin7Options {
            customer_total_surplus: 7,
            product_total_surplus: 3,
            ..FakeCin7Options::unlimited()
        },
    )
    .await;
    let p2 = api
        .json("customer?Page=2&Limit=100&IncludeDeprecated=true")
        .await;
    assert_eq!(len(&p2, "CustomerList"), 50);
    assert_eq!(p2["Total"], 157);
    let p3 = api
        .json("customer?Page=3&Limit=100&IncludeDeprecated=true")
        .await;
    assert_eq!(len(&p3, "CustomerList"), 0, "the claimed rows never come");
    assert_eq!(p3["Total"], 157);
    let products = api.json("product?Limit=1000&IncludeDeprecated=true").await;
    assert_eq!(len(&products, "Products"), 20);
    assert_eq!(products["Total"], 23);
    let id = data.customer_id(0).expect("an ID");
    let one = api
        .json(&format!("customer?ID={id}&IncludeDeprecated=true"))
        .await;
    assert_eq!(one["Total"], 1, "a request by ID is exact");

    api.fake.set_options(|o| o.customer_total_surplus = 0);
    let p1 = api.json("customer?Limit=100&IncludeDeprecated=true").await;
    assert_eq!(p1["Total"], 150);
}

#[tokio::test]
async fn deprecated_and_product_prices_only_when_asked() {
    let data = Dataset::generate(3, 200, 50);
    let api = Api::start(&data, FakeCin7Options::unlimited()).await;
    let deprecated = data.customers_of(CustomerCase::Deprecated).count();
    let active = api.json("customer?Limit=100").await;
    assert_eq!(active["Total"], data.customers.len() - deprecated);
    assert!(active["CustomerList"][0].get("ProductPrices").is_none());
    let all = api
        .json("customer?IncludeDeprecated=true&IncludeProductPrices=true")
        .await;
    assert_eq!(all["Total"], data.customers.len());
    assert!(all["CustomerList"][0]["ProductPrices"].is_array());
}

#[tokio::test]
async fn id_and_modified_since_filter_and_mutations_bump_the_date() {
    let data = Dataset::generate(4, 120, 30);
    let api = Api::start(&data, FakeCin7Options::unlimited()).await;
    let id = data.customer_id(5).unwrap().to_owned();
    let one = api
        .json(&format!("Customer?ID={id}&IncludeDeprecated=true"))
        .await;
    assert_eq!(one["Total"], 1);
    assert_eq!(one["CustomerList"][0]["ID"], id.as_str());

    let since = chrono::Utc::now() - chrono::Duration::seconds(1);
    let q = format!(
        "customer?IncludeDeprecated=true&ModifiedSince={}",
        since.format("%Y-%m-%dT%H:%M:%S")
    );
    assert_eq!(api.json(&q).await["Total"], 0);
    assert!(
        api.fake
            .update_customer(&id, |c| c["Tags"] = "b2b,VIP".into())
    );
    let changed = api.json(&q).await;
    assert_eq!(changed["Total"], 1);
    assert_eq!(changed["CustomerList"][0]["Tags"], "b2b,VIP");
    assert!(!api.fake.update_customer("no-such-id", |_| {}));

    let mut extra = data.customers[0].clone();
    extra["ID"] = "new-customer-1".into();
    api.fake.add_customer(extra);
    assert_eq!(api.json(&q).await["Total"], 2);
    assert!(api.fake.remove_customer("new-customer-1"));
    assert_eq!(api.fake.customer_count(), 120);
}

#[tokio::test]
async fn credentials_are_enforced() {
    let data = Dataset::generate(1, 5, 5);
    let api = Api::start(&data, FakeCin7Options::unlimited()).await;
    let resp = api
        .http
        .get(format!("{}me", api.fake.base_url()))
        .header("api-auth-accountid", api.fake.account_id())
        .header("api-auth-applicationkey", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(api.fake.stats().unauthorized, 1);
    let me = api.json("ME").await;
    assert_eq!(me["Currency"], "AUD");
    let tiers = api.json("ref/PriceTier").await;
    assert_eq!(len(&tiers, "PriceTiers"), 10);
}

#[tokio::test]
async fn unknown_paths_get_an_html_page_with_200() {
    let data = Dataset::generate(1, 5, 5);
    let api = Api::start(&data, FakeCin7Options::unlimited()).await;
    let resp = api.get("Products").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().starts_with("<!DOCTYPE html>"));
}

#[tokio::test(start_paused = true)]
async fn rate_limit_throttles_within_a_sliding_window() {
    let data = Dataset::generate(1, 5, 5);
    let options = FakeCin7Options {
        calls_per_window: Some(3),
        window: Duration::from_secs(60),
        throttle_status: ThrottleStatus::Alternate,
        retry_after: Some(Duration::from_secs(30)),
        ..FakeCin7Options::default()
    };
    let api = Api::start(&data, options).await;
    for _ in 0..3 {
        assert_eq!(api.get("me").await.status(), 200);
    }
    let first = api.get("me").await;
    assert_eq!(first.status(), 429);
    assert_eq!(first.headers()["retry-after"], "30");
    assert_eq!(api.get("me").await.status(), 503);
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(api.get("me").await.status(), 200);
    assert_eq!(api.fake.stats().throttled, 2);
    assert_eq!(api.fake.stats().requests, 6);
}

#[tokio::test]
async fn injected_faults_are_seeded() {
    let data = Dataset::generate(1, 5, 5);
    let options = FakeCin7Options {
        fault_rate: 0.5,
        seed: 7,
        ..FakeCin7Options::unlimited()
    };
    let api = Api::start(&data, options).await;
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(api.get("me").await.status().as_u16());
    }
    let faults = statuses.iter().filter(|s| **s == 500).count();
    assert!(faults > 0 && faults < 20, "{statuses:?}");
    assert_eq!(api.fake.stats().faults, faults as u64);
    api.fake.set_options(|o| o.fault_rate = 0.0);
    assert_eq!(api.get("me").await.status(), 200);
}
