//! Coordination ports for operators who run many merchants (tenants) on several replicas
//! (issue 16): who runs which tenant ([`LeaseStore`]) and where webhook deliveries wait for
//! that replica ([`WebhookInbox`]). The PostgreSQL state crate implements both on the shared
//! database; [`crate::memory`] has in-process versions for one replica and for tests.
//!
//! A tenant is run only by the replica that holds its lease. A lease is a row with an owner and
//! an expiry that the owner renews while it works; a replica that dies stops renewing, and
//! after the TTL any other replica may take the tenant over.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::PortError;

/// One tenant's lease: which replica runs it, until when (issue 16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The tenant (a merchant; the file name of its configuration).
    pub tenant: String,
    /// The replica holding it.
    pub owner: String,
    /// When it lapses unless renewed (the database's clock).
    pub expires_at: DateTime<Utc>,
}

/// Leases over tenants, shared by every replica (issue 16 item 3).
#[async_trait]
pub trait LeaseStore: Debug + Send + Sync {
    /// Records that `replica` is alive for `ttl` from now and returns how many replicas are
    /// alive (itself included), so each can take its even share of the tenants.
    async fn heartbeat(&self, replica: &str, ttl: Duration) -> Result<usize, PortError>;

    /// Takes `tenant`'s lease for `replica` until `ttl` from now when it is free, lapsed or
    /// already held by `replica` (a renewal). `Ok(false)` when another replica holds it.
    /// Atomic: two replicas asking at once never both get `true`.
    async fn try_acquire(
        &self,
        tenant: &str,
        replica: &str,
        ttl: Duration,
    ) -> Result<bool, PortError>;

    /// Gives `tenant`'s lease up if `replica` holds it (shutdown, tenant removed, rebalancing).
    async fn release(&self, tenant: &str, replica: &str) -> Result<(), PortError>;

    /// Every lease not yet lapsed, for the `tenants` listing and `/metrics`.
    async fn leases(&self) -> Result<Vec<Lease>, PortError>;
}

/// A webhook delivery waiting, durably, for its tenant's lease holder (issue 16 item 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedDelivery {
    /// The inbox's ID of the delivery, to complete it.
    pub id: i64,
    /// The tenant it is for.
    pub tenant: String,
    /// Cin7 customer IDs it names.
    pub customers: Vec<String>,
    /// Cin7 product IDs it names.
    pub products: Vec<String>,
    /// When a replica accepted it.
    pub received_at: DateTime<Utc>,
}

/// Webhook deliveries accepted by any replica, processed by the tenant's lease holder.
#[async_trait]
pub trait WebhookInbox: Debug + Send + Sync {
    /// Stores a delivery for `tenant`; once this returns `Ok`, it survives the replica.
    async fn push(
        &self,
        tenant: &str,
        customers: &[String],
        products: &[String],
    ) -> Result<(), PortError>;

    /// Claims up to `max` of `tenant`'s deliveries for `replica` for `ttl` (oldest first;
    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL): a claim that lapses before it is completed
    /// (the replica died) is claimable again, so nothing accepted is lost.
    async fn claim(
        &self,
        tenant: &str,
        replica: &str,
        max: usize,
        ttl: Duration,
    ) -> Result<Vec<QueuedDelivery>, PortError>;

    /// Deletes deliveries whose records were synced.
    async fn complete(&self, ids: &[i64]) -> Result<(), PortError>;

    /// How many deliveries of `tenant` wait (claimed or not), for `/metrics`.
    async fn pending(&self, tenant: &str) -> Result<usize, PortError>;
}
