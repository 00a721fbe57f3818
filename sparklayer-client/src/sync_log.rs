//! The sync-log API (reference §10): each run's status and per-record errors, so the merchant
//! sees failures in SparkLayer's dashboard (E9).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::report::{Failure, RecordKind, RunReport};
use reqwest::Method;
use serde::Serialize;

use crate::client::{Call, Kind, SparkLayerClient};
use crate::error::SparkLayerError;

/// The most errors one sync-log PUT may carry.
pub const MAX_SYNC_LOG_ERRORS: usize = 5000;

/// The sync-log `data_type` customer failures go under.
pub const CUSTOMERS_DATA_TYPE: &str = "customers";

/// The sync-log `data_type` product and price-list failures go under.
pub const PRODUCTS_DATA_TYPE: &str = "products";

/// Body of `PUT /api/v1/sync-log/{integration}/{data_type}` (a full sync record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncLogBody {
    /// When the run started.
    pub started_full_sync: DateTime<Utc>,
    /// When it finished.
    pub last_full_sync: DateTime<Utc>,
    /// Whether every record of this data type succeeded.
    pub last_full_sync_succeeded: bool,
    /// The failures, each with an `external_id` unique within the request (≤ 5,000).
    pub errors: Vec<SyncLogError>,
}

/// One error of a sync-log record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncLogError {
    /// Unique within the request: the record's ID, with `#n` appended to repeats.
    pub external_id: String,
    /// The ID shown to the merchant (Cin7 ID, or `slug/SKU`).
    pub visible_id: String,
    /// `step: message`.
    pub message: String,
}

/// Builds the sync-log bodies of a run: `(data_type, body)` for customers and for products.
pub fn sync_log_bodies(report: &RunReport) -> Vec<(&'static str, SyncLogBody)> {
    let body = |pick: fn(&Failure) -> bool| {
        let mut seen = HashSet::new();
        let errors: Vec<SyncLogError> = report
            .failures
            .iter()
            .filter(|f| pick(f))
            .take(MAX_SYNC_LOG_ERRORS)
            .map(|f| {
                let mut external_id = f.id.clone();
                let mut n = 1;
                while !seen.insert(external_id.clone()) {
                    n += 1;
                    external_id = format!("{}#{n}", f.id);
                }
                SyncLogError {
                    external_id,
                    visible_id: f.id.clone(),
                    message: format!("{}: {}", f.step, f.message),
                }
            })
            .collect();
        SyncLogBody {
            started_full_sync: report.started_at,
            last_full_sync: report.finished_at,
            last_full_sync_succeeded: errors.is_empty(),
            errors,
        }
    };
    vec![
        (
            CUSTOMERS_DATA_TYPE,
            body(|f| f.kind == RecordKind::Customer),
        ),
        (PRODUCTS_DATA_TYPE, body(|f| f.kind != RecordKind::Customer)),
    ]
}

impl SparkLayerClient {
    /// `PUT /api/v1/sync-log/{integration}/{data_type}` for customers and for products, with the
    /// run's failures. A dry run writes nothing (E1).
    ///
    /// # Errors
    /// Any [`SparkLayerError`] of the requests.
    pub async fn put_sync_log(&self, report: &RunReport) -> Result<(), SparkLayerError> {
        const OP: &str = "write sync log";
        if report.dry_run {
            return Ok(());
        }
        let integration = self.inner.sync_log_integration.clone();
        for (data_type, body) in sync_log_bodies(report) {
            let bytes = serde_json::to_vec(&body).map_err(|e| SparkLayerError::Protocol {
                operation: OP,
                message: e.to_string(),
            })?;
            let reply = self
                .execute(&Call {
                    operation: OP,
                    method: Method::PUT,
                    path: &["api", "v1", "sync-log", &integration, data_type],
                    query: &[],
                    body: Some(bytes),
                    kind: Kind::Write,
                })
                .await?;
            if !reply.status.is_success() {
                return Err(reply.into_error(OP, || format!("sync log {integration}/{data_type}")));
            }
        }
        Ok(())
    }
}
