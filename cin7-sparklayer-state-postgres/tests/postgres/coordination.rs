//! The coordination ports (issue 16) on PostgreSQL: both conformance suites, each check in a
//! fresh schema (heartbeats count every replica of a schema); then what only a real server
//! shows: many connections racing for one lease, two connections claiming one inbox, and the
//! migration's tables.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cin7_sparklayer_core::conformance::lease_store::{self, LeaseStoreHarness};
use cin7_sparklayer_core::conformance::webhook_inbox::{self, WebhookInboxHarness};
use cin7_sparklayer_core::ports::{LeaseStore, WebhookInbox};
use cin7_sparklayer_state_postgres::{PostgresCoordination, PostgresOptions, PostgresStateStore};

use crate::common::{self, TestDb};

struct Harness {
    db: TestDb,
}

impl Harness {
    /// Coordination over a new, empty schema.
    async fn fresh_coordination(&self) -> PostgresCoordination {
        let schema = self.db.fresh_schema("coord").await;
        PostgresCoordination::connect(&self.db.url_in_schema(&schema))
            .await
            .expect("connect and migrate")
    }
}

#[async_trait]
impl LeaseStoreHarness for Harness {
    type Leases = PostgresCoordination;

    async fn fresh(&self) -> PostgresCoordination {
        self.fresh_coordination().await
    }
}

#[async_trait]
impl WebhookInboxHarness for Harness {
    type Inbox = PostgresCoordination;

    async fn fresh(&self) -> PostgresCoordination {
        self.fresh_coordination().await
    }
}

#[tokio::test]
async fn the_postgres_lease_store_conforms() {
    let Some(db) = common::database() else { return };
    let outcome = lease_store::run_all(&Harness { db })
        .await
        .expect("conforms");
    assert_eq!(outcome.passed, lease_store::CHECKS);
    assert!(outcome.unsupported.is_empty(), "{outcome:?}");
}

#[tokio::test]
async fn the_postgres_inbox_conforms() {
    let Some(db) = common::database() else { return };
    let outcome = webhook_inbox::run_all(&Harness { db })
        .await
        .expect("conforms");
    assert_eq!(outcome.passed, webhook_inbox::CHECKS);
    assert!(outcome.unsupported.is_empty(), "{outcome:?}");
}

/// `n` replicas, each with a pool of its own (its own connections) on `schema`.
async fn replicas(db: &TestDb, schema: &str, n: usize) -> Vec<Arc<PostgresCoordination>> {
    let mut out = Vec::new();
    for _ in 0..n {
        let options = PostgresOptions::default().with_max_connections(2);
        let coord = PostgresCoordination::connect_with(&db.url_in_schema(schema), options)
            .await
            .expect("connect");
        out.push(Arc::new(coord));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_racing_connections_give_each_tenant_exactly_one_owner() {
    let Some(db) = common::database() else { return };
    let schema = db.fresh_schema("race").await;
    let replicas = replicas(&db, &schema, 12).await;
    for round in 0..10 {
        let tenant = format!("race-{round}");
        let (start, _) = tokio::sync::watch::channel(false);
        let mut tasks = Vec::new();
        for (i, coord) in replicas.iter().enumerate() {
            let (coord, tenant, mut go) = (coord.clone(), tenant.clone(), start.subscribe());
            tasks.push(tokio::spawn(async move {
                go.changed().await.expect("started");
                let me = format!("replica-{i}");
                let got = coord
                    .try_acquire(&tenant, &me, Duration::from_secs(30))
                    .await;
                (me, got.expect("try_acquire"))
            }));
        }
        start.send(true).expect("racers listen");
        let mut winners = Vec::new();
        for task in tasks {
            let (me, got) = task.await.expect("task");
            if got {
                winners.push(me);
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        let leases = replicas[0].leases().await.expect("leases");
        let owner = leases.iter().find(|l| l.tenant == tenant).map(|l| &l.owner);
        assert_eq!(owner, Some(&winners[0]), "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn claims_from_two_connections_never_overlap() {
    let Some(db) = common::database() else { return };
    let schema = db.fresh_schema("claims").await;
    let replicas = replicas(&db, &schema, 2).await;
    const DELIVERIES: usize = 200;
    for i in 0..DELIVERIES {
        replicas[0]
            .push("acme", &[format!("c{i}")], &[])
            .await
            .expect("push");
    }
    let mut tasks = Vec::new();
    for (r, coord) in replicas.iter().enumerate() {
        let coord = coord.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = coord
                    .claim("acme", &format!("replica-{r}"), 7, Duration::from_secs(60))
                    .await
                    .expect("claim");
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|d| d.id));
            }
        }));
    }
    let mut seen = BTreeSet::new();
    let mut per_replica = Vec::new();
    for task in tasks {
        let mine = task.await.expect("task");
        per_replica.push(mine.len());
        for id in mine {
            assert!(seen.insert(id), "delivery {id} was claimed twice");
        }
    }
    assert_eq!(
        seen.len(),
        DELIVERIES,
        "claims per replica: {per_replica:?}"
    );
    let ids: Vec<i64> = seen.into_iter().collect();
    replicas[1].complete(&ids).await.expect("complete");
    assert_eq!(replicas[0].pending("acme").await.expect("pending"), 0);
}

#[tokio::test]
async fn a_lease_lapses_on_the_database_clock_and_is_taken_over() {
    let Some(db) = common::database() else { return };
    let schema = db.fresh_schema("lapse").await;
    let replicas = replicas(&db, &schema, 2).await;
    let ttl = Duration::from_millis(300);
    assert!(
        replicas[0]
            .try_acquire("acme", "a", ttl)
            .await
            .expect("acquire")
    );
    assert!(
        !replicas[1]
            .try_acquire("acme", "b", ttl)
            .await
            .expect("acquire")
    );
    tokio::time::sleep(ttl + Duration::from_millis(100)).await; // the database's clock, not ours
    assert!(
        replicas[1]
            .try_acquire("acme", "b", ttl)
            .await
            .expect("acquire")
    );
    assert!(
        !replicas[0]
            .try_acquire("acme", "a", ttl)
            .await
            .expect("acquire")
    );
}

#[tokio::test]
async fn coordination_shares_the_state_stores_pool_and_schema() {
    let Some(db) = common::database() else { return };
    let schema = db.fresh_schema("shared").await;
    let store = PostgresStateStore::connect(&db.url_in_schema(&schema), "acme")
        .await
        .expect("connect");
    let coord = PostgresCoordination::from_store(&store);
    assert!(format!("{coord:?}").contains(store.database()));
    coord
        .push("acme", &["c1".to_owned()], &[])
        .await
        .expect("push");
    let tables = db
        .query_in(
            &schema,
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY table_name",
        )
        .await;
    for table in ["leases", "replicas", "webhook_inbox", "customer_links"] {
        assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
    }
    let lazy = PostgresCoordination::connect_lazy(&db.url_in_schema(&schema)).expect("lazy");
    assert_eq!(lazy.pending("acme").await.expect("pending"), 1);
    let raw = db.raw_url();
    let err = PostgresCoordination::connect(&cin7_sparklayer_core::Secret::new(
        raw.replace(&db.password().unwrap_or_default(), "wrong-password"),
    ))
    .await
    .expect_err("a wrong password is refused");
    if let Some(password) = db.password() {
        assert!(!err.to_string().contains(&password));
    }
}
