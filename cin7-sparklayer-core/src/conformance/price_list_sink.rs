//! The [`PriceListSink`] contract (P1–P4, C15, E3): lists created idempotently with source
//! `integration` and listed across pages; a PATCH replaces exactly the SKUs sent and removes
//! those with blank pricing; refused rows are reported while the rest are written; lists the
//! sync did not create are never touched.
//!
//! The harness builds a fresh account per check, holding the lists the check names (the
//! merchant's own, with source `custom`; slugs start `conf-`).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use rust_decimal::Decimal;

use super::check::Verdict;
use super::{Check, OrFail, Support, ensure, ensure_eq, fail};
use crate::PortError;
use crate::model::{PriceBreak, PriceListHeader, PriceRow};
use crate::ports::{PriceListSink, RemotePriceList};

/// A list the account holds before the sync runs, with its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingPriceList {
    /// Slug, name and currency.
    pub header: PriceListHeader,
    /// Its `source` (e.g. `custom` for a list the merchant made).
    pub source: String,
    /// Its prices.
    pub rows: Vec<PriceRow>,
}

/// Builds the price-list sink under test.
#[async_trait]
pub trait PriceListSinkHarness: Send + Sync {
    /// A sink over a new account holding exactly `existing`. [`super::Unsupported`] when
    /// `existing` is not empty and the account cannot be seeded.
    async fn account_with(&self, existing: &[ExistingPriceList])
    -> Support<Arc<dyn PriceListSink>>;
}

suite!(PriceListSinkHarness =>
    created_list_is_listed_as_integration,
    creating_again_keeps_the_list_and_its_prices,
    a_new_list_has_no_prices,
    patch_writes_the_rows_sent,
    a_full_batch_is_written_and_read_back,
    patch_replaces_only_the_skus_sent,
    blank_pricing_removes_the_sku,
    refused_rows_are_reported_and_the_rest_written,
    foreign_lists_are_untouched,
    every_list_is_listed_across_pages,
    patching_a_missing_list_is_not_found,
    price_reads_are_not_writes,
);

/// Lists seeded to make `price_lists` page (SparkLayer pages by at most 250).
const PAGED_LISTS: usize = 260;

fn header(slug: &str) -> PriceListHeader {
    PriceListHeader {
        slug: slug.into(),
        name: format!("Conformance {slug}"),
        currency: "AUD".into(),
    }
}

