//! E5 and C15 in the customers pass: unlinked customers looked up by email, linked ones read
//! back (full runs, and invites still to settle), and whether the shop has invites (C13).

use std::collections::HashMap;

use crate::error::{PortError, RunError};
use crate::ports::{CustomerLink, InviteSupport, RemoteCustomer};
use crate::report::RunMode;

use super::{CustomersPass, Mapped};

/// What Shopify holds for the customers of this run.
pub(super) struct Lookups {
    /// Shopify customers found by (lowercased) email, for customers without a link (E5).
    pub(super) found: HashMap<String, RemoteCustomer>,
    /// Linked Shopify customers read back (C15), by Shopify ID.
    pub(super) remote: HashMap<String, RemoteCustomer>,
    /// Whether invites exist in this shop, when `send_invites` is on (C13).
    pub(super) invite_support: Option<InviteSupport>,
}

impl Lookups {
    /// Whether classic-account invites are sent (C13).
    pub(super) fn invites_on(&self) -> bool {
        sends_invites(self.invite_support)
    }
}

/// C13: invites are sent only in shops with classic customer accounts.
fn sends_invites(support: Option<InviteSupport>) -> bool {
    support == Some(InviteSupport::Classic)
}

impl CustomersPass<'_> {
    /// Looks up unlinked customers by email (E5), reads the shop's invite support (C13), and
    /// reads linked customers back in a full run (C15) or when their invite is still to settle.
    pub(super) async fn look_up(
        &self,
        kept: &[Mapped],
        links: &HashMap<String, CustomerLink>,
    ) -> Result<Lookups, RunError> {
        let unlinked: Vec<String> = kept
            .iter()
            .filter(|m| !links.contains_key(m.cin7_id()))
            .map(|m| m.email().to_owned())
            .collect();
        let found = self.find_by_emails(&unlinked).await?;
        let invite_support = if self.engine.settings.customers.send_invites {
            Some(
                self.engine
                    .ports
                    .shopify
                    .invite_support()
                    .await
                    .map_err(RunError::at("reading Shopify's customer account settings"))?,
            )
        } else {
            None
        };
        let invites_on = sends_invites(invite_support);
        let full = self.resolved.mode == RunMode::Full;
        let read_back: Vec<String> = kept
            .iter()
            .filter_map(|m| links.get(m.cin7_id()))
            .filter(|l| full || (invites_on && !l.invite_sent))
            .map(|l| l.shopify_id.clone())
            .collect();
        let remote = self.get_customers(&read_back).await?;
        Ok(Lookups {
            found,
            remote,
            invite_support,
        })
    }

    /// `find_by_emails` in batches; result keyed by lowercased email.
    async fn find_by_emails(
        &self,
        emails: &[String],
    ) -> Result<HashMap<String, RemoteCustomer>, RunError> {
        let shopify = &self.engine.ports.shopify;
        self.lookup(emails, "looking up Shopify customers by email", |chunk| {
            shopify.find_by_emails(chunk)
        })
        .await
        .map(|found| {
            found
                .into_iter()
                .map(|(email, c)| (email.to_lowercase(), c))
                .collect()
        })
    }

    /// `get_customers` in batches; result keyed by Shopify ID.
    async fn get_customers(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, RemoteCustomer>, RunError> {
        let shopify = &self.engine.ports.shopify;
        self.lookup(ids, "reading Shopify customers", |chunk| {
            shopify.get_customers(chunk)
        })
        .await
    }

    /// Calls a batch lookup over `keys` in chunks of `lookup_batch`; keeps the hits by key.
    /// A failed lookup leaves the run unable to tell creates from updates safely, so it stops the run.
    async fn lookup<'k, F, Fut>(
        &self,
        keys: &'k [String],
        step: &'static str,
        call: F,
    ) -> Result<HashMap<String, RemoteCustomer>, RunError>
    where
        F: Fn(&'k [String]) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<Option<RemoteCustomer>>, PortError>>,
    {
        let mut out = HashMap::new();
        for chunk in keys.chunks(self.engine.settings.lookup_batch.max(1)) {
            let found = call(chunk)
                .await
                .map_err(|source| RunError::Port { step, source })?;
            for (key, hit) in chunk.iter().zip(found) {
                if let Some(c) = hit {
                    out.insert(key.clone(), c);
                }
            }
        }
        Ok(out)
    }
}
