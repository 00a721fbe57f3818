//! Applying the price list plans: create, align the state with a reconcile, then PATCH in
//! batches, the state saved per batch (E3, E5); one list's failure never stops the others.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::RunError;
use crate::hash::price_hash;
use crate::model::PriceRow;
use crate::plan::ListPlan;
use crate::ports::{PatchOutcome, PriceListState, RowChange};
use crate::report::{Failure, RecordKind, RunReport};

use super::super::fatal;
use super::{PlannedList, PricingPass, count_plan};

impl PricingPass<'_> {
    /// Applies every plan in slug order, until the run is asked to stop.
    pub(super) async fn apply_lists(
        &self,
        plans: Vec<PlannedList>,
        state_lists: &BTreeMap<String, PriceListState>,
        report: &mut RunReport,
    ) -> Result<(), RunError> {
        let total_rows: usize = plans.iter().map(|(p, _)| p.rows.len()).sum();
        self.options
            .progress
            .phase("prices", Some(total_rows as u64));
        for (plan, reconciled) in plans {
            if self.options.should_stop() {
                report.interrupted = true;
                break;
            }
            let state = state_lists.get(&plan.header.slug);
            self.apply_list(&plan, reconciled, state, report).await?;
        }
        Ok(())
    }

    /// Applies one list's plan: create, align the state with a reconcile, then PATCH in batches.
    async fn apply_list(
        &self,
        plan: &ListPlan,
        reconciled: Option<BTreeMap<String, u64>>,
        state: Option<&PriceListState>,
        report: &mut RunReport,
    ) -> Result<(), RunError> {
        if !self.ensure_list(plan, state, report).await? {
            return Ok(());
        }
        // The state must describe what SparkLayer holds before the diff is applied on top of it.
        let known_now = if plan.create {
            Some(BTreeMap::new())
        } else {
            reconciled
        };
        if let Some(actual) = known_now {
            self.align_state(&plan.header.slug, &actual, state).await?;
        }
        let mut failed = false;
        for batch in plan.batches(self.engine.settings.pricing.batch_size) {
            failed |= !self.patch(&plan.header.slug, batch, report).await?;
            self.options.progress.advance(batch.len() as u64);
        }
        if failed {
            report.count_list("failed");
        } else {
            count_plan(report, plan);
            self.record_origin(plan, state).await?;
        }
        Ok(())
    }

    /// P5: a converted list written at a new rate records its new origin once every row is
    /// written, so a run that failed part-way reads every product again next time.
    async fn record_origin(
        &self,
        plan: &ListPlan,
        state: Option<&PriceListState>,
    ) -> Result<(), RunError> {
        if plan.create || state.is_none_or(|s| s.origin == plan.origin) {
            return Ok(());
        }
        self.engine
            .ports
            .state
            .save_price_list(&plan.header, &plan.origin)
            .await
            .map_err(RunError::at("saving a price list"))
    }

    /// Creates the list when the plan says so, and records it in the state when it is new
    /// there. `false` when SparkLayer refused to create it (reported; the list is skipped).
    async fn ensure_list(
        &self,
        plan: &ListPlan,
        state: Option<&PriceListState>,
        report: &mut RunReport,
    ) -> Result<bool, RunError> {
        let ports = &self.engine.ports;
        if plan.create
            && let Err(e) = ports.price_lists.create_price_list(&plan.header).await
        {
            let e = fatal("creating a SparkLayer price list", e)?;
            report.fail(RecordKind::PriceList, &plan.header.slug, "create_list", &e);
            report.count_list("failed");
            return Ok(false);
        }
        if plan.create || state.is_none() {
            ports
                .state
                .save_price_list(&plan.header, &plan.origin)
                .await
                .map_err(RunError::at("saving a price list"))?;
        }
        Ok(true)
    }

    /// Makes the state's rows of `slug` what SparkLayer holds (`actual`): rows it lacks are
    /// removed, rows it holds differently are recorded.
    async fn align_state(
        &self,
        slug: &str,
        actual: &BTreeMap<String, u64>,
        state: Option<&PriceListState>,
    ) -> Result<(), RunError> {
        let empty = BTreeMap::new();
        let recorded = state.map(|s| &s.rows).unwrap_or(&empty);
        let mut changes: Vec<RowChange> = recorded
            .keys()
            .filter(|sku| !actual.contains_key(*sku))
            .map(|sku| (sku.clone(), None))
            .collect();
        changes.extend(
            actual
                .iter()
                .filter(|(sku, h)| recorded.get(*sku) != Some(h))
                .map(|(sku, h)| (sku.clone(), Some(*h))),
        );
        if changes.is_empty() {
            return Ok(());
        }
        self.engine
            .ports
            .state
            .save_price_rows(slug, &changes)
            .await
            .map_err(RunError::at("saving price rows"))
    }

    /// One PATCH (P3): the rows written are saved in the state; refused rows and a failed call
    /// are reported (E3). `false` when anything of the batch failed.
    async fn patch(
        &self,
        slug: &str,
        batch: &[PriceRow],
        report: &mut RunReport,
    ) -> Result<bool, RunError> {
        let outcome = match self
            .engine
            .ports
            .price_lists
            .patch_prices(slug, batch)
            .await
        {
            Ok(outcome) => outcome,
            Err(e) => {
                let e = fatal("writing SparkLayer prices", e)?;
                report.fail(RecordKind::PriceList, slug, "patch", &e);
                return Ok(false);
            }
        };
        report_refused(slug, &outcome, report);
        let rejected: BTreeSet<&str> = outcome.rejected.iter().map(|r| r.sku.as_str()).collect();
        let changes: Vec<RowChange> = batch
            .iter()
            .filter(|r| !rejected.contains(r.sku.as_str()))
            .map(|r| {
                if r.pricing.is_empty() {
                    report.price_rows_removed += 1;
                    (r.sku.clone(), None)
                } else {
                    report.price_rows_written += 1;
                    (r.sku.clone(), Some(price_hash(&r.pricing)))
                }
            })
            .collect();
        self.engine
            .ports
            .state
            .save_price_rows(slug, &changes)
            .await
            .map_err(RunError::at("saving price rows"))?;
        Ok(outcome.rejected.is_empty())
    }
}

/// Each row SparkLayer refused is a failure of its own, `slug/SKU` (E3).
fn report_refused(slug: &str, outcome: &PatchOutcome, report: &mut RunReport) {
    for r in &outcome.rejected {
        report.failures.push(Failure {
            kind: RecordKind::PriceList,
            id: format!("{slug}/{}", r.sku),
            step: "patch".into(),
            message: format!("SparkLayer refused SKU {} on {slug}: {}", r.sku, r.message),
            retryable: false,
        });
    }
}
