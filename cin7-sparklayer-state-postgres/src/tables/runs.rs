//! `runs`: every recorded run's report per tenant, and the incremental cursor derived from
//! them (E4).

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::report::RunReport;
use deadpool_postgres::Client;
use tokio_postgres::types::Json;

use crate::codec::{column, from_json, time_from_sql, time_to_sql};
use crate::error::OpError;

/// Stores a run. `succeeded` is [`RunReport::succeeded`]: no failures and not a dry run.
pub(crate) async fn record(
    client: &Client,
    tenant: &str,
    report: &RunReport,
) -> Result<(), OpError> {
    let what = || format!("recording the run started at {}", report.started_at);
    let stmt = client
        .prepare_cached(
            "INSERT INTO runs (tenant, started_at, finished_at, mode, dry_run, succeeded, report)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .await
        .map_err(OpError::sql(what()))?;
    client
        .execute(
            &stmt,
            &[
                &tenant,
                &time_to_sql(report.started_at),
                &time_to_sql(report.finished_at),
                &report.mode.to_string(),
                &report.dry_run,
                &report.succeeded(),
                &Json(report),
            ],
        )
        .await
        .map_err(OpError::sql(what()))?;
    Ok(())
}

/// The start of the tenant's latest successful full or incremental run: the greatest start
/// time, so the cursor never moves back even when runs are recorded out of order. Runs over
/// named records (webhooks) never move it: they did not look at everything modified since the
/// cursor (E4).
pub(crate) async fn last_successful(
    client: &Client,
    tenant: &str,
) -> Result<Option<DateTime<Utc>>, OpError> {
    latest_start(
        client,
        tenant,
        "mode <> 'records'",
        "reading the last successful run",
    )
    .await
}

/// The start of the tenant's latest successful full run (the daemon's daily reconcile, E4).
pub(crate) async fn last_full(
    client: &Client,
    tenant: &str,
) -> Result<Option<DateTime<Utc>>, OpError> {
    latest_start(
        client,
        tenant,
        "mode = 'full'",
        "reading the last successful full run",
    )
    .await
}

/// The greatest start time of the tenant's successful runs matching `filter` (fixed SQL).
async fn latest_start(
    client: &Client,
    tenant: &str,
    filter: &'static str,
    what: &'static str,
) -> Result<Option<DateTime<Utc>>, OpError> {
    let stmt = client
        .prepare_cached(&format!(
            "SELECT id, started_at FROM runs WHERE tenant = $1 AND succeeded AND {filter}
             ORDER BY started_at DESC, id DESC LIMIT 1"
        ))
        .await
        .map_err(OpError::sql(what))?;
    let row = client
        .query_opt(&stmt, &[&tenant])
        .await
        .map_err(OpError::sql(what))?;
    let Some(row) = row else {
        return Ok(None);
    };
    let (id, text): (i64, String) = (column(&row, 0, what)?, column(&row, 1, what)?);
    time_from_sql(&text, || format!("run {id}, column started_at")).map(Some)
}

/// Every recorded run's report of the tenant, in the order recorded.
pub(crate) async fn all(client: &Client, tenant: &str) -> Result<Vec<RunReport>, OpError> {
    let what = "reading the run history";
    let rows = client
        .query(
            "SELECT id, report FROM runs WHERE tenant = $1 ORDER BY id",
            &[&tenant],
        )
        .await
        .map_err(OpError::sql(what))?;
    rows.into_iter()
        .map(|row| {
            let id: i64 = column(&row, 0, what)?;
            from_json(column(&row, 1, what)?, || {
                format!("run {id}, column report")
            })
        })
        .collect()
}
