//! The run report (E9) and the plan (E1).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Service;
use crate::ports::RequestCounts;

/// Full or incremental (E4), or a run over named records (webhooks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunMode {
    /// Every customer and product; reads back Shopify and SparkLayer for drift (C15).
    Full,
    /// Records modified since the last successful run minus an overlap.
    Incremental,
    /// Only the records named (e.g. by webhooks).
    Records,
}

impl std::fmt::Display for RunMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Full => "full",
            Self::Incremental => "incremental",
            Self::Records => "records",
        })
    }
}

/// What the plan does with one customer (E1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "reason")]
pub enum CustomerAction {
    /// Create it in Shopify.
    Create,
    /// Update the linked or found Shopify customer.
    Update,
    /// Nothing changed since the last write (E2).
    Unchanged,
    /// Not synced, with its reason (`not_in_scope`, `duplicate_email`, …).
    Skip(SkipReason),
    /// Left scope: remove the B2B tag and the sync's metafields (C14).
    Revoke,
}

impl CustomerAction {
    /// The action's name as counted in the report.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Unchanged => "unchanged",
            Self::Skip(_) => "skip",
            Self::Revoke => "revoke",
        }
    }
}

/// One customer's line in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPlanEntry {
    /// Cin7 ID.
    pub cin7_id: String,
    /// The customer's email, when it had one.
    pub email: Option<String>,
    /// What happens.
    #[serde(flatten)]
    pub action: CustomerAction,
    /// Extra detail (e.g. the other Cin7 IDs sharing an email).
    pub detail: Option<String>,
}

/// What the plan does with one price list (E1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListAction {
    /// Create the list, then write its rows.
    Create,
    /// Write changed rows.
    Patch,
    /// Nothing to write.
    Unchanged,
    /// The list's source is gone: remove every row (P4).
    Empty,
}

/// One price list's line in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListPlanEntry {
    /// Slug.
    pub slug: String,
    /// What happens.
    pub action: ListAction,
    /// SKUs written (new or changed).
    pub upserts: usize,
    /// SKUs removed.
    pub removals: usize,
}

/// The plan of a run: per customer and per price list what will be (or was) done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Customers in input order.
    pub customers: Vec<CustomerPlanEntry>,
    /// Price lists by slug.
    pub price_lists: Vec<PriceListPlanEntry>,
}

/// Which kind of record a failure or skip is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A Cin7 customer.
    Customer,
    /// A Cin7 product.
    Product,
    /// A SparkLayer price list (or one SKU on it).
    PriceList,
}

/// One record that failed (E3): its ID, the step, and the API's own message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Customer, product or price list.
    pub kind: RecordKind,
    /// Cin7 ID, or the list slug (with `/SKU` for a refused row).
    pub id: String,
    /// What the engine was doing (`lookup`, `write`, `invite`, `create_list`, `patch`, …).
    pub step: String,
    /// The error message.
    pub message: String,
    /// Whether a later run may succeed unchanged.
    pub retryable: bool,
}

/// A record skipped with a reason (kept for the first [`RunReport::MAX_LISTED`] of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRecord {
    /// Customer or product.
    pub kind: RecordKind,
    /// The Cin7 ID, when known.
    pub id: Option<String>,
    /// Reason code.
    pub reason: SkipReason,
    /// Detail.
    pub detail: Option<String>,
}

/// A warning on a record that was still synced (e.g. `invalid_phone`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningRecord {
    /// The Cin7 ID (or slug).
    pub id: String,
    /// Reason code.
    pub reason: WarningReason,
    /// Detail.
    pub detail: Option<String>,
}

