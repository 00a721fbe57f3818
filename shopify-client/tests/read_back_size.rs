//! C15 read-back size (issue 13 item 5): documents per 1,000 customers read back against the
//! sandbox fake, which charges Shopify's costs and refuses a document over the single-query
//! cost limit (1,000 points). Before: 20 `customer(id:)` aliases a document in calls of 25
//! (the engine's old lookup batch) = 80 requests per 1,000 customers. After: as many aliases
//! as the cost limit allows with the selection (14 points each → 71 a document) in calls of
//! 1,000 = 14 requests.

use cin7_sparklayer_core::ports::CustomerSink;
use cin7_sparklayer_sandbox::shopify::{FakeCustomer, FakeShopify, FakeShopifyOptions};
use shopify_client::{BatchLimits, ShopifyClient};

async fn fake_with(n: usize) -> (FakeShopify, Vec<String>) {
    let fake = FakeShopify::start(FakeShopifyOptions {
        restore_rate: 1_000_000.0,
        ..FakeShopifyOptions::default()
    })
    .await
    .expect("fake starts");
    let ids = (0..n)
        .map(|i| {
            let mut c = FakeCustomer::new("", Some(format!("buyer{i}@acme.example")));
            c.first_name = Some("Jane".into());
            fake.seed_customer(c)
        })
        .collect();
    (fake, ids)
}

fn client(fake: &FakeShopify, limits: BatchLimits) -> ShopifyClient {
    ShopifyClient::builder()
        .endpoint(fake.endpoint())
        .access_token(fake.access_token().into())
        .limits(limits)
        .build()
        .expect("client")
}

/// Reads `ids` back in calls of `call` IDs; returns the documents sent.
async fn documents(fake: &FakeShopify, c: &ShopifyClient, ids: &[String], call: usize) -> u64 {
    let before = fake.stats().queries;
    for chunk in ids.chunks(call) {
        let got = c.get_customers(chunk).await.expect("read back");
        assert!(got.iter().all(Option::is_some));
    }
    fake.stats().queries - before
}

#[tokio::test]
async fn the_read_back_packs_as_many_customers_as_the_cost_limit_allows() {
    let (fake, ids) = fake_with(1_000).await;
    let old = BatchLimits {
        reads_per_document: 20,
        ..BatchLimits::default()
    };
    let before = documents(&fake, &client(&fake, old), &ids, 25).await;
    let after = documents(&fake, &client(&fake, BatchLimits::default()), &ids, 1_000).await;
    eprintln!("read-back requests per 1,000 customers: before {before}, after {after}");
    assert_eq!(before, 80);
    // 14 points an alias (customer 1, email 1, phone 1, address 1, 8 metafields 2 + 8):
    // 71 aliases = 994 points a document, within the 1,000-point limit the fake enforces.
    assert_eq!(after, 1_000u64.div_ceil(71));
    assert_eq!(fake.stats().throttled, 0);
}
