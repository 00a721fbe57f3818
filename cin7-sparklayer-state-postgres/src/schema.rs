//! The schema: versioned migrations embedded from `migrations/*.sql`, applied in order inside one
//! transaction and recorded in [`SCHEMA_TABLE`]; a schema that is not ours, or is newer, is refused.

use deadpool_postgres::{Client, Transaction};

use crate::error::PgOpenError;

/// One migration step: the SQL that takes the schema from `version - 1` to `version`.
#[derive(Debug)]
struct Migration {
    /// The version the step produces.
    version: i32,
    /// The file's name, recorded with the version.
    name: &'static str,
    /// The statements.
    sql: &'static str,
}

/// Migration steps, oldest first. Released steps are never edited: a change to the schema is a
/// new file with the next number.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_initial",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "0002_coordination",
        sql: include_str!("../migrations/0002_coordination.sql"),
    },
];

/// The schema version this build writes: the number of migrations.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// The table recording the applied migrations (one row per version). Its presence is what
/// marks a schema as ours; it is the only table without a `tenant` column.
pub const SCHEMA_TABLE: &str = "cin7_sparklayer_schema";

/// What the connection's schema turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// No table at all: ours to initialise.
    Empty,
    /// Ours, at this version (not newer than [`SCHEMA_VERSION`]).
    Ours {
        /// The highest version recorded.
        version: i32,
    },
}

/// Brings the connection's current schema (the first of `search_path`) to [`SCHEMA_VERSION`]
/// in one transaction under an advisory lock, so replicas starting together migrate once: the
/// others wait, then find the work done. A failed step leaves the schema as it was.
pub(crate) async fn migrate(client: &mut Client, target: &str) -> Result<(), PgOpenError> {
    let sql = |what| {
        move |source| PgOpenError::Sql {
            target: target.to_owned(),
            what,
            source,
        }
    };
    let tx = client
        .transaction()
        .await
        .map_err(sql("starting the schema check"))?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('cin7-sparklayer schema ' || coalesce(current_schema(), '')))",
        &[],
    )
    .await
    .map_err(sql("waiting for the schema lock"))?;
    let schema: Option<String> = tx
        .query_one("SELECT current_schema()", &[])
        .await
        .map_err(sql("reading the current schema"))?
        .get(0);
    let schema = schema.ok_or_else(|| PgOpenError::NoSchema {
        target: target.to_owned(),
    })?;
    let from = match identify(&tx, target, &schema).await? {
        Found::Empty => 0,
        Found::Ours { version } => version,
    };
    if from < SCHEMA_VERSION {
        apply(&tx, target, from).await?;
    }
    tx.commit().await.map_err(|source| PgOpenError::Migration {
        target: target.to_owned(),
        from,
        to: SCHEMA_VERSION,
        source,
    })?;
    if from < SCHEMA_VERSION {
        tracing::info!(%target, schema, from, to = SCHEMA_VERSION, "state schema migrated");
    }
    Ok(())
}

/// Runs the steps after `from` and records each.
async fn apply(tx: &Transaction<'_>, target: &str, from: i32) -> Result<(), PgOpenError> {
    let failed = |source| PgOpenError::Migration {
        target: target.to_owned(),
        from,
        to: SCHEMA_VERSION,
        source,
    };
    for step in MIGRATIONS.iter().filter(|m| m.version > from) {
        tx.batch_execute(step.sql).await.map_err(failed)?;
        tx.execute(
            "INSERT INTO cin7_sparklayer_schema (version, name) VALUES ($1, $2)",
            &[&step.version, &step.name],
        )
        .await
        .map_err(failed)?;
    }
    Ok(())
}

/// Decides from the schema's tables whether it is ours and at which version.
async fn identify(tx: &Transaction<'_>, target: &str, schema: &str) -> Result<Found, PgOpenError> {
    let sql = |what| {
        move |source| PgOpenError::Sql {
            target: target.to_owned(),
            what,
            source,
        }
    };
    let tables: Vec<String> = tx
        .query(
            "SELECT c.relname::text FROM pg_catalog.pg_class c
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
             ORDER BY c.relname",
            &[&schema],
        )
        .await
        .map_err(sql("listing the schema's tables"))?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let foreign = |found: String| PgOpenError::Foreign {
        target: target.to_owned(),
        schema: schema.to_owned(),
        found,
    };
    if tables.is_empty() {
        return Ok(Found::Empty);
    }
    if !tables.iter().any(|t| t == SCHEMA_TABLE) {
        return Err(foreign(format!(
            "another application's tables: {}",
            list(&tables)
        )));
    }
    let version: Option<i32> = tx
        .query_one(
            &format!(
                "SELECT max(version) FROM {}.{SCHEMA_TABLE}",
                quote_ident(schema)
            ),
            &[],
        )
        .await
        .map_err(sql("reading the schema version"))?
        .get(0);
    match version {
        Some(found) if found > SCHEMA_VERSION => Err(PgOpenError::NewerSchema {
            target: target.to_owned(),
            schema: schema.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        }),
        Some(version) if version >= 1 => Ok(Found::Ours { version }),
        _ => Err(foreign(format!("{SCHEMA_TABLE} holds no version"))),
    }
}

/// A schema name as an SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_from_one() {
        for (i, step) in MIGRATIONS.iter().enumerate() {
            let version = i32::try_from(i + 1).expect("few migrations");
            assert_eq!(step.version, version);
            assert!(
                step.name.starts_with(&format!("{version:04}_")),
                "{} is migration {version}",
                step.name
            );
            assert!(!step.sql.trim().is_empty());
        }
        assert_eq!(SCHEMA_VERSION, MIGRATIONS.len() as i32);
        assert!(MIGRATIONS[0].sql.contains(SCHEMA_TABLE));
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("public"), "\"public\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn long_table_lists_are_cut() {
        let names: Vec<String> = (1..=7).map(|i| format!("t{i}")).collect();
        assert_eq!(list(&names), "t1, t2, t3, t4, t5 and 2 more");
    }
}
