//! The state port's conformance suite (E2, E4, E5) against the PostgreSQL store: a new tenant
//! per check, reopened through a new pool (another replica).

use async_trait::async_trait;
use cin7_sparklayer_core::conformance::state_store::{self, StateStoreHarness};
use cin7_sparklayer_core::conformance::{Support, Unsupported};
use cin7_sparklayer_state_postgres::PostgresStateStore;

use crate::common::{self, TestDb};

struct Harness {
    db: TestDb,
}

#[async_trait]
impl StateStoreHarness for Harness {
    type Store = PostgresStateStore;

    async fn fresh(&self) -> PostgresStateStore {
        self.db.store("conf").await
    }

    async fn reopen(&self, store: &PostgresStateStore) -> Support<PostgresStateStore> {
        PostgresStateStore::connect(&self.db.url(), store.tenant())
            .await
            .map_err(|e| Unsupported::new(format!("reopening tenant {}: {e}", store.tenant())))
    }
}

#[tokio::test]
async fn the_postgres_store_conforms() {
    let Some(db) = common::database() else { return };
    let outcome = state_store::run_all(&Harness { db })
        .await
        .expect("conforms");
    assert_eq!(outcome.passed, state_store::CHECKS);
    assert!(outcome.unsupported.is_empty(), "{outcome:?}");
}
