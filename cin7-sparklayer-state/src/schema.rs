//! The schema: identity (`PRAGMA application_id`), version (`PRAGMA user_version`) and the
//! ordered migrations that bring any older state file up to [`SCHEMA_VERSION`].

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{StateOpenError, is_not_a_database};

/// `PRAGMA application_id` of every cin7-sparklayer state file: `"C7SL"` in ASCII.
///
/// `file(1)` and our own open check use it to tell our files from other SQLite databases.
pub const APPLICATION_ID: i32 = 0x4337_534C;

/// Migration steps, oldest first: step `i` takes a file from version `i` to `i + 1`.
///
/// Released steps are never edited: a change to the schema is a new step at the end.
const MIGRATIONS: &[&str] = &[V1, V2];

/// The schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// v1: customer links (without `revoked`), price lists and their rows. No run history: every
/// run was a full run.
const V1: &str = "
CREATE TABLE customer_links (
    cin7_id      TEXT PRIMARY KEY NOT NULL,
    shopify_id   TEXT NOT NULL,
    email        TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    invite_sent  INTEGER NOT NULL CHECK (invite_sent IN (0, 1)),
    managed_tags TEXT NOT NULL,  -- JSON array of strings
    metafields   TEXT NOT NULL,  -- JSON array of {namespace, key}
    updated_at   TEXT NOT NULL   -- RFC 3339, UTC
) STRICT;

CREATE TABLE price_lists (
    slug     TEXT PRIMARY KEY NOT NULL,
    name     TEXT NOT NULL,
    currency TEXT NOT NULL,
    origin   TEXT NOT NULL       -- JSON PriceListOrigin
) STRICT;

CREATE TABLE price_rows (
    slug TEXT NOT NULL REFERENCES price_lists (slug) ON DELETE CASCADE,
    sku  TEXT NOT NULL,
    hash INTEGER NOT NULL,       -- u64 price hash, bit-cast to i64
    PRIMARY KEY (slug, sku)
) STRICT, WITHOUT ROWID;
";

/// v2: revoked customers (C14) and the run history that holds the incremental cursor (E4).
const V2: &str = "
ALTER TABLE customer_links
    ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1));

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,   -- RFC 3339 with nanoseconds, UTC: sorts as text
    finished_at TEXT NOT NULL,
    mode        TEXT NOT NULL,
    dry_run     INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
    succeeded   INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
    report      TEXT NOT NULL    -- JSON RunReport
) STRICT;

CREATE INDEX runs_cursor ON runs (succeeded, started_at);
";

/// What an existing file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// An empty database (or a zero-length file): ours to initialise.
    Empty,
    /// A state file of ours at this schema version (not newer than [`SCHEMA_VERSION`]).
    Ours {
        /// Its `user_version`.
        version: i32,
    },
}

/// Identifies an existing file through a connection that only reads, so that nothing in a
/// file that is not ours is ever changed. Also runs `PRAGMA quick_check` on our own files.
///
/// The connection is read-write (without `CREATE`) rather than read-only: a read-only
/// connection to a WAL-mode file cannot remove the `-wal` and `-shm` files when it closes,
/// and would leave them next to a file it refused. Reads change no byte of the file.
pub(crate) fn probe(path: &Path, busy_timeout: Duration) -> Result<Found, StateOpenError> {
    let sqlite = |source| StateOpenError::Sqlite {
        path: path.to_owned(),
        source,
    };
    let classify = |source: rusqlite::Error| {
        if is_not_a_database(&source) {
            StateOpenError::NotADatabase {
                path: path.to_owned(),
                source,
            }
        } else {
            sqlite(source)
        }
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite)?;
    conn.busy_timeout(busy_timeout).map_err(sqlite)?;
    let (application_id, version) = identity(&conn).map_err(classify)?;
    let found = judge(path, &conn, application_id, version).map_err(|e| match e {
        Judged::Open(e) => e,
        Judged::Sqlite(source) => classify(source),
    })?;
    if found != Found::Empty {
        quick_check(path, &conn)?;
    }
    Ok(found)
}

