//! C1 and C14 in the customers pass: customers the rules skipped, and linked customers that
//! left scope (skipped as out of scope, or gone from a full read), revoked with `on_leave = "revoke"`.

use std::collections::HashMap;

use crate::config::OnLeave;
use crate::model::customer_of_key;
use crate::plan::plan_revoke;
use crate::ports::CustomerLink;
use crate::report::{RunMode, RunReport};

use super::Mapped;
use super::decisions::Decisions;
use super::{CustomersPass, FetchedCustomer};

impl CustomersPass<'_> {
    /// Keeps the mapped customers, each followed by its contacts (C16; `drop_orphans` relies on
    /// that order); each skipped one is reported, or revoked when it was linked and is out of
    /// scope in the sense of C14 (tag removed, deprecated).
    pub(super) fn sort_out_skips(
        &self,
        customers: Vec<FetchedCustomer>,
        links: &HashMap<String, CustomerLink>,
        report: &mut RunReport,
        decided: &mut Decisions,
    ) -> Vec<Mapped> {
        let revoking = self.engine.settings.customers.on_leave == OnLeave::Revoke;
        let mut mapped = Vec::with_capacity(customers.len());
        for c in customers {
            let skip = match c.result {
                Ok(m) => {
                    mapped.push(m);
                    self.take_contacts(c.contacts, &mut mapped, report, decided);
                    continue;
                }
                Err(skip) => skip,
            };
            let link = links.get(&c.id);
            if skip.out_of_scope
                && revoking
                && let Some(write) = link.and_then(plan_revoke)
            {
                let email = link.map(|l| l.email.clone());
                let why = skip.reason.to_string();
                decided.revoke(report, self.options.dry_run, (&c.id, email), why, write);
                continue;
            }
            decided.skip(report, &c.id, None, skip.reason, skip.detail);
        }
        mapped
    }

    /// Linked customers that vanished from a full read have left scope too (C14), with their
    /// contacts (C16): revoked, in Cin7 ID order.
    pub(super) fn revoke_gone(
        &self,
        links: &HashMap<String, CustomerLink>,
        seen: &foldhash::HashSet<String>,
        report: &mut RunReport,
        decided: &mut Decisions,
    ) {
        let full = self.resolved.mode == RunMode::Full;
        if !full || self.engine.settings.customers.on_leave != OnLeave::Revoke {
            return;
        }
        let mut gone: Vec<&CustomerLink> = links
            .values()
            .filter(|l| !seen.contains(customer_of_key(&l.cin7_id)))
            .collect();
        gone.sort_by(|a, b| a.cin7_id.cmp(&b.cin7_id));
        for link in gone {
            if let Some(write) = plan_revoke(link) {
                let who = (link.cin7_id.as_str(), Some(link.email.clone()));
                decided.revoke(report, self.options.dry_run, who, "gone".into(), write);
            }
        }
    }
}
