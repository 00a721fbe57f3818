//! The [`CustomerSource`] contract (C1, C8, C12, E4, E8): the account's base currency and
//! tier names, and every customer in scope exactly once with every field, deprecated ones
//! included, through however many pages it takes.
//!
//! The harness seeds the suite's account and customers (about 230, all with a
//! `LastModifiedOn` in whole seconds) into the backing system and returns the source over it.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::check::{Verdict, drain};
use super::{Check, OrFail, Support, ensure, ensure_eq, fail, fixtures};
use crate::model::{AccountInfo, RecordStatus, SourceCustomer};
use crate::ports::{Change, CustomerSource, FetchScope};

/// Builds the customer source under test.
#[async_trait]
pub trait CustomerSourceHarness: Send + Sync {
    /// A source whose backing system holds exactly this account and these customers.
    /// [`super::Unsupported`] when the backing system cannot be seeded.
    async fn seeded(
        &self,
        account: &AccountInfo,
        customers: &[SourceCustomer],
    ) -> Support<Arc<dyn CustomerSource>>;
}

suite!(CustomerSourceHarness =>
    account_reports_base_currency_and_tiers,
    full_read_yields_every_customer_once,
    full_read_includes_deprecated_customers,
    customers_keep_every_field,
    modified_since_yields_changes_at_or_after_the_instant,
    customer_changes_name_each_change_with_its_instant,
    ids_scope_yields_just_those_customers,
    customer_reads_are_not_writes,
);

async fn source<H: CustomerSourceHarness + ?Sized>(
    h: &H,
) -> Result<Arc<dyn CustomerSource>, Verdict> {
    Ok(h.seeded(&fixtures::account(), &fixtures::customers())
        .await?)
}

/// Reads `scope` whole; a malformed item fails the check (every seeded record is valid).
async fn read(
    source: &dyn CustomerSource,
    scope: FetchScope,
) -> Result<Vec<SourceCustomer>, Verdict> {
    let call = format!("customers({scope:?})");
    let (records, malformed) = drain(source.customers(scope), &call).await?;
    ensure(malformed.is_empty(), || {
        format!("{call} reported seeded, valid customers as malformed: {malformed:?}")
    })?;
    Ok(records)
}

/// Fails unless `got` holds each ID of `expected` exactly once and nothing else.
fn ensure_ids(what: &str, got: &[SourceCustomer], expected: &[String]) -> Check {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in got {
        *counts.entry(c.id.as_str()).or_default() += 1;
    }
    if let Some((id, n)) = counts.iter().find(|(_, n)| **n > 1) {
        return Err(fail(format!("{what}: customer {id} came {n} times")));
    }
    let missing: Vec<&String> = expected
        .iter()
        .filter(|id| !counts.contains_key(id.as_str()))
        .collect();
    ensure(missing.is_empty(), || {
        format!(
            "{what}: {} customers missing, e.g. {:?}",
            missing.len(),
            missing.first()
        )
    })?;
    let extra: Vec<&&str> = counts
        .keys()
        .filter(|id| !expected.iter().any(|e| e == **id))
        .collect();
    ensure(extra.is_empty(), || {
        format!(
            "{what}: {} customers not asked for, e.g. {:?}",
            extra.len(),
            extra.first()
        )
    })
}

/// C8, C12, P1: `account` answers the base currency and the ten tiers with their names.
async fn account_reports_base_currency_and_tiers<H: CustomerSourceHarness + ?Sized>(
    h: &H,
) -> Check {
    let source = source(h).await?;
    let mut account = source.account().await.or_fail("account")?;
    account.price_tiers.sort_by_key(|t| t.code);
    ensure_eq("account()", &account, &fixtures::account())
}

/// E8: a full read yields every seeded customer exactly once, across pages.
async fn full_read_yields_every_customer_once<H: CustomerSourceHarness + ?Sized>(h: &H) -> Check {
    let source = source(h).await?;
    let got = read(source.as_ref(), FetchScope::All).await?;
    let ids: Vec<String> = (0..fixtures::CUSTOMERS)
        .map(fixtures::customer_id)
        .collect();
    ensure_ids("customers(All)", &got, &ids)
}

