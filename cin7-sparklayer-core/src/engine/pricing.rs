//! The pricing pass: P1–P4 with minimal writes, reconcile on full runs (C15), per-list isolation.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::StreamExt;

use crate::config::TierSelection;
use crate::error::RunError;
use crate::hash::price_hash;
use crate::model::{AccountInfo, DesiredPriceList, PriceListOrigin};
use crate::plan::{Baseline, Coverage, ListPlan, baseline_from_rows, plan_empty, plan_list};
use crate::ports::{FetchScope, Fetched, PriceListState, RemotePriceList, RowChange};
use crate::report::{ListAction, PriceListPlanEntry, RecordKind, RunMode, RunReport};
use crate::rules::TierListBuilder;

use super::customers::{CustomersOutcome, add_shortfall};
use super::{ResolvedMode, RunOptions, SyncEngine, all_tiers, fatal};

pub(crate) struct PricingPass<'a> {
    engine: &'a SyncEngine,
    options: &'a RunOptions,
    resolved: &'a ResolvedMode,
    account: &'a AccountInfo,
    customers: CustomersOutcome,
}

impl<'a> PricingPass<'a> {
    pub(crate) fn new(
        engine: &'a SyncEngine,
        options: &'a RunOptions,
        resolved: &'a ResolvedMode,
        account: &'a AccountInfo,
        customers: CustomersOutcome,
    ) -> Self {
        Self {
            engine,
            options,
            resolved,
            account,
            customers,
        }
    }

    pub(crate) async fn run(mut self, report: &mut RunReport) -> Result<(), RunError> {
        let ports = &self.engine.ports;
        let pricing = &self.engine.settings.pricing;
        let full = self.resolved.mode == RunMode::Full;
        // Only a complete full read sees every customer (E8).
        let all_customers = full && !self.customers.incomplete;
        let state_lists: BTreeMap<String, PriceListState> = ports
            .state
            .price_lists()
            .await
            .map_err(RunError::at("reading the state store"))?
            .into_iter()
            .map(|l| (l.header.slug.clone(), l))
            .collect();

        // P1: which tiers are published.
        let mut tiers = match pricing.tiers {
            TierSelection::All => all_tiers(),
            TierSelection::Assigned => self.customers.tiers_used.clone(),
        };
        if !all_customers && pricing.tiers == TierSelection::Assigned {
            // Only a complete full read sees every customer; keep the tiers already published.
            for l in state_lists.values() {
                if let PriceListOrigin::Tier { code } = l.origin
                    && !l.rows.is_empty()
                {
                    tiers.insert(code);
                }
            }
        }
        let new_tier = tiers.iter().any(|code| {
            !state_lists
                .values()
                .any(|l| l.origin == PriceListOrigin::Tier { code: *code })
        });
        // A tier list seen for the first time needs every product, even in an incremental run.
        let product_scope = if full || new_tier {
            Some(FetchScope::All)
        } else {
            self.resolved.products.clone()
        };
        let complete_tiers = matches!(product_scope, Some(FetchScope::All));

        // Read products (P1 input), one at a time into the tier builder.
        let mut builder = TierListBuilder::new(pricing.zero_price);
        let mut seen_skus: BTreeSet<String> = BTreeSet::new();
        let mut incomplete = None;
        if let Some(scope) = product_scope {
            self.options.progress.phase("products", None);
            let mut stream = ports.products.products(scope);
            while let Some(item) = stream.next().await {
                match item {
                    Ok(Fetched::Record(p)) => {
                        report.products_read += 1;
                        self.options.progress.advance(1);
                        // An incremental or short read removes only SKUs it saw (P3 coverage, E8).
                        if let Some(sku) = p.sku.as_deref().map(str::trim).filter(|s| !s.is_empty())
                        {
                            seen_skus.insert(sku.to_owned());
                        }
                        builder.add(&p);
                    }
                    Ok(Fetched::Malformed(m)) => report.skip_malformed(RecordKind::Product, &m),
                    Ok(Fetched::Incomplete(short)) => {
                        incomplete = Some(add_shortfall(incomplete, short));
                    }
                    Err(source) => {
                        return Err(RunError::Port {
                            step: "reading Cin7 products",
                            source,
                        });
                    }
                }
            }
        }
        if let Some(short) = incomplete {
            report.warn(
                "products",
                "incomplete_read",
                Some(format!(
                    "Cin7 products: {short}; no SKU is removed for being missing from this read"
                )),
            );
        }
        // A short read covers only the SKUs it saw (E8, P4).
        let complete_rows = complete_tiers && incomplete.is_none();
        let (tier_lists, issues) = builder.finish(&tiers, self.account, &pricing.prefix);
        for issue in issues {
            report.warn(&issue.id, issue.reason, Some(issue.detail));
        }

        let remote: HashMap<String, RemotePriceList> = ports
            .price_lists
            .price_lists()
            .await
            .map_err(RunError::at("listing SparkLayer price lists"))?
            .into_iter()
            .map(|l| (l.slug.clone(), l))
            .collect();

        // Plan every desired list (P3) and every list whose source is gone (P4).
        let mut desired: Vec<(DesiredPriceList, bool)> =
            tier_lists.into_iter().map(|l| (l, complete_rows)).collect();
        desired.extend(self.customers.own_lists.drain(..).map(|l| (l, true)));
        let desired_slugs: BTreeSet<String> =
            desired.iter().map(|(l, _)| l.header.slug.clone()).collect();
        let mut plans: Vec<(ListPlan, Option<BTreeMap<String, u64>>)> = Vec::new();
        for (list, complete) in desired {
            let slug = list.header.slug.clone();
            let slug = slug.as_str();
            let exists = remote.contains_key(slug);
            let reconciled = if exists && (full || !state_lists.contains_key(slug)) {
                Some(self.read_remote(slug).await?)
            } else {
                None
            };
            let state_rows = state_lists.get(slug).map(|s| &s.rows);
            let baseline = match (&reconciled, state_rows, exists) {
                (Some(r), _, _) => Baseline::Known(r),
                (None, Some(s), true) => Baseline::Known(s),
                _ => Baseline::Empty,
            };
            let coverage = if complete {
                Coverage::Complete
            } else {
                Coverage::Partial(&seen_skus)
            };
            let plan = plan_list(list, baseline, coverage, exists);
            plans.push((plan, reconciled));
        }
        for (slug, st) in &state_lists {
            if desired_slugs.contains(slug) {
                continue;
            }
            let gone = match &st.origin {
                PriceListOrigin::Tier { code } => complete_tiers && !tiers.contains(code),
                // Not desired although seen (skipped, out of scope, no prices left), or gone from a full read.
                PriceListOrigin::Customer { cin7_id } => {
                    all_customers || self.customers.seen.contains(cin7_id)
                }
            };
            if !gone || st.rows.is_empty() {
                continue;
            }
            let exists = remote.contains_key(slug);
            let reconciled = if exists && full {
                Some(self.read_remote(slug).await?)
            } else {
                None
            };
            let base = reconciled.as_ref().unwrap_or(&st.rows);
            let plan = plan_empty(&st.header, &st.origin, base, exists);
            plans.push((plan, reconciled));
        }
        plans.sort_by(|a, b| a.0.header.slug.cmp(&b.0.header.slug));

        if self.options.dry_run {
            for (p, _) in &plans {
                count_plan(report, p);
                report.price_rows_written += (p.rows.len() - p.removals) as u64;
                report.price_rows_removed += p.removals as u64;
                if let Some(plan) = report.plan.as_mut() {
                    plan.price_lists.push(PriceListPlanEntry {
                        slug: p.header.slug.clone(),
                        action: p.action.clone(),
                        upserts: p.rows.len() - p.removals,
                        removals: p.removals,
                    });
                }
            }
            return Ok(());
        }

        let total_rows: usize = plans.iter().map(|(p, _)| p.rows.len()).sum();
        self.options
            .progress
            .phase("prices", Some(total_rows as u64));
        for (plan, reconciled) in plans {
            if self.options.should_stop() {
                report.interrupted = true;
                break;
            }
            self.apply_list(
                &plan,
                reconciled,
                state_lists.get(&plan.header.slug),
                report,
            )
            .await?;
        }
        Ok(())
    }

