//! The [`LeaseStore`] contract (issue 16 item 3): a tenant's lease has one owner at a time,
//! even when replicas ask at once; its owner renews it, others are refused until it lapses or
//! is released; a lapsed lease goes to whoever asks; heartbeats count the live replicas.
//!
//! Lapses are checked without waiting: a TTL of zero makes a lease (or a heartbeat) that has
//! lapsed by the next call, on whatever clock the store uses.
//!
//! ```ignore
//! struct Harness;
//! #[async_trait::async_trait]
//! impl LeaseStoreHarness for Harness {
//!     type Leases = MyLeases;
//!     async fn fresh(&self) -> MyLeases { MyLeases::over_empty_storage() }
//! }
//! conformance::lease_store::run_all(&Harness).await?;
//! ```

use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use futures::future::join_all;

use super::{Check, OrFail, ensure, ensure_eq};
use crate::ports::{Lease, LeaseStore};

/// Builds the lease store under test.
#[async_trait]
pub trait LeaseStoreHarness: Send + Sync {
    /// The store type.
    type Leases: LeaseStore + 'static;

    /// A store over empty storage: no replica has beaten, no lease is held.
    async fn fresh(&self) -> Self::Leases;
}

suite!(LeaseStoreHarness =>
    free_lease_is_taken,
    holder_renews_its_lease,
    others_are_refused_while_it_runs,
    lapsed_lease_is_taken_over,
    release_frees_only_the_holders_lease,
    concurrent_acquirers_get_one_owner,
    tenants_are_leased_independently,
    lapsed_leases_are_not_listed,
    heartbeats_count_live_replicas,
);

const TENANT: &str = "conf-tenant-a";
const OTHER_TENANT: &str = "conf-tenant-b";
const A: &str = "conf-replica-a";
const B: &str = "conf-replica-b";
const LONG: Duration = Duration::from_secs(60);
const LAPSED: Duration = Duration::ZERO;

/// The owners of the listed leases, as (tenant, owner).
async fn owners(store: &dyn LeaseStore) -> Result<Vec<(String, String)>, super::check::Verdict> {
    let mut listed: Vec<(String, String)> = store
        .leases()
        .await
        .or_fail("leases")?
        .into_iter()
        .map(|l: Lease| (l.tenant, l.owner))
        .collect();
    listed.sort();
    Ok(listed)
}

fn pair(tenant: &str, owner: &str) -> (String, String) {
    (tenant.to_owned(), owner.to_owned())
}

async fn free_lease_is_taken<H: LeaseStoreHarness + ?Sized>(harness: &H) -> Check {
    let store = harness.fresh().await;
    let before = Utc::now();
    let got = store
        .try_acquire(TENANT, A, LONG)
        .await
        .or_fail("try_acquire")?;
    ensure(got, || "a free lease was refused".to_owned())?;
    let leases = store.leases().await.or_fail("leases")?;
    ensure_eq("leases listed", &leases.len(), &1)?;
    let lease = &leases[0];
    ensure_eq(
        "the lease",
        &pair(&lease.tenant, &lease.owner),
        &pair(TENANT, A),
    )?;
    let (low, high) = (before, Utc::now() + chrono::Duration::seconds(61));
    ensure(lease.expires_at > low && lease.expires_at <= high, || {
        format!(
            "a 60 s lease taken at {before} expires at {}",
            lease.expires_at
        )
    })
}

async fn holder_renews_its_lease<H: LeaseStoreHarness + ?Sized>(harness: &H) -> Check {
    let store = harness.fresh().await;
    store
        .try_acquire(TENANT, A, Duration::from_secs(5))
        .await
        .or_fail("try_acquire")?;
    let first = store.leases().await.or_fail("leases")?;
    let renewed = store
        .try_acquire(TENANT, A, LONG)
        .await
        .or_fail("try_acquire")?;
    ensure(renewed, || "the holder's renewal was refused".to_owned())?;
    let second = store.leases().await.or_fail("leases")?;
    ensure_eq("leases listed", &(first.len(), second.len()), &(1, 1))?;
    ensure(second[0].expires_at > first[0].expires_at, || {
        format!(
            "renewing for 60 s did not move the expiry ({} then {})",
            first[0].expires_at, second[0].expires_at
        )
    })?;
    ensure_eq("owner after renewal", &second[0].owner.as_str(), &A)
}

async fn others_are_refused_while_it_runs<H: LeaseStoreHarness + ?Sized>(harness: &H) -> Check {
    let store = harness.fresh().await;
    store
        .try_acquire(TENANT, A, LONG)
        .await
        .or_fail("try_acquire")?;
    let stolen = store
        .try_acquire(TENANT, B, LONG)
        .await
        .or_fail("try_acquire")?;
    ensure(!stolen, || {
        "another replica got a lease that was held".to_owned()
    })?;
    ensure_eq("leases", &owners(&store).await?, &vec![pair(TENANT, A)])
}

