//! C8, P1, P2: price list assignment and the rows of tier and customer lists.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::config::ZeroPrice;
use crate::model::{
    AccountInfo, CustomerPrice, DesiredPriceList, PriceListHeader, PriceListOrigin, PriceRow,
    SourceProduct, TIER_COUNT, TierListKey,
};

use crate::report::WarningReason;

use super::slug::{customer_list_name, customer_slug, tier_slug};

/// What to do with one price value (P1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceVerdict {
    /// Publish this price (rounded to 4 decimals).
    Publish(Decimal),
    /// Zero means "not set": not published.
    NotSet,
    /// Negative prices are never published (warning `negative_price`).
    Negative,
}

/// P1: whether a price is published.
pub fn judge_price(price: Decimal, zero: ZeroPrice) -> PriceVerdict {
    if price < Decimal::ZERO {
        PriceVerdict::Negative
    } else if price.is_zero() && zero == ZeroPrice::Skip {
        PriceVerdict::NotSet
    } else {
        PriceVerdict::Publish(price.round_dp(4).normalize())
    }
}

/// C8: the slugs in `sparklayer.price_lists`: the customer's own list first, then its tier list
/// (the tier itself or, P5, the tier converted into the customer's currency).
pub fn assigned_lists(
    own_slug: Option<&str>,
    tier: Option<&TierListKey>,
    prefix: &str,
) -> Vec<String> {
    own_slug
        .map(str::to_owned)
        .into_iter()
        .chain(tier.map(|key| key.slug(prefix)))
        .collect()
}

/// A product row that was not published, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceIssue {
    /// The product ID (tier lists) or Cin7 customer ID (customer lists).
    pub id: String,
    /// [`WarningReason::NegativePrice`] or [`WarningReason::DuplicateSku`].
    pub reason: WarningReason,
    /// Detail (SKU, tier).
    pub detail: String,
}

/// Accumulates the ten tier lists from products streamed one at a time (P1), so memory is one
/// entry per published SKU, not per product read: each SKU is stored once with its ten prices.
#[derive(Debug)]
pub struct TierListBuilder {
    zero: ZeroPrice,
    /// SKU → (ID of the product that owns it: the smallest active product ID, its published prices by tier).
    skus: BTreeMap<String, (String, [Option<Decimal>; TIER_COUNT])>,
    issues: Vec<PriceIssue>,
}

impl TierListBuilder {
    /// A builder for the given zero-price policy.
    pub fn new(zero: ZeroPrice) -> Self {
        Self {
            zero,
            skus: BTreeMap::new(),
            issues: Vec::new(),
        }
    }

    /// P1: adds one product. Only `Active` products with a non-empty SKU contribute; each of its
    /// tier prices that is published lands in that tier's list. When two active products share
    /// a SKU, the one with the smaller ID wins (warning `duplicate_sku`), whatever the read order.
    pub fn add(&mut self, product: &SourceProduct) {
        if !product.status.is_active() {
            return;
        }
        let Some(sku) = product
            .sku
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            return;
        };
        if let Some((owner, _)) = self.skus.get(sku) {
            if owner == &product.id {
                return;
            }
            self.issues.push(PriceIssue {
                id: product.id.clone(),
                reason: WarningReason::DuplicateSku,
                detail: format!("SKU {sku} is also on product {owner}"),
            });
            if owner.as_str() < product.id.as_str() {
                return;
            }
        }
        let mut published = [None; TIER_COUNT];
        for (i, price) in product.tier_prices.iter().enumerate() {
            let Some(price) = price else { continue };
            match judge_price(*price, self.zero) {
                PriceVerdict::Publish(p) => published[i] = Some(p),
                PriceVerdict::NotSet => {}
                PriceVerdict::Negative => self.issues.push(PriceIssue {
                    id: product.id.clone(),
                    reason: WarningReason::NegativePrice,
                    detail: format!("SKU {sku} tier {} price {price}", i + 1),
                }),
            }
        }
        self.skus
            .insert(sku.to_owned(), (product.id.clone(), published));
    }

    /// P1: the tier lists for `codes`, named after the account's tiers, in the base currency.
    pub fn finish(
        self,
        codes: &BTreeSet<u8>,
        account: &AccountInfo,
        prefix: &str,
    ) -> (Vec<DesiredPriceList>, Vec<PriceIssue>) {
        // Rows are built only for the tiers published, each sized for every SKU at once.
        let wanted: Vec<bool> = (1..=TIER_COUNT)
            .map(|code| u8::try_from(code).is_ok_and(|code| codes.contains(&code)))
            .collect();
        let mut rows: Vec<Vec<PriceRow>> = wanted
            .iter()
            .map(|w| Vec::with_capacity(if *w { self.skus.len() } else { 0 }))
            .collect();
        for (sku, (_, prices)) in self.skus {
            for (i, price) in prices.iter().enumerate() {
                if let Some(p) = price
                    && wanted[i]
                {
                    rows[i].push(PriceRow::single(sku.clone(), *p));
                }
            }
        }
        let lists = rows
            .into_iter()
            .enumerate()
            .filter_map(|(i, rows)| {
                let code = u8::try_from(i + 1).ok()?;
                codes.contains(&code).then(|| DesiredPriceList {
                    header: PriceListHeader {
                        slug: tier_slug(prefix, code),
                        name: account.tier_name(code),
                        currency: account.base_currency.trim().to_ascii_uppercase(),
                    },
                    origin: PriceListOrigin::Tier { code },
                    rows,
                })
            })
            .collect();
        (lists, self.issues)
    }
}

/// P2: a customer's own list from its customer-specific prices; `None` when no price is published.
///
/// Rows are sorted by SKU; for a SKU listed twice the first price wins (warning `duplicate_sku`).
pub fn customer_price_list(
    cin7_id: &str,
    name: Option<&str>,
    prices: &[CustomerPrice],
    currency: &str,
    prefix: &str,
    zero: ZeroPrice,
) -> (Option<DesiredPriceList>, Vec<PriceIssue>) {
    let mut rows: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut issues = Vec::new();
    for p in prices {
        let sku = p.sku.trim();
        if sku.is_empty() {
            continue;
        }
        if rows.contains_key(sku) {
            issues.push(PriceIssue {
                id: cin7_id.to_owned(),
                reason: WarningReason::DuplicateSku,
                detail: format!("customer price for SKU {sku} listed twice"),
            });
            continue;
        }
        match judge_price(p.price, zero) {
            PriceVerdict::Publish(price) => {
                rows.insert(sku.to_owned(), price);
            }
            PriceVerdict::NotSet => {}
            PriceVerdict::Negative => issues.push(PriceIssue {
                id: cin7_id.to_owned(),
                reason: WarningReason::NegativePrice,
                detail: format!("customer price for SKU {sku} is {}", p.price),
            }),
        }
    }
    if rows.is_empty() {
        return (None, issues);
    }
    let list = DesiredPriceList {
        header: PriceListHeader {
            slug: customer_slug(prefix, cin7_id),
            name: customer_list_name(name, cin7_id),
            currency: currency.to_owned(),
        },
        origin: PriceListOrigin::Customer {
            cin7_id: cin7_id.to_owned(),
        },
        rows: rows
            .into_iter()
            .map(|(sku, price)| PriceRow::single(sku, price))
            .collect(),
    };
    (Some(list), issues)
}