fn price(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// A row with quantity breaks (1, 10, 50), cheaper with quantity.
fn breaks(sku: &str, cents: i64) -> PriceRow {
    PriceRow {
        sku: sku.into(),
        pricing: [(1, 0), (10, 50), (50, 125)]
            .into_iter()
            .map(|(quantity, off)| PriceBreak {
                quantity,
                price: price(cents - off),
            })
            .collect(),
    }
}

fn merchant_list() -> ExistingPriceList {
    ExistingPriceList {
        header: header("conf-merchant-own"),
        source: "custom".into(),
        rows: vec![
            PriceRow::single("CONF-A", price(1)),
            breaks("CONF-M", 5_000),
        ],
    }
}

async fn account<H: PriceListSinkHarness + ?Sized>(
    h: &H,
    existing: &[ExistingPriceList],
) -> Result<Arc<dyn PriceListSink>, Verdict> {
    Ok(h.account_with(existing).await?)
}

/// Creates `slug`, which must succeed.
async fn create(sink: &dyn PriceListSink, slug: &str) -> Check {
    sink.create_price_list(&header(slug))
        .await
        .or_fail(&format!("create_price_list({slug})"))
}

/// Patches `slug`, which must succeed with no refused row.
async fn patch(sink: &dyn PriceListSink, slug: &str, rows: &[PriceRow]) -> Check {
    let outcome = sink
        .patch_prices(slug, rows)
        .await
        .or_fail(&format!("patch_prices({slug})"))?;
    ensure_eq(
        &format!("rows refused by patch_prices({slug})"),
        &outcome.rejected,
        &Vec::new(),
    )
}

/// A list's prices by SKU, failing if a SKU comes twice.
async fn prices(
    sink: &dyn PriceListSink,
    slug: &str,
) -> Result<BTreeMap<String, Vec<PriceBreak>>, Verdict> {
    let rows = sink
        .prices(slug)
        .await
        .or_fail(&format!("prices({slug})"))?;
    let mut out = BTreeMap::new();
    for row in rows {
        if out.insert(row.sku.clone(), row.pricing).is_some() {
            return Err(fail(format!(
                "prices({slug}) answered SKU {} twice",
                row.sku
            )));
        }
    }
    Ok(out)
}

fn by_sku(rows: &[PriceRow]) -> BTreeMap<String, Vec<PriceBreak>> {
    rows.iter()
        .map(|r| (r.sku.clone(), r.pricing.clone()))
        .collect()
}

/// Every list the sink lists, by slug, failing if a slug comes twice.
async fn lists(sink: &dyn PriceListSink) -> Result<BTreeMap<String, RemotePriceList>, Verdict> {
    let all = sink.price_lists().await.or_fail("price_lists")?;
    let mut out = BTreeMap::new();
    for list in all {
        if let Some(twice) = out.insert(list.slug.clone(), list) {
            return Err(fail(format!("price_lists answered {} twice", twice.slug)));
        }
    }
    Ok(out)
}

/// P1, P2: a created list is listed with its name, currency and source `integration`.
async fn created_list_is_listed_as_integration<H: PriceListSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = account(h, &[]).await?;
    create(sink.as_ref(), "conf-tier-2").await?;
    let listed = lists(sink.as_ref()).await?.remove("conf-tier-2");
    let expected = RemotePriceList {
        slug: "conf-tier-2".into(),
        name: header("conf-tier-2").name,
        currency: Some("AUD".into()),
        source: Some("integration".into()),
    };
    ensure_eq("the created list as listed", &listed, &Some(expected))
}

/// P3: creating a list that exists succeeds and changes nothing (its prices stay).
async fn creating_again_keeps_the_list_and_its_prices<H: PriceListSinkHarness + ?Sized>(
    h: &H,
) -> Check {
    let sink = account(h, &[]).await?;
    create(sink.as_ref(), "conf-tier-3").await?;
    let rows = vec![PriceRow::single("CONF-A", price(1_050))];
    patch(sink.as_ref(), "conf-tier-3", &rows).await?;
    create(sink.as_ref(), "conf-tier-3").await?;
    let count = lists(sink.as_ref())
        .await?
        .keys()
        .filter(|s| *s == "conf-tier-3")
        .count();
    ensure_eq("times conf-tier-3 is listed", &count, &1)?;
    ensure_eq(
        "prices after creating again",
        &prices(sink.as_ref(), "conf-tier-3").await?,
        &by_sku(&rows),
    )
}

/// C15: a list just created reads as empty, not as an error.
async fn a_new_list_has_no_prices<H: PriceListSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = account(h, &[]).await?;
    create(sink.as_ref(), "conf-tier-4").await?;
    ensure_eq(
        "prices of a new list",
        &prices(sink.as_ref(), "conf-tier-4").await?,
        &BTreeMap::new(),
    )
}

/// P1, P2: single prices and quantity breaks read back exactly as written.
async fn patch_writes_the_rows_sent<H: PriceListSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = account(h, &[]).await?;
    create(sink.as_ref(), "conf-tier-5").await?;
    let rows = vec![
        PriceRow::single("CONF-A", price(1_999)),
        breaks("CONF-B", 4_250),
        PriceRow::single("CONF-C", Decimal::new(123_456, 4)),
        PriceRow::single("conf-a", price(0)),
    ];
    patch(sink.as_ref(), "conf-tier-5", &rows).await?;
    ensure_eq(
        "prices read back",
        &prices(sink.as_ref(), "conf-tier-5").await?,
        &by_sku(&rows),
    )
}

