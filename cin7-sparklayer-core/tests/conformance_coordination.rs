//! The coordination ports' conformance suites (issue 16) against the in-memory lease store and
//! inbox, and against deliberately broken ones, to show each suite catches what it claims to.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::conformance::lease_store::{self, LeaseStoreHarness};
use cin7_sparklayer_core::conformance::webhook_inbox::{self, WebhookInboxHarness};
use cin7_sparklayer_core::conformance::{CheckFailure, Outcome};
use cin7_sparklayer_core::memory::{MemoryInbox, MemoryLeases};
use cin7_sparklayer_core::ports::{Lease, LeaseStore, QueuedDelivery, WebhookInbox};
use futures::executor::block_on;

fn assert_all_passed(outcome: &Outcome, checks: &[&str]) {
    assert_eq!(outcome.passed, checks);
    assert!(outcome.unsupported.is_empty(), "{outcome:?}");
}

fn failed_check(result: Result<Outcome, CheckFailure>) -> &'static str {
    result
        .expect_err("the broken adapter must fail the suite")
        .check
}

struct MemoryLeasesHarness;

#[async_trait]
impl LeaseStoreHarness for MemoryLeasesHarness {
    type Leases = MemoryLeases;

    async fn fresh(&self) -> MemoryLeases {
        MemoryLeases::new()
    }
}

struct MemoryInboxHarness;

#[async_trait]
impl WebhookInboxHarness for MemoryInboxHarness {
    type Inbox = MemoryInbox;

    async fn fresh(&self) -> MemoryInbox {
        MemoryInbox::new()
    }
}

#[test]
fn the_memory_lease_store_conforms() {
    let outcome = block_on(lease_store::run_all(&MemoryLeasesHarness)).expect("conforms");
    assert_all_passed(&outcome, lease_store::CHECKS);
}

#[test]
fn the_memory_inbox_conforms() {
    let outcome = block_on(webhook_inbox::run_all(&MemoryInboxHarness)).expect("conforms");
    assert_all_passed(&outcome, webhook_inbox::CHECKS);
}

/// How a broken lease store misbehaves.
#[derive(Debug, Clone, Copy)]
enum LeaseBug {
    /// Grants every request, held or not.
    GrantsAll,
    /// Never lets a lease lapse.
    NeverLapses,
    /// Releases whoever asks.
    ReleasesForAnyone,
    /// Counts every replica that ever beat.
    CountsTheDead,
}

#[derive(Debug)]
struct BrokenLeases {
    inner: MemoryLeases,
    bug: LeaseBug,
}

#[async_trait]
impl LeaseStore for BrokenLeases {
    async fn heartbeat(&self, replica: &str, ttl: Duration) -> Result<usize, PortError> {
        match self.bug {
            LeaseBug::CountsTheDead => self.inner.heartbeat(replica, Duration::MAX).await,
            _ => self.inner.heartbeat(replica, ttl).await,
        }
    }

    async fn try_acquire(
        &self,
        tenant: &str,
        replica: &str,
        ttl: Duration,
    ) -> Result<bool, PortError> {
        match self.bug {
            LeaseBug::GrantsAll => {
                self.inner
                    .release(tenant, &self.holder(tenant).await?)
                    .await?;
                self.inner.try_acquire(tenant, replica, ttl).await
            }
            LeaseBug::NeverLapses => {
                let ttl = if ttl.is_zero() {
                    Duration::from_secs(3600)
                } else {
                    ttl
                };
                self.inner.try_acquire(tenant, replica, ttl).await
            }
            _ => self.inner.try_acquire(tenant, replica, ttl).await,
        }
    }

    async fn release(&self, tenant: &str, replica: &str) -> Result<(), PortError> {
        match self.bug {
            LeaseBug::ReleasesForAnyone => {
                let holder = self.holder(tenant).await?;
                self.inner.release(tenant, &holder).await
            }
            _ => self.inner.release(tenant, replica).await,
        }
    }

    async fn leases(&self) -> Result<Vec<Lease>, PortError> {
        self.inner.leases().await
    }
}

impl BrokenLeases {
    async fn holder(&self, tenant: &str) -> Result<String, PortError> {
        let leases = self.inner.leases().await?;
        Ok(leases
            .into_iter()
            .find(|l| l.tenant == tenant)
            .map(|l| l.owner)
            .unwrap_or_default())
    }
}

struct BrokenLeasesHarness(LeaseBug);

#[async_trait]
impl LeaseStoreHarness for BrokenLeasesHarness {
    type Leases = BrokenLeases;

    async fn fresh(&self) -> BrokenLeases {
        BrokenLeases {
            inner: MemoryLeases::new(),
            bug: self.0,
        }
    }
}

