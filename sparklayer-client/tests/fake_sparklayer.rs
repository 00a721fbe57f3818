//! The client against the sandbox's fake SparkLayer: the fake's rules (tokens, 409, slugs,
//! validation, faults, paging, sync log) seen through the real client.

use std::time::Duration;

use chrono::Utc;
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::model::{PriceBreak, PriceListHeader, PriceRow};
use cin7_sparklayer_core::ports::{CustomerGroupDirectory, PriceListSink};
use cin7_sparklayer_core::report::{Failure, RecordKind, RunMode, RunReport};
use cin7_sparklayer_sandbox::sparklayer::{
    FakePriceList, FakeSparkLayer, FakeSparkLayerOptions, Faults,
};
use rust_decimal_macros::dec;
use sparklayer_client::{ClientOptions, RetryPolicy, SparkLayerClient};

/// Real time here (the fake serves on loopback), so backoff is kept tiny.
fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 9,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        throttle_base_delay: Duration::from_millis(20),
        throttle_max_delay: Duration::from_millis(100),
        max_server_wait: Duration::from_millis(10),
    }
}

fn client(fake: &FakeSparkLayer) -> SparkLayerClient {
    let c = fake.config();
    SparkLayerClient::builder()
        .site_id(c.site_id)
        .client_id(c.client_id.unwrap())
        .client_secret(c.client_secret.unwrap())
        .base_url(c.base_url)
        .options(ClientOptions::default())
        .retry(quick_retry())
        .build()
        .unwrap()
}

fn header(slug: &str) -> PriceListHeader {
    PriceListHeader {
        slug: slug.into(),
        name: format!("List {slug}"),
        currency: "AUD".into(),
    }
}

async fn start(options: FakeSparkLayerOptions) -> FakeSparkLayer {
    FakeSparkLayer::start(options).await.unwrap()
}

#[tokio::test]
async fn from_config_lists_groups_creates_writes_and_reads_back() {
    let fake = start(FakeSparkLayerOptions::default()).await;
    let client = SparkLayerClient::from_config(&fake.config()).unwrap();
    let groups = client.customer_groups().await.unwrap();
    assert_eq!(groups[0].name, "Trade");

    client
        .create_price_list(&header("cin7-tier-1"))
        .await
        .unwrap();
    client
        .create_price_list(&header("cin7-tier-1"))
        .await
        .unwrap(); // idempotent
    let rows = vec![
        PriceRow {
            sku: "A-1".into(),
            pricing: vec![
                PriceBreak {
                    quantity: 1,
                    price: dec!(10.40),
                },
                PriceBreak {
                    quantity: 10,
                    price: dec!(9.20),
                },
            ],
        },
        PriceRow::single("B-2", dec!(3)),
    ];
    client.patch_prices("cin7-tier-1", &rows).await.unwrap();
    assert_eq!(client.prices("cin7-tier-1").await.unwrap(), rows);

    // Removal (P3) and drift made in the dashboard (C15).
    client
        .patch_prices("cin7-tier-1", &[PriceRow::removal("B-2")])
        .await
        .unwrap();
    assert!(fake.set_price(
        "cin7-tier-1",
        "A-1",
        vec![PriceBreak {
            quantity: 1,
            price: dec!(1)
        }]
    ));
    assert_eq!(
        client.prices("cin7-tier-1").await.unwrap(),
        vec![PriceRow::single("A-1", dec!(1))]
    );
    let list = fake.price_list("cin7-tier-1").unwrap();
    assert_eq!(
        (list.source.as_str(), list.currency_code.as_str()),
        ("integration", "AUD")
    );

    // An empty list reads as 204 → no rows.
    client
        .create_price_list(&header("cin7-tier-2"))
        .await
        .unwrap();
    assert!(client.prices("cin7-tier-2").await.unwrap().is_empty());
    let counts = fake.counts();
    assert_eq!(counts.token, 1);
    assert_eq!(counts.per_endpoint["POST /api/v1/price-lists"], 3);
}