/// P3: a PATCH of the engine's default batch (500 rows) is written whole and read back whole.
async fn a_full_batch_is_written_and_read_back<H: PriceListSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = account(h, &[]).await?;
    create(sink.as_ref(), "conf-tier-11").await?;
    let rows: Vec<PriceRow> = (0..500)
        .map(|n| {
            let sku = format!("CONF-BULK-{n:04}");
            if n % 3 == 0 {
                breaks(&sku, 1_000 + n)
            } else {
                PriceRow::single(sku, price(500 + n))
            }
        })
        .collect();
    patch(sink.as_ref(), "conf-tier-11", &rows).await?;
    let held = prices(sink.as_ref(), "conf-tier-11").await?;
    ensure(held == by_sku(&rows), || {
        let wrong = rows.iter().find(|r| held.get(&r.sku) != Some(&r.pricing));
        format!(
            "{} SKUs read back for 500 written; first wrong: {wrong:?}",
            held.len()
        )
    })
}

/// P3: a PATCH replaces exactly the SKUs sent (all their breaks) and leaves the others.
async fn patch_replaces_only_the_skus_sent<H: PriceListSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = account(h, &[]).await?;
    create(sink.as_ref(), "conf-tier-6").await?;
    let first = vec![
        PriceRow::single("CONF-A", price(1_000)),
        breaks("CONF-B", 2_000),
    ];
    patch(sink.as_ref(), "conf-tier-6", &first).await?;
    let second = vec![
        PriceRow::single("CONF-B", price(1_900)),
        PriceRow::single("CONF-C", price(3_000)),
    ];
    patch(sink.as_ref(), "conf-tier-6", &second).await?;
    let expected = by_sku(&[first[0].clone(), second[0].clone(), second[1].clone()]);
    ensure_eq(
        "prices after a second PATCH",
        &prices(sink.as_ref(), "conf-tier-6").await?,
        &expected,
    )
}

/// P3, P4: a row with blank pricing removes that SKU; removing a SKU the list lacks is harmless.
async fn blank_pricing_removes_the_sku<H: PriceListSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = account(h, &[]).await?;
    create(sink.as_ref(), "conf-tier-7").await?;
    let rows = vec![
        PriceRow::single("CONF-A", price(1_000)),
        breaks("CONF-B", 2_000),
        PriceRow::single("CONF-C", price(3_000)),
    ];
    patch(sink.as_ref(), "conf-tier-7", &rows).await?;
    let removals = vec![
        PriceRow::removal("CONF-B"),
        PriceRow::removal("CONF-NEVER-THERE"),
    ];
    patch(sink.as_ref(), "conf-tier-7", &removals).await?;
    let expected = by_sku(&[rows[0].clone(), rows[2].clone()]);
    ensure_eq(
        "prices after removing CONF-B",
        &prices(sink.as_ref(), "conf-tier-7").await?,
        &expected,
    )
}

/// E3: a row the API refuses (a negative price) is either written or reported in `rejected`,
/// never lost, and never stops the rows beside it.
async fn refused_rows_are_reported_and_the_rest_written<H: PriceListSinkHarness + ?Sized>(
    h: &H,
) -> Check {
    let sink = account(h, &[]).await?;
    create(sink.as_ref(), "conf-tier-8").await?;
    let rows = vec![
        PriceRow::single("CONF-A", price(1_000)),
        PriceRow::single("CONF-NEGATIVE", price(-1)),
        PriceRow::single("CONF-C", price(3_000)),
    ];
    let outcome = sink
        .patch_prices("conf-tier-8", &rows)
        .await
        .or_fail("patch_prices")?;
    let refused: Vec<&str> = outcome.rejected.iter().map(|r| r.sku.as_str()).collect();
    ensure(refused.iter().all(|s| *s == "CONF-NEGATIVE"), || {
        format!("rows refused: {:?}", outcome.rejected)
    })?;
    let held = prices(sink.as_ref(), "conf-tier-8").await?;
    let negative_written = held.get("CONF-NEGATIVE") == Some(&rows[1].pricing);
    ensure(
        negative_written != refused.contains(&"CONF-NEGATIVE"),
        || {
            format!(
                "CONF-NEGATIVE must be written or refused, exactly one: refused {refused:?}, list holds {held:?}"
            )
        },
    )?;
    let mut expected = by_sku(&[rows[0].clone(), rows[2].clone()]);
    if negative_written {
        expected.insert("CONF-NEGATIVE".into(), rows[1].pricing.clone());
    }
    ensure_eq("prices beside the refused row", &held, &expected)
}

