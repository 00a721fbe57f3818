//! `daemon tenants --config ops.toml --tenants DIR` (issue 16 item 5): each tenant's last
//! successful run (from its state store), its lease owner (from the [`LeaseStore`]) and a
//! health word. With the SQLite layout the leases live in the daemon's process, so the listing
//! shows no owner; with PostgreSQL it shows every replica's.

use std::path::Path;

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::ports::Lease;

use super::directory;
use super::{Coordination, TenantStates};
use crate::config::OperatorConfig;
use crate::daemon::DaemonError;

/// One line of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRow {
    /// The tenant (file stem).
    pub tenant: String,
    /// When its last successful run started, per its state store.
    pub last_success: Option<DateTime<Utc>>,
    /// The replica holding its lease, and until when.
    pub lease: Option<Lease>,
    /// `ok`, `stale` (no success within twice `schedule.interval`), `never-run`,
    /// `unowned` (no replica holds it), `config-error: …` or `state-error: …`.
    pub health: String,
}

/// Lists the tenants of `dir` with their last run, lease and health.
///
/// # Errors
/// [`DaemonError`] when the directory, the coordination or the state cannot be reached at all.
pub async fn list_tenants(
    operator: &OperatorConfig,
    dir: &Path,
) -> Result<Vec<TenantRow>, DaemonError> {
    let files = directory::scan(dir).map_err(|e| {
        DaemonError::Coordination(format!(
            "cannot read the tenants directory {}: {e}",
            dir.display()
        ))
    })?;
    let states = TenantStates::from_state(&operator.state)?;
    let coordination = Coordination::for_states(&states)?;
    let leases = coordination
        .leases
        .leases()
        .await
        .map_err(|e| DaemonError::Coordination(format!("cannot read the leases: {e}")))?;
    let mut rows = Vec::new();
    for (tenant, entry) in files {
        let lease = leases.iter().find(|l| l.tenant == tenant).cloned();
        let mut row = TenantRow {
            tenant: tenant.clone(),
            last_success: None,
            lease,
            health: String::new(),
        };
        row.health = match directory::load(&tenant, &entry.path, operator) {
            Err(line) => format!("config-error: {line}"),
            Ok(config) => match states.for_tenant(&tenant) {
                Err(e) => format!("state-error: {e}"),
                Ok(state) => match state.last_successful_run().await {
                    Err(e) => format!("state-error: {e}"),
                    Ok(last) => {
                        row.last_success = last;
                        health_word(last, row.lease.is_some(), config.config.schedule.interval)
                    }
                },
            },
        };
        rows.push(row);
    }
    Ok(rows)
}

fn health_word(last: Option<DateTime<Utc>>, owned: bool, interval: std::time::Duration) -> String {
    let stale_after = chrono::Duration::from_std(interval * 2).unwrap_or(chrono::Duration::MAX);
    let word = match last {
        None => "never-run",
        Some(at) if Utc::now() - at > stale_after => "stale",
        Some(_) if !owned => "unowned",
        Some(_) => "ok",
    };
    word.to_owned()
}

/// The listing as a table, one tenant a line.
pub fn render_tenants(rows: &[TenantRow]) -> String {
    let mut out = format!(
        "{:<24} {:<25} {:<28} {}\n",
        "TENANT", "LAST SUCCESS (UTC)", "LEASE OWNER", "HEALTH"
    );
    for row in rows {
        let last = row.last_success.map_or_else(
            || "-".to_owned(),
            |at| at.format("%Y-%m-%d %H:%M:%S").to_string(),
        );
        let owner = row.lease.as_ref().map_or("-", |l| l.owner.as_str());
        out.push_str(&format!(
            "{:<24} {:<25} {:<28} {}\n",
            row.tenant, last, owner, row.health
        ));
    }
    out
}