/// C1, C14: deprecated customers are read (so the engine can revoke them), with their status.
async fn full_read_includes_deprecated_customers<H: CustomerSourceHarness + ?Sized>(
    h: &H,
) -> Check {
    let source = source(h).await?;
    let got = read(source.as_ref(), FetchScope::All).await?;
    let deprecated: Vec<&str> = got
        .iter()
        .filter(|c| c.status == RecordStatus::Deprecated)
        .map(|c| c.id.as_str())
        .collect();
    let expected: Vec<String> = (0..fixtures::CUSTOMERS)
        .filter(|i| fixtures::is_deprecated(*i))
        .map(fixtures::customer_id)
        .collect();
    let mut sorted = deprecated.clone();
    sorted.sort_unstable();
    ensure_eq(
        "IDs of the deprecated customers read",
        &sorted,
        &expected.iter().map(String::as_str).collect(),
    )
}

/// C1–C12 input: each customer comes back with every field as seeded (contacts, addresses,
/// tags in order, prices, credit, status, `LastModifiedOn`).
async fn customers_keep_every_field<H: CustomerSourceHarness + ?Sized>(h: &H) -> Check {
    let source = source(h).await?;
    let got: BTreeMap<String, SourceCustomer> = read(source.as_ref(), FetchScope::All)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    for want in fixtures::customers() {
        let Some(have) = got.get(&want.id) else {
            return Err(fail(format!("customer {} was not read", want.id)));
        };
        ensure_eq(&format!("customer {}", want.id), have, &want)?;
    }
    Ok(())
}

/// E4: `ModifiedSince(t)` yields exactly the customers modified at or after `t`, deprecated
/// ones included.
async fn modified_since_yields_changes_at_or_after_the_instant<
    H: CustomerSourceHarness + ?Sized,
>(
    h: &H,
) -> Check {
    let source = source(h).await?;
    let from = fixtures::CUSTOMERS - 37;
    let got = read(
        source.as_ref(),
        FetchScope::ModifiedSince(fixtures::modified(from)),
    )
    .await?;
    let ids: Vec<String> = (from..fixtures::CUSTOMERS)
        .map(fixtures::customer_id)
        .collect();
    ensure_ids(
        "customers(ModifiedSince) with the instant of one customer's change",
        &got,
        &ids,
    )
}

/// E12: `customer_changes(t)` names every customer modified at or after `t` once, with its
/// `LastModifiedOn`, across pages (more than 100 changed).
async fn customer_changes_name_each_change_with_its_instant<H: CustomerSourceHarness + ?Sized>(
    h: &H,
) -> Check {
    let source = source(h).await?;
    let from = fixtures::CUSTOMERS - 137;
    let mut got = source
        .customer_changes(fixtures::modified(from))
        .await
        .or_fail("customer_changes")?;
    got.sort_by(|a, b| a.id.cmp(&b.id));
    let mut expected: Vec<Change> = (from..fixtures::CUSTOMERS)
        .map(|i| Change {
            id: fixtures::customer_id(i),
            modified: Some(fixtures::modified(i)),
        })
        .collect();
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    ensure_eq(
        "customer_changes with the instant of one customer's change",
        &got,
        &expected,
    )
}

/// Webhook runs: `Ids` yields just the customers named (deprecated ones too), and nothing for
/// an ID the account does not have.
async fn ids_scope_yields_just_those_customers<H: CustomerSourceHarness + ?Sized>(h: &H) -> Check {
    let source = source(h).await?;
    let wanted = vec![
        fixtures::customer_id(42),
        fixtures::customer_id(3),
        fixtures::customer_id(199),
    ];
    let mut scope = wanted.clone();
    scope.push("c0f0a000-0000-4000-8000-999999999999".into());
    let got = read(source.as_ref(), FetchScope::Ids(scope)).await?;
    ensure_ids(
        "customers(Ids) with three known IDs and one unknown",
        &got,
        &wanted,
    )?;
    let deprecated = got
        .iter()
        .find(|c| c.id == fixtures::customer_id(3))
        .map(|c| &c.status);
    ensure_eq(
        "status of deprecated customer 3",
        &deprecated,
        &Some(&RecordStatus::Deprecated),
    )
}

/// The sync never writes to its source: its request counts show no write.
async fn customer_reads_are_not_writes<H: CustomerSourceHarness + ?Sized>(h: &H) -> Check {
    let source = source(h).await?;
    source.account().await.or_fail("account")?;
    read(source.as_ref(), FetchScope::All).await?;
    read(
        source.as_ref(),
        FetchScope::Ids(vec![fixtures::customer_id(1)]),
    )
    .await?;
    ensure_eq(
        "writes in request_counts after reads",
        &source.request_counts().writes,
        &0,
    )
}
