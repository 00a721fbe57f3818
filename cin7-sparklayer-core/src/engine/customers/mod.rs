//! The customers pass: C1–C14 applied to every fetched customer, then written (E2, E3, E5, E6).

use std::collections::{BTreeSet, HashMap};

mod apply;
mod contacts;
mod decisions;
mod definitions;
mod duplicates;
mod leave;
mod lookup;
mod plan;
mod read;
mod record;
mod relink;

use decisions::Decisions;
use duplicates::drop_duplicates;
use plan::{PlanContext, plan_one};
use read::FetchedCustomer;
use record::Mapped;

use crate::config::{ContactsMode, Currencies};
use crate::error::RunError;
use crate::model::{AccountInfo, CustomerGroup, DesiredCustomer, DesiredPriceList, TierListKey};
use crate::ports::{CustomerLink, CustomerWrite, IncompleteRead};
use crate::report::RunReport;
use crate::rules::ShopTypes;

use super::parallel::par_map_owned;
use super::{ResolvedMode, RunOptions, SyncEngine};

/// What the customers pass hands to the pricing pass.
#[derive(Debug, Default)]
pub(crate) struct CustomersOutcome {
    /// Tier lists used by customers synced in this run (C8, P1 `assigned`, P5).
    pub(crate) tiers_used: BTreeSet<TierListKey>,
    /// Own lists of customers synced in this run (P2).
    pub(crate) own_lists: Vec<DesiredPriceList>,
    /// Cin7 IDs of customers seen in this run (any outcome).
    pub(crate) seen: foldhash::HashSet<String>,
    /// The customer read came up short (E8): a full run then treats no customer as gone,
    /// for C14 and for P1/P4 alike.
    pub(crate) incomplete: bool,
}

/// A planned write with what to record after it.
pub(crate) struct PendingWrite {
    pub(crate) write: CustomerWrite,
    pub(crate) created: bool,
}

impl PendingWrite {
    /// The desired customer; `None` for a revoke (C14).
    pub(crate) fn desired(&self) -> Option<&DesiredCustomer> {
        self.write.fields.as_ref()
    }

    /// The action counted in the report.
    pub(crate) fn action(&self) -> &'static str {
        match (self.write.fields.is_some(), self.created) {
            (false, _) => "revoke",
            (true, true) => "create",
            (true, false) => "update",
        }
    }
}

/// What the rules of one run read besides the records: the account, SparkLayer's groups, the
/// shop's metafield types (E10) and the checked currency options (P5).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunRules<'a> {
    pub(crate) account: &'a AccountInfo,
    pub(crate) groups: &'a [CustomerGroup],
    pub(crate) types: &'a ShopTypes,
    pub(crate) currencies: &'a Currencies,
}

pub(crate) struct CustomersPass<'a> {
    pub(crate) engine: &'a SyncEngine,
    options: &'a RunOptions,
    resolved: &'a ResolvedMode,
    account: &'a AccountInfo,
    groups: &'a [CustomerGroup],
    /// The shop's types for the sync's metafields (E10).
    types: &'a ShopTypes,
    /// `pricing.tier_currency` and `pricing.exchange_rates` (P5).
    currencies: &'a Currencies,
}

impl<'a> CustomersPass<'a> {
    pub(crate) fn new(
        engine: &'a SyncEngine,
        options: &'a RunOptions,
        resolved: &'a ResolvedMode,
        rules: RunRules<'a>,
    ) -> Self {
        Self {
            engine,
            options,
            resolved,
            account: rules.account,
            groups: rules.groups,
            types: rules.types,
            currencies: rules.currencies,
        }
    }

    /// The customers pass (C1–C14): fetch and map, sort out skips and revokes (C1, C14), drop
    /// duplicates (C3), look up Shopify (E5, C15), plan every customer (E1, E2, E10), then apply.
    pub(crate) async fn run(self, report: &mut RunReport) -> Result<CustomersOutcome, RunError> {
        let mut links = self.links().await?;
        let read = self.fetch_and_map(report).await?;
        let (customers, seen) = (read.customers, read.seen);
        let mut outcome = CustomersOutcome {
            incomplete: read.incomplete.is_some(),
            ..CustomersOutcome::default()
        };
        let mut decided = Decisions::default();
        let mapped = self.sort_out_skips(customers, &links, report, &mut decided);
        let contacts = self.engine.settings.customers.contacts;
        let moves = match contacts {
            ContactsMode::All => relink::follow_emails(&mut links, &mapped),
            ContactsMode::Default => relink::Moves::new(),
        };
        self.contacts_left(&links, &mapped, &seen, report, &mut decided);
        // Not on a short read (E8): a linked customer may only have been skipped by the paging.
        if !outcome.incomplete {
            self.revoke_gone(&links, &seen, report, &mut decided);
        }
        let kept = drop_duplicates(mapped, &links, &seen, contacts, report, &mut decided);
        let kept = self.drop_orphans(kept, &links, report, &mut decided);
        let kept = self.drop_unfit(kept, report, &mut outcome);
        let lookups = self.look_up(&kept, &links).await?;

        // Plan (E1, E2), on every core; then the report, in input order.
        let owner_of: HashMap<&str, &str> = links
            .values()
            .map(|l| (l.shopify_id.as_str(), l.cin7_id.as_str()))
            .collect();
        let plan_ctx = PlanContext {
            links: &links,
            owner_of: &owner_of,
            found: &lookups.found,
            remote: &lookups.remote,
            invites_on: lookups.invites_on(),
            dry_run: self.options.dry_run,
            types: self.types,
        };
        let planned = par_map_owned(kept, |m| plan_one(m, &plan_ctx));
        outcome.seen = seen;
        decided.record_planned(planned, report, &mut outcome);

        if self.options.dry_run {
            if let Some(plan) = report.plan.as_mut() {
                plan.customers = decided.entries;
            }
            return Ok(outcome);
        }
        // Apply (E3, E5): batches of writes, the state saved per record as each succeeds.
        let support = lookups.invite_support;
        let writes = apply::Writes {
            pending: decided.pending,
            unchanged_invites: decided.invites,
            moves,
        };
        self.apply(writes, links, support, report).await?;
        Ok(outcome)
    }

    /// The state's links by Cin7 ID.
    async fn links(&self) -> Result<HashMap<String, CustomerLink>, RunError> {
        Ok(self
            .engine
            .ports
            .state
            .customer_links()
            .await
            .map_err(RunError::at("reading the state store"))?
            .into_iter()
            .map(|l| (l.cin7_id.clone(), l))
            .collect())
    }
}

/// Two shortfalls of one read (a walk per ID) as one (E8).
pub(crate) fn add_shortfall(
    before: Option<IncompleteRead>,
    more: IncompleteRead,
) -> IncompleteRead {
    match before {
        None => more,
        Some(b) => IncompleteRead {
            expected: b.expected + more.expected,
            received: b.received + more.received,
        },
    }
}
