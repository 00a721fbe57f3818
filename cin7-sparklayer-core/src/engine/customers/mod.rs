//! The customers pass: C1–C14 applied to every fetched customer, then written (E2, E3, E5, E6).

use std::collections::{BTreeSet, HashMap, HashSet};

use futures::StreamExt;

mod apply;
mod plan;

use plan::{PlanContext, PlannedCustomer, plan_one};

use crate::config::OnLeave;
use crate::error::{PortError, RunError};
use crate::model::{AccountInfo, CustomerGroup, DesiredCustomer, DesiredPriceList, SourceCustomer};
use crate::plan::plan_revoke;
use crate::ports::{
    AccountState, CustomerLink, CustomerWrite, Fetched, InviteSupport, RemoteCustomer,
};
use crate::report::{
    CustomerAction, CustomerPlanEntry, RecordKind, RunMode, RunReport, SkipReason,
};
use crate::rules::{
    DuplicateVerdict, MappedCustomer, MappingContext, map_customer, resolve_duplicates,
};

use super::parallel::{par_map, par_map_owned};
use super::{ResolvedMode, RunOptions, SyncEngine};

/// What the customers pass hands to the pricing pass.
#[derive(Debug, Default)]
pub(crate) struct CustomersOutcome {
    /// Tier codes used by customers synced in this run (C8, P1 `assigned`).
    pub(crate) tiers_used: BTreeSet<u8>,
    /// Own lists of customers synced in this run (P2).
    pub(crate) own_lists: Vec<DesiredPriceList>,
    /// Cin7 IDs of customers seen in this run (any outcome).
    pub(crate) seen: foldhash::HashSet<String>,
}

/// Customers are mapped in chunks of this many, each chunk spread over every core.
const MAP_CHUNK: usize = 4096;

/// One fetched customer, already mapped.
struct FetchedCustomer {
    id: String,
    modified: Option<chrono::DateTime<chrono::Utc>>,
    /// Boxed: a mapped customer is large, and 100,000 of them are moved between vectors.
    result: Result<Box<MappedCustomer>, crate::rules::Skip>,
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

/// Queues a write, or in a dry run only counts it (E1: the plan writes nothing).
fn queue(
    pending: &mut Vec<PendingWrite>,
    report: &mut RunReport,
    dry_run: bool,
    write: PendingWrite,
) {
    if dry_run {
        report.count_customer(write.action());
    } else {
        pending.push(write);
    }
}

pub(crate) struct CustomersPass<'a> {
    pub(crate) engine: &'a SyncEngine,
    options: &'a RunOptions,
    resolved: &'a ResolvedMode,
    account: &'a AccountInfo,
    groups: &'a [CustomerGroup],
}

impl<'a> CustomersPass<'a> {
    pub(crate) fn new(
        engine: &'a SyncEngine,
        options: &'a RunOptions,
        resolved: &'a ResolvedMode,
        account: &'a AccountInfo,
        groups: &'a [CustomerGroup],
    ) -> Self {
        Self {
            engine,
            options,
            resolved,
            account,
            groups,
        }
    }

    /// Reads every customer in scope of the run and maps it as it arrives, in chunks spread over
    /// every core, so only the mapped form is kept (memory stays one record per customer).
    /// Deduplicated by ID: the later `LastModifiedOn` wins.
    async fn fetch_and_map(
        &self,
        report: &mut RunReport,
        ctx: &MappingContext<'_>,
    ) -> Result<(Vec<FetchedCustomer>, foldhash::HashSet<String>), RunError> {
        let Some(scope) = self.resolved.customers.clone() else {
            return Ok((Vec::new(), foldhash::HashSet::default()));
        };
        self.options.progress.phase("customers", None);
        let mut stream = self.engine.ports.customers.customers(scope);
        let mut out: Vec<FetchedCustomer> = Vec::new();
        // foldhash: 100,000 short IDs hashed on this (serial) path; SipHash was 8 % of it.
        let mut index: foldhash::HashMap<String, usize> = foldhash::HashMap::default();
        let mut chunk: Vec<SourceCustomer> = Vec::with_capacity(MAP_CHUNK);
        let mut flush = |chunk: &mut Vec<SourceCustomer>, out: &mut Vec<FetchedCustomer>| {
            let results = par_map(chunk, |c| map_customer(c, ctx).map(Box::new));
            for (c, result) in chunk.drain(..).zip(results) {
                let item = FetchedCustomer {
                    id: c.id,
                    modified: c.last_modified,
                    result,
                };
                match index.get(&item.id) {
                    Some(&i) if item.modified >= out[i].modified => out[i] = item,
                    Some(_) => {}
                    None => {
                        index.insert(item.id.clone(), out.len());
                        out.push(item);
                    }
                }
            }
        };
        while let Some(item) = stream.next().await {
            match item {
                Ok(Fetched::Record(c)) => {
                    self.options.progress.advance(1);
                    chunk.push(c);
                    if chunk.len() >= MAP_CHUNK {
                        flush(&mut chunk, &mut out);
                    }
                }
                Ok(Fetched::Malformed(m)) => report.skip_malformed(RecordKind::Customer, &m),
                Err(source) => {
                    return Err(RunError::Port {
                        step: "reading Cin7 customers",
                        source,
                    });
                }
            }
        }
        flush(&mut chunk, &mut out);
        Ok((out, index.into_keys().collect()))
    }

