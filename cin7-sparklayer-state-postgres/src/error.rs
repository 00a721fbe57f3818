//! Errors: connecting to the database ([`PgOpenError`]) and using it (mapped into
//! [`PortError::State`]). Every message names the server (never the password) and says what to do.

use cin7_sparklayer_core::PortError;
use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

/// Advice when the schema is not ours: we never change another application's tables.
const USE_ANOTHER: &str = "set state.url to another database, or give the sync a schema of its own \
                           (CREATE SCHEMA, then ?options=-c%20search_path%3D<schema> in state.url)";

/// Why the PostgreSQL state store could not be opened. Nothing was changed in the database when
/// this is returned (a failed migration is rolled back).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PgOpenError {
    /// `state.url` is not a PostgreSQL URL.
    #[error("invalid state.url: {reason}")]
    BadUrl {
        /// What is wrong (never the URL itself).
        reason: String,
    },
    /// The tenant ID cannot be used.
    #[error("invalid tenant ID {tenant:?}: {reason}")]
    BadTenant {
        /// The ID given.
        tenant: String,
        /// What is accepted.
        reason: &'static str,
    },
    /// TLS (`sslmode=require`) could not be set up on this machine.
    #[error("cannot set up TLS for state.url (sslmode=require): {source}")]
    Tls {
        /// What rustls said.
        #[source]
        source: rustls::Error,
    },
    /// No connection could be made (server down, wrong host, port, credentials or database).
    #[error("cannot connect to PostgreSQL at {target}: {advice}")]
    Connect {
        /// The server, without password.
        target: String,
        /// What to do about it.
        advice: &'static str,
        /// What the server (or the pool, for a timeout) said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The URL's `search_path` names no existing schema.
    #[error(
        "PostgreSQL at {target}: no schema of search_path exists: create it (CREATE SCHEMA …) \
         or fix search_path in state.url"
    )]
    NoSchema {
        /// The server, without password.
        target: String,
    },
    /// The schema holds another application's tables.
    #[error(
        "PostgreSQL at {target}: schema {schema} is not a cin7-sparklayer state ({found}): {USE_ANOTHER}"
    )]
    Foreign {
        /// The server, without password.
        target: String,
        /// The schema the tables would go in.
        schema: String,
        /// What was found instead.
        found: String,
    },
    /// The schema was migrated by a newer release.
    #[error(
        "PostgreSQL at {target}: schema {schema} was written by a newer cin7-sparklayer (state schema \
         v{found}, this build knows up to v{supported}): upgrade cin7-sparklayer, or set state.url \
         to another database"
    )]
    NewerSchema {
        /// The server, without password.
        target: String,
        /// The schema.
        schema: String,
        /// Its version.
        found: i32,
        /// The newest version this build knows.
        supported: i32,
    },
    /// A migration step failed; the transaction was rolled back.
    #[error(
        "PostgreSQL at {target}: upgrading the state schema from v{from} to v{to} failed; it was \
         left at v{from}: {}",
        advice(source)
    )]
    Migration {
        /// The server, without password.
        target: String,
        /// The schema version found.
        from: i32,
        /// The version the upgrade aimed at.
        to: i32,
        /// What the server said.
        #[source]
        source: tokio_postgres::Error,
    },
    /// A query while checking the schema failed.
    #[error("PostgreSQL at {target}: {what}: {}", advice(source))]
    Sql {
        /// The server, without password.
        target: String,
        /// What the store was doing.
        what: &'static str,
        /// What the server said.
        #[source]
        source: tokio_postgres::Error,
    },
}

impl PgOpenError {
    /// [`PgOpenError::Connect`] from the pool's error, keeping the server's own error as the
    /// source when there is one.
    pub(crate) fn connect(target: &str, err: PoolError) -> Self {
        let advice = pool_advice(&err);
        let source: Box<dyn std::error::Error + Send + Sync> = match err {
            PoolError::Backend(e) => Box::new(e),
            other => Box::new(other),
        };
        Self::Connect {
            target: target.to_owned(),
            advice,
            source,
        }
    }
}

