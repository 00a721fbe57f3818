//! A state store failure that reaches the engine as a `PortError` keeps the store's own error
//! as its source, down to SQLite's (issue 12 item 3); the message is the one line it was.

mod common;

use std::error::Error as _;

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_state::{SqliteStateStore, StateOpenError};
use common::TempDir;

#[test]
fn a_refused_file_keeps_the_open_error_and_sqlites_error() {
    let dir = TempDir::new("chain-open");
    let path = dir.file("state.sqlite");
    std::fs::write(&path, vec![0x5a; 4096]).expect("write");
    let err = SqliteStateStore::open(&path).expect_err("not a database");
    let message = err.to_string();
    let port = PortError::from(err);
    assert!(port.is_fatal());
    assert!(port.to_string().contains(&message), "{port}");
    let open = port
        .source()
        .and_then(|s| s.downcast_ref::<StateOpenError>())
        .unwrap_or_else(|| panic!("no StateOpenError source: {port:?}"));
    assert!(
        matches!(open, StateOpenError::NotADatabase { .. }),
        "{open:?}"
    );
    let sqlite = open
        .source()
        .and_then(|s| s.downcast_ref::<rusqlite::Error>())
        .unwrap_or_else(|| panic!("no rusqlite source: {open:?}"));
    assert_eq!(
        sqlite.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase)
    );
    // The copy for another caller keeps the chain.
    assert!(port.clone().source().is_some());
}

#[tokio::test]
async fn an_operation_failure_keeps_the_stores_error_as_source() {
    let dir = TempDir::new("chain-op");
    let path = dir.file("state.sqlite");
    let store = SqliteStateStore::open(&path).expect("opens");
    let err = store
        .save_price_rows("no-such-list", &[("SKU".to_owned(), Some(1))])
        .await
        .expect_err("unknown list");
    assert!(matches!(err, PortError::State { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-list"), "{err}");
    let source = err.source().expect("the store's error is kept");
    assert!(
        source
            .to_string()
            .contains("save_price_list must be called"),
        "{source}"
    );
}
