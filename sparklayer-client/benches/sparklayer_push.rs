//! Push benchmark (issue 5): 50,000 products × 10 tier lists into the sandbox's fake SparkLayer
//! in PATCHes of 500, then 1% of the prices change and are pushed again, diffed against what was
//! pushed before as the engine does (P3). Prints the requests of the second push against the
//! target (only the changed SKUs: ≤ ceil(changed / 500) PATCHes per list touched + lists touched)
//! and its time as a ratio to the first; criterion then times the incremental push.
//!
//! Run: `cargo bench -p sparklayer-client --bench sparklayer_push`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cin7_sparklayer_core::hash::price_hash;
use cin7_sparklayer_core::model::{PriceListHeader, PriceRow};
use cin7_sparklayer_core::ports::{PriceListSink, RequestCounts};
use cin7_sparklayer_sandbox::sparklayer::{FakeSparkLayer, FakeSparkLayerOptions};
use criterion::{Criterion, criterion_group};
use rust_decimal::Decimal;
use sparklayer_client::{SparkLayerClient, batches};

const PRODUCTS: usize = 50_000;
const TIERS: u8 = 10;
const BATCH: usize = 500;
/// 1% of the products change price (in every tier).
const CHANGED: usize = PRODUCTS / 100;

fn slug(tier: u8) -> String {
    format!("cin7-tier-{tier}")
}

/// The desired rows of tier `tier` in price generation `generation` of each product.
fn desired(tier: u8, generations: &[u32]) -> Vec<PriceRow> {
    generations
        .iter()
        .enumerate()
        .map(|(i, generation)| {
            let cents =
                1_000 + (i as i64 % 9_000) + i64::from(tier) * 7 + i64::from(*generation) * 3;
            PriceRow::single(format!("SKU-{i:06}"), Decimal::new(cents, 2))
        })
        .collect()
}

/// What the sync last wrote per list: SKU → price hash (the engine's state, P3).
type Pushed = HashMap<String, HashMap<String, u64>>;

/// What one push did.
#[derive(Debug, Default)]
struct Push {
    /// Lists with at least one changed row.
    touched: usize,
    /// Time spent in client calls (HTTP to the fake), the rest being the diff.
    in_requests: Duration,
}

/// Creates missing lists, diffs each list against `pushed` and PATCHes only the changed rows in
/// batches of [`BATCH`].
async fn push(client: &SparkLayerClient, pushed: &mut Pushed, generations: &[u32]) -> Push {
    let mut out = Push::default();
    for tier in 1..=TIERS {
        let slug = slug(tier);
        let state = match pushed.get_mut(&slug) {
            Some(s) => s,
            None => {
                let header = PriceListHeader {
                    slug: slug.clone(),
                    name: format!("Tier {tier}"),
                    currency: "AUD".into(),
                };
                let t = Instant::now();
                client
                    .create_price_list(&header)
                    .await
                    .expect("create list");
                out.in_requests += t.elapsed();
                pushed.entry(slug.clone()).or_default()
            }
        };
        let changed: Vec<PriceRow> = desired(tier, generations)
            .into_iter()
            .filter(|row| state.get(&row.sku) != Some(&price_hash(&row.pricing)))
            .collect();
        if changed.is_empty() {
            continue;
        }
        out.touched += 1;
        for batch in batches(&changed, BATCH) {
            let t = Instant::now();
            let outcome = client.patch_prices(&slug, batch).await.expect("patch");
            out.in_requests += t.elapsed();
            assert!(outcome.rejected.is_empty());
            for row in batch {
                state.insert(row.sku.clone(), price_hash(&row.pricing));
            }
        }
    }
    out
}

/// Bumps the price generation of 1% of the products, starting at `offset`.
fn change_one_percent(generations: &mut [u32], offset: usize) {
    for k in 0..CHANGED {
        let i = (offset + k * 100) % generations.len();
        generations[i] += 1;
    }
}

fn setup() -> (tokio::runtime::Runtime, FakeSparkLayer, SparkLayerClient) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let fake = rt
        .block_on(FakeSparkLayer::start(FakeSparkLayerOptions::default()))
        .expect("fake SparkLayer");
    let client = SparkLayerClient::from_config(&fake.config()).expect("client");
    (rt, fake, client)
}

fn report(label: &str, counts: RequestCounts, elapsed: Duration) {
    println!(
        "{label}: {} writes, {} reads (token included), {} retried, {} throttled in {:.2?}",
        counts.writes, counts.reads, counts.retried, counts.throttled, elapsed
    );
}

fn bench(c: &mut Criterion) {
    let (rt, fake, client) = setup();
    let mut pushed = Pushed::new();
    let mut generations = vec![0u32; PRODUCTS];

    let t = Instant::now();
    let first_push = rt.block_on(push(&client, &mut pushed, &generations));
    let first = t.elapsed();
    let first_counts = client.counts();
    report(
        &format!("first push ({PRODUCTS} products × {TIERS} lists, batches of {BATCH})"),
        first_counts,
        first,
    );

    change_one_percent(&mut generations, 0);
    fake.reset_counts();
    let t = Instant::now();
    let second_push = rt.block_on(push(&client, &mut pushed, &generations));
    let second = t.elapsed();
    let touched = second_push.touched;
    let second_counts = client.counts().since(first_counts);
    report(
        &format!("second push ({CHANGED} products changed)"),
        second_counts,
        second,
    );
    let target = touched * CHANGED.div_ceil(BATCH) + touched;
    println!(
        "second push: {} PATCHes, {} SKU rows sent (changed: {}); target ≤ {target} requests; time ratio second/first = {:.4}",
        fake.counts()
            .per_endpoint
            .get("PATCH /api/v1/price-lists/{slug}/pricing")
            .copied()
            .unwrap_or(0),
        fake.counts().rows_patched,
        CHANGED * touched,
        second.as_secs_f64() / first.as_secs_f64()
    );
    println!(
        "time in requests: first {:.2?}, second {:.2?} (ratio {:.4}); the rest is the diff of 500,000 rows",
        first_push.in_requests,
        second_push.in_requests,
        second_push.in_requests.as_secs_f64() / first_push.in_requests.as_secs_f64()
    );
    assert!(second_counts.writes as usize <= target);
    assert_eq!(
        fake.counts().rows_patched as usize,
        CHANGED * usize::from(TIERS)
    );
    let lists = fake.price_lists();
    assert_eq!(lists.len(), usize::from(TIERS));
    assert!(lists.values().all(|l| l.prices.len() == PRODUCTS));

    // The reconcile path (C15): list the lists, read every list's prices back.
    let t = Instant::now();
    let read_back = rt.block_on(async {
        let lists = client.price_lists().await.expect("price lists");
        let mut rows = 0;
        for list in &lists {
            rows += client.prices(&list.slug).await.expect("prices").len();
        }
        rows
    });
    println!(
        "reconcile read: {read_back} SKU rows from {TIERS} lists in {:.2?}",
        t.elapsed()
    );
    assert_eq!(read_back, PRODUCTS * usize::from(TIERS));

    let mut offset = 1;
    c.bench_function("incremental push: 1% of 50k products × 10 lists", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                change_one_percent(&mut generations, offset);
                offset += 1;
                let t = Instant::now();
                rt.block_on(push(&client, &mut pushed, &generations));
                total += t.elapsed();
            }
            total
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = bench
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
