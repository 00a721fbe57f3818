//! Two replicas (two stores with their own pools) of one tenant saving at once: every save
//! lands, nothing is mixed up, and nothing fails.

use cin7_sparklayer_core::model::{PriceListHeader, PriceListOrigin};
use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_state_postgres::{PostgresStateStore, SCHEMA_VERSION};

use crate::common::{self, link, unique};

const TASKS: usize = 8;
const PER_TASK: usize = 50;

/// Two stores of one tenant, each with its own pool: two replicas.
async fn replicas(db: &common::TestDb, test: &str) -> (PostgresStateStore, PostgresStateStore) {
    let tenant = unique(test);
    let a = PostgresStateStore::connect(&db.url(), &tenant)
        .await
        .expect("replica a");
    let b = PostgresStateStore::connect(&db.url(), &tenant)
        .await
        .expect("replica b");
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn saves_from_many_tasks_on_two_replicas_all_land() {
    let Some(db) = common::database() else { return };
    let (a, b) = replicas(&db, "tasks").await;
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let state = if t % 2 == 0 { a.clone() } else { b.clone() };
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
    for state in [&a, &b] {
        assert_eq!(
            state.customer_links().await.expect("links").len(),
            TASKS * PER_TASK
        );
        let lists = state.price_lists().await.expect("lists");
        assert_eq!(lists.len(), TASKS);
        assert!(lists.iter().all(|l| l.rows.len() == PER_TASK));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_writing_the_same_records_converge_without_mixing_fields() {
    let Some(db) = common::database() else { return };
    let (a, b) = replicas(&db, "same-records").await;
    let version = |id: &str, replica: &str| {
        let mut l = link(id);
        l.shopify_id = format!("gid://shopify/Customer/{replica}-{id}");
        l.email = format!("{replica}-{id}@example.com");
        l.content_hash = format!("{replica}-hash");
        l
    };
    let write = |state: PostgresStateStore, replica: &'static str| {
        tokio::spawn(async move {
            for i in 0..PER_TASK {
                let id = i.to_string();
                state
                    .save_customer_link(&version(&id, replica))
                    .await
                    .expect("save link");
            }
        })
    };
    let (ra, rb) = (write(a.clone(), "a"), write(b.clone(), "b"));
    ra.await.expect("replica a");
    rb.await.expect("replica b");
    let links = a.customer_links().await.expect("links");
    assert_eq!(links.len(), PER_TASK, "one row per Cin7 ID");
    for l in links {
        assert!(
            l == version(&l.cin7_id, "a") || l == version(&l.cin7_id, "b"),
            "a row mixes two replicas' writes: {l:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_patching_one_list_in_opposite_orders_do_not_deadlock() {
    let Some(db) = common::database() else { return };
    let (a, b) = replicas(&db, "patches").await;
    let header = PriceListHeader {
        slug: "tier-1".to_owned(),
        name: "Tier 1".to_owned(),
        currency: "NZD".to_owned(),
    };
    a.save_price_list(&header, &PriceListOrigin::Tier { code: 1 })
        .await
        .expect("save list");
    let skus: Vec<String> = (0..200).map(|i| format!("sku-{i:03}")).collect();
    let patch = |state: PostgresStateStore, reversed: bool, hash: u64| {
        let mut changes: Vec<_> = skus.iter().map(|s| (s.clone(), Some(hash))).collect();
        if reversed {
            changes.reverse();
        }
        tokio::spawn(async move {
            for _ in 0..10 {
                state
                    .save_price_rows("tier-1", &changes)
                    .await
                    .expect("patch");
            }
        })
    };
    let (pa, pb) = (patch(a.clone(), false, 1), patch(b.clone(), true, 2));
    pa.await.expect("replica a");
    pb.await.expect("replica b");
    let rows = &a.price_lists().await.expect("lists")[0].rows;
    assert_eq!(rows.len(), skus.len());
    let hashes: std::collections::BTreeSet<u64> = rows.values().copied().collect();
    assert_eq!(
        hashes.len(),
        1,
        "each patch is atomic: the last one wins whole"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_migrate_once() {
    let Some(db) = common::database() else { return };
    let schema = db.fresh_schema("start-together").await;
    let url = db.url_in_schema(&schema);
    let mut handles = Vec::new();
    for i in 0..6 {
        let url = url.clone();
        handles.push(tokio::spawn(async move {
            PostgresStateStore::connect(&url, &format!("tenant-{i}")).await
        }));
    }
    for handle in handles {
        handle.await.expect("task").expect("every replica connects");
    }
    let versions = db
        .query_in(
            &schema,
            "SELECT version FROM cin7_sparklayer_schema ORDER BY version",
        )
        .await;
    let expected: Vec<String> = (1..=SCHEMA_VERSION).map(|v| v.to_string()).collect();
    assert_eq!(versions, expected);
}
