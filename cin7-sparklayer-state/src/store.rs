//! [`SqliteStateStore`]: opening a state file, its pragmas, and running SQLite calls off the
//! async executor.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cin7_sparklayer_core::PortError;
use rusqlite::{Connection, OpenFlags};

use crate::error::{OpError, StateOpenError};
use crate::schema::{self, Found};

/// How often SQLite syncs to disk (`PRAGMA synchronous`).
///
/// With WAL, [`Synchronous::Normal`] is the default and meets E5: a commit has reached the
/// operating system when the save returns, so a sync process that is killed or crashes
/// loses nothing it was told was saved, and every rerun sees every record. Only an operating
/// system crash or power loss may roll back the last few commits (the file stays consistent);
/// the engine then redoes those records, finding the Shopify customer by email (E5), so no
/// duplicate is created. [`Synchronous::Full`] also survives power loss, at the price of one
/// `fsync` per save (milliseconds each, minutes for a first run over 100,000 customers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// `PRAGMA synchronous = NORMAL`: durable against process crashes.
    #[default]
    Normal,
    /// `PRAGMA synchronous = FULL`: durable against power loss too.
    Full,
}

/// Options for [`SqliteStateStore::open_with`]. `Default`: 5 s busy timeout, [`Synchronous::Normal`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StateOptions {
    /// How long a statement waits for another process's lock before failing (`busy_timeout`).
    pub busy_timeout: Duration,
    /// How often SQLite syncs to disk.
    pub synchronous: Synchronous,
}

impl Default for StateOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            synchronous: Synchronous::Normal,
        }
    }
}

impl StateOptions {
    /// Sets [`StateOptions::busy_timeout`].
    pub fn with_busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Sets [`StateOptions::synchronous`].
    pub fn with_synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }
}

/// The sync's state in one SQLite file (or in memory), implementing
/// [`StateStore`](cin7_sparklayer_core::ports::StateStore).
///
/// Cloning is cheap and shares the connection. Calls run on Tokio's blocking pool
/// (`spawn_blocking`) when a Tokio runtime is present, and inline otherwise; one connection
/// behind a mutex serialises them, which SQLite would do for writers anyway.
#[derive(Clone)]
pub struct SqliteStateStore {
    conn: Arc<Mutex<Connection>>,
    path: Arc<Path>,
}

impl fmt::Debug for SqliteStateStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStateStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStateStore {
    /// Opens the state file at `path` with [`StateOptions::default`], creating it (and its
    /// directory, E11) when it does not exist (or is empty) and migrating an older schema.
    ///
    /// # Errors
    /// A file that is not ours (random bytes, another application's database), is damaged,
    /// or comes from a newer release is refused without being changed; see [`StateOpenError`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StateOpenError> {
        Self::open_with(path, &StateOptions::default())
    }

    /// [`SqliteStateStore::open`] with explicit options.
    ///
    /// An existing file is first identified through a connection that only reads (its
    /// `application_id`, `user_version` and tables, then `PRAGMA quick_check`); only a file
    /// recognised as ours (or an empty one) is then opened for writing, switched to WAL and
    /// migrated.
    ///
    /// # Errors
    /// See [`SqliteStateStore::open`].
    pub fn open_with(
        path: impl AsRef<Path>,
        options: &StateOptions,
    ) -> Result<Self, StateOpenError> {
        let path = path.as_ref();
        let sqlite = |source| StateOpenError::Sqlite {
            path: path.to_owned(),
            source,
        };
        if path.exists() {
            match schema::probe(path, options.busy_timeout)? {
                Found::Empty => {
                    tracing::info!(path = %path.display(), "initialising empty state file")
                }
                Found::Ours { version } => {
                    tracing::debug!(path = %path.display(), version, "opening state file")
                }
            }
        } else {
            create_directory(path)?;
            tracing::info!(path = %path.display(), "creating state file");
        }
        // No SQLITE_OPEN_URI: a `state.path` of "file:…" is a file name, not a URI.
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite)?;
        configure(&conn, options, true).map_err(sqlite)?;
        schema::migrate(path, &mut conn)?;
        Ok(Self::from_connection(conn, path))
    }

    /// A fresh store in memory, for tests and hosts that keep no state between runs; gone
    /// when the last clone is dropped.
    ///
    /// # Errors
    /// Only if SQLite cannot allocate the database.
    pub fn open_in_memory() -> Result<Self, StateOpenError> {
        let path = Path::new(":memory:");
        let sqlite = |source| StateOpenError::Sqlite {
            path: path.to_owned(),
            source,
        };
        let mut conn = Connection::open_in_memory().map_err(sqlite)?;
        configure(&conn, &StateOptions::default(), false).map_err(sqlite)?;
        schema::migrate(path, &mut conn)?;
        Ok(Self::from_connection(conn, path))
    }

    fn from_connection(conn: Connection, path: &Path) -> Self {
        Self {
            conn: Arc::new(Mutex::new(conn)),
            path: Arc::from(path),
        }
    }

    /// The state file (`:memory:` for [`SqliteStateStore::open_in_memory`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `op` on the connection, off the async executor when a Tokio runtime is present,
    /// and turns its error into [`PortError::State`] naming the file.
    pub(crate) async fn call<T, F>(&self, op: F) -> Result<T, PortError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, OpError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let locked = move || {
            let mut conn = conn.lock().map_err(|_| OpError::Poisoned)?;
            op(&mut conn)
        };
        let result = match tokio::runtime::Handle::try_current() {
            // A dropped future does not cancel the task: a save that started still completes.
            Ok(runtime) => runtime
                .spawn_blocking(locked)
                .await
                .map_err(OpError::Task)
                .and_then(|r| r),
            Err(_) => locked(),
        };
        result.map_err(|e| e.into_port(&self.path.display().to_string()))
    }
}

/// Creates the missing directories on the way to a new state file (E11).
fn create_directory(path: &Path) -> Result<(), StateOpenError> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.is_dir() {
        return Ok(());
    }
    tracing::info!(dir = %dir.display(), "creating the state file's directory");
    std::fs::create_dir_all(dir).map_err(|source| StateOpenError::Directory {
        path: path.to_owned(),
        dir: dir.to_owned(),
        source,
    })
}

/// Sets the connection's pragmas. `file` is false for in-memory databases, which have no WAL.
fn configure(conn: &Connection, options: &StateOptions, file: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(options.busy_timeout)?;
    if file {
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(
                mode,
                "SQLite refused WAL mode; using its journal mode instead"
            );
        }
    }
    let synchronous = match options.synchronous {
        Synchronous::Normal => "NORMAL",
        Synchronous::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", synchronous)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}
