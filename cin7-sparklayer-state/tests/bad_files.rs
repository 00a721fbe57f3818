//! Files that are not ours, damaged or too new are refused with their path and what to do,
//! and are left exactly as they were.

mod common;

use std::path::Path;

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_state::{SCHEMA_VERSION, SqliteStateStore, StateOpenError};
use common::TempDir;

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// Opens `path`, expects a refusal, and checks the file and its directory are unchanged.
fn refused(dir: &TempDir, path: &Path) -> StateOpenError {
    let before = std::fs::read(path).expect("read before");
    let names = dir.names();
    let err = SqliteStateStore::open(path).expect_err("the file must be refused");
    assert_eq!(
        std::fs::read(path).expect("read after"),
        before,
        "the file was modified"
    );
    assert_eq!(dir.names(), names, "files were added next to it");
    let message = err.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "no path in: {message}"
    );
    let port: PortError = err.into();
    assert!(port.is_fatal());
    assert!(port.to_string().contains(&path.display().to_string()));
    // Refusing twice gives the same answer: nothing was half-initialised.
    SqliteStateStore::open(path).expect_err("still refused")
}

const NOT_OURS: &str = "is not a cin7-sparklayer state file";
const WHAT_TO_DO: &str = "move it away or set state.path to another file";

#[test]
fn random_bytes_are_not_a_state_file() {
    let dir = TempDir::new("random");
    let path = dir.file("state.sqlite");
    std::fs::write(&path, noise(8192)).expect("write");
    let err = refused(&dir, &path);
    assert!(
        matches!(err, StateOpenError::NotADatabase { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains(NOT_OURS) && message.contains(WHAT_TO_DO),
        "{message}"
    );
}

#[test]
fn a_text_file_is_not_a_state_file() {
    let dir = TempDir::new("text");
    let path = dir.file("sync.toml");
    std::fs::write(&path, "[state]\npath = \"sync.toml\"\n").expect("write");
    let err = refused(&dir, &path);
    assert!(
        matches!(err, StateOpenError::NotADatabase { .. }),
        "{err:?}"
    );
}

#[test]
fn an_sqlite_header_followed_by_noise_is_refused() {
    let dir = TempDir::new("header-noise");
    let path = dir.file("state.sqlite");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend(noise(8192 - bytes.len()));
    std::fs::write(&path, bytes).expect("write");
    let err = refused(&dir, &path);
    assert!(
        err.to_string().contains(WHAT_TO_DO) || err.to_string().contains("move it away"),
        "{err}"
    );
}

#[test]
fn another_applications_database_is_not_a_state_file() {
    let dir = TempDir::new("foreign-tables");
    let path = dir.file("app.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("create");
        conn.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
             INSERT INTO users (name) VALUES ('ann');
             CREATE TABLE orders (id INTEGER PRIMARY KEY);",
        )
        .expect("fill");
    }
    let err = refused(&dir, &path);
    assert!(matches!(err, StateOpenError::Foreign { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains(NOT_OURS) && message.contains(WHAT_TO_DO),
        "{message}"
    );
    assert!(
        message.contains("orders, users"),
        "names the tables found: {message}"
    );
}

#[test]
fn a_database_with_another_application_id_is_not_a_state_file() {
    let dir = TempDir::new("foreign-id");
    let path = dir.file("state.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).expect("create");
        conn.pragma_update(None, "application_id", 0x0f00_ba11)
            .expect("set id");
    }
    let err = refused(&dir, &path);
    assert!(
        err.to_string().contains("application_id 0x0f00ba11"),
        "{err}"
    );
}

#[test]
fn a_file_from_a_newer_release_is_refused() {
    let dir = TempDir::new("newer");
    let path = dir.file("state.sqlite");
    drop(SqliteStateStore::open(&path).expect("create"));
    {
        let conn = rusqlite::Connection::open(&path).expect("reopen");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("bump version");
    }
    let err = refused(&dir, &path);
    match &err {
        StateOpenError::NewerSchema {
            found, supported, ..
        } => {
            assert_eq!((*found, *supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert!(err.to_string().contains("upgrade cin7-sparklayer"), "{err}");
}

#[test]
fn a_damaged_state_file_is_refused() {
    let dir = TempDir::new("damaged");
    let path = dir.file("state.sqlite");
    drop(SqliteStateStore::open(&path).expect("create"));
    let mut bytes = std::fs::read(&path).expect("read");
    let page_size = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    assert!(
        bytes.len() >= 3 * page_size,
        "the schema spans several pages"
    );
    // Page 2 holds a table's b-tree: overwrite it.
    bytes[page_size..2 * page_size].copy_from_slice(&noise(page_size));
    std::fs::write(&path, bytes).expect("write");
    let err = refused(&dir, &path);
    let StateOpenError::Damaged { detail, .. } = &err else {
        panic!("expected Damaged, got {err:?}");
    };
    assert!(
        detail.contains("page 2"),
        "SQLite's integrity check names the page: {detail}"
    );
    assert!(!err.to_string().contains('\n'), "one line: {err}");
    assert!(
        err.to_string().contains("restore it from a backup"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_nested_directory_is_created() {
    use cin7_sparklayer_core::ports::StateStore;
    let dir = TempDir::new("missing-dir");
    let path = dir.file("data/x/sync.sqlite");
    let state = SqliteStateStore::open(&path).expect("E11: the directory is created");
    state
        .save_customer_link(&common::link("7"))
        .await
        .expect("save");
    drop(state);
    assert!(path.is_file(), "the state file is in the new directory");
    let again = SqliteStateStore::open(&path).expect("reopen");
    let links = again.customer_links().await.expect("read");
    assert_eq!(links, vec![common::link("7")]);
}

#[test]
fn a_directory_that_cannot_be_created_is_one_line_naming_the_path() {
    let dir = TempDir::new("under-file");
    let plain = dir.file("plain.txt");
    std::fs::write(&plain, "not a directory").expect("write");
    let path = plain.join("x").join("sync.sqlite");
    let err = SqliteStateStore::open(&path).expect_err("a file is in the way");
    assert!(matches!(err, StateOpenError::Directory { .. }), "{err:?}");
    assert_eq!(err.path(), path);
    let message = PortError::from(err).to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("set state.path"), "{message}");
    assert!(!message.contains('\n'), "one line: {message}");
    assert_eq!(
        std::fs::read_to_string(&plain).expect("read"),
        "not a directory"
    );
    assert_eq!(dir.names(), vec!["plain.txt"]);
}

#[test]
fn a_directory_is_reported_with_the_path() {
    let dir = TempDir::new("is-dir");
    let path = dir.file("state.sqlite");
    std::fs::create_dir(&path).expect("mkdir");
    let err = SqliteStateStore::open(&path).expect_err("a directory is no state file");
    let port = PortError::from(err);
    let message = port.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("set state.path"), "{message}");
    assert!(
        message.contains("unable to open"),
        "the SQLite cause is kept: {message}"
    );
    assert_eq!(dir.names(), vec!["state.sqlite"]);
}
