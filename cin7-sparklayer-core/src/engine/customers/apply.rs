//! Applying the customers plan: batched writes, per-record state saves (E3, E5), invites (C13).

use std::collections::{HashMap, HashSet};

use crate::error::{PortError, RunError};
use crate::plan::{Refused, link_after_revoke, link_after_write};
use crate::ports::{AccountState, CustomerLink, CustomerWrite, InviteSupport, WriteOutcome};
use crate::report::{RecordKind, RunReport, WarningReason};

use super::super::fatal;
use super::relink::{Moves, is_parked};
use super::{CustomersPass, PendingWrite};

/// What the plan leaves to apply.
pub(super) struct Writes {
    /// The planned writes, in input order.
    pub(super) pending: Vec<PendingWrite>,
    /// Unchanged linked customers whose invite is still to consider (C13).
    pub(super) unchanged_invites: Vec<(CustomerLink, AccountState)>,
    /// Links moved to another record of their customer (C16): saved as moves.
    pub(super) moves: Moves,
}

impl CustomersPass<'_> {
    /// Writes the planned customers in batches, saving each link as its write succeeds, then
    /// sends the invites that are due (new customers, and linked ones still without one).
    pub(super) async fn apply(
        &self,
        writes: Writes,
        links: HashMap<String, CustomerLink>,
        invite_support: Option<InviteSupport>,
        report: &mut RunReport,
    ) -> Result<(), RunError> {
        let Writes {
            pending,
            unchanged_invites,
            moves,
        } = writes;
        self.options
            .progress
            .phase("customer writes", Some(pending.len() as u64));
        let mut links = links;
        self.park_displaced(&moves, &links, &pending).await?;
        for batch in pending.chunks(self.engine.settings.write_batch.max(1)) {
            if self.options.should_stop() {
                report.interrupted = true;
                break;
            }
            let writes: Vec<CustomerWrite> = batch.iter().map(|p| p.write.clone()).collect();
            let results = self.engine.ports.shopify.write_customers(&writes).await;
            let mut to_invite: Vec<CustomerLink> = Vec::new();
            for (p, result) in batch.iter().zip(results) {
                let recorded =
                    self.record_write(p, result, (&mut links, &moves), invite_support, report);
                if let Some(link) = recorded.await? {
                    to_invite.push(link);
                }
            }
            self.send_invites(to_invite, report).await?;
            self.options.progress.advance(batch.len() as u64);
        }
        self.invite_unchanged(unchanged_invites, invite_support, report)
            .await
    }

    /// C16, C14: a link its record gave up and no other record took (a former default contact
    /// that left), with no write of its own in this run (`on_leave = "keep"`), is saved under
    /// `{customer}/~{Shopify ID}`: the Shopify customer stays as it is and the state keeps
    /// knowing it, so a later `revoke` finds it. Safe in any order with the move that takes its
    /// old key (each drops the old key only while it still holds its own Shopify customer).
    async fn park_displaced(
        &self,
        moves: &Moves,
        links: &HashMap<String, CustomerLink>,
        pending: &[PendingWrite],
    ) -> Result<(), RunError> {
        let written: HashSet<&str> = pending.iter().map(|p| p.write.cin7_id.as_str()).collect();
        let mut parked: Vec<(&String, &String)> = moves
            .iter()
            .filter(|(to, _)| is_parked(to) && !written.contains(to.as_str()))
            .collect();
        parked.sort();
        for (to, from) in parked {
            if let Some(link) = links.get(to) {
                self.move_link(from, link).await?;
            }
        }
        Ok(())
    }

    /// One write's result (E3, E5): a failure is reported; a success saves the customer's link
    /// and settles its invite. Returns the link when an invite is to be sent (C13).
    async fn record_write(
        &self,
        p: &PendingWrite,
        result: Result<WriteOutcome, PortError>,
        (links, moves): (&mut HashMap<String, CustomerLink>, &Moves),
        invite_support: Option<InviteSupport>,
        report: &mut RunReport,
    ) -> Result<Option<CustomerLink>, RunError> {
        let id = p.write.cin7_id.clone();
        let out = match result {
            Ok(out) => out,
            Err(e) => {
                let e = fatal("writing Shopify customers", e)?;
                report.count_record(&id, "failed");
                report.fail(RecordKind::Customer, &id, p.action(), &e);
                return Ok(None);
            }
        };
        for w in &out.warnings {
            report.warn(&id, w.reason, Some(w.message.clone()));
        }
        let new_link = match p.desired() {
            Some(d) => {
                let refused = Refused::from_reasons(out.warnings.iter().map(|w| w.reason));
                link_after_write(d, &out.shopify_id, links.get(&id), refused)
            }
            None => match links.get(&id) {
                Some(l) => link_after_revoke(l),
                None => return Ok(None),
            },
        };
        match moves.get(&id) {
            Some(from) => self.move_link(from, &new_link).await?,
            None => self.save_link(&new_link).await?,
        }
        report.count_record(&id, p.action());
        let mut invite = None;
        if p.desired().is_some() {
            let state = if p.created && out.account_state == AccountState::Unknown {
                AccountState::Disabled
            } else {
                out.account_state
            };
            invite = self
                .settle_invite(new_link.clone(), state, invite_support, p.created, report)
                .await?;
        }
        links.insert(id, new_link);
        Ok(invite)
    }

    /// C13: the invites of unchanged linked customers still without one, sent in batches.
    async fn invite_unchanged(
        &self,
        unchanged: Vec<(CustomerLink, AccountState)>,
        invite_support: Option<InviteSupport>,
        report: &mut RunReport,
    ) -> Result<(), RunError> {
        let mut to_invite = Vec::new();
        for (link, state) in unchanged {
            if let Some(link) = self
                .settle_invite(link, state, invite_support, false, report)
                .await?
            {
                to_invite.push(link);
            }
        }
        for chunk in to_invite.chunks(self.engine.settings.write_batch.max(1)) {
            if self.options.should_stop() {
                report.interrupted = true;
                break;
            }
            self.send_invites(chunk.to_vec(), report).await?;
        }
        Ok(())
    }

    /// C13: sends the invites of one batch in one call, recording each as sent once it is.
    async fn send_invites(
        &self,
        links: Vec<CustomerLink>,
        report: &mut RunReport,
    ) -> Result<(), RunError> {
        if links.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = links.iter().map(|l| l.shopify_id.clone()).collect();
        let results = self.engine.ports.shopify.send_invites(&ids).await;
        for (mut link, result) in links.into_iter().zip(results) {
            match result {
                Ok(()) => {
                    link.invite_sent = true;
                    self.save_link(&link).await?;
                    report.count_invite("sent");
                }
                Err(e) => {
                    let e = fatal("sending an account invite", e)?;
                    report.fail(RecordKind::Customer, &link.cin7_id, "invite", &e);
                }
            }
        }
        Ok(())
    }

    async fn save_link(&self, link: &CustomerLink) -> Result<(), RunError> {
        self.engine
            .ports
            .state
            .save_customer_link(link)
            .await
            .map_err(RunError::at("saving a customer link"))
    }

    /// C16: saves a link that moved from the record keyed `from`.
    async fn move_link(&self, from: &str, link: &CustomerLink) -> Result<(), RunError> {
        self.engine
            .ports
            .state
            .move_customer_link(from, link)
            .await
            .map_err(RunError::at("moving a customer link"))
    }

    /// C13: decides a customer's invite. Returns the link when an invite is to be sent; settles
    /// (records as done) a link whose customer Shopify says was already invited or has an account.
    async fn settle_invite(
        &self,
        mut link: CustomerLink,
        state: AccountState,
        support: Option<InviteSupport>,
        created: bool,
        report: &mut RunReport,
    ) -> Result<Option<CustomerLink>, RunError> {
        if link.invite_sent {
            return Ok(None);
        }
        match support {
            None => return Ok(None),
            Some(InviteSupport::NotApplicable) => {
                if created {
                    report.count_invite("invite_not_applicable");
                    report.warn(
                        &link.cin7_id,
                        WarningReason::InviteNotApplicable,
                        Some("the shop uses new customer accounts".into()),
                    );
                }
                return Ok(None);
            }
            Some(InviteSupport::Classic) => {}
        }
        match state {
            AccountState::Disabled => Ok(Some(link)),
            AccountState::Invited | AccountState::Enabled | AccountState::Declined => {
                link.invite_sent = true;
                self.save_link(&link).await?;
                report.count_invite("already_invited");
                Ok(None)
            }
            AccountState::Unknown => Ok(None),
        }
    }
}