    pub(crate) async fn run(self, report: &mut RunReport) -> Result<CustomersOutcome, RunError> {
        let ports = &self.engine.ports;
        let settings = &self.engine.settings;
        let cfg = &settings.customers;
        let links: HashMap<String, CustomerLink> = ports
            .state
            .customer_links()
            .await
            .map_err(RunError::at("reading the state store"))?
            .into_iter()
            .map(|l| (l.cin7_id.clone(), l))
            .collect();
        let owner_of: HashMap<&str, &str> = links
            .values()
            .map(|l| (l.shopify_id.as_str(), l.cin7_id.as_str()))
            .collect();

        let ctx = MappingContext {
            customers: cfg,
            prefix: &settings.pricing.prefix,
            zero_price: settings.pricing.zero_price,
            pricing_enabled: settings.pricing.enabled,
            account: self.account,
            groups: self.groups,
        };
        let (customers, seen) = self.fetch_and_map(report, &ctx).await?;
        let mut outcome = CustomersOutcome {
            seen,
            ..CustomersOutcome::default()
        };
        let mut plan_entries: Vec<CustomerPlanEntry> = Vec::new();
        let mut pending: Vec<PendingWrite> = Vec::new();

        // Mapped (C1, C2, C4–C12) while reading; now sort out skips and revokes.
        let mut mapped: Vec<Box<MappedCustomer>> = Vec::with_capacity(customers.len());
        for c in customers {
            match c.result {
                Ok(m) => mapped.push(m),
                Err(skip) => {
                    let link = links.get(&c.id);
                    if skip.out_of_scope
                        && cfg.on_leave == OnLeave::Revoke
                        && let Some(w) = link.and_then(plan_revoke)
                    {
                        plan_entries.push(entry(
                            &c.id,
                            link.map(|l| l.email.clone()),
                            CustomerAction::Revoke,
                            Some(skip.reason.to_string()),
                        ));
                        queue(
                            &mut pending,
                            report,
                            self.options.dry_run,
                            PendingWrite {
                                write: w,
                                created: false,
                            },
                        );
                        continue;
                    }
                    report.skip(
                        RecordKind::Customer,
                        Some(&c.id),
                        skip.reason,
                        skip.detail.clone(),
                    );
                    plan_entries.push(entry(
                        &c.id,
                        None,
                        CustomerAction::Skip(skip.reason),
                        skip.detail,
                    ));
                }
            }
        }
        // Linked customers that vanished from a full read have left scope too (C14).
        if self.resolved.mode == RunMode::Full && cfg.on_leave == OnLeave::Revoke {
            let mut gone: Vec<&CustomerLink> = links
                .values()
                .filter(|l| !outcome.seen.contains(&l.cin7_id))
                .collect();
            gone.sort_by(|a, b| a.cin7_id.cmp(&b.cin7_id));
            for link in gone {
                if let Some(w) = plan_revoke(link) {
                    plan_entries.push(entry(
                        &link.cin7_id,
                        Some(link.email.clone()),
                        CustomerAction::Revoke,
                        Some("gone".into()),
                    ));
                    queue(
                        &mut pending,
                        report,
                        self.options.dry_run,
                        PendingWrite {
                            write: w,
                            created: false,
                        },
                    );
                }
            }
        }

        // C3: duplicates, counting linked customers not read in this run as participants.
        let mut pairs: Vec<(String, String)> = mapped
            .iter()
            .map(|m| (m.desired.cin7_id.clone(), m.desired.email_key()))
            .collect();
        let extra: Vec<(String, String)> = links
            .values()
            .filter(|l| !l.revoked && !outcome.seen.contains(&l.cin7_id))
            .map(|l| (l.cin7_id.clone(), l.email.clone()))
            .collect();
        pairs.extend(extra);
        let linked: HashSet<(String, String)> = links
            .values()
            .filter(|l| !l.revoked)
            .map(|l| (l.cin7_id.clone(), l.email.clone()))
            .collect();
        let verdicts = resolve_duplicates(&pairs, &linked);
        let mut kept: Vec<Box<MappedCustomer>> = Vec::with_capacity(mapped.len());
        for (m, verdict) in mapped.into_iter().zip(verdicts) {
            match verdict {
                DuplicateVerdict::Keep => kept.push(m),
                DuplicateVerdict::Skip { others } => {
                    let detail =
                        format!("email shared with Cin7 customer(s) {}", others.join(", "));
                    report.skip(
                        RecordKind::Customer,
                        Some(&m.desired.cin7_id),
                        SkipReason::DuplicateEmail,
                        Some(detail.clone()),
                    );
                    plan_entries.push(entry(
                        &m.desired.cin7_id,
                        Some(m.desired.email.clone()),
                        CustomerAction::Skip(SkipReason::DuplicateEmail),
                        Some(detail),
                    ));
                }
            }
        }

        // Look up unlinked customers by email (E5), and read linked ones back in a full run (C15).
        let unlinked: Vec<String> = kept
            .iter()
            .filter(|m| !links.contains_key(&m.desired.cin7_id))
            .map(|m| m.desired.email.clone())
            .collect();
        let found = self.find_by_emails(&unlinked).await?;
        let invite_support = if cfg.send_invites {
            Some(
                ports
                    .shopify
                    .invite_support()
                    .await
                    .map_err(RunError::at("reading Shopify's customer account settings"))?,
            )
        } else {
            None
        };
        let invites_on = invite_support == Some(InviteSupport::Classic);
        let read_back: Vec<String> = kept
            .iter()
            .filter_map(|m| links.get(&m.desired.cin7_id))
            .filter(|l| self.resolved.mode == RunMode::Full || (invites_on && !l.invite_sent))
            .map(|l| l.shopify_id.clone())
            .collect();
        let remote = self.get_customers(&read_back).await?;

        // Plan (E1, E2), on every core; then the report, in input order.
        let plan_ctx = PlanContext {
            links: &links,
            owner_of: &owner_of,
            found: &found,
            remote: &remote,
            invites_on,
            dry_run: self.options.dry_run,
        };
        let planned = par_map_owned(kept, |m| plan_one(m, &plan_ctx));
        let mut unchanged_invites: Vec<(CustomerLink, AccountState)> = Vec::new();
        plan_entries.reserve(planned.len());
        for p in planned {
            let p = match p {
                PlannedCustomer::LinkedElsewhere { id, email, detail } => {
                    report.skip(
                        RecordKind::Customer,
                        Some(&id),
                        SkipReason::DuplicateEmail,
                        Some(detail.clone()),
                    );
                    plan_entries.push(entry(
                        &id,
                        Some(email),
                        CustomerAction::Skip(SkipReason::DuplicateEmail),
                        Some(detail),
                    ));
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
                unchanged_invites.push(*invite);
            }
            match p.write {
                // Counted when applied, as done or failed (E3).
                Some(write) => pending.push(*write),
                // Unchanged, or planned in a dry run (E1).
                None => report.count_customer(p.action.name()),
            }
            plan_entries.push(CustomerPlanEntry {
                cin7_id: p.id,
                email: Some(p.email),
                action: p.action,
                detail: None,
            });
        }

        if self.options.dry_run {
            if let Some(plan) = report.plan.as_mut() {
                plan.customers = plan_entries;
            }
            return Ok(outcome);
        }

        // Apply (E3, E5): batches of writes, the state saved per record as each succeeds.
        self.apply(pending, unchanged_invites, links, invite_support, report)
            .await?;
        Ok(outcome)
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

fn entry(
    id: &str,
    email: Option<String>,
    action: CustomerAction,
    detail: Option<String>,
) -> CustomerPlanEntry {
    CustomerPlanEntry {
        cin7_id: id.to_owned(),
        email,
        action,
        detail,
    }
}
