//! The [`CustomerGroupDirectory`] contract (C7): every group once, with its name (matched
//! against Cin7 tags) and its slug (written to `sparklayer.group`); read-only.

use std::sync::Arc;

use async_trait::async_trait;

use super::check::Verdict;
use super::{Check, OrFail, Support, ensure_eq};
use crate::model::CustomerGroup;
use crate::ports::CustomerGroupDirectory;

/// Builds the directory under test.
#[async_trait]
pub trait GroupDirectoryHarness: Send + Sync {
    /// A directory over an account holding exactly `groups`. [`super::Unsupported`] when the
    /// account's groups cannot be set.
    async fn directory_with(
        &self,
        groups: &[CustomerGroup],
    ) -> Support<Arc<dyn CustomerGroupDirectory>>;
}

suite!(GroupDirectoryHarness =>
    lists_every_group_with_name_and_slug,
    an_account_without_groups_lists_none,
    group_reads_are_not_writes,
);

fn groups() -> Vec<CustomerGroup> {
    [
        ("Wholesale", "wholesale"),
        ("Trade Partners", "trade-partners"),
        ("Großhändler", "grosshaendler"),
        ("VIP", "vip-2"),
    ]
    .into_iter()
    .map(|(name, slug)| CustomerGroup {
        name: name.into(),
        slug: slug.into(),
    })
    .collect()
}

async fn read(directory: &dyn CustomerGroupDirectory) -> Result<Vec<CustomerGroup>, Verdict> {
    let mut all = directory
        .customer_groups()
        .await
        .or_fail("customer_groups")?;
    all.sort_by(|a, b| a.slug.cmp(&b.slug));
    Ok(all)
}

/// C7: each group once, its name and slug exactly as the account has them.
async fn lists_every_group_with_name_and_slug<H: GroupDirectoryHarness + ?Sized>(h: &H) -> Check {
    let directory = h.directory_with(&groups()).await?;
    let mut expected = groups();
    expected.sort_by(|a, b| a.slug.cmp(&b.slug));
    ensure_eq(
        "customer_groups()",
        &read(directory.as_ref()).await?,
        &expected,
    )?;
    ensure_eq(
        "customer_groups() read again",
        &read(directory.as_ref()).await?,
        &expected,
    )
}

/// C7: an account with no groups answers an empty list (every group tag then matches nothing).
async fn an_account_without_groups_lists_none<H: GroupDirectoryHarness + ?Sized>(h: &H) -> Check {
    let directory = h.directory_with(&[]).await?;
    ensure_eq(
        "customer_groups() of an account without groups",
        &read(directory.as_ref()).await?,
        &Vec::new(),
    )
}

/// The directory only reads: its request counts show no write.
async fn group_reads_are_not_writes<H: GroupDirectoryHarness + ?Sized>(h: &H) -> Check {
    let directory = h.directory_with(&groups()).await?;
    read(directory.as_ref()).await?;
    ensure_eq(
        "writes in request_counts after reads",
        &directory.request_counts().writes,
        &0,
    )
}