async fn lapsed_lease_is_taken_over<H: LeaseStoreHarness + ?Sized>(harness: &H) -> Check {
    let store = harness.fresh().await;
    store
        .try_acquire(TENANT, A, LAPSED)
        .await
        .or_fail("try_acquire")?;
    let taken = store
        .try_acquire(TENANT, B, LONG)
        .await
        .or_fail("try_acquire")?;
    ensure(taken, || {
        "a lapsed lease was refused to another replica".to_owned()
    })?;
    ensure_eq("leases", &owners(&store).await?, &vec![pair(TENANT, B)])?;
    let back = store
        .try_acquire(TENANT, A, LONG)
        .await
        .or_fail("try_acquire")?;
    ensure(!back, || {
        "the replica whose lease lapsed got it back from its new holder".to_owned()
    })
}

async fn release_frees_only_the_holders_lease<H: LeaseStoreHarness + ?Sized>(harness: &H) -> Check {
    let store = harness.fresh().await;
    store
        .try_acquire(TENANT, A, LONG)
        .await
        .or_fail("try_acquire")?;
    store.release(TENANT, B).await.or_fail("release")?;
    ensure_eq(
        "leases after another replica's release",
        &owners(&store).await?,
        &vec![pair(TENANT, A)],
    )?;
    store.release(TENANT, A).await.or_fail("release")?;
    ensure_eq(
        "leases after the holder's release",
        &owners(&store).await?,
        &vec![],
    )?;
    let taken = store
        .try_acquire(TENANT, B, LONG)
        .await
        .or_fail("try_acquire")?;
    ensure(taken, || "a released lease was refused".to_owned())
}

async fn concurrent_acquirers_get_one_owner<H: LeaseStoreHarness + ?Sized>(harness: &H) -> Check {
    let store = harness.fresh().await;
    let replicas: Vec<String> = (0..8).map(|i| format!("conf-replica-{i}")).collect();
    let asks = replicas.iter().map(|r| store.try_acquire(TENANT, r, LONG));
    let mut winners = Vec::new();
    for (replica, got) in replicas.iter().zip(join_all(asks).await) {
        if got.or_fail("try_acquire")? {
            winners.push(replica.clone());
        }
    }
    ensure_eq("replicas granted the lease at once", &winners.len(), &1)?;
    ensure_eq(
        "leases",
        &owners(&store).await?,
        &vec![pair(TENANT, &winners[0])],
    )
}

async fn tenants_are_leased_independently<H: LeaseStoreHarness + ?Sized>(harness: &H) -> Check {
    let store = harness.fresh().await;
    store
        .try_acquire(TENANT, A, LONG)
        .await
        .or_fail("try_acquire")?;
    let other = store
        .try_acquire(OTHER_TENANT, B, LONG)
        .await
        .or_fail("try_acquire")?;
    ensure(other, || {
        "a lease on one tenant blocked another tenant".to_owned()
    })?;
    ensure_eq(
        "leases",
        &owners(&store).await?,
        &vec![pair(TENANT, A), pair(OTHER_TENANT, B)],
    )
}

async fn lapsed_leases_are_not_listed<H: LeaseStoreHarness + ?Sized>(harness: &H) -> Check {
    let store = harness.fresh().await;
    store
        .try_acquire(TENANT, A, LAPSED)
        .await
        .or_fail("try_acquire")?;
    store
        .try_acquire(OTHER_TENANT, A, LONG)
        .await
        .or_fail("try_acquire")?;
    ensure_eq(
        "leases",
        &owners(&store).await?,
        &vec![pair(OTHER_TENANT, A)],
    )
}

async fn heartbeats_count_live_replicas<H: LeaseStoreHarness + ?Sized>(harness: &H) -> Check {
    let store = harness.fresh().await;
    let mut counts = Vec::new();
    counts.push(store.heartbeat(A, LONG).await.or_fail("heartbeat")?);
    counts.push(store.heartbeat(B, LONG).await.or_fail("heartbeat")?);
    counts.push(store.heartbeat(A, LONG).await.or_fail("heartbeat")?);
    // A replica whose heartbeat lapses at once is not alive by the next beat.
    store
        .heartbeat("conf-replica-c", LAPSED)
        .await
        .or_fail("heartbeat")?;
    counts.push(store.heartbeat(B, LONG).await.or_fail("heartbeat")?);
    ensure_eq(
        "live replicas after A, B, A again, then B (C lapsed)",
        &counts,
        &vec![1, 2, 2, 2],
    )
}
