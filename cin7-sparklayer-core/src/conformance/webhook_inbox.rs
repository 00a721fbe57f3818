//! The [`WebhookInbox`] contract (issue 16 item 4): a pushed delivery is kept until completed;
//! each tenant's deliveries are claimed oldest first and only by that tenant; a claim keeps
//! others off until it lapses, and a lapsed claim (its replica died) is claimable again, so
//! nothing accepted is lost.
//!
//! Lapses are checked without waiting: a claim with a TTL of zero has lapsed by the next call.
//!
//! ```ignore
//! struct Harness;
//! #[async_trait::async_trait]
//! impl WebhookInboxHarness for Harness {
//!     type Inbox = MyInbox;
//!     async fn fresh(&self) -> MyInbox { MyInbox::over_empty_storage() }
//! }
//! conformance::webhook_inbox::run_all(&Harness).await?;
//! ```

use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;

use super::check::Verdict;
use super::{Check, OrFail, ensure, ensure_eq};
use crate::ports::{QueuedDelivery, WebhookInbox};

/// Builds the inbox under test.
#[async_trait]
pub trait WebhookInboxHarness: Send + Sync {
    /// The inbox type.
    type Inbox: WebhookInbox + 'static;

    /// An inbox over empty storage.
    async fn fresh(&self) -> Self::Inbox;
}

suite!(WebhookInboxHarness =>
    fresh_inbox_is_empty,
    deliveries_round_trip,
    claims_are_oldest_first,
    tenants_are_isolated,
    claim_is_exclusive_until_it_lapses,
    lapsed_claim_is_claimed_again,
    complete_removes_deliveries,
    pending_counts_claimed_and_waiting,
);

const TENANT: &str = "conf-tenant-a";
const OTHER_TENANT: &str = "conf-tenant-b";
const A: &str = "conf-replica-a";
const B: &str = "conf-replica-b";
const LONG: Duration = Duration::from_secs(60);
const LAPSED: Duration = Duration::ZERO;

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("conf-{prefix}-{i}")).collect()
}

/// Pushes one delivery per entry of `customers` for `tenant` (no products).
async fn push_each(inbox: &dyn WebhookInbox, tenant: &str, customers: &[String]) -> Check {
    for customer in customers {
        let one = std::slice::from_ref(customer);
        inbox.push(tenant, one, &[]).await.or_fail("push")?;
    }
    Ok(())
}

/// The first customer ID of each delivery.
fn firsts(claimed: &[QueuedDelivery]) -> Vec<String> {
    claimed
        .iter()
        .filter_map(|d| d.customers.first().cloned())
        .collect()
}

async fn claim(
    inbox: &dyn WebhookInbox,
    tenant: &str,
    replica: &str,
    max: usize,
    ttl: Duration,
) -> Result<Vec<QueuedDelivery>, Verdict> {
    inbox
        .claim(tenant, replica, max, ttl)
        .await
        .or_fail("claim")
}

async fn fresh_inbox_is_empty<H: WebhookInboxHarness + ?Sized>(harness: &H) -> Check {
    let inbox = harness.fresh().await;
    ensure_eq(
        "pending",
        &inbox.pending(TENANT).await.or_fail("pending")?,
        &0,
    )?;
    ensure_eq(
        "claimed",
        &claim(&inbox, TENANT, A, 10, LONG).await?,
        &vec![],
    )
}

async fn deliveries_round_trip<H: WebhookInboxHarness + ?Sized>(harness: &H) -> Check {
    let inbox = harness.fresh().await;
    let (customers, products) = (names("customer", 3), names("product", 2));
    let before = Utc::now() - chrono::Duration::seconds(5);
    inbox
        .push(TENANT, &customers, &products)
        .await
        .or_fail("push")?;
    let claimed = claim(&inbox, TENANT, A, 10, LONG).await?;
    ensure_eq("deliveries claimed", &claimed.len(), &1)?;
    let got = &claimed[0];
    ensure_eq("tenant", &got.tenant.as_str(), &TENANT)?;
    ensure_eq("customers", &got.customers, &customers)?;
    ensure_eq("products", &got.products, &products)?;
    let after = Utc::now() + chrono::Duration::seconds(5);
    ensure(got.received_at > before && got.received_at < after, || {
        format!(
            "received_at {} is not the time of the push",
            got.received_at
        )
    })
}

