//! What the planning steps of the customers pass decide, gathered in input order: the plan's
//! lines (kept for a dry run, E1), the writes to apply and the invites to consider (C13).

use crate::ports::{AccountState, CustomerLink, CustomerWrite};
use crate::report::{CustomerAction, CustomerPlanEntry, RecordKind, RunReport, SkipReason};

use super::plan::PlannedCustomer;
use super::{CustomersOutcome, PendingWrite};

/// The decisions so far. Each is recorded in the report as it is made, in input order.
#[derive(Default)]
pub(super) struct Decisions {
    /// One line per customer, for the plan of a dry run.
    pub(super) entries: Vec<CustomerPlanEntry>,
    /// Writes to apply (empty in a dry run: there they are only counted).
    pub(super) pending: Vec<PendingWrite>,
    /// Unchanged, linked and not yet invited customers: the invites still to consider (C13).
    pub(super) invites: Vec<(CustomerLink, AccountState)>,
}

impl Decisions {
    /// A customer not synced: counted per reason in the report and listed in the plan.
    pub(super) fn skip(
        &mut self,
        report: &mut RunReport,
        id: &str,
        email: Option<String>,
        reason: SkipReason,
        detail: Option<String>,
    ) {
        report.skip(RecordKind::Customer, Some(id), reason, detail.clone());
        self.entries.push(entry(
            id.to_owned(),
            email,
            CustomerAction::Skip(reason),
            detail,
        ));
    }

    /// A linked customer that left scope (C14): its revoke is queued, or in a dry run counted.
    pub(super) fn revoke(
        &mut self,
        report: &mut RunReport,
        dry_run: bool,
        link: (&str, Option<String>),
        why: String,
        write: CustomerWrite,
    ) {
        let (id, email) = link;
        self.entries.push(entry(
            id.to_owned(),
            email,
            CustomerAction::Revoke,
            Some(why),
        ));
        self.queue(
            report,
            dry_run,
            PendingWrite {
                write,
                created: false,
            },
        );
    }

    /// Queues a write, or in a dry run only counts it (E1: the plan writes nothing).
    fn queue(&mut self, report: &mut RunReport, dry_run: bool, write: PendingWrite) {
        if dry_run {
            report.count_record(&write.write.cin7_id, write.action());
        } else {
            self.pending.push(write);
        }
    }

    /// Records the planned customers in input order: C3's linked-elsewhere skips, the rules'
    /// warnings, unchanged counts, the writes to apply, and what the pricing pass needs.
    pub(super) fn record_planned(
        &mut self,
        planned: Vec<PlannedCustomer>,
        report: &mut RunReport,
        outcome: &mut CustomersOutcome,
    ) {
        self.entries.reserve(planned.len());
        for p in planned {
            let p = match p {
                PlannedCustomer::LinkedElsewhere { id, email, detail } => {
                    let reason = SkipReason::DuplicateEmail;
                    self.skip(report, &id, Some(email), reason, Some(detail));
                    continue;
                }
                PlannedCustomer::Unfit(unfit) => {
                    unfit.record(report, outcome);
                    continue;
                }
                PlannedCustomer::Planned(p) => p,
            };
            for w in p.warnings {
                report.warn(&p.id, w.reason, w.detail);
            }
            if let Some(t) = p.tier {
                outcome.tiers_used.insert(t);
            }
            if let Some(list) = p.own_list {
                outcome.own_lists.push(*list);
            }
            if let Some(invite) = p.pending_invite {
                self.invites.push(*invite);
            }
            match p.write {
                // Counted when applied, as done or failed (E3).
                Some(write) => self.pending.push(*write),
                // Unchanged, or planned in a dry run (E1).
                None => report.count_record(&p.id, p.action.name()),
            }
            self.entries
                .push(entry(p.id, Some(p.email), p.action, None));
        }
    }
}

fn entry(
    cin7_id: String,
    email: Option<String>,
    action: CustomerAction,
    detail: Option<String>,
) -> CustomerPlanEntry {
    CustomerPlanEntry {
        cin7_id,
        email,
        action,
        detail,
    }
}