/// Everything one run did (E9). Serialisable; the binaries print it as a table or JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    /// Full, incremental or records.
    pub mode: RunMode,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// When the run started (UTC).
    pub started_at: DateTime<Utc>,
    /// When it ended (UTC).
    pub finished_at: DateTime<Utc>,
    /// The `ModifiedSince` cursor used by an incremental run.
    pub modified_since: Option<DateTime<Utc>>,
    /// Customers per action: `create`, `update`, `unchanged`, `skip`, `revoke`, `failed`.
    pub customers: BTreeMap<String, u64>,
    /// Contacts synced as Shopify customers of their own (C16) per action, as `customers`
    /// counts customers (key contacts); empty without `customers.contacts = "all"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub contacts: BTreeMap<String, u64>,
    /// Skips per reason code.
    pub skip_reasons: BTreeMap<SkipReason, u64>,
    /// Warnings per reason code.
    pub warnings: BTreeMap<WarningReason, u64>,
    /// Invites: `sent`, `already_invited`, `invite_not_applicable`, `disabled`.
    pub invites: BTreeMap<String, u64>,
    /// Price lists per action: `create`, `patch`, `unchanged`, `empty`, `failed`.
    pub price_lists: BTreeMap<String, u64>,
    /// SKU rows written (new or changed prices).
    pub price_rows_written: u64,
    /// SKU rows removed.
    pub price_rows_removed: u64,
    /// Products read.
    pub products_read: u64,
    /// Records that failed, with messages.
    pub failures: Vec<Failure>,
    /// The first skipped records with their reasons.
    pub skipped: Vec<SkippedRecord>,
    /// The first warnings with their records.
    pub warning_records: Vec<WarningRecord>,
    /// HTTP requests per API.
    pub requests: BTreeMap<Service, RequestCounts>,
    /// The plan, kept for dry runs.
    pub plan: Option<Plan>,
    /// The run was asked to stop (shutdown) and ended early; what was done is recorded.
    #[serde(default)]
    pub interrupted: bool,
}

impl RunReport {
    /// How many skipped records and warnings are listed one by one (counts are always complete).
    pub const MAX_LISTED: usize = 1000;

    /// An empty report for a run starting now.
    pub fn new(mode: RunMode, dry_run: bool, started_at: DateTime<Utc>) -> Self {
        Self {
            mode,
            dry_run,
            started_at,
            finished_at: started_at,
            modified_since: None,
            customers: BTreeMap::new(),
            contacts: BTreeMap::new(),
            skip_reasons: BTreeMap::new(),
            warnings: BTreeMap::new(),
            invites: BTreeMap::new(),
            price_lists: BTreeMap::new(),
            price_rows_written: 0,
            price_rows_removed: 0,
            products_read: 0,
            failures: Vec::new(),
            skipped: Vec::new(),
            warning_records: Vec::new(),
            requests: BTreeMap::new(),
            plan: None,
            interrupted: false,
        }
    }

    /// Adds one to a customer action count.
    pub fn count_customer(&mut self, action: &str) {
        add_one(&mut self.customers, action);
    }

    /// Adds one to the action count of record `id`: a contact's (C16, `{customer}/{contact}`)
    /// in `contacts`, a customer's in `customers`.
    pub fn count_record(&mut self, id: &str, action: &str) {
        if crate::model::is_contact_key(id) {
            add_one(&mut self.contacts, action);
        } else {
            self.count_customer(action);
        }
    }

    /// Records a skip with its reason.
    pub fn skip(
        &mut self,
        kind: RecordKind,
        id: Option<&str>,
        reason: SkipReason,
        detail: Option<String>,
    ) {
        if kind == RecordKind::Customer {
            self.count_record(id.unwrap_or_default(), "skip");
        }
        *self.skip_reasons.entry(reason).or_default() += 1;
        if self.skipped.len() < Self::MAX_LISTED {
            self.skipped.push(SkippedRecord {
                kind,
                id: id.map(str::to_owned),
                reason,
                detail,
            });
        }
    }

    /// Records a record the source could not read: skip reason `malformed`, with its ID when
    /// readable and the field that failed (E3, issue 3 "bad input").
    pub fn skip_malformed(&mut self, kind: RecordKind, record: &crate::ports::MalformedRecord) {
        let detail = match &record.field {
            Some(f) => format!("{f}: {}", record.reason),
            None => record.reason.clone(),
        };
        self.skip(
            kind,
            record.id.as_deref(),
            SkipReason::Malformed,
            Some(detail),
        );
    }

    /// Records a warning.
    pub fn warn(&mut self, id: &str, reason: WarningReason, detail: Option<String>) {
        *self.warnings.entry(reason).or_default() += 1;
        if self.warning_records.len() < Self::MAX_LISTED {
            self.warning_records.push(WarningRecord {
                id: id.to_owned(),
                reason,
                detail,
            });
        }
    }

