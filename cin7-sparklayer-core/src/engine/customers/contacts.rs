//! C16 in the customers pass: the other contacts of each synced customer as records of their
//! own, and the contacts that left scope (C14).

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::{ContactsMode, OnLeave};
use crate::model::{CONTACT_KEY_SEPARATOR, SourceCustomer, customer_of_key, is_contact_key};
use crate::plan::plan_revoke;
use crate::ports::CustomerLink;
use crate::report::{RunReport, SkipReason};
use crate::rules::{MappingContext, Skip, contact_people, map_customer_parts};

use super::decisions::Decisions;
use super::{CustomersPass, Mapped};

/// One other contact of a fetched customer (C16): its record, or its key and why it is not
/// synced.
pub(super) type FetchedContact = Result<Mapped, (String, Skip)>;

/// Maps one customer (C1–C12) and, with `customers.contacts = "all"` and when it syncs, its
/// other qualifying contacts (C16), which share its mapped parts. With contacts, a customer ID
/// holding the key separator could pass for a contact's key: such a customer is skipped,
/// `invalid_id`.
pub(super) fn map_with_contacts(
    customer: &SourceCustomer,
    ctx: &MappingContext<'_>,
) -> (Result<Mapped, Skip>, Vec<FetchedContact>) {
    let all = ctx.customers.contacts == ContactsMode::All;
    if all && is_contact_key(&customer.id) {
        let skip = Skip {
            reason: SkipReason::InvalidId,
            detail: Some(format!(
                "a Cin7 ID with {CONTACT_KEY_SEPARATOR:?} cannot key contacts"
            )),
            out_of_scope: false,
        };
        return (Err(skip), Vec::new());
    }
    let (own, shared) = match map_customer_parts(customer, ctx) {
        Ok(parts) => parts,
        Err(skip) => return (Err(skip), Vec::new()),
    };
    let people = if all {
        contact_people(customer, shared.country(), ctx.customers.email_fallback)
    } else {
        Vec::new()
    };
    let shared = Arc::new(shared);
    let contacts = people
        .into_iter()
        .map(|p| match p.result {
            Ok(own) => Ok(Mapped::new(p.id, own, &shared)),
            Err(skip) => Err((p.id, skip)),
        })
        .collect();
    (Ok(Mapped::new(customer.id.clone(), own, &shared)), contacts)
}

impl CustomersPass<'_> {
    /// C16: a synced customer's contacts join the mapped records; a contact that cannot be
    /// linked is skipped (`no_contact_id`).
    pub(super) fn take_contacts(
        &self,
        contacts: Vec<FetchedContact>,
        mapped: &mut Vec<Mapped>,
        report: &mut RunReport,
        decided: &mut Decisions,
    ) {
        for c in contacts {
            match c {
                Ok(m) => mapped.push(m),
                Err((id, skip)) => decided.skip(report, &id, None, skip.reason, skip.detail),
            }
        }
    }

    /// C16, C14: a linked contact of a customer read in this run that is not among its synced
    /// contacts (removed in Cin7, email removed, its customer out of scope or skipped) has left
    /// scope: revoked with `on_leave = "revoke"`, in key order. Contacts of customers not read
    /// (an incremental run) are left alone; those of customers gone are [`Self::revoke_gone`]'s.
    pub(super) fn contacts_left(
        &self,
        links: &HashMap<String, CustomerLink>,
        mapped: &[Mapped],
        seen: &foldhash::HashSet<String>,
        report: &mut RunReport,
        decided: &mut Decisions,
    ) {
        if self.engine.settings.customers.on_leave != OnLeave::Revoke {
            return;
        }
        let synced: foldhash::HashSet<&str> = mapped.iter().map(Mapped::cin7_id).collect();
        let mut left: Vec<&CustomerLink> = links
            .values()
            .filter(|l| is_contact_key(&l.cin7_id) && seen.contains(customer_of_key(&l.cin7_id)))
            .filter(|l| !synced.contains(l.cin7_id.as_str()))
            .collect();
        left.sort_by(|a, b| a.cin7_id.cmp(&b.cin7_id));
        for link in left {
            if let Some(write) = plan_revoke(link) {
                let who = (link.cin7_id.as_str(), Some(link.email.clone()));
                let why = "contact left scope".to_owned();
                decided.revoke(report, self.options.dry_run, who, why, write);
            }
        }
    }

    /// C16, C3, C14: the contacts of a customer skipped for its email (C3) sync neither: they
    /// have left scope, so a linked one is revoked with `on_leave = "revoke"`, and every other
    /// is skipped (`duplicate_email`, naming its customer).
    pub(super) fn drop_orphans(
        &self,
        kept: Vec<Mapped>,
        links: &HashMap<String, CustomerLink>,
        report: &mut RunReport,
        decided: &mut Decisions,
    ) -> Vec<Mapped> {
        if self.engine.settings.customers.contacts != ContactsMode::All {
            return kept;
        }
        let (kept, orphans) = split_orphans(kept);
        let revoking = self.engine.settings.customers.on_leave == OnLeave::Revoke;
        for m in orphans {
            let id = m.cin7_id();
            let customer = customer_of_key(id);
            let why = format!("its customer {customer} is skipped for a shared email");
            let link = links.get(id);
            if let Some(write) = link.filter(|_| revoking).and_then(plan_revoke) {
                let who = (id, Some(m.email().to_owned()));
                decided.revoke(report, self.options.dry_run, who, why, write);
                continue;
            }
            let (reason, email) = (SkipReason::DuplicateEmail, Some(m.email().to_owned()));
            decided.skip(report, id, email, reason, Some(why));
        }
        kept
    }
}

/// C16: splits `kept` into the records whose customer is kept and the contacts whose customer
/// is not, in input order. Each customer's contacts come right after it ([`super::CustomersPass::sort_out_skips`]
/// emits them so and C3 keeps the order), so a contact is an orphan exactly when the last
/// customer kept before it is not its own: one pass, no set of 100,000 IDs.
fn split_orphans(kept: Vec<Mapped>) -> (Vec<Mapped>, Vec<Mapped>) {
    let mut orphans = Vec::new();
    let mut out: Vec<Mapped> = Vec::with_capacity(kept.len());
    let mut last_customer: Option<usize> = None;
    for m in kept {
        let id = m.cin7_id();
        if !is_contact_key(id) {
            last_customer = Some(out.len());
        } else if last_customer.is_none_or(|i| out[i].cin7_id() != customer_of_key(id)) {
            orphans.push(m);
            continue;
        }
        out.push(m);
    }
    (out, orphans)
}
