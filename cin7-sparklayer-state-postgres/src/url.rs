//! `state.url`: a PostgreSQL URL, parsed without ever showing its password.

use std::time::Duration;

use tokio_postgres::config::{Host, SslMode};

use crate::error::PgOpenError;

/// The URL schemes accepted for `state.url`.
pub(crate) const SCHEMES: [&str; 2] = ["postgres", "postgresql"];

/// `application_name` when the URL sets none: operators see the sync in `pg_stat_activity`.
const APPLICATION_NAME: &str = "cin7-sparklayer";

/// A parsed URL and how to name its server in messages.
#[derive(Debug)]
pub(crate) struct Target {
    /// The connection settings, password included (its `Debug` hides the password).
    pub(crate) config: tokio_postgres::Config,
    /// `postgres://user@host:port/database`: no password, no query.
    pub(crate) shown: String,
}

/// Parses `url`, which must be a `postgres://` or `postgresql://` URL naming a host. Sets
/// `connect_timeout` (when the URL sets none) and `application_name`.
///
/// # Errors
/// [`PgOpenError::BadUrl`], which never contains the URL's password.
pub(crate) fn parse(url: &str, connect_timeout: Duration) -> Result<Target, PgOpenError> {
    check_scheme(url)?;
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| PgOpenError::BadUrl {
        reason: format!("it is not a valid PostgreSQL URL ({e})"),
    })?;
    if config.get_hosts().is_empty() {
        return Err(PgOpenError::BadUrl {
            reason: "it names no host (postgres://user:password@host:port/database)".to_owned(),
        });
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(connect_timeout);
    }
    if config.get_application_name().is_none() {
        config.application_name(APPLICATION_NAME);
    }
    let shown = describe(&config);
    Ok(Target { config, shown })
}

/// Refuses anything but `postgres://` and `postgresql://`, naming the scheme found only when it
/// looks like one (so a mistyped secret is never echoed).
pub(crate) fn check_scheme(url: &str) -> Result<(), PgOpenError> {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme);
    match scheme {
        Some(s) if SCHEMES.iter().any(|ok| s.eq_ignore_ascii_case(ok)) => Ok(()),
        Some(s)
            if !s.is_empty()
                && s.len() <= 16
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            Err(PgOpenError::BadUrl {
                reason: format!("it must start with postgres:// or postgresql://, not {s}://"),
            })
        }
        _ => Err(PgOpenError::BadUrl {
            reason: "it must be a URL such as postgres://user:password@host:port/database"
                .to_owned(),
        }),
    }
}

/// `postgres://user@host:port/database` with every host; never the password or the query.
fn describe(config: &tokio_postgres::Config) -> String {
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let host = match host {
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.display().to_string(),
            };
            // One port for all hosts, or one per host; PostgreSQL's default otherwise.
            match ports.get(i).or(ports.first()) {
                Some(port) => format!("{host}:{port}"),
                None => host,
            }
        })
        .collect();
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let database = config.get_dbname().unwrap_or_default();
    format!("postgres://{user}{}/{database}", hosts.join(","))
}

/// Whether the URL asks for TLS (`sslmode=require`). `prefer` (the default) and `disable`
/// connect without TLS.
pub(crate) fn wants_tls(config: &tokio_postgres::Config) -> bool {
    config.get_ssl_mode() == SslMode::Require
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(10);

    #[test]
    fn the_shown_url_has_no_password_or_query() {
        let target = parse(
            "postgresql://sync:hunter2-secret@db.example:6543/state?sslmode=disable&password=x",
            TIMEOUT,
        )
        .unwrap();
        assert_eq!(target.shown, "postgres://sync@db.example:6543/state");
        let debug = format!("{target:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert_eq!(target.config.get_connect_timeout(), Some(&TIMEOUT));
        assert_eq!(target.config.get_application_name(), Some(APPLICATION_NAME));
        assert!(!wants_tls(&target.config));
    }

    #[test]
    fn several_hosts_and_tls_are_kept() {
        let target = parse(
            "postgres://u:p@a:1,b:2/db?sslmode=require&connect_timeout=3",
            TIMEOUT,
        )
        .unwrap();
        assert_eq!(target.shown, "postgres://u@a:1,b:2/db");
        assert_eq!(
            target.config.get_connect_timeout(),
            Some(&Duration::from_secs(3))
        );
        assert!(wants_tls(&target.config));
    }

    #[test]
    fn other_schemes_are_refused_in_one_line_without_the_secret() {
        let cases = [
            (
                "mysql://root:s3cret@db/x",
                "invalid state.url: it must start with postgres:// or postgresql://, not mysql://",
            ),
            (
                "host=db password=s3cret",
                "invalid state.url: it must be a URL such as postgres://user:password@host:port/database",
            ),
            (
                "s3cret-but-very-long-scheme-name://x",
                "invalid state.url: it must be a URL such as postgres://user:password@host:port/database",
            ),
            (
                "postgres://u:s3cret@/db",
                "invalid state.url: it names no host (postgres://user:password@host:port/database)",
            ),
        ];
        for (url, line) in cases {
            let err = parse(url, TIMEOUT).unwrap_err().to_string();
            assert_eq!(err, line);
        }
        let err = parse("postgres://u:s3cret@h/db?sslmode=sometimes", TIMEOUT)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid state.url: it is not a valid PostgreSQL URL"),
            "{err}"
        );
        assert!(!err.contains("s3cret") && !err.contains('\n'), "{err}");
    }
}
