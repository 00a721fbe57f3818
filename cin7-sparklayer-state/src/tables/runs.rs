//! `runs`: every recorded run's report, and the incremental cursor derived from them (E4).

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::report::RunReport;
use rusqlite::{Connection, OptionalExtension, params};

use crate::codec::{from_json, time_from_sql, time_to_sql, to_json};
use crate::error::OpError;

/// Stores a run. `succeeded` is [`RunReport::succeeded`]: no failures and not a dry run.
pub(crate) fn record(conn: &Connection, report: &RunReport) -> Result<(), OpError> {
    let what = || format!("recording the run started at {}", report.started_at);
    let json = to_json(report, what)?;
    conn.prepare_cached(
        "INSERT INTO runs (started_at, finished_at, mode, dry_run, succeeded, report)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            time_to_sql(report.started_at),
            time_to_sql(report.finished_at),
            report.mode.to_string(),
            report.dry_run,
            report.succeeded(),
            json,
        ])
    })
    .map_err(OpError::sqlite(what()))?;
    Ok(())
}

/// The start of the latest successful full or incremental run: the greatest start time, so the
/// cursor never moves back even when runs are recorded out of order. Runs over named records
/// (webhooks) never move it: they did not look at everything modified since the cursor (E4).
pub(crate) fn last_successful(conn: &Connection) -> Result<Option<DateTime<Utc>>, OpError> {
    latest_start(conn, "mode <> 'records'", "reading the last successful run")
}

/// The start of the latest successful full run (the daemon's daily reconcile, E4).
pub(crate) fn last_full(conn: &Connection) -> Result<Option<DateTime<Utc>>, OpError> {
    latest_start(
        conn,
        "mode = 'full'",
        "reading the last successful full run",
    )
}

/// The greatest start time of the successful runs matching `filter` (a fixed SQL condition).
fn latest_start(
    conn: &Connection,
    filter: &'static str,
    what: &'static str,
) -> Result<Option<DateTime<Utc>>, OpError> {
    let sql = format!(
        "SELECT id, started_at FROM runs WHERE succeeded = 1 AND {filter}
         ORDER BY started_at DESC, id DESC LIMIT 1"
    );
    let started: Option<(i64, String)> = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(OpError::sqlite(what))?;
    started
        .map(|(id, text)| time_from_sql(&text, || format!("run {id}, column started_at")))
        .transpose()
}

/// Every recorded run's report, in the order recorded.
pub(crate) fn all(conn: &Connection) -> Result<Vec<RunReport>, OpError> {
    let what = "reading the run history";
    let mut stmt = conn
        .prepare_cached("SELECT id, report FROM runs ORDER BY id")
        .map_err(OpError::sqlite(what))?;
    let mut rows = stmt.query([]).map_err(OpError::sqlite(what))?;
    let mut reports = Vec::new();
    while let Some(row) = rows.next().map_err(OpError::sqlite(what))? {
        let id: i64 = row.get(0).map_err(OpError::sqlite(what))?;
        let json: String = row.get(1).map_err(OpError::sqlite(what))?;
        reports.push(from_json(&json, || format!("run {id}, column report"))?);
    }
    Ok(reports)
}
