//! P1 and P5 in the pricing pass: which tier lists are published, which products are read,
//! and the tier lists built from them one product at a time.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;

use crate::config::TierSelection;
use crate::error::RunError;
use crate::model::{PriceListOrigin, TierListKey};
use crate::ports::{FetchScope, Fetched, PriceListState};
use crate::report::{RecordKind, RunReport, WarningReason};
use crate::rules::TierListBuilder;

use super::super::all_tiers;
use super::super::customers::add_shortfall;
use super::PricingPass;

impl PricingPass<'_> {
    /// P1, P5: the tier lists published: all (every tier, and every base-currency tier in
    /// every currency with a rate), or those assigned to a customer. Only a complete full read
    /// sees every customer (E8), so otherwise the tier lists already published stay.
    pub(super) fn tiers_to_publish(
        &self,
        all_customers: bool,
        state_lists: &BTreeMap<String, PriceListState>,
    ) -> BTreeSet<TierListKey> {
        let selection = self.engine.settings.pricing.tiers;
        let mut tiers = match selection {
            TierSelection::All => self.all_tier_lists(),
            TierSelection::Assigned => self.customers.tiers_used.clone(),
        };
        if !all_customers && selection == TierSelection::Assigned {
            let published = state_lists.values().filter(|l| !l.rows.is_empty());
            tiers.extend(published.filter_map(|l| TierListKey::of_origin(&l.origin)));
        }
        tiers
    }

    /// P1, P5 with `pricing.tiers = "all"`: the ten tier lists and each base-currency tier
    /// converted into every currency with a rate.
    fn all_tier_lists(&self) -> BTreeSet<TierListKey> {
        let base = self.account.base_currency.trim().to_ascii_uppercase();
        let mut keys: BTreeSet<TierListKey> =
            all_tiers().into_iter().map(TierListKey::tier).collect();
        for code in all_tiers() {
            if self.currencies.tier_currency(code, &base) != base {
                continue;
            }
            let targets = self
                .currencies
                .rates()
                .map(|(c, _)| c)
                .filter(|c| *c != base);
            keys.extend(targets.map(|c| TierListKey::converted(code, c)));
        }
        keys
    }

    /// The origin a published tier list has in this run: a converted list carries its rate (P5).
    fn origin_of(&self, key: &TierListKey) -> PriceListOrigin {
        let rate = key
            .converted_to
            .as_deref()
            .and_then(|c| self.currencies.rate(c));
        match (&key.converted_to, rate) {
            (Some(currency), Some(rate)) => PriceListOrigin::Converted {
                code: key.code,
                currency: currency.clone(),
                rate: rate.rate,
            },
            _ => PriceListOrigin::Tier { code: key.code },
        }
    }

    /// The products to read: the run's scope, or all of them when a tier list is seen for
    /// the first time or a converted list's rate changed (P5): it needs every product, even in
    /// an incremental run.
    pub(super) fn product_scope(
        &self,
        full: bool,
        tiers: &BTreeSet<TierListKey>,
        state_lists: &BTreeMap<String, PriceListState>,
    ) -> Option<FetchScope> {
        let new_tier = tiers.iter().any(|key| {
            let origin = self.origin_of(key);
            !state_lists.values().any(|l| l.origin == origin)
        });
        if full || new_tier {
            Some(FetchScope::All)
        } else {
            self.resolved.products.clone()
        }
    }

    /// Reads the products (P1 input) one at a time into the tier builder, with the SKUs it
    /// saw (P3 coverage of an incremental or short read) and whether the read came up short
    /// of Cin7's `Total` (E8, warned). A malformed product is a skip (E3).
    pub(super) async fn read_products(
        &self,
        scope: Option<FetchScope>,
        report: &mut RunReport,
    ) -> Result<(TierListBuilder, BTreeSet<String>, bool), RunError> {
        let mut builder = TierListBuilder::new(self.engine.settings.pricing.zero_price);
        let mut seen_skus: BTreeSet<String> = BTreeSet::new();
        let Some(scope) = scope else {
            return Ok((builder, seen_skus, false));
        };
        let mut incomplete = None;
        self.options.progress.phase("products", None);
        let mut stream = self.engine.ports.products.products(scope);
        while let Some(item) = stream.next().await {
            match item {
                Ok(Fetched::Record(p)) => {
                    report.products_read += 1;
                    self.options.progress.advance(1);
                    if let Some(sku) = p.sku.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                        seen_skus.insert(sku.to_owned());
                    }
                    builder.add(&p);
                }
                Ok(Fetched::Malformed(m)) => report.skip_malformed(RecordKind::Product, &m),
                Ok(Fetched::Incomplete(short)) => {
                    incomplete = Some(add_shortfall(incomplete, short));
                }
                Err(source) => {
                    return Err(RunError::Port {
                        step: "reading Cin7 products",
                        source,
                    });
                }
            }
        }
        if let Some(short) = incomplete {
            report.warn(
                "products",
                WarningReason::IncompleteRead,
                Some(format!(
                    "Cin7 products: {short}; no SKU is removed for being missing from this read"
                )),
            );
        }
        Ok((builder, seen_skus, incomplete.is_some()))
    }
}
