//! The state port's conformance suite (E2, E4, E5) against the SQLite store: new files, empty
//! files and the same file opened a second time while the first handle is open.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use cin7_sparklayer_core::conformance::state_store::{self, StateStoreHarness};
use cin7_sparklayer_core::conformance::{Support, Unsupported};
use cin7_sparklayer_state::SqliteStateStore;
use common::TempDir;

/// Hands out a new state file per check: every other one created empty beforehand (an empty
/// file is a new store), the rest not existing yet.
struct Harness {
    dir: TempDir,
    next: AtomicUsize,
}

#[async_trait]
impl StateStoreHarness for Harness {
    type Store = SqliteStateStore;

    async fn fresh(&self) -> SqliteStateStore {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.file(&format!("state-{n}.sqlite"));
        if n % 2 == 1 {
            std::fs::write(&path, b"").expect("create an empty state file");
        }
        SqliteStateStore::open(&path).expect("open a new state file")
    }

    async fn reopen(&self, store: &SqliteStateStore) -> Support<SqliteStateStore> {
        SqliteStateStore::open(store.path())
            .map_err(|e| Unsupported::new(format!("reopening {}: {e}", store.path().display())))
    }
}

#[tokio::test]
async fn the_sqlite_store_conforms() {
    let harness = Harness {
        dir: TempDir::new("conformance"),
        next: AtomicUsize::new(0),
    };
    let outcome = state_store::run_all(&harness).await.expect("conforms");
    assert_eq!(outcome.passed, state_store::CHECKS);
    assert!(outcome.unsupported.is_empty(), "{outcome:?}");
}

/// The in-memory SQLite store keeps nothing outside its handle, and says so.
struct InMemory;

#[async_trait]
impl StateStoreHarness for InMemory {
    type Store = SqliteStateStore;

    async fn fresh(&self) -> SqliteStateStore {
        SqliteStateStore::open_in_memory().expect("in-memory store")
    }

    async fn reopen(&self, _: &SqliteStateStore) -> Support<SqliteStateStore> {
        Err(Unsupported::new(
            "an in-memory database lives in its handle only",
        ))
    }
}

#[tokio::test]
async fn the_in_memory_sqlite_store_conforms_but_cannot_be_reopened() {
    let outcome = state_store::run_all(&InMemory).await.expect("conforms");
    let unsupported: Vec<&str> = outcome.unsupported.iter().map(|(c, _)| *c).collect();
    assert_eq!(unsupported, ["saves_survive_a_reopen"]);
    assert_eq!(outcome.passed.len(), state_store::CHECKS.len() - 1);
}
