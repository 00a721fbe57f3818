//! Issue 2 benchmark: map and plan 100,000 generated customers and 50,000 products × 10 tiers
//! with the pure core (engine dry run over in-memory adapters: fetch → map → plan, no apply).
//!
//! Baseline measured in the same run: cloning the generated input once (the cost of touching
//! every record), so the figure can be read as a ratio on a noisy machine.
//! Peak memory (VmHWM) of the whole process is printed at the end: the input (one copy, held
//! by the in-memory source) plus everything the engine allocates.
//!
//! `cargo bench -p cin7-sparklayer --bench core_plan`

/// mimalloc: mapping 100,000 customers allocates many small strings; glibc's allocator under
/// threads costs ~40% of the run (measured: 2.1 s → 1.2–1.5 s for the core_plan workload).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::Duration;

use cin7_sparklayer_core::engine::{EngineSettings, Ports, RunOptions, SyncEngine};
use cin7_sparklayer_core::memory::{MemoryPriceLists, MemoryShopify, MemorySource, MemoryState};
use cin7_sparklayer_core::model::{
    AddressKind, CustomerGroup, CustomerPrice, RecordStatus, SourceAddress, SourceContact,
    SourceCustomer, SourceProduct,
};
use criterion::{Criterion, criterion_group};
use rust_decimal::Decimal;

const CUSTOMERS: usize = 100_000;
const PRODUCTS: usize = 50_000;

fn customers() -> Vec<SourceCustomer> {
    (0..CUSTOMERS)
        .map(|i| SourceCustomer {
            name: Some(format!("Company {i} Pty Ltd")),
            currency: Some("AUD".into()),
            price_tier: Some(format!("Tier {}", i % 10 + 1)),
            tax_rule: Some(
                if i % 7 == 0 {
                    "Tax Exempt"
                } else {
                    "GST on Income"
                }
                .into(),
            ),
            tags: vec!["b2b".into(), ["Gold", "Silver", "misc"][i % 3].into()],
            credit_limit: Decimal::new(i as i64 * 100, 2),
            on_credit_hold: i % 11 == 0,
            discount: None,
            contacts: vec![SourceContact {
                name: Some(format!("Alex Buyer{i}")),
                email: Some(format!("buyer{i}@example.com")),
                phone: Some(format!("02 9{:03} {:04}", i % 1000, i % 10_000)),
                default: true,
                ..SourceContact::default()
            }],
            addresses: vec![
                SourceAddress {
                    line1: Some(format!("{i} George St")),
                    city: Some("Sydney".into()),
                    state: Some("NSW".into()),
                    postcode: Some("2000".into()),
                    country: Some(["Australia", "USA", "UK", "New Zealand"][i % 4].into()),
                    kind: Some(AddressKind::Billing),
                    default_for_type: true,
                    ..SourceAddress::default()
                },
                SourceAddress {
                    line1: Some(format!("{i} Dock Rd")),
                    country: Some("Australia".into()),
                    kind: Some(AddressKind::Shipping),
                    default_for_type: i % 2 == 0,
                    ..SourceAddress::default()
                },
            ],
            product_prices: if i % 20 == 0 {
                (0..5)
                    .map(|k| CustomerPrice {
                        sku: format!("SKU-{:06}", (i + k * 7) % PRODUCTS),
                        price: Decimal::new((i % 900 + 100) as i64, 2),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            ..SourceCustomer::new(format!("{i:08x}-0000-4000-8000-000000000000"))
        })
        .collect()
}

fn products() -> Vec<SourceProduct> {
    (0..PRODUCTS)
        .map(|i| {
            let mut tier_prices = [None; 10];
            for (t, p) in tier_prices.iter_mut().enumerate() {
                *p = Some(Decimal::new(((i % 5000) * 10 + t * 3 + 100) as i64, 2));
            }
            SourceProduct {
                id: format!("p{i:08}"),
                sku: Some(format!("SKU-{i:06}")),
                status: if i % 50 == 0 {
                    RecordStatus::Deprecated
                } else {
                    RecordStatus::Active
                },
                tier_prices,
                last_modified: None,
            }
        })
        .collect()
}

fn engine(source: Arc<MemorySource>) -> SyncEngine {
    let lists = Arc::new(MemoryPriceLists::new(vec![
        CustomerGroup {
            name: "Gold".into(),
            slug: "gold".into(),
        },
        CustomerGroup {
            name: "Silver".into(),
            slug: "silver".into(),
        },
    ]));
    SyncEngine::new(
        Ports {
            customers: source.clone(),
            products: source,
            shopify: Arc::new(MemoryShopify::new()),
            price_lists: lists.clone(),
            groups: lists,
            state: Arc::new(MemoryState::new()),
        },
        EngineSettings {
            lookup_batch: 250,
            ..EngineSettings::default()
        },
    )
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn bench(c: &mut Criterion) {
    // One copy of the input, held by the in-memory source (as a paged API would hold it).
    let source = Arc::new(MemorySource::new("AUD"));
    source.set_customers(customers());
    source.set_products(products());
    let mut group = c.benchmark_group("core_plan");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let after_input = peak_rss_mb();
    group.bench_function("map_and_plan_100k_customers_50k_products", |b| {
        b.iter(|| {
            let e = engine(source.clone());
            let report =
                futures::executor::block_on(e.run(RunOptions::full().dry_run())).expect("dry run");
            assert_eq!(
                report.customers.get("create").copied(),
                Some(CUSTOMERS as u64)
            );
            std::hint::black_box(report)
        })
    });
    // Read before the baseline, which makes a second copy of the input.
    let after_engine = peak_rss_mb();
    group.bench_function("baseline_clone_inputs", |b| {
        b.iter(|| {
            let cs = source.customers.lock().map(|c| c.clone()).ok();
            let ps = source.products.lock().map(|p| p.clone()).ok();
            std::hint::black_box((cs, ps))
        })
    });
    group.finish();
    if let (Some(input), Some(engine)) = (after_input, after_engine) {
        println!(
            "peak memory (VmHWM): {input:.0} MB after generating the input, {engine:.0} MB for the whole process after the map-and-plan runs (the engine added {:.0} MB)",
            engine - input
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