async fn claims_are_oldest_first<H: WebhookInboxHarness + ?Sized>(harness: &H) -> Check {
    let inbox = harness.fresh().await;
    let customers = names("customer", 3);
    push_each(&inbox, TENANT, &customers).await?;
    let first = claim(&inbox, TENANT, A, 2, LONG).await?;
    ensure_eq(
        "first claim of two",
        &firsts(&first),
        &customers[..2].to_vec(),
    )?;
    ensure(first[0].id != first[1].id, || {
        "two deliveries share an ID".to_owned()
    })?;
    let rest = claim(&inbox, TENANT, A, 2, LONG).await?;
    ensure_eq("second claim", &firsts(&rest), &customers[2..].to_vec())
}

async fn tenants_are_isolated<H: WebhookInboxHarness + ?Sized>(harness: &H) -> Check {
    let inbox = harness.fresh().await;
    let (mine, theirs) = (names("mine", 2), names("theirs", 1));
    push_each(&inbox, TENANT, &mine).await?;
    push_each(&inbox, OTHER_TENANT, &theirs).await?;
    let counts = (
        inbox.pending(TENANT).await.or_fail("pending")?,
        inbox.pending(OTHER_TENANT).await.or_fail("pending")?,
    );
    ensure_eq("pending per tenant", &counts, &(2, 1))?;
    let claimed = claim(&inbox, TENANT, A, 10, LONG).await?;
    ensure_eq("claimed for the tenant", &firsts(&claimed), &mine)?;
    ensure(claimed.iter().all(|d| d.tenant == TENANT), || {
        format!("a claim for {TENANT} returned another tenant's delivery: {claimed:?}")
    })
}

async fn claim_is_exclusive_until_it_lapses<H: WebhookInboxHarness + ?Sized>(harness: &H) -> Check {
    let inbox = harness.fresh().await;
    push_each(&inbox, TENANT, &names("customer", 2)).await?;
    let held = claim(&inbox, TENANT, A, 1, LONG).await?;
    let other = claim(&inbox, TENANT, B, 10, LONG).await?;
    ensure_eq("deliveries claimed by A", &held.len(), &1)?;
    ensure_eq("deliveries B could claim", &other.len(), &1)?;
    ensure(held[0].id != other[0].id, || {
        "B claimed a delivery A's claim still holds".to_owned()
    })?;
    ensure_eq(
        "left to claim",
        &claim(&inbox, TENANT, A, 10, LONG).await?,
        &vec![],
    )
}

async fn lapsed_claim_is_claimed_again<H: WebhookInboxHarness + ?Sized>(harness: &H) -> Check {
    let inbox = harness.fresh().await;
    push_each(&inbox, TENANT, &names("customer", 1)).await?;
    let dead = claim(&inbox, TENANT, A, 10, LAPSED).await?;
    let again = claim(&inbox, TENANT, B, 10, LONG).await?;
    ensure_eq("claimed by the replica that died", &dead.len(), &1)?;
    ensure_eq("claimed again after the lapse", &again, &dead)
}

async fn complete_removes_deliveries<H: WebhookInboxHarness + ?Sized>(harness: &H) -> Check {
    let inbox = harness.fresh().await;
    push_each(&inbox, TENANT, &names("customer", 3)).await?;
    let claimed = claim(&inbox, TENANT, A, 2, LAPSED).await?;
    let done: Vec<i64> = claimed.iter().map(|d| d.id).collect();
    inbox.complete(&done).await.or_fail("complete")?;
    inbox.complete(&done).await.or_fail("complete (again)")?;
    ensure_eq(
        "pending after completing two",
        &inbox.pending(TENANT).await.or_fail("pending")?,
        &1,
    )?;
    let rest = claim(&inbox, TENANT, B, 10, LONG).await?;
    ensure(rest.len() == 1 && !done.contains(&rest[0].id), || {
        format!("completed deliveries {done:?} were claimable again: {rest:?}")
    })
}

async fn pending_counts_claimed_and_waiting<H: WebhookInboxHarness + ?Sized>(harness: &H) -> Check {
    let inbox = harness.fresh().await;
    push_each(&inbox, TENANT, &names("customer", 3)).await?;
    claim(&inbox, TENANT, A, 1, LONG).await?;
    ensure_eq(
        "pending with one claimed",
        &inbox.pending(TENANT).await.or_fail("pending")?,
        &3,
    )
}