    async fn read_remote(&self, slug: &str) -> Result<BTreeMap<String, u64>, RunError> {
        let rows = self
            .engine
            .ports
            .price_lists
            .prices(slug)
            .await
            .map_err(RunError::at("reading SparkLayer prices (reconcile)"))?;
        Ok(baseline_from_rows(&rows))
    }

    /// Applies one list's plan: create, align the state with a reconcile, then PATCH in batches.
    async fn apply_list(
        &self,
        plan: &ListPlan,
        reconciled: Option<BTreeMap<String, u64>>,
        state: Option<&PriceListState>,
        report: &mut RunReport,
    ) -> Result<(), RunError> {
        let ports = &self.engine.ports;
        let slug = plan.header.slug.as_str();
        if plan.create
            && let Err(e) = ports.price_lists.create_price_list(&plan.header).await
        {
            let e = fatal("creating a SparkLayer price list", e)?;
            report.fail(RecordKind::PriceList, slug, "create_list", &e);
            report.count_list("failed");
            return Ok(());
        }
        if plan.create || state.is_none() {
            ports
                .state
                .save_price_list(&plan.header, &plan.origin)
                .await
                .map_err(RunError::at("saving a price list"))?;
        }
        // The state must describe what SparkLayer holds before the diff is applied on top of it.
        let known_now = if plan.create {
            Some(BTreeMap::new())
        } else {
            reconciled
        };
        if let Some(actual) = known_now {
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
            if !changes.is_empty() {
                ports
                    .state
                    .save_price_rows(slug, &changes)
                    .await
                    .map_err(RunError::at("saving price rows"))?;
            }
        }
        let mut failed = false;
        for batch in plan.batches(self.engine.settings.pricing.batch_size) {
            match ports.price_lists.patch_prices(slug, batch).await {
                Ok(outcome) => {
                    let rejected: BTreeSet<&str> =
                        outcome.rejected.iter().map(|r| r.sku.as_str()).collect();
                    for r in &outcome.rejected {
                        failed = true;
                        report.failures.push(crate::report::Failure {
                            kind: RecordKind::PriceList,
                            id: format!("{slug}/{}", r.sku),
                            step: "patch".into(),
                            message: format!(
                                "SparkLayer refused SKU {} on {slug}: {}",
                                r.sku, r.message
                            ),
                            retryable: false,
                        });
                    }
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
                    ports
                        .state
                        .save_price_rows(slug, &changes)
                        .await
                        .map_err(RunError::at("saving price rows"))?;
                }
                Err(e) => {
                    let e = fatal("writing SparkLayer prices", e)?;
                    failed = true;
                    report.fail(RecordKind::PriceList, slug, "patch", &e);
                }
            }
            self.options.progress.advance(batch.len() as u64);
        }
        if failed {
            report.count_list("failed");
        } else {
            count_plan(report, plan);
        }
        Ok(())
    }
}

fn count_plan(report: &mut RunReport, plan: &ListPlan) {
    report.count_list(match plan.action {
        ListAction::Create => "create",
        ListAction::Patch => "patch",
        ListAction::Unchanged => "unchanged",
        ListAction::Empty => "empty",
    });
}
