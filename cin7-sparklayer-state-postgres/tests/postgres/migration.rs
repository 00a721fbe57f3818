//! Versioned migrations: applied once, recorded, and a schema that is newer or not ours is
//! refused untouched with one line. Each test works in a schema of its own.

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::Secret;
use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_state_postgres::{
    PgOpenError, PostgresStateStore, SCHEMA_TABLE, SCHEMA_VERSION,
};

use crate::common::{self, TestDb, link, unique};

/// The schema table's rows as `version|name|applied_at`.
async fn recorded(db: &TestDb, schema: &str) -> Vec<String> {
    db.query_in(
        schema,
        "SELECT version || '|' || name || '|' || applied_at FROM cin7_sparklayer_schema ORDER BY version",
    )
    .await
}

/// The schema's table names, sorted.
async fn tables(db: &TestDb, schema: &str) -> Vec<String> {
    db.query_in(
        schema,
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
    )
    .await
}

/// Connects to `schema`, expecting a refusal; checks it is one line without the password, and
/// that refusing again gives the same line (nothing was half-done).
async fn refused(db: &TestDb, url: &Secret) -> PgOpenError {
    let err = PostgresStateStore::connect(url, "t")
        .await
        .expect_err("refused");
    let line = err.to_string();
    assert!(!line.contains('\n'), "{line}");
    if let Some(password) = db.password() {
        assert!(!format!("{err:?}{line}").contains(&password), "{line}");
    }
    let again = PostgresStateStore::connect(url, "t")
        .await
        .expect_err("still refused");
    assert_eq!(again.to_string(), line);
    err
}

#[tokio::test]
async fn migrating_twice_is_a_no_op() {
    let Some(db) = common::database() else { return };
    let schema = db.fresh_schema("twice").await;
    let url = db.url_in_schema(&schema);
    let first = PostgresStateStore::connect(&url, "t")
        .await
        .expect("migrate");
    first.save_customer_link(&link("a")).await.expect("save");
    let after_first = recorded(&db, &schema).await;
    assert_eq!(
        after_first.len(),
        usize::try_from(SCHEMA_VERSION).expect("small")
    );
    assert!(
        after_first[0].starts_with("1|0001_initial|"),
        "{after_first:?}"
    );
    let tables_after_first = tables(&db, &schema).await;

    // A second store (another pool: another replica or a restart), eager and lazy.
    let second = PostgresStateStore::connect(&url, "t").await.expect("again");
    let lazy = PostgresStateStore::connect_lazy(&url, "t").expect("lazy");
    assert_eq!(lazy.customer_links().await.expect("links"), vec![link("a")]);
    assert_eq!(
        second.customer_links().await.expect("links"),
        vec![link("a")]
    );
    assert_eq!(
        recorded(&db, &schema).await,
        after_first,
        "nothing re-applied"
    );
    assert_eq!(tables(&db, &schema).await, tables_after_first);
}

#[tokio::test]
async fn a_newer_schema_is_refused_with_one_line() {
    let Some(db) = common::database() else { return };
    let schema = db.fresh_schema("newer").await;
    let url = db.url_in_schema(&schema);
    let store = PostgresStateStore::connect(&url, "t")
        .await
        .expect("migrate");
    let newer = SCHEMA_VERSION + 1;
    db.query_in(
        &schema,
        &format!("INSERT INTO {SCHEMA_TABLE} (version, name) VALUES ({newer}, '9999_future')"),
    )
    .await;
    let before = recorded(&db, &schema).await;
    let err = refused(&db, &url).await;
    assert_eq!(
        err.to_string(),
        format!(
            "PostgreSQL at {}: schema {schema} was written by a newer cin7-sparklayer (state schema \
             v{newer}, this build knows up to v{SCHEMA_VERSION}): upgrade cin7-sparklayer, or set \
             state.url to another database",
            store.database()
        )
    );
    assert_eq!(recorded(&db, &schema).await, before, "left untouched");

    // A lazily connected store refuses on first use, naming the tenant, and every use after.
    let lazy = PostgresStateStore::connect_lazy(&url, "acme").expect("lazy");
    for _ in 0..2 {
        let err: PortError = lazy.customer_links().await.expect_err("refused");
        assert!(err.is_fatal());
        let line = err.to_string();
        assert!(
            line.contains("newer cin7-sparklayer") && line.contains("tenant acme"),
            "{line}"
        );
    }
}

