//! In-process [`LeaseStore`] and [`WebhookInbox`]: one replica, or several replicas sharing one
//! `Arc` in a test. Time is the wall clock (`Utc::now`), as the database's is.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::PortError;
use crate::ports::{Lease, LeaseStore, QueuedDelivery, WebhookInbox};

/// `now + ttl`, saturating at the far future.
fn until(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(ttl)
        .ok()
        .and_then(|ttl| now.checked_add_signed(ttl))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn poisoned() -> PortError {
    PortError::state("in-memory coordination lock poisoned")
}

#[derive(Debug, Default)]
struct Leases {
    replicas: BTreeMap<String, DateTime<Utc>>,
    leases: BTreeMap<String, Lease>,
}

/// A [`LeaseStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryLeases {
    inner: Mutex<Leases>,
}

impl MemoryLeases {
    /// No replica, no lease.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Leases>, PortError> {
        self.inner.lock().map_err(|_| poisoned())
    }
}

#[async_trait]
impl LeaseStore for MemoryLeases {
    async fn heartbeat(&self, replica: &str, ttl: Duration) -> Result<usize, PortError> {
        let now = Utc::now();
        let mut inner = self.lock()?;
        inner.replicas.insert(replica.to_owned(), until(now, ttl));
        inner.replicas.retain(|_, expires| *expires > now);
        Ok(inner.replicas.len())
    }

    async fn try_acquire(
        &self,
        tenant: &str,
        replica: &str,
        ttl: Duration,
    ) -> Result<bool, PortError> {
        let now = Utc::now();
        let mut inner = self.lock()?;
        let taken = inner
            .leases
            .get(tenant)
            .is_some_and(|l| l.owner != replica && l.expires_at > now);
        if taken {
            return Ok(false);
        }
        let lease = Lease {
            tenant: tenant.to_owned(),
            owner: replica.to_owned(),
            expires_at: until(now, ttl),
        };
        inner.leases.insert(tenant.to_owned(), lease);
        Ok(true)
    }

    async fn release(&self, tenant: &str, replica: &str) -> Result<(), PortError> {
        let mut inner = self.lock()?;
        if inner.leases.get(tenant).is_some_and(|l| l.owner == replica) {
            inner.leases.remove(tenant);
        }
        Ok(())
    }

    async fn leases(&self) -> Result<Vec<Lease>, PortError> {
        let now = Utc::now();
        let inner = self.lock()?;
        Ok(inner
            .leases
            .values()
            .filter(|l| l.expires_at > now)
            .cloned()
            .collect())
    }
}

#[derive(Debug)]
struct Entry {
    delivery: QueuedDelivery,
    claimed_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
struct Inbox {
    next_id: i64,
    entries: BTreeMap<i64, Entry>,
}

/// A [`WebhookInbox`] in memory (durable only as long as the process).
#[derive(Debug, Default)]
pub struct MemoryInbox {
    inner: Mutex<Inbox>,
}

impl MemoryInbox {
    /// An empty inbox.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inbox>, PortError> {
        self.inner.lock().map_err(|_| poisoned())
    }
}

#[async_trait]
impl WebhookInbox for MemoryInbox {
    async fn push(
        &self,
        tenant: &str,
        customers: &[String],
        products: &[String],
    ) -> Result<(), PortError> {
        let mut inner = self.lock()?;
        inner.next_id += 1;
        let id = inner.next_id;
        let delivery = QueuedDelivery {
            id,
            tenant: tenant.to_owned(),
            customers: customers.to_vec(),
            products: products.to_vec(),
            received_at: Utc::now(),
        };
        let entry = Entry {
            delivery,
            claimed_until: None,
        };
        inner.entries.insert(id, entry);
        Ok(())
    }

    async fn claim(
        &self,
        tenant: &str,
        _replica: &str,
        max: usize,
        ttl: Duration,
    ) -> Result<Vec<QueuedDelivery>, PortError> {
        let now = Utc::now();
        let mut inner = self.lock()?;
        let claimable = inner.entries.values_mut().filter(|e| {
            e.delivery.tenant == tenant && e.claimed_until.is_none_or(|until| until <= now)
        });
        let mut claimed = Vec::new();
        for entry in claimable.take(max) {
            entry.claimed_until = Some(until(now, ttl));
            claimed.push(entry.delivery.clone());
        }
        Ok(claimed)
    }

    async fn complete(&self, ids: &[i64]) -> Result<(), PortError> {
        let mut inner = self.lock()?;
        for id in ids {
            inner.entries.remove(id);
        }
        Ok(())
    }

    async fn pending(&self, tenant: &str) -> Result<usize, PortError> {
        let inner = self.lock()?;
        Ok(inner
            .entries
            .values()
            .filter(|e| e.delivery.tenant == tenant)
            .count())
    }
}
