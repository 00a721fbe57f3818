//! Two tenants on one database never see each other's links, lists, rows, runs or cursor, even
//! with the same Cin7 IDs and slugs.

use std::collections::BTreeMap;

use cin7_sparklayer_core::model::PriceListOrigin;
use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_core::report::RunMode;
use cin7_sparklayer_state_postgres::PostgresStateStore;

use crate::common::{self, at, link, report, unique};
use crate::round_trip::header;

/// Saves one of everything under the same keys, with values that differ by `n`.
async fn fill(state: &PostgresStateStore, n: u64) {
    let mut l = link("same-id");
    l.email = format!("tenant{n}@example.com");
    state.save_customer_link(&l).await.expect("save link");
    state
        .save_price_list(&header("tier-1"), &PriceListOrigin::Tier { code: 1 })
        .await
        .expect("save list");
    state
        .save_price_rows("tier-1", &[("SKU".to_owned(), Some(n))])
        .await
        .expect("save rows");
    let started = at(i64::try_from(n).expect("small") * 100);
    state
        .record_run(&report(RunMode::Full, false, started, 0))
        .await
        .expect("record");
}

#[tokio::test]
async fn tenants_on_one_database_are_isolated() {
    let Some(db) = common::database() else { return };
    let acme = db.store("acme").await;
    // Another tenant through its own pool (another replica) and one sharing acme's pool.
    let globex = db.store("globex").await;
    let initech = acme.for_tenant(&unique("initech")).expect("tenant id");
    fill(&acme, 1).await;
    fill(&globex, 2).await;

    for (state, n) in [(&acme, 1), (&globex, 2)] {
        let links = state.customer_links().await.expect("links");
        assert_eq!(links.len(), 1, "{}", state.tenant());
        assert_eq!(links[0].email, format!("tenant{n}@example.com"));
        let lists = state.price_lists().await.expect("lists");
        assert_eq!(lists.len(), 1);
        assert_eq!(lists[0].rows, BTreeMap::from([("SKU".to_owned(), n)]));
        let n = i64::try_from(n).expect("small");
        assert_eq!(
            state.last_successful_run().await.expect("cursor"),
            Some(at(n * 100))
        );
        assert_eq!(
            state.last_full_run().await.expect("last full"),
            Some(at(n * 100))
        );
        assert_eq!(state.runs().await.expect("runs").len(), 1);
    }
    assert!(initech.customer_links().await.expect("links").is_empty());
    assert!(initech.price_lists().await.expect("lists").is_empty());
    assert_eq!(initech.last_successful_run().await.expect("cursor"), None);
    assert!(initech.runs().await.expect("runs").is_empty());
}

#[tokio::test]
async fn rows_of_another_tenants_list_are_refused() {
    let Some(db) = common::database() else { return };
    let acme = db.store("acme-rows").await;
    let globex = acme.for_tenant(&unique("globex-rows")).expect("tenant id");
    acme.save_price_list(&header("tier-1"), &PriceListOrigin::Tier { code: 1 })
        .await
        .expect("save list");
    globex
        .save_price_rows("tier-1", &[("SKU".to_owned(), Some(1))])
        .await
        .expect_err("globex has no list tier-1");
    assert!(acme.price_lists().await.expect("lists")[0].rows.is_empty());
}

#[tokio::test]
async fn every_table_of_tenant_data_has_the_tenant_in_its_primary_key() {
    let Some(db) = common::database() else { return };
    let schema = db.fresh_schema("pk").await;
    PostgresStateStore::connect(&db.url_in_schema(&schema), "t")
        .await
        .expect("migrate");
    let tables = db
        .query_in(
            &schema,
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY 1",
        )
        .await;
    assert_eq!(
        tables,
        [
            "cin7_sparklayer_schema",
            "customer_links",
            "leases",
            "price_lists",
            "price_rows",
            "replicas",
            "runs",
            "webhook_inbox"
        ]
    );
    let first_key_columns = db
        .query_in(
            &schema,
            "SELECT c.relname || ':' || a.attname
             FROM pg_index i
             JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
             WHERE i.indisprimary AND n.nspname = current_schema() ORDER BY 1",
        )
        .await;
    assert_eq!(
        first_key_columns,
        [
            "cin7_sparklayer_schema:version",
            "customer_links:tenant",
            "leases:tenant",
            "price_lists:tenant",
            "price_rows:tenant",
            // The one table of coordination not about a tenant: the live replicas.
            "replicas:replica",
            "runs:tenant",
            "webhook_inbox:tenant"
        ]
    );
}