/// P4: the sync's creates and PATCHes never change a list it did not create.
async fn foreign_lists_are_untouched<H: PriceListSinkHarness + ?Sized>(h: &H) -> Check {
    let own = merchant_list();
    let sink = account(h, std::slice::from_ref(&own)).await?;
    create(sink.as_ref(), "conf-tier-9").await?;
    let rows = vec![
        PriceRow::single("CONF-A", price(900)),
        PriceRow::removal("CONF-M"),
    ];
    patch(sink.as_ref(), "conf-tier-9", &rows).await?;
    let listed = lists(sink.as_ref()).await?.remove(&own.header.slug);
    let expected = RemotePriceList {
        slug: own.header.slug.clone(),
        name: own.header.name.clone(),
        currency: Some(own.header.currency.clone()),
        source: Some(own.source.clone()),
    };
    ensure_eq("the merchant's list as listed", &listed, &Some(expected))?;
    ensure_eq(
        "the merchant's prices",
        &prices(sink.as_ref(), &own.header.slug).await?,
        &by_sku(&own.rows),
    )
}

/// P4, C15: `price_lists` answers every list in the account, each once, across pages.
async fn every_list_is_listed_across_pages<H: PriceListSinkHarness + ?Sized>(h: &H) -> Check {
    let existing: Vec<ExistingPriceList> = (0..PAGED_LISTS)
        .map(|n| ExistingPriceList {
            header: header(&format!("conf-merchant-{n:03}")),
            source: "custom".into(),
            rows: Vec::new(),
        })
        .collect();
    let sink = account(h, &existing).await?;
    create(sink.as_ref(), "conf-tier-10").await?;
    let slugs: Vec<String> = lists(sink.as_ref()).await?.into_keys().collect();
    let mut expected: Vec<String> = existing.into_iter().map(|l| l.header.slug).collect();
    expected.push("conf-tier-10".into());
    expected.sort();
    ensure(slugs == expected, || {
        let missing: Vec<&String> = expected.iter().filter(|s| !slugs.contains(s)).collect();
        format!(
            "price_lists answered {} lists for {}; missing e.g. {:?}",
            slugs.len(),
            expected.len(),
            missing.first()
        )
    })
}

/// The port's contract: `NotFound` means the list is gone.
async fn patching_a_missing_list_is_not_found<H: PriceListSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = account(h, &[]).await?;
    let rows = [PriceRow::single("CONF-A", price(100))];
    match sink.patch_prices("conf-missing", &rows).await {
        Err(PortError::NotFound { .. }) => Ok(()),
        other => Err(fail(format!(
            "patch_prices of a missing list: expected NotFound, got {other:?}"
        ))),
    }
}

/// E2: listing lists and reading prices are not counted as writes.
async fn price_reads_are_not_writes<H: PriceListSinkHarness + ?Sized>(h: &H) -> Check {
    let own = merchant_list();
    let sink = account(h, std::slice::from_ref(&own)).await?;
    let before = sink.request_counts();
    lists(sink.as_ref()).await?;
    prices(sink.as_ref(), &own.header.slug).await?;
    ensure_eq(
        "writes in request_counts after reads",
        &sink.request_counts().writes,
        &before.writes,
    )
}
