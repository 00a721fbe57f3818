//! Import of new customers into the sandbox's fake Shopify (issue 4 acceptance, E7).
//!
//! Part 1 (printed figures): 2,000 new customers, emulating the engine: per batch of 50, one
//! lookup document, the writes (customerSet + packed metafieldsSet), then the batch's invites
//! (`send_invites`, aliased 25 to a document).
//! The fake's bucket is Shopify's standard 1,000 points; its restore rate is scaled from
//! 100/s to `SHOPIFY_BENCH_RESTORE` (default 2,000/s) so the run takes seconds, not minutes.
//! Reported: requests and cost points (`actualQueryCost`) per new customer, THROTTLED and
//! failures, and throughput as a fraction of what the bucket allows
//! (`points / (bucket + restore × elapsed)`).
//! Targets: ≤ 25 points per customer, throughput ≥ 0.85, no THROTTLED surfaced as a failure.
//!
//! Part 2 (criterion): 200 customers with an unlimited bucket: the client's and fake's own
//! overhead per import.

use std::time::Instant;

use cin7_sparklayer_core::model::{
    DesiredAddress, DesiredCustomer, DesiredMetafield, MetafieldKey, MetafieldType,
};
use cin7_sparklayer_core::ports::{CustomerSink, CustomerWrite, WriteTarget};
use cin7_sparklayer_sandbox::shopify::{FakeShopify, FakeShopifyOptions};
use criterion::{Criterion, criterion_group};
use shopify_client::ShopifyClient;

const BATCH: usize = 50;

fn write(n: usize) -> CustomerWrite {
    let mf = |ns: &str, key: &str, kind, value: String| DesiredMetafield {
        key: MetafieldKey::new(ns, key),
        kind,
        value,
    };
    let metafields = vec![
        mf(
            "cin7",
            "credit_limit",
            MetafieldType::NumberDecimal,
            format!("{}.5", n * 10),
        ),
        mf(
            "cin7",
            "customer_id",
            MetafieldType::SingleLineTextField,
            format!("cin7-{n}"),
        ),
        mf(
            "cin7",
            "on_credit_hold",
            MetafieldType::Boolean,
            "false".into(),
        ),
        mf(
            "sparklayer",
            "company_name",
            MetafieldType::SingleLineTextField,
            format!("Acme {n}"),
        ),
        mf(
            "sparklayer",
            "group",
            MetafieldType::SingleLineTextField,
            "wholesale".into(),
        ),
        mf(
            "sparklayer",
            "payment_on_account",
            MetafieldType::Json,
            format!(r#"{{"credit_limit":{}.5}}"#, n * 10),
        ),
        mf(
            "sparklayer",
            "price_lists",
            MetafieldType::Json,
            r#"["cin7-tier-2"]"#.into(),
        ),
    ];
    let desired = DesiredCustomer {
        cin7_id: format!("cin7-{n}"),
        email: format!("buyer{n}@acme.example"),
        first_name: Some("Jane".into()),
        last_name: Some(format!("Doe {n}")),
        phone: Some(format!("+614{n:08}")),
        address: Some(DesiredAddress {
            address1: Some(format!("{n} Main St")),
            city: Some("Sydney".into()),
            province_code: Some("NSW".into()),
            zip: Some("2000".into()),
            country_code: "AU".into(),
            company: Some(format!("Acme {n}")),
            ..DesiredAddress::default()
        }),
        tax_exempt: false,
        managed_tags: vec!["b2b".into()],
        metafields: metafields.clone(),
    };
    CustomerWrite {
        cin7_id: desired.cin7_id.clone(),
        target: WriteTarget::New,
        tags_add: vec!["b2b".into()],
        tags_remove: vec![],
        metafields_set: metafields,
        metafields_delete: vec![],
        fields: Some(desired),
    }
}

/// Imports `count` new customers; returns (failures, client).
async fn import(fake: &FakeShopify, count: usize) -> (usize, ShopifyClient) {
    let client = ShopifyClient::builder()
        .endpoint(fake.endpoint())
        .access_token(fake.access_token().into())
        .build()
        .expect("client builds");
    let mut failures = 0;
    let invites = client.invite_support().await.is_ok();
    let writes: Vec<CustomerWrite> = (0..count).map(write).collect();
    for batch in writes.chunks(BATCH) {
        let emails: Vec<String> = batch
            .iter()
            .filter_map(|w| w.fields.as_ref().map(|f| f.email.clone()))
            .collect();
        let found = client.find_by_emails(&emails).await.expect("lookup");
        assert!(found.iter().all(Option::is_none), "customers are new");
        let results = client.write_customers(batch).await;
        let mut ids = Vec::new();
        for r in results {
            match r {
                Ok(outcome) => ids.push(outcome.shopify_id),
                Err(_) => failures += 1,
            }
        }
        if invites {
            failures += client
                .send_invites(&ids)
                .await
                .iter()
                .filter(|r| r.is_err())
                .count();
        }
    }
    (failures, client)
}

fn figures(rt: &tokio::runtime::Runtime) {
    let count: usize = std::env::var("SHOPIFY_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let restore: f64 = std::env::var("SHOPIFY_BENCH_RESTORE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000.0);
    let bucket = 1000.0;
    rt.block_on(async {
        let fake = FakeShopify::start(FakeShopifyOptions {
            bucket_size: bucket,
            restore_rate: restore,
            ..FakeShopifyOptions::default()
        })
        .await
        .expect("fake starts");
        let started = Instant::now();
        let (failures, client) = import(&fake, count).await;
        let elapsed = started.elapsed().as_secs_f64();
        let stats = fake.stats();
        let points = client.cost_points() as f64;
        let allowed = bucket + restore * elapsed;
        let per = |x: f64| x / count as f64;
        let counts = client.request_counts();
        println!("shopify_import: {count} new customers, bucket {bucket} points, restore {restore}/s (standard plan 100/s, scaled)");
        println!("  elapsed                 {elapsed:.2} s");
        println!(
            "  requests                {} ({:.3} per customer; reads {}, writes {}, throttled {}, retried {})",
            stats.requests,
            per(stats.requests as f64),
            counts.reads,
            counts.writes,
            counts.throttled,
            counts.retried
        );
        println!("  cost points             {points} ({:.2} per customer, target <= 25)", per(points));
        println!("  throughput              {:.3} of the bucket (target >= 0.85)", points / allowed);
        println!("  THROTTLED answered      {} (retried inside the client)", stats.throttled);
        println!("  failures                {failures} (target 0)");
        println!("  customers in the fake   {}, invites {}", fake.customers().len(), fake.total_invites());
        println!("  metafieldsSet calls     {}", stats.metafields_set_calls);
    });
}

fn overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    figures(&rt);
    let mut group = c.benchmark_group("shopify_import");
    group.sample_size(10);
    group.bench_function("200_new_customers_unthrottled", |b| {
        b.iter(|| {
            rt.block_on(async {
                let fake = FakeShopify::start(FakeShopifyOptions {
                    bucket_size: 1e12,
                    restore_rate: 1e12,
                    ..FakeShopifyOptions::default()
                })
                .await
                .expect("fake starts");
                let (failures, _) = import(&fake, 200).await;
                assert_eq!(failures, 0);
            })
        })
    });
    group.finish();
}

criterion_group!(benches, overhead);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