impl From<PgOpenError> for PortError {
    /// One line: the error, then its causes. (`PortError::State` holds only a message.)
    fn from(err: PgOpenError) -> Self {
        PortError::state(with_causes(&err))
    }
}

/// The error's message followed by its causes in parentheses, skipping a cause whose text the
/// line already holds and tokio-postgres's bare "db error" (the server's message follows it).
pub(crate) fn with_causes(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if text != "db error" && !message.contains(&text) {
            message.push_str(" (");
            message.push_str(&text);
            message.push(')');
        }
        cause = c.source();
    }
    message.replace('\n', " ")
}

/// What the user should do about a server or connection error, by its SQLSTATE.
pub(crate) fn advice(err: &tokio_postgres::Error) -> &'static str {
    let Some(code) = err.code() else {
        return if err.is_closed() {
            "the connection was closed: check that PostgreSQL is running"
        } else {
            "check that PostgreSQL is running and that the host and port in state.url are right"
        };
    };
    match *code {
        SqlState::INVALID_PASSWORD | SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            "the server refused the credentials: check the user and password in state.url"
        }
        SqlState::INVALID_CATALOG_NAME => "the database does not exist: create it or fix state.url",
        SqlState::INSUFFICIENT_PRIVILEGE => {
            "the user lacks a privilege: grant it CREATE and USAGE on the schema, or use another user"
        }
        SqlState::TOO_MANY_CONNECTIONS => {
            "the server has no free connection: raise max_connections or run fewer replicas"
        }
        SqlState::DISK_FULL | SqlState::OUT_OF_MEMORY => {
            "the server is out of space or memory: free some"
        }
        SqlState::ADMIN_SHUTDOWN | SqlState::CRASH_SHUTDOWN | SqlState::CANNOT_CONNECT_NOW => {
            "the server is shutting down or starting: try again shortly"
        }
        SqlState::READ_ONLY_SQL_TRANSACTION => {
            "the server is a read-only replica: point state.url at the primary"
        }
        _ => "this is unexpected: report the error",
    }
}

/// [`advice`] for a pool error.
pub(crate) fn pool_advice(err: &PoolError) -> &'static str {
    match err {
        PoolError::Backend(e) => advice(e),
        PoolError::Timeout(_) => {
            "the server did not answer in time: check that PostgreSQL is running and that the \
             host and port in state.url are right"
        }
        PoolError::PostCreateHook(_) | PoolError::Closed | PoolError::NoRuntimeSpecified => {
            "this is unexpected: report the error"
        }
    }
}

/// A failure while using the store; becomes [`PortError::State`] naming the server and tenant.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OpError {
    /// The database could not be opened (first use of a lazily connected store).
    #[error(transparent)]
    Open(#[from] PgOpenError),
    /// No connection could be had.
    #[error("{what}: cannot get a connection: {}", pool_advice(source))]
    Pool {
        /// What the store was doing.
        what: String,
        /// What the pool said.
        #[source]
        source: PoolError,
    },
    /// A statement failed.
    #[error("{what}: {}", advice(source))]
    Sql {
        /// What the store was doing, e.g. "saving customer link \"42\"".
        what: String,
        /// What the server said.
        #[source]
        source: tokio_postgres::Error,
    },
    /// A stored value does not decode (edited by hand, or written by an incompatible build).
    #[error(
        "{what}: the stored value does not decode ({detail}): restore the database from a backup, \
         or delete the tenant's rows to start over with a full sync"
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
}

impl OpError {
    /// Wraps a statement error with what was being done.
    pub(crate) fn sql(what: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> Self {
        let what = what.into();
        move |source| Self::Sql { what, source }
    }

    /// The port error, naming the server and the tenant.
    pub(crate) fn into_port(self, target: &str, tenant: &str) -> PortError {
        match self {
            Self::Open(e) => PortError::state(format!("{} (tenant {tenant})", with_causes(&e))),
            other => PortError::state(format!(
                "PostgreSQL state at {target}, tenant {tenant}: {}",
                with_causes(&other)
            )),
        }
    }
}
