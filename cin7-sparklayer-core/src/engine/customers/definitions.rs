//! E10 in the customers pass: each customer's metafields are written as the shop's definitions
//! type them; a customer with a value that does not convert without loss fails (E3).

use crate::model::{DesiredPriceList, TierListKey};
use crate::report::{Failure, RecordKind, RunReport};
use crate::rules::{MappedCustomer, ShopTypes};

use super::CustomersOutcome;

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
