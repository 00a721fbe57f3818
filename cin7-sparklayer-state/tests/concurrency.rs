//! Saves from many tasks, and from two stores on one file, all land.

mod common;

use cin7_sparklayer_core::model::{PriceListHeader, PriceListOrigin};
use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_state::SqliteStateStore;
use common::{TempDir, link};

const TASKS: usize = 8;
const PER_TASK: usize = 100;

async fn save_from_tasks(stores: &[SqliteStateStore]) {
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let state = stores[t % stores.len()].clone();
        handles.push(tokio::spawn(async move {
            let slug = format!("list-{t}");
            let header = PriceListHeader {
                slug: slug.clone(),
                name: slug.clone(),
                currency: "NZD".to_owned(),
            };
            state
                .save_price_list(&header, &PriceListOrigin::Tier { code: 1 })
                .await
                .expect("save list");
            for i in 0..PER_TASK {
                state
                    .save_customer_link(&link(&format!("{t}-{i}")))
                    .await
                    .expect("save link");
                state
                    .save_price_rows(&slug, &[(format!("sku-{i}"), Some(i as u64))])
                    .await
                    .expect("save row");
            }
        }));
    }
    for handle in handles {
        handle.await.expect("task finished");
    }
}

async fn assert_all_saved(state: &SqliteStateStore) {
    assert_eq!(
        state.customer_links().await.expect("links").len(),
        TASKS * PER_TASK
    );
    let lists = state.price_lists().await.expect("lists");
    assert_eq!(lists.len(), TASKS);
    assert!(lists.iter().all(|l| l.rows.len() == PER_TASK));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn saves_from_many_tasks_all_land() {
    let dir = TempDir::new("tasks");
    let state = SqliteStateStore::open(dir.file("state.sqlite")).expect("open");
    save_from_tasks(std::slice::from_ref(&state)).await;
    assert_all_saved(&state).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_file_wait_for_each_other() {
    // Two connections, as two processes would have: SQLite's locks and busy_timeout
    // serialise their writes.
    let dir = TempDir::new("two-stores");
    let path = dir.file("state.sqlite");
    let a = SqliteStateStore::open(&path).expect("open a");
    let b = SqliteStateStore::open(&path).expect("open b");
    save_from_tasks(&[a.clone(), b]).await;
    assert_all_saved(&a).await;
}

/// 100,000 links saved one by one (each its own transaction), as a first run over a large
/// merchant would. Run with `cargo test -p cin7-sparklayer-state --release -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "slow in debug builds; run with --release to see the throughput"]
async fn one_hundred_thousand_links_one_by_one() {
    let dir = TempDir::new("100k");
    let state = SqliteStateStore::open(dir.file("state.sqlite")).expect("open");
    let started = std::time::Instant::now();
    for i in 0..100_000 {
        state
            .save_customer_link(&link(&i.to_string()))
            .await
            .expect("save");
    }
    let elapsed = started.elapsed();
    println!(
        "100,000 saves in {elapsed:?} ({:?} per save)",
        elapsed / 100_000
    );
    assert_eq!(state.customer_links().await.expect("links").len(), 100_000);
}
