//! The URL's password never shows in the store's logs. Its own test binary with a global
//! subscriber: beside the other tests, a thread-scoped subscriber missed the store's migration
//! line in about one run in three (tracing's per-callsite interest is shared by all threads).

#[path = "common/mod.rs"]
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_state_postgres::PostgresStateStore;

use crate::common::link;

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_and_debug_never_show_the_password() {
    let Some(db) = common::database() else { return };
    let Some(password) = db.password() else {
        eprintln!("skipped: the test database's URL has no password");
        return;
    };
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    let schema = db.fresh_schema("logs").await;
    let store = PostgresStateStore::connect(&db.url_in_schema(&schema), "t")
        .await
        .expect("migrate");
    store.save_customer_link(&link("a")).await.expect("save");
    let logs = String::from_utf8(captured.0.lock().expect("buffer").clone()).expect("utf-8");
    assert!(
        logs.contains("state schema migrated"),
        "the migration is logged: {logs}"
    );
    assert!(!logs.contains(&password), "{logs}");
    assert!(!format!("{store:?}").contains(&password));
    assert!(!store.database().contains(&password));
    assert!(!format!("{:?}", db.url()).contains(&password));
}