    /// Records a failure (E3).
    pub fn fail(&mut self, kind: RecordKind, id: &str, step: &str, error: &crate::PortError) {
        self.failures.push(Failure {
            kind,
            id: id.to_owned(),
            step: step.to_owned(),
            message: error.to_string(),
            retryable: error.is_retryable(),
        });
    }

    /// Adds one to an invite count.
    pub fn count_invite(&mut self, what: &str) {
        *self.invites.entry(what.to_owned()).or_default() += 1;
    }

    /// Adds one to a price list action count.
    pub fn count_list(&mut self, action: &str) {
        *self.price_lists.entry(action.to_owned()).or_default() += 1;
    }

    /// Write requests made to Shopify and SparkLayer (E2: zero on a no-change rerun).
    pub fn sink_writes(&self) -> u64 {
        [Service::Shopify, Service::SparkLayer]
            .iter()
            .filter_map(|s| self.requests.get(s))
            .map(|c| c.writes)
            .sum()
    }

    /// Exit status per E3: 0 when every record succeeded, 2 when some failed.
    /// (1, "could not start", is a [`crate::RunError`], not a report.)
    pub fn exit_code(&self) -> i32 {
        if self.failures.is_empty() { 0 } else { 2 }
    }

    /// Whether the run had no failure (it then moves the incremental cursor).
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty() && !self.dry_run && !self.interrupted
    }
}

mod reason;
mod table;
pub use reason::{SkipReason, WarningReason};
pub use table::render_table;

/// Adds one to `action`'s count, allocating its name only the first time (the plan of a run
/// counts every one of 350,000 records, C16).
fn add_one(counts: &mut BTreeMap<String, u64>, action: &str) {
    match counts.get_mut(action) {
        Some(n) => *n += 1,
        None => {
            counts.insert(action.to_owned(), 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn text<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).expect("serialises")
    }

    /// The reason fields serialise as the strings they were before they were typed (E9): the
    /// counts keyed and ordered by name, the listed records and the plan's `reason`.
    #[test]
    fn reasons_serialise_as_their_codes_in_name_order() {
        let at = Utc
            .with_ymd_and_hms(2025, 1, 2, 3, 4, 5)
            .single()
            .expect("time");
        let mut r = RunReport::new(RunMode::Full, true, at);
        r.skip(
            RecordKind::Customer,
            Some("c2"),
            SkipReason::NotInScope,
            None,
        );
        r.skip(
            RecordKind::Customer,
            Some("c1"),
            SkipReason::DuplicateEmail,
            Some("email shared with Cin7 customer(s) c3".into()),
        );
        r.skip(RecordKind::Customer, Some("c4"), SkipReason::Inactive, None);
        r.warn("c5", WarningReason::UnknownCountry, Some("Atlantis".into()));
        r.warn("c5", WarningReason::InvalidPhone, None);
        r.plan = Some(Plan {
            customers: vec![CustomerPlanEntry {
                cin7_id: "c1".into(),
                email: None,
                action: CustomerAction::Skip(SkipReason::DuplicateEmail),
                detail: None,
            }],
            price_lists: Vec::new(),
        });
        assert_eq!(
            text(&r.skip_reasons),
            r#"{"duplicate_email":1,"inactive":1,"not_in_scope":1}"#
        );
        assert_eq!(
            text(&r.warnings),
            r#"{"invalid_phone":1,"unknown_country":1}"#
        );
        assert_eq!(
            text(&r.skipped[1]),
            r#"{"kind":"customer","id":"c1","reason":"duplicate_email","detail":"email shared with Cin7 customer(s) c3"}"#
        );
        assert_eq!(
            text(&r.warning_records[1]),
            r#"{"id":"c5","reason":"invalid_phone","detail":null}"#
        );
        let plan = r.plan.as_ref().expect("plan");
        assert_eq!(
            text(&plan.customers[0]),
            r#"{"cin7_id":"c1","email":null,"action":"skip","reason":"duplicate_email","detail":null}"#
        );
        let json = serde_json::to_string(&r).expect("json");
        let back: RunReport = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, r);
    }
}
