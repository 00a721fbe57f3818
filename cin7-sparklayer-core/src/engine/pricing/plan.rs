//! P3 and P4 in the pricing pass: each desired list planned against what the state (and, when
//! reconciled, SparkLayer) holds; each list whose source is gone planned empty.

use std::collections::BTreeSet;

use crate::error::RunError;
use crate::model::{DesiredPriceList, PriceListOrigin, TierListKey};
use crate::plan::{Baseline, Coverage, plan_empty, plan_list};
use crate::ports::PriceListState;

use super::{Known, PlannedList, PricingPass};

impl PricingPass<'_> {
    /// Plans every desired list (P3) and every list whose source is gone (P4), by slug.
    pub(super) async fn plan_lists(
        &self,
        desired: Vec<(DesiredPriceList, bool)>,
        known: &Known<'_>,
    ) -> Result<Vec<PlannedList>, RunError> {
        let desired_slugs: BTreeSet<String> =
            desired.iter().map(|(l, _)| l.header.slug.clone()).collect();
        let mut plans = Vec::new();
        for (list, complete) in desired {
            plans.push(self.plan_desired(list, complete, known).await?);
        }
        for (slug, st) in known.state {
            if desired_slugs.contains(slug) {
                continue;
            }
            if let Some(plan) = self.plan_emptied(slug, st, known).await? {
                plans.push(plan);
            }
        }
        plans.sort_by(|a, b| a.0.header.slug.cmp(&b.0.header.slug));
        Ok(plans)
    }

    /// P3: one desired list's changes. A list SparkLayer has is read back (C15) in a full run,
    /// or when the state does not know it; `complete` says whether every SKU was read.
    async fn plan_desired(
        &self,
        list: DesiredPriceList,
        complete: bool,
        known: &Known<'_>,
    ) -> Result<PlannedList, RunError> {
        let slug = list.header.slug.clone();
        let exists = known.remote.contains_key(&slug);
        let reconciled = if exists && (known.full || !known.state.contains_key(&slug)) {
            Some(self.read_remote(&slug).await?)
        } else {
            None
        };
        let state_rows = known.state.get(&slug).map(|s| &s.rows);
        let baseline = match (&reconciled, state_rows, exists) {
            (Some(r), _, _) => Baseline::Known(r),
            (None, Some(s), true) => Baseline::Known(s),
            _ => Baseline::Empty,
        };
        let coverage = if complete {
            Coverage::Complete
        } else {
            Coverage::Partial(known.seen_skus)
        };
        let plan = plan_list(list, baseline, coverage, exists);
        Ok((plan, reconciled))
    }

    /// P4: a list the state knows but no longer desired is emptied when its source is gone:
    /// a tier or converted list no longer published (after a complete read, P5), or a customer seen in this run
    /// (skipped, out of scope, no prices left) or gone from a full read.
    async fn plan_emptied(
        &self,
        slug: &str,
        st: &PriceListState,
        known: &Known<'_>,
    ) -> Result<Option<PlannedList>, RunError> {
        let gone = match &st.origin {
            PriceListOrigin::Customer { cin7_id } => {
                known.all_customers || self.customers.seen.contains(cin7_id)
            }
            tier => TierListKey::of_origin(tier)
                .is_some_and(|key| known.complete_tiers && !known.tiers.contains(&key)),
        };
        if !gone || st.rows.is_empty() {
            return Ok(None);
        }
        let exists = known.remote.contains_key(slug);
        let reconciled = if exists && known.full {
            Some(self.read_remote(slug).await?)
        } else {
            None
        };
        let base = reconciled.as_ref().unwrap_or(&st.rows);
        let plan = plan_empty(&st.header, &st.origin, base, exists);
        Ok(Some((plan, reconciled)))
    }
}