#[tokio::test]
async fn refused_rows_name_the_sku_and_the_rest_is_written() {
    let fake = start(FakeSparkLayerOptions::default()).await;
    let client = client(&fake);
    client
        .create_price_list(&header("cin7-tier-3"))
        .await
        .unwrap();
    let rows = [
        PriceRow::single("OK-1", dec!(5)),
        PriceRow::single("NEG-2", dec!(-0.01)),
        PriceRow::single("", dec!(4)),
        PriceRow::single("OK-4", dec!(6)),
    ];
    let outcome = client.patch_prices("cin7-tier-3", &rows).await.unwrap();
    let refused: Vec<(&str, &str)> = outcome
        .rejected
        .iter()
        .map(|r| (r.sku.as_str(), r.message.as_str()))
        .collect();
    assert_eq!(
        refused,
        vec![
            ("NEG-2", "price: price must not be negative (SKU NEG-2)"),
            ("", "sku: sku is required"),
        ]
    );
    let stored = fake.price_list("cin7-tier-3").unwrap().prices;
    assert_eq!(stored.keys().collect::<Vec<_>>(), ["OK-1", "OK-4"]);
}

#[tokio::test]
async fn slug_rules_and_missing_lists() {
    let fake = start(FakeSparkLayerOptions::default()).await;
    let client = client(&fake);
    let err = client
        .create_price_list(&header("Has Spaces"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_slug"));
    let err = client
        .patch_prices("nope", &[PriceRow::single("A", dec!(1))])
        .await
        .unwrap_err();
    assert!(matches!(err, PortError::NotFound { .. }), "{err}");
    let mut bad_currency = header("cin7-tier-9");
    bad_currency.currency = "dollars".into();
    let err = client.create_price_list(&bad_currency).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid"));
    assert!(err.to_string().contains("currency_code"), "{err}");
}

#[tokio::test]
async fn expired_tokens_are_renewed_once() {
    let fake = start(FakeSparkLayerOptions::default()).await;
    let client = client(&fake);
    client.customer_groups().await.unwrap();
    fake.expire_tokens();
    client.customer_groups().await.unwrap();
    let counts = fake.counts();
    assert_eq!((counts.token, counts.unauthorized), (2, 1));

    let wrong = SparkLayerClient::builder()
        .site_id("sandbox-site")
        .client_id("sandbox-client-id".into())
        .client_secret("wrong".into())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let err = wrong.price_lists().await.unwrap_err();
    assert!(err.is_fatal(), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_to_one_list_get_409_and_are_retried() {
    let fake = start(FakeSparkLayerOptions {
        write_hold: Duration::from_millis(60),
        ..FakeSparkLayerOptions::default()
    })
    .await;
    // Two independent clients (not clones): their per-list locks do not see each other.
    let (a, b) = (client(&fake), client(&fake));
    a.create_price_list(&header("cin7-tier-1")).await.unwrap();
    let rows_a = [PriceRow::single("A", dec!(1))];
    let rows_b = [PriceRow::single("B", dec!(2))];
    let (ra, rb) = tokio::join!(
        a.patch_prices("cin7-tier-1", &rows_a),
        b.patch_prices("cin7-tier-1", &rows_b)
    );
    ra.unwrap();
    rb.unwrap();
    assert!(fake.counts().conflicts >= 1);
    assert_eq!(
        a.counts().retried + b.counts().retried,
        fake.counts().conflicts
    );
    assert_eq!(fake.price_list("cin7-tier-1").unwrap().prices.len(), 2);

    // Clones share the lock: no 409 at all.
    fake.reset_counts();
    let c = a.clone();
    let (ra, rc) = tokio::join!(
        a.patch_prices("cin7-tier-1", &rows_a),
        c.patch_prices("cin7-tier-1", &rows_b)
    );
    ra.unwrap();
    rc.unwrap();
    assert_eq!(fake.counts().conflicts, 0);
}

#[tokio::test]
async fn injected_faults_are_retried_through() {
    let fake = start(FakeSparkLayerOptions {
        faults: Faults {
            seed: 11,
            server_error_rate: 0.15,
            throttle_rate: 0.1,
            retry_after_secs: 0,
            conflict_rate: 0.1,
        },
        ..FakeSparkLayerOptions::default()
    })
    .await;
    let client = client(&fake);
    for tier in 1..=5 {
        let slug = format!("cin7-tier-{tier}");
        client.create_price_list(&header(&slug)).await.unwrap();
        let rows: Vec<PriceRow> = (0..40)
            .map(|i| PriceRow::single(format!("SKU-{i}"), dec!(2.5)))
            .collect();
        let outcome = client.push_in_batches(&slug, &rows, 10).await.unwrap();
        assert!(outcome.rejected.is_empty());
    }
    let lists = fake.price_lists();
    assert!(lists.values().all(|l| l.prices.len() == 40));
    let counts = client.counts();
    assert!(fake.counts().faults > 0);
    assert_eq!(counts.retried + counts.throttled, fake.counts().faults);
}

#[tokio::test]
async fn price_lists_page_through_more_than_250() {
    let fake = start(FakeSparkLayerOptions {
        price_lists: (0..260)
            .map(|i| FakePriceList::new(&format!("merchant-{i:03}"), "Merchant", "AUD", "custom"))
            .collect(),
        ..FakeSparkLayerOptions::default()
    })
    .await;
    let client = client(&fake);
    let lists = client.price_lists().await.unwrap();
    assert_eq!(lists.len(), 260);
    assert_eq!(fake.counts().per_endpoint["GET /api/v2/price-lists"], 2);
    assert_eq!(lists[259].source.as_deref(), Some("custom"));
}

#[tokio::test]
async fn runs_are_reported_to_the_sync_log() {
    let fake = start(FakeSparkLayerOptions::default()).await;
    let client = client(&fake);
    let mut report = RunReport::new(RunMode::Full, false, Utc::now());
    let failure = |kind, id: &str| Failure {
        kind,
        id: id.into(),
        step: "patch".into(),
        message: "price: must not be negative".into(),
        retryable: false,
    };
    report.failures = vec![
        failure(RecordKind::PriceList, "cin7-tier-1/NEG-2"),
        failure(RecordKind::PriceList, "cin7-tier-1/NEG-2"),
        failure(RecordKind::Customer, "cust-1"),
    ];
    client.report_run(&report).await.unwrap();
    let logs = fake.sync_logs();
    let products = &logs[&("cin7-core-sync".to_owned(), "products".to_owned())].body;
    assert_eq!(products["last_full_sync_succeeded"], false);
    let ids: Vec<&str> = products["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["external_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["cin7-tier-1/NEG-2", "cin7-tier-1/NEG-2#2"]);
    let customers = &logs[&("cin7-core-sync".to_owned(), "customers".to_owned())].body;
    assert_eq!(customers["errors"][0]["visible_id"], "cust-1");

    // A dry run writes nothing.
    let before = fake.counts().writes;
    client
        .report_run(&RunReport::new(RunMode::Full, true, Utc::now()))
        .await
        .unwrap();
    assert_eq!(fake.counts().writes, before);
}

/// The fake's own rules, seen with a raw HTTP client.
#[tokio::test]
async fn the_fake_refuses_what_sparklayer_refuses() {
    let fake = start(FakeSparkLayerOptions::default()).await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", fake.base_url());
    // A form-encoded token request is refused; a JSON one without Site-Id too.
    let form = http
        .post(url("/api/auth/token"))
        .header("Site-Id", "sandbox-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=sandbox-client-id&client_secret=sandbox-client-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 400);
    let creds = serde_json::json!({
        "grant_type": "client_credentials",
        "client_id": "sandbox-client-id",
        "client_secret": "sandbox-client-secret",
    });
    let no_site = http
        .post(url("/api/auth/token"))
        .json(&creds)
        .send()
        .await
        .unwrap();
    assert_eq!(no_site.status(), 401);
    let token: serde_json::Value = http
        .post(url("/api/auth/token"))
        .header("Site-Id", "sandbox-site")
        .json(&creds)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["expires_in"], 3600);
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let get = |p: &str, auth: &str| {
        http.get(url(p))
            .header("Site-Id", "sandbox-site")
            .header("authorization", auth.to_owned())
            .send()
    };
    assert_eq!(
        get("/api/v1/customer-groups", "Bearer nope")
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        get("/api/v1/customer-groups", &bearer)
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        get("/api/v2/price-lists?page=1&page_size=251", &bearer)
            .await
            .unwrap()
            .status(),
        400
    );
    // Sync-log errors need unique external IDs.
    let dup = http
        .put(url("/api/v1/sync-log/x/products"))
        .header("Site-Id", "sandbox-site")
        .header("authorization", bearer.clone())
        .json(&serde_json::json!({"errors": [{"external_id": "a"}, {"external_id": "a"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), 400);
    let counts = fake.counts();
    assert_eq!((counts.token, counts.unauthorized), (3, 2));
}
