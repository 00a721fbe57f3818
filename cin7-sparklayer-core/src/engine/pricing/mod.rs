//! The pricing pass: P1–P5 with minimal writes, reconcile on full runs (C15), per-list isolation.

mod apply;
mod plan;
mod products;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::config::Currencies;
use crate::error::RunError;
use crate::model::{AccountInfo, DesiredPriceList, TierListKey};
use crate::plan::{ListPlan, baseline_from_rows};
use crate::ports::{FetchScope, PriceListState, RemotePriceList};
use crate::report::{ListAction, PriceListPlanEntry, RunMode, RunReport, WarningReason};
use crate::rules::publish_tier_lists;

use super::customers::{CustomersOutcome, RunRules};
use super::{ResolvedMode, RunOptions, SyncEngine};

/// One list's plan, with the rows read back from SparkLayer when it was reconciled (C15).
type PlannedList = (ListPlan, Option<BTreeMap<String, u64>>);

pub(crate) struct PricingPass<'a> {
    engine: &'a SyncEngine,
    options: &'a RunOptions,
    resolved: &'a ResolvedMode,
    account: &'a AccountInfo,
    /// `pricing.tier_currency` and `pricing.exchange_rates` (P5).
    currencies: &'a Currencies,
    customers: CustomersOutcome,
}

/// What planning the lists knows about the run (P3, P4, C15).
struct Known<'k> {
    /// A full run: every list is reconciled (C15).
    full: bool,
    /// A complete full read of the customers: a customer list whose customer was not seen is
    /// gone (P4); never on a short read (E8).
    all_customers: bool,
    /// Every product was read, so the tier lists are complete.
    complete_tiers: bool,
    /// The tier lists and converted lists published (P1, P5).
    tiers: &'k BTreeSet<TierListKey>,
    /// The lists the state store knows, by slug.
    state: &'k BTreeMap<String, PriceListState>,
    /// The lists SparkLayer has, by slug.
    remote: &'k HashMap<String, RemotePriceList>,
    /// SKUs the product read saw (P3 coverage of an incremental or short read, E8).
    seen_skus: &'k BTreeSet<String>,
}

impl<'a> PricingPass<'a> {
    pub(crate) fn new(
        engine: &'a SyncEngine,
        options: &'a RunOptions,
        resolved: &'a ResolvedMode,
        rules: RunRules<'a>,
        customers: CustomersOutcome,
    ) -> Self {
        Self {
            engine,
            options,
            resolved,
            account: rules.account,
            currencies: rules.currencies,
            customers,
        }
    }

    /// The pricing pass: which tier lists (P1, P5), read products into the tier lists, plan every
    /// list against the state and, in a full run, SparkLayer (P3, P4, C15), then apply the plans.
    pub(crate) async fn run(mut self, report: &mut RunReport) -> Result<(), RunError> {
        let full = self.resolved.mode == RunMode::Full;
        // Only a complete full read sees every customer (E8).
        let all_customers = full && !self.customers.incomplete;
        let state_lists = self.state_lists().await?;
        let tiers = self.tiers_to_publish(all_customers, &state_lists);
        let scope = self.product_scope(full, &tiers, &state_lists);
        let complete_tiers = matches!(scope, Some(FetchScope::All));
        let (builder, seen_skus, short) = self.read_products(scope, report).await?;
        // A short product read covers only the SKUs it saw (E8, P4).
        let complete_rows = complete_tiers && !short;
        let prefix = &self.engine.settings.pricing.prefix;
        let codes: BTreeSet<u8> = tiers.iter().map(|k| k.code).collect();
        let (base_lists, issues) = builder.finish(&codes, self.account, prefix);
        let base = &self.account.base_currency;
        let tier_lists = publish_tier_lists(base_lists, &tiers, self.currencies, base, prefix);
        for issue in issues {
            report.warn(&issue.id, issue.reason, Some(issue.detail));
        }
        let remote = self.remote_lists().await?;

        let mut desired: Vec<(DesiredPriceList, bool)> =
            tier_lists.into_iter().map(|l| (l, complete_rows)).collect();
        desired.extend(self.customers.own_lists.drain(..).map(|l| (l, true)));
        warn_currency_mismatches(&desired, &remote, report);
        let known = Known {
            full,
            all_customers,
            complete_tiers,
            tiers: &tiers,
            state: &state_lists,
            remote: &remote,
            seen_skus: &seen_skus,
        };
        let plans = self.plan_lists(desired, &known).await?;
        if self.options.dry_run {
            record_dry_run(&plans, report);
            return Ok(());
        }
        self.apply_lists(plans, &state_lists, report).await
    }

    /// The lists the state store knows, by slug.
    async fn state_lists(&self) -> Result<BTreeMap<String, PriceListState>, RunError> {
        Ok(self
            .engine
            .ports
            .state
            .price_lists()
            .await
            .map_err(RunError::at("reading the state store"))?
            .into_iter()
            .map(|l| (l.header.slug.clone(), l))
            .collect())
    }

    /// The lists SparkLayer has, by slug.
    async fn remote_lists(&self) -> Result<HashMap<String, RemotePriceList>, RunError> {
        Ok(self
            .engine
            .ports
            .price_lists
            .price_lists()
            .await
            .map_err(RunError::at("listing SparkLayer price lists"))?
            .into_iter()
            .map(|l| (l.slug.clone(), l))
            .collect())
    }

    /// The rows a list holds in SparkLayer, as the state records them (C15).
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
}

/// P5: each desired list SparkLayer holds in another currency (a changed `tier_currency`):
/// SparkLayer has no way to change a list's currency, so the operator is told what to do.
fn warn_currency_mismatches(
    desired: &[(DesiredPriceList, bool)],
    remote: &HashMap<String, RemotePriceList>,
    report: &mut RunReport,
) {
    for (list, _) in desired {
        let h = &list.header;
        let Some(held) = remote.get(&h.slug).and_then(|r| r.currency.as_deref()) else {
            continue;
        };
        if !held.eq_ignore_ascii_case(&h.currency) {
            let detail = format!(
                "SparkLayer holds price list {} in {held}, the sync now publishes it in {}; \
                 delete the list in SparkLayer and the next run re-creates it",
                h.slug, h.currency
            );
            report.warn(
                &h.slug,
                WarningReason::PriceListCurrencyMismatch,
                Some(detail),
            );
        }
    }
}

/// E1: a dry run counts what each plan would do and lists it in the report's plan.
fn record_dry_run(plans: &[PlannedList], report: &mut RunReport) {
    for (p, _) in plans {
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
}

fn count_plan(report: &mut RunReport, plan: &ListPlan) {
    report.count_list(match plan.action {
        ListAction::Create => "create",
        ListAction::Patch => "patch",
        ListAction::Unchanged => "unchanged",
        ListAction::Empty => "empty",
    });
}