#[tokio::test]
async fn another_applications_schema_is_refused_untouched() {
    let Some(db) = common::database() else { return };
    let schema = db.fresh_schema("foreign").await;
    db.query_in(
        &schema,
        "CREATE TABLE orders (id int); CREATE TABLE users (id int)",
    )
    .await;
    let err = refused(&db, &db.url_in_schema(&schema)).await;
    assert!(matches!(err, PgOpenError::Foreign { .. }), "{err:?}");
    let line = err.to_string();
    assert!(
        line.contains(&format!(
            "schema {schema} is not a cin7-sparklayer state (another application's tables: orders, users)"
        )) && line.contains("search_path"),
        "{line}"
    );
    assert_eq!(tables(&db, &schema).await, ["orders", "users"]);
}

#[tokio::test]
async fn a_schema_table_without_a_version_is_refused() {
    let Some(db) = common::database() else { return };
    let schema = db.fresh_schema("no-version").await;
    db.query_in(
        &schema,
        &format!("CREATE TABLE {SCHEMA_TABLE} (version integer PRIMARY KEY, name text, applied_at timestamptz)"),
    )
    .await;
    let err = refused(&db, &db.url_in_schema(&schema)).await;
    assert!(
        err.to_string()
            .contains("cin7_sparklayer_schema holds no version"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_search_path_schema_is_named() {
    let Some(db) = common::database() else { return };
    let err = refused(&db, &db.url_in_schema(&unique("missing"))).await;
    assert!(
        err.to_string().contains("no schema of search_path exists"),
        "{err}"
    );
}

#[tokio::test]
async fn a_failed_migration_is_rolled_back() {
    let Some(db) = common::database() else { return };
    let schema = db.fresh_schema("rollback").await;
    let role = unique("nocreate");
    let admin = db.admin().await;
    // A user that may use the schema but not create tables in it: the first CREATE fails.
    if let Err(e) = admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'only-usage'; GRANT USAGE ON SCHEMA {schema} TO {role}"
        ))
        .await
    {
        eprintln!("skipped: the test database's user cannot create roles ({e})");
        return;
    }
    let config: tokio_postgres::Config = db.raw_url().parse().expect("test URL");
    let host = match &config.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(host) => host.clone(),
        tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
    };
    let url = Secret::new(format!(
        "postgres://{role}:only-usage@{host}:{}/{}?options=-c%20search_path%3D{schema}",
        config.get_ports().first().copied().unwrap_or(5432),
        config.get_dbname().unwrap_or("postgres"),
    ));
    let err = PostgresStateStore::connect(&url, "t")
        .await
        .expect_err("no CREATE privilege");
    let line = err.to_string();
    assert!(
        matches!(err, PgOpenError::Migration { from: 0, .. }),
        "{err:?}"
    );
    assert!(
        line.contains(&format!(
            "from v0 to v{SCHEMA_VERSION} failed; it was left at v0"
        )) && line.contains("grant it CREATE and USAGE on the schema"),
        "{line}"
    );
    assert!(!line.contains("only-usage"), "{line}");
    assert!(tables(&db, &schema).await.is_empty(), "nothing was created");
    let _ = admin
        .batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"))
        .await;
}

#[tokio::test]
async fn a_v1_schema_is_upgraded_keeping_its_rows() {
    let Some(db) = common::database() else { return };
    let schema = db.fresh_schema("v1").await;
    let admin = db.admin().await;
    admin
        .batch_execute(&format!(
            "SET search_path TO {schema}; {} INSERT INTO {SCHEMA_TABLE} (version, name) VALUES (1, '0001_initial');
             INSERT INTO customer_links VALUES ('acme', '42', 'gid://shopify/Customer/42', 'a@example.com',
               'h', true, '[]', '[]', false)",
            include_str!("../../migrations/0001_initial.sql")
        ))
        .await
        .expect("a v1 schema");
    let store = PostgresStateStore::connect(&db.url_in_schema(&schema), "acme")
        .await
        .expect("upgrade");
    let links = store.customer_links().await.expect("links");
    assert_eq!(links.len(), 1, "the v1 rows are kept");
    let versions = db
        .query_in(
            &schema,
            &format!("SELECT version FROM {SCHEMA_TABLE} ORDER BY 1"),
        )
        .await;
    assert_eq!(versions, ["1", "2"]);
    let tables = tables(&db, &schema).await;
    assert!(tables.iter().any(|t| t == "leases"), "{tables:?}");
}
