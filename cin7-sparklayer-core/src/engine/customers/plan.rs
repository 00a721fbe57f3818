//! The planning step of the customers pass (E1, E2, C3, C13), one customer at a time and free
//! of shared mutable state, so the engine runs it on every core. The report is written
//! afterwards, in input order, from what this returns.

use std::collections::HashMap;

use crate::model::{DesiredCustomer, DesiredPriceList, TierListKey};
use crate::plan::{CustomerFacts, CustomerVerdict, judge_customer, judge_unlinked};
use crate::ports::{AccountState, CustomerLink, RemoteCustomer};
use crate::report::CustomerAction;
use crate::rules::{RuleWarning, ShopTypes};

use super::PendingWrite;
use super::definitions::{Unfit, fit_definitions};
use super::record::{Mapped, Summary};

/// What the planner knows about the whole run, shared read-only by every customer.
pub(super) struct PlanContext<'a> {
    /// State links by Cin7 ID.
    pub(super) links: &'a HashMap<String, CustomerLink>,
    /// Cin7 ID owning each linked Shopify ID.
    pub(super) owner_of: &'a HashMap<&'a str, &'a str>,
    /// Shopify customers found by (lowercased) email, for customers without a link (E5).
    pub(super) found: &'a HashMap<String, RemoteCustomer>,
    /// Linked Shopify customers read back (C15), by Shopify ID.
    pub(super) remote: &'a HashMap<String, RemoteCustomer>,
    /// Whether classic-account invites are sent (C13).
    pub(super) invites_on: bool,
    /// A dry run builds no write (E1).
    pub(super) dry_run: bool,
    /// The shop's types for the sync's metafields (E10).
    pub(super) types: &'a ShopTypes,
}

/// The outcome of planning one kept customer.
pub(super) enum PlannedCustomer {
    /// Its email belongs to a Shopify customer linked to another Cin7 customer (C3): skipped.
    LinkedElsewhere {
        /// Cin7 ID.
        id: String,
        /// Its email.
        email: String,
        /// Names the other Cin7 customer.
        detail: String,
    },
    /// Its metafields do not fit the shop's definitions (E10): failed.
    Unfit(Box<Unfit>),
    /// Planned: unchanged, create or update.
    Planned(Planned),
}

/// A customer that syncs, with what the report and the pricing pass need of it (kept small:
/// 100,000 of these are collected, the rare or large parts are boxed).
pub(super) struct Planned {
    /// Cin7 ID.
    pub(super) id: String,
    /// Its email.
    pub(super) email: String,
    /// `Unchanged`, `Create` or `Update`.
    pub(super) action: CustomerAction,
    /// Rule warnings (C4–C8, P2).
    pub(super) warnings: Vec<RuleWarning>,
    /// Its tier list (C8, P5).
    pub(super) tier: Option<TierListKey>,
    /// Its own price list (P2).
    pub(super) own_list: Option<Box<DesiredPriceList>>,
    /// Unchanged, linked and not yet invited: the invite still to consider (C13).
    pub(super) pending_invite: Option<Box<(CustomerLink, AccountState)>>,
    /// The write to apply; `None` when unchanged or in a dry run.
    pub(super) write: Option<Box<PendingWrite>>,
}

/// Plans one record: puts it together (C16), converts its metafields to the shop's types (E10;
/// a record whose values cannot convert was dropped before the lookups), C3's linked-elsewhere
/// check, E2's content hash, the verdict, and the write (the desired customer moves into it;
/// in a dry run it is dropped here, on this thread). A dry run judges an unlinked record
/// without putting it together when no metafield needs fitting: it has nothing to hash (E2)
/// and nothing to write.
pub(super) fn plan_one(m: Mapped, ctx: &PlanContext<'_>) -> PlannedCustomer {
    let link = ctx.links.get(m.cin7_id());
    if ctx.dry_run && link.is_none() && ctx.types.is_empty() {
        return plan_summary(m.into_summary(), None, link, ctx);
    }
    match fit_definitions(m.into_customer(), ctx.types) {
        Ok(customer) => {
            let (summary, desired) = Summary::of(customer);
            plan_summary(summary, Some(desired), link, ctx)
        }
        Err(unfit) => PlannedCustomer::Unfit(unfit),
    }
}

/// [`plan_one`] once the record is summarised, with its link; `desired` is `None` only for an
/// unlinked record in a dry run.
fn plan_summary<'a>(
    summary: Summary,
    desired: Option<DesiredCustomer>,
    link: Option<&'a CustomerLink>,
    ctx: &PlanContext<'a>,
) -> PlannedCustomer {
    let Summary {
        id,
        email,
        warnings,
        tier,
        own_list,
    } = summary;
    let by_email = if link.is_none() && !ctx.found.is_empty() {
        ctx.found.get(&email.to_lowercase())
    } else {
        None
    };
    // Never overwrite a Shopify customer linked to another Cin7 customer (C3).
    if let Some(f) = by_email
        && let Some(other) = ctx.owner_of.get(f.id.as_str())
        && *other != id
    {
        return PlannedCustomer::LinkedElsewhere {
            detail: format!("Shopify customer with this email is linked to Cin7 customer {other}"),
            id,
            email,
        };
    }
    let remote_now = link.and_then(|l| ctx.remote.get(&l.shopify_id));
    // The content hash (E2) is computed by `judge_customer`, here on the worker thread.
    let facts = CustomerFacts {
        link,
        found_by_email: by_email,
        remote: remote_now,
    };
    let verdict = match &desired {
        Some(d) => judge_customer(d, None, facts),
        None => judge_unlinked(by_email),
    };
    let action = match &verdict {
        CustomerVerdict::Unchanged => CustomerAction::Unchanged,
        CustomerVerdict::Create => CustomerAction::Create,
        CustomerVerdict::Update { .. } => CustomerAction::Update,
    };
    let pending_invite = invite_to_consider(&verdict, link, remote_now, ctx.invites_on);
    let created = verdict == CustomerVerdict::Create;
    // A dry run drops the desired customer here (E1).
    let write = desired
        .filter(|_| !ctx.dry_run)
        .and_then(|d| verdict.into_write(d))
        .map(|write| Box::new(PendingWrite { write, created }));
    PlannedCustomer::Planned(Planned {
        id,
        email,
        action,
        warnings,
        tier,
        own_list: own_list.map(Box::new),
        pending_invite,
        write,
    })
}

/// C13: an unchanged, linked customer not yet invited, with its account state: the invite
/// still to consider.
fn invite_to_consider(
    verdict: &CustomerVerdict,
    link: Option<&CustomerLink>,
    remote: Option<&RemoteCustomer>,
    invites_on: bool,
) -> Option<Box<(CustomerLink, AccountState)>> {
    match (link, remote) {
        (Some(l), Some(r))
            if *verdict == CustomerVerdict::Unchanged && invites_on && !l.invite_sent =>
        {
            Some(Box::new((l.clone(), r.account_state)))
        }
        _ => None,
    }
}