/// Reads `(application_id, user_version)`.
fn identity(conn: &Connection) -> rusqlite::Result<(i32, i32)> {
    let application_id = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok((application_id, version))
}

/// Why [`judge`] refused a file.
enum Judged {
    /// The file is not ours, or too new.
    Open(StateOpenError),
    /// Reading the table list failed.
    Sqlite(rusqlite::Error),
}

/// Decides from the header fields (and the table list) whether the file is ours.
fn judge(
    path: &Path,
    conn: &Connection,
    application_id: i32,
    version: i32,
) -> Result<Found, Judged> {
    let foreign = |found: String| {
        Judged::Open(StateOpenError::Foreign {
            path: path.to_owned(),
            found,
        })
    };
    match application_id {
        APPLICATION_ID if version > SCHEMA_VERSION => {
            Err(Judged::Open(StateOpenError::NewerSchema {
                path: path.to_owned(),
                found: version,
                supported: SCHEMA_VERSION,
            }))
        }
        APPLICATION_ID if version >= 1 => Ok(Found::Ours { version }),
        APPLICATION_ID => Err(foreign(format!(
            "it has our application_id but schema version {version}"
        ))),
        0 => {
            let tables = table_names(conn).map_err(Judged::Sqlite)?;
            if tables.is_empty() && version == 0 {
                Ok(Found::Empty)
            } else if tables.is_empty() {
                Err(foreign(format!("user_version {version}, no tables")))
            } else {
                Err(foreign(format!(
                    "another application's tables: {}",
                    list(&tables)
                )))
            }
        }
        other => Err(foreign(format!("application_id {other:#010x}"))),
    }
}

/// The names of the file's tables, sorted.
fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// At most five names, then how many more.
fn list(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut out = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        out.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    out
}

/// `PRAGMA quick_check`: fails with [`StateOpenError::Damaged`] when SQLite finds damage.
fn quick_check(path: &Path, conn: &Connection) -> Result<(), StateOpenError> {
    let damaged = |detail: String| StateOpenError::Damaged {
        path: path.to_owned(),
        detail,
    };
    let verdict: String = conn
        .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
        .map_err(|e| damaged(e.to_string()))?;
    if verdict == "ok" {
        Ok(())
    } else {
        // One line: "*** in database main ***\nTree 2 page 2: …" → "Tree 2 page 2: …".
        let detail = verdict
            .lines()
            .filter(|l| !l.starts_with("***"))
            .collect::<Vec<_>>()
            .join("; ");
        Err(damaged(detail))
    }
}

/// Brings the schema to [`SCHEMA_VERSION`] in one immediate transaction: a failed step leaves
/// the file at its old version. Re-reads the header under the write lock, so a file another
/// process initialised meanwhile is judged again.
pub(crate) fn migrate(path: &Path, conn: &mut Connection) -> Result<(), StateOpenError> {
    let sqlite = |source| StateOpenError::Sqlite {
        path: path.to_owned(),
        source,
    };
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite)?;
    let (application_id, from) = identity(&tx).map_err(sqlite)?;
    let from = match judge(path, &tx, application_id, from) {
        Ok(Found::Empty) => 0,
        Ok(Found::Ours { version }) => version,
        Err(Judged::Open(e)) => return Err(e),
        Err(Judged::Sqlite(e)) => return Err(sqlite(e)),
    };
    if from == SCHEMA_VERSION {
        return Ok(());
    }
    let failed = |source| StateOpenError::Migration {
        path: path.to_owned(),
        from,
        to: SCHEMA_VERSION,
        source,
    };
    for step in MIGRATIONS.iter().skip(from as usize) {
        tx.execute_batch(step).map_err(failed)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(failed)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(failed)?;
    tx.commit().map_err(failed)?;
    tracing::info!(path = %path.display(), from, to = SCHEMA_VERSION, "state schema migrated");
    Ok(())
}
