//! Errors: opening a state file ([`StateOpenError`]) and using it (mapped into
//! [`PortError::State`]). Every message names the file and says what to do.

use std::path::PathBuf;

use cin7_sparklayer_core::PortError;
use rusqlite::ErrorCode;

/// Advice appended when a file is not ours: we never replace or modify it.
const MOVE_AWAY: &str = "move it away or set state.path to another file";

/// Why a state file could not be opened. Nothing was changed in the file when this is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateOpenError {
    /// The file is not an SQLite database at all (random bytes, a text file, a truncated copy).
    #[error("{} is not a cin7-sparklayer state file (not an SQLite database): {MOVE_AWAY}", path.display())]
    NotADatabase {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is an SQLite database that belongs to another application.
    #[error("{} is not a cin7-sparklayer state file ({found}): {MOVE_AWAY}", path.display())]
    Foreign {
        /// The file.
        path: PathBuf,
        /// What was found instead, e.g. "application_id 0x0f00ba11" or "tables: users, orders".
        found: String,
    },
    /// The file is ours but was written by a newer release with a schema this build does not know.
    #[error(
        "{} was written by a newer cin7-sparklayer (state schema v{found}, this build knows up to v{supported}): \
         upgrade cin7-sparklayer, or set state.path to another file",
        path.display()
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// The file's schema version.
        found: i32,
        /// The newest schema version this build knows.
        supported: i32,
    },
    /// The file is ours, but SQLite's integrity check found damage.
    #[error(
        "{} is a damaged cin7-sparklayer state file ({detail}): restore it from a backup, \
         or move it away to start over with a full sync",
        path.display()
    )]
    Damaged {
        /// The file.
        path: PathBuf,
        /// The first problem `PRAGMA quick_check` reported.
        detail: String,
    },
    /// Upgrading an older schema failed; the upgrade was rolled back.
    #[error("{}: upgrading the state schema from v{from} to v{to} failed; the file was left at v{from}", path.display())]
    Migration {
        /// The file.
        path: PathBuf,
        /// The file's schema version.
        from: i32,
        /// The version the upgrade aimed at.
        to: i32,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The file's directory is missing and could not be created (E11): a parent is a regular
    /// file, or a directory on the way is not writable.
    #[error(
        "cannot create the directory {} for state file {}: fix the permissions or set state.path to another file",
        dir.display(),
        path.display()
    )]
    Directory {
        /// The file.
        path: PathBuf,
        /// The directory that could not be created.
        dir: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// SQLite could not open or set up the file (permissions, locked, disk full).
    #[error("cannot use state file {}: {}", path.display(), advice(source))]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
}

impl StateOpenError {
    /// The state file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            Self::NotADatabase { path, .. }
            | Self::Foreign { path, .. }
            | Self::NewerSchema { path, .. }
            | Self::Damaged { path, .. }
            | Self::Migration { path, .. }
            | Self::Directory { path, .. }
            | Self::Sqlite { path, .. } => path,
        }
    }
}

impl From<StateOpenError> for PortError {
    /// One line for the user: the error, then its causes; the error itself is kept as the
    /// source, so its chain (down to SQLite's error) stays reachable.
    fn from(err: StateOpenError) -> Self {
        PortError::state(with_causes(&err)).with_source(err)
    }
}

/// The error's message followed by its causes, `; `-separated.
pub(crate) fn with_causes(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        message.push_str(" (");
        message.push_str(&c.to_string());
        message.push(')');
        cause = c.source();
    }
    message
}

/// What the user should do about an SQLite error, by its code.
pub(crate) fn advice(err: &rusqlite::Error) -> &'static str {
    match err.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "another process holds the file locked: run one sync per state file at a time"
        }
        Some(ErrorCode::DiskFull) => "the disk is full: free some space",
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => {
            "the file or its directory is not writable: fix the permissions or set state.path"
        }
        Some(ErrorCode::CannotOpen) => {
            "check that its directory exists and is writable, or set state.path to another file"
        }
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            "the file is damaged: restore it from a backup, or move it away to start over with a full sync"
        }
        Some(ErrorCode::SystemIoFailure) => "an I/O error occurred: check the disk",
        _ => "this is unexpected: keep the file for investigation and report the error",
    }
}

/// A failure while using an open store; becomes [`PortError::State`] with the file's path.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OpError {
    /// An SQLite call failed.
    #[error("{what}: {}", advice(source))]
    Sqlite {
        /// What the store was doing, e.g. "saving customer link 42".
        what: String,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// A stored value does not decode (edited by hand, or written by an incompatible build).
    #[error(
        "{what}: the stored value does not decode ({detail}): restore the file from a backup, \
         or move it away to start over with a full sync"
    )]
    BadValue {
        /// Which row and column.
        what: String,
        /// Why it does not decode.
        detail: String,
    },
    /// Rows were saved for a list the store does not know: a bug in the caller.
    #[error(
        "price rows for unknown price list `{slug}`: save_price_list must be called before save_price_rows \
         (a bug in the engine: please report it)"
    )]
    UnknownList {
        /// The slug.
        slug: String,
    },
    /// An earlier panic while holding the connection left it in an unknown state.
    #[error("an earlier failure left the connection in an unknown state: restart the sync")]
    Poisoned,
    /// The blocking task running the SQLite call panicked or was cancelled.
    #[error("the SQLite task did not finish: {0}")]
    Task(#[source] tokio::task::JoinError),
}

impl OpError {
    /// Wraps an SQLite error with what was being done.
    pub(crate) fn sqlite(what: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Self {
        let what = what.into();
        move |source| Self::Sqlite { what, source }
    }

    /// The port error, naming the file, with this error as its source.
    pub(crate) fn into_port(self, path: &str) -> PortError {
        PortError::state(format!("{path}: {}", with_causes(&self))).with_source(self)
    }
}

/// Whether an SQLite error means "this is not a database" (random bytes, wrong header).
pub(crate) fn is_not_a_database(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn an_sqlite_failure_stays_reachable_through_the_port_error() {
        let sqlite = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        let port = OpError::sqlite("saving customer link 42")(sqlite).into_port("/var/state.db");
        let text = port.to_string();
        assert!(
            text.starts_with(
                "state store: /var/state.db: saving customer link 42: the disk is full"
            ),
            "{text}"
        );
        let op = port
            .source()
            .and_then(|s| s.downcast_ref::<OpError>())
            .expect("the store's error is the source");
        assert!(matches!(op, OpError::Sqlite { .. }), "{op:?}");
        let cause = op
            .source()
            .and_then(|s| s.downcast_ref::<rusqlite::Error>())
            .expect("SQLite's error is its source");
        assert_eq!(cause.sqlite_error_code(), Some(ErrorCode::DiskFull));
    }
}
