//! The [`PricingSource`] contract (P1, E4, E8): every product exactly once with its SKU and
//! its ten tier prices (a missing price apart from a zero one), deprecated ones included.
//!
//! The harness seeds the suite's products (about 210, some without a SKU, all with a
//! `LastModifiedOn` in whole seconds) into the backing system and returns the source over it.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::check::{Verdict, drain};
use super::{Check, OrFail, Support, ensure, ensure_eq, fail, fixtures};
use crate::model::{RecordStatus, SourceProduct};
use crate::ports::{Change, FetchScope, PricingSource};

/// Builds the pricing source under test.
#[async_trait]
pub trait PricingSourceHarness: Send + Sync {
    /// A source whose backing system holds exactly these products.
    /// [`super::Unsupported`] when the backing system cannot be seeded.
    async fn seeded(&self, products: &[SourceProduct]) -> Support<Arc<dyn PricingSource>>;
}

suite!(PricingSourceHarness =>
    full_read_yields_every_product_once,
    full_read_includes_deprecated_products,
    products_keep_sku_and_tier_prices,
    modified_since_yields_products_changed_at_or_after_the_instant,
    product_changes_name_each_change_with_its_instant,
    ids_scope_yields_just_those_products,
    product_reads_are_not_writes,
);

async fn source<H: PricingSourceHarness + ?Sized>(
    h: &H,
) -> Result<Arc<dyn PricingSource>, Verdict> {
    Ok(h.seeded(&fixtures::products()).await?)
}

/// Reads `scope` whole; a malformed item fails the check (every seeded record is valid).
async fn read(
    source: &dyn PricingSource,
    scope: FetchScope,
) -> Result<Vec<SourceProduct>, Verdict> {
    let call = format!("products({scope:?})");
    let (records, malformed) = drain(source.products(scope), &call).await?;
    ensure(malformed.is_empty(), || {
        format!("{call} reported seeded, valid products as malformed: {malformed:?}")
    })?;
    Ok(records)
}

/// The IDs read, sorted, failing if one came twice.
fn ids_once(what: &str, got: &[SourceProduct]) -> Result<Vec<String>, Verdict> {
    let mut ids: Vec<String> = got.iter().map(|p| p.id.clone()).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(fail(format!(
            "{what}: product {} came more than once",
            w[0]
        )));
    }
    Ok(ids)
}

/// E8: a full read yields every seeded product exactly once, across pages.
async fn full_read_yields_every_product_once<H: PricingSourceHarness + ?Sized>(h: &H) -> Check {
    let source = source(h).await?;
    let got = read(source.as_ref(), FetchScope::All).await?;
    let ids = ids_once("products(All)", &got)?;
    let expected: Vec<String> = (0..fixtures::PRODUCTS).map(fixtures::product_id).collect();
    ensure_eq("IDs of products(All)", &ids, &expected)
}

/// P1: deprecated products are read, with their status (their SKUs leave the tier lists).
async fn full_read_includes_deprecated_products<H: PricingSourceHarness + ?Sized>(h: &H) -> Check {
    let source = source(h).await?;
    let got = read(source.as_ref(), FetchScope::All).await?;
    let mut deprecated: Vec<String> = got
        .iter()
        .filter(|p| p.status == RecordStatus::Deprecated)
        .map(|p| p.id.clone())
        .collect();
    deprecated.sort_unstable();
    let expected: Vec<String> = (0..fixtures::PRODUCTS)
        .filter(|i| fixtures::is_deprecated(*i))
        .map(fixtures::product_id)
        .collect();
    ensure_eq(
        "IDs of the deprecated products read",
        &deprecated,
        &expected,
    )
}

/// P1 input: SKU (or none), status, `LastModifiedOn` and all ten tier prices as seeded; a
/// missing tier price stays `None`, a zero stays zero.
async fn products_keep_sku_and_tier_prices<H: PricingSourceHarness + ?Sized>(h: &H) -> Check {
    let source = source(h).await?;
    let got: BTreeMap<String, SourceProduct> = read(source.as_ref(), FetchScope::All)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    for want in fixtures::products() {
        let Some(have) = got.get(&want.id) else {
            return Err(fail(format!("product {} was not read", want.id)));
        };
        ensure_eq(&format!("product {}", want.id), have, &want)?;
    }
    Ok(())
}

/// E4: `ModifiedSince(t)` yields exactly the products modified at or after `t`.
async fn modified_since_yields_products_changed_at_or_after_the_instant<
    H: PricingSourceHarness + ?Sized,
>(
    h: &H,
) -> Check {
    let source = source(h).await?;
    let from = fixtures::PRODUCTS - 29;
    let got = read(
        source.as_ref(),
        FetchScope::ModifiedSince(fixtures::modified(from)),
    )
    .await?;
    let ids = ids_once("products(ModifiedSince)", &got)?;
    let expected: Vec<String> = (from..fixtures::PRODUCTS)
        .map(fixtures::product_id)
        .collect();
    ensure_eq(
        "IDs of products(ModifiedSince) with one product's change instant",
        &ids,
        &expected,
    )
}

/// E12: `product_changes(t)` names every product modified at or after `t` once, with its
/// `LastModifiedOn`, across pages (more than 100 changed).
async fn product_changes_name_each_change_with_its_instant<H: PricingSourceHarness + ?Sized>(
    h: &H,
) -> Check {
    let source = source(h).await?;
    let from = fixtures::PRODUCTS - 129;
    let mut got = source
        .product_changes(fixtures::modified(from))
        .await
        .or_fail("product_changes")?;
    got.sort_by(|a, b| a.id.cmp(&b.id));
    let mut expected: Vec<Change> = (from..fixtures::PRODUCTS)
        .map(|i| Change {
            id: fixtures::product_id(i),
            modified: Some(fixtures::modified(i)),
        })
        .collect();
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    ensure_eq(
        "product_changes with the instant of one product's change",
        &got,
        &expected,
    )
}

/// Webhook runs: `Ids` yields just the products named, and nothing for an unknown ID.
async fn ids_scope_yields_just_those_products<H: PricingSourceHarness + ?Sized>(h: &H) -> Check {
    let source = source(h).await?;
    let scope = vec![
        fixtures::product_id(8),
        fixtures::product_id(11),
        fixtures::product_id(150),
        "p0f0a000-0000-4000-8000-999999999999".into(),
    ];
    let got = read(source.as_ref(), FetchScope::Ids(scope)).await?;
    let ids = ids_once("products(Ids)", &got)?;
    let expected = vec![
        fixtures::product_id(8),
        fixtures::product_id(11),
        fixtures::product_id(150),
    ];
    ensure_eq(
        "IDs of products(Ids) with three known IDs and one unknown",
        &ids,
        &expected,
    )
}

/// The sync never writes to its source: its request counts show no write.
async fn product_reads_are_not_writes<H: PricingSourceHarness + ?Sized>(h: &H) -> Check {
    let source = source(h).await?;
    read(source.as_ref(), FetchScope::All).await?;
    read(
        source.as_ref(),
        FetchScope::Ids(vec![fixtures::product_id(1)]),
    )
    .await?;
    ensure_eq(
        "writes in request_counts after reads",
        &source.request_counts().writes,
        &0,
    )
}
