//! User mistakes are one line saying what to fix, and the URL's password never shows: not in
//! errors, `Debug` or logs.

use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_core::{PortError, Secret};
use cin7_sparklayer_state_postgres::{PgOpenError, PostgresStateStore};

use crate::common::{self, link};

const PASSWORD: &str = "Tr0ub4dor-and-3";

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// Checks an error is one line without `secret`, as itself, its `Debug` and as a port error;
/// returns the line with its causes.
fn one_line_without(err: PgOpenError, secret: &str) -> String {
    let line = err.to_string();
    let debug = format!("{err:?}");
    let port = PortError::from(err).to_string();
    for text in [&line, &debug, &port] {
        assert!(!text.contains(secret), "the password shows in: {text}");
    }
    assert!(!port.contains('\n'), "{port}");
    let with_causes = port
        .strip_prefix("state store: ")
        .unwrap_or_else(|| panic!("a state error: {port}"));
    assert!(with_causes.starts_with(&line), "{with_causes}");
    with_causes.to_owned()
}

#[tokio::test]
async fn a_url_of_another_database_is_refused_before_connecting() {
    let url = Secret::new(format!("mysql://root:{PASSWORD}@db/state"));
    let err = PostgresStateStore::connect(&url, "t")
        .await
        .expect_err("refused");
    assert_eq!(
        one_line_without(err, PASSWORD),
        "invalid state.url: it must start with postgres:// or postgresql://, not mysql://"
    );
    let err = PostgresStateStore::connect_lazy(&url, "t").expect_err("refused");
    assert!(matches!(err, PgOpenError::BadUrl { .. }), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_server_is_one_line_naming_it_without_the_password() {
    let port = closed_port();
    let url = Secret::new(format!("postgres://sync:{PASSWORD}@127.0.0.1:{port}/state"));
    let err = PostgresStateStore::connect(&url, "acme")
        .await
        .expect_err("nothing listens");
    let line = one_line_without(err, PASSWORD);
    assert!(
        line.starts_with(&format!(
            "cannot connect to PostgreSQL at postgres://sync@127.0.0.1:{port}/state: check that \
             PostgreSQL is running and that the host and port in state.url are right"
        )),
        "{line}"
    );

    // A lazily connected store: the first call is the run's fatal state error, naming the tenant.
    let lazy = PostgresStateStore::connect_lazy(&url, "acme").expect("the URL is fine");
    let err = lazy
        .save_customer_link(&link("a"))
        .await
        .expect_err("unreachable");
    assert!(err.is_fatal());
    let line = err.to_string();
    assert!(
        line.contains("cannot connect to PostgreSQL") && line.contains("tenant acme"),
        "{line}"
    );
    assert!(
        !line.contains(PASSWORD) && !format!("{err:?}").contains(PASSWORD),
        "{line}"
    );
}

/// The test URL with its password or database replaced.
fn altered(db: &common::TestDb, password: &str, database: Option<&str>) -> Secret {
    let config: tokio_postgres::Config = db.raw_url().parse().expect("test URL");
    let host = match &config.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(host) => host.clone(),
        tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
    };
    Secret::new(format!(
        "postgres://{}:{password}@{host}:{}/{}",
        config.get_user().unwrap_or("postgres"),
        config.get_ports().first().copied().unwrap_or(5432),
        database.or(config.get_dbname()).unwrap_or("postgres"),
    ))
}

#[tokio::test]
async fn a_wrong_password_is_one_line_without_either_password() {
    let Some(db) = common::database() else { return };
    let Some(real) = db.password() else {
        eprintln!("skipped: the test database's URL has no password");
        return;
    };
    let err = PostgresStateStore::connect(&altered(&db, PASSWORD, None), "t")
        .await
        .expect_err("wrong password");
    let line = one_line_without(err, PASSWORD);
    assert!(!line.contains(&real), "{line}");
    assert!(
        line.contains(
            "the server refused the credentials: check the user and password in state.url"
        ),
        "{line}"
    );
}

#[tokio::test]
async fn a_missing_database_is_named() {
    let Some(db) = common::database() else { return };
    let password = db.password().unwrap_or_default();
    let url = altered(&db, &password, Some("no_such_database"));
    let err = PostgresStateStore::connect(&url, "t")
        .await
        .expect_err("no database");
    let line = one_line_without(
        err,
        if password.is_empty() {
            PASSWORD
        } else {
            &password
        },
    );
    assert!(
        line.contains("/no_such_database: the database does not exist: create it or fix state.url"),
        "{line}"
    );
}
