//! E10 in the customers pass: each customer's metafields are written as the shop's definitions
//! type them; a customer with a value that does not convert without loss fails (E3).

use crate::model::{DesiredPriceList, TierListKey};
use crate::report::{Failure, RecordKind, RunReport};
use crate::rules::{MappedCustomer, ShopTypes};

use super::super::parallel::par_map_owned;
use super::record::Mapped;
use super::{CustomersOutcome, CustomersPass};

/// A customer whose metafields do not fit the shop's definitions (E10): failed, not written.
pub(super) struct Unfit {
    id: String,
    message: String,
    tier: Option<TierListKey>,
    own_list: Option<DesiredPriceList>,
}

/// Converts a customer's metafields to the shop's types (E10), on the planner's thread.
pub(super) fn fit_definitions(
    mut m: MappedCustomer,
    types: &ShopTypes,
) -> Result<MappedCustomer, Box<Unfit>> {
    if types.is_empty() {
        return Ok(m);
    }
    match types.apply(&mut m.desired.metafields) {
        Ok(()) => Ok(m),
        Err(e) => Err(Box::new(Unfit {
            id: m.desired.cin7_id,
            message: format!("Shopify: {e}"),
            tier: m.tier,
            own_list: m.own_list,
        })),
    }
}

impl CustomersPass<'_> {
    /// E10 before the lookups: a record whose metafields do not fit the shop's definitions is
    /// reported failed, naming the definition, and is neither looked up in Shopify nor planned.
    /// Checked on a copy put together on every core, only when the shop defines one of the
    /// sync's keys as another type; the planner converts the values again for the write.
    pub(super) fn drop_unfit(
        &self,
        kept: Vec<Mapped>,
        report: &mut RunReport,
        outcome: &mut CustomersOutcome,
    ) -> Vec<Mapped> {
        let types = self.types;
        if types.is_empty() {
            return kept;
        }
        let checked = par_map_owned(kept, |m| {
            let unfit = fit_definitions(m.to_customer(), types).err();
            (m, unfit)
        });
        let mut fitting = Vec::with_capacity(checked.len());
        for (m, unfit) in checked {
            match unfit {
                None => fitting.push(m),
                Some(unfit) => unfit.record(report, outcome),
            }
        }
        fitting
    }
}

impl Unfit {
    /// Reports the customer as failed, naming the definition; its tier and own price list
    /// still count for the pricing pass, so a failure never empties a list (P4).
    pub(super) fn record(self, report: &mut RunReport, outcome: &mut CustomersOutcome) {
        report.count_record(&self.id, "failed");
        report.failures.push(Failure {
            kind: RecordKind::Customer,
            id: self.id,
            step: "metafields".into(),
            message: self.message,
            retryable: false,
        });
        outcome.tiers_used.extend(self.tier);
        outcome.own_lists.extend(self.own_list);
    }
}