#[test]
fn the_lease_suite_catches_broken_stores() {
    let cases = [
        (LeaseBug::GrantsAll, "others_are_refused_while_it_runs"),
        (LeaseBug::NeverLapses, "lapsed_lease_is_taken_over"),
        (
            LeaseBug::ReleasesForAnyone,
            "release_frees_only_the_holders_lease",
        ),
        (LeaseBug::CountsTheDead, "heartbeats_count_live_replicas"),
    ];
    for (bug, check) in cases {
        let result = block_on(lease_store::run_all(&BrokenLeasesHarness(bug)));
        assert_eq!(failed_check(result), check, "{bug:?}");
    }
}

/// How a broken inbox misbehaves.
#[derive(Debug, Clone, Copy)]
enum InboxBug {
    /// Claims newest first.
    Lifo,
    /// Claims ignore the tenant.
    IgnoresTenant,
    /// Claims never hold: the same delivery goes to everyone.
    NoClaims,
    /// Claims never lapse.
    ClaimsNeverLapse,
    /// Completing does nothing.
    NeverCompletes,
}

#[derive(Debug)]
struct BrokenInbox {
    inner: MemoryInbox,
    bug: InboxBug,
    /// The tenant of each push, by the memory inbox's ID (1, 2, …), for `IgnoresTenant`.
    tenants: Mutex<Vec<String>>,
}

#[async_trait]
impl WebhookInbox for BrokenInbox {
    async fn push(
        &self,
        tenant: &str,
        customers: &[String],
        products: &[String],
    ) -> Result<(), PortError> {
        let tenant = match self.bug {
            InboxBug::IgnoresTenant => {
                self.tenants
                    .lock()
                    .expect("not poisoned")
                    .push(tenant.to_owned());
                "everyone"
            }
            _ => tenant,
        };
        self.inner.push(tenant, customers, products).await
    }

    async fn claim(
        &self,
        tenant: &str,
        replica: &str,
        max: usize,
        ttl: Duration,
    ) -> Result<Vec<QueuedDelivery>, PortError> {
        match self.bug {
            InboxBug::IgnoresTenant => {
                let mut all = self.inner.claim("everyone", replica, max, ttl).await?;
                let tenants = self.tenants.lock().expect("not poisoned");
                for d in &mut all {
                    let pushed = usize::try_from(d.id - 1).expect("IDs count from 1");
                    d.tenant.clone_from(&tenants[pushed]);
                }
                Ok(all)
            }
            InboxBug::Lifo => {
                let mut all = self
                    .inner
                    .claim(tenant, replica, usize::MAX, Duration::ZERO)
                    .await?;
                all.reverse();
                all.truncate(max);
                Ok(all)
            }
            InboxBug::NoClaims => self.inner.claim(tenant, replica, max, Duration::ZERO).await,
            InboxBug::ClaimsNeverLapse => {
                let ttl = if ttl.is_zero() {
                    Duration::from_secs(3600)
                } else {
                    ttl
                };
                self.inner.claim(tenant, replica, max, ttl).await
            }
            _ => self.inner.claim(tenant, replica, max, ttl).await,
        }
    }

    async fn complete(&self, ids: &[i64]) -> Result<(), PortError> {
        match self.bug {
            InboxBug::NeverCompletes => Ok(()),
            _ => self.inner.complete(ids).await,
        }
    }

    async fn pending(&self, tenant: &str) -> Result<usize, PortError> {
        match self.bug {
            InboxBug::IgnoresTenant => self.inner.pending("everyone").await,
            _ => self.inner.pending(tenant).await,
        }
    }
}

struct BrokenInboxHarness(InboxBug);

#[async_trait]
impl WebhookInboxHarness for BrokenInboxHarness {
    type Inbox = BrokenInbox;

    async fn fresh(&self) -> BrokenInbox {
        BrokenInbox {
            inner: MemoryInbox::new(),
            bug: self.0,
            tenants: Mutex::default(),
        }
    }
}

#[test]
fn the_inbox_suite_catches_broken_inboxes() {
    let cases = [
        (InboxBug::Lifo, "claims_are_oldest_first"),
        (InboxBug::IgnoresTenant, "tenants_are_isolated"),
        (InboxBug::NoClaims, "claims_are_oldest_first"),
        (InboxBug::ClaimsNeverLapse, "lapsed_claim_is_claimed_again"),
        (InboxBug::NeverCompletes, "complete_removes_deliveries"),
    ];
    for (bug, check) in cases {
        let result = block_on(webhook_inbox::run_all(&BrokenInboxHarness(bug)));
        assert_eq!(failed_check(result), check, "{bug:?}");
    }
}
