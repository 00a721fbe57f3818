//! E10 in the customers pass: each customer's metafields are written as the shop's definitions
//! type them; a customer with a value that does not convert without loss fails (E3).

use crate::report::{Failure, RecordKind, RunReport};
use crate::rules::MappedCustomer;

use super::{CustomersOutcome, CustomersPass};

impl CustomersPass<'_> {
    /// Converts every kept customer's metafields to the shop's types (E10). A customer with a
    /// value that cannot convert is reported as failed, naming the definition, and not
    /// written; its tier and own price list still count for the pricing pass, so a failure
    /// never empties a list (P4).
    #[allow(
        clippy::vec_box,
        reason = "mapped customers are large and boxed throughout the pass; the Vec moves pointers"
    )]
    pub(super) fn fit_definitions(
        &self,
        kept: Vec<Box<MappedCustomer>>,
        report: &mut RunReport,
        outcome: &mut CustomersOutcome,
    ) -> Vec<Box<MappedCustomer>> {
        if self.types.is_empty() {
            return kept;
        }
        let mut fitting = Vec::with_capacity(kept.len());
        for mut m in kept {
            match self.types.apply(&mut m.desired.metafields) {
                Ok(()) => fitting.push(m),
                Err(e) => {
                    report.count_record(&m.desired.cin7_id, "failed");
                    report.failures.push(Failure {
                        kind: RecordKind::Customer,
                        id: m.desired.cin7_id.clone(),
                        step: "metafields".into(),
                        message: format!("Shopify: {e}"),
                        retryable: false,
                    });
                    let MappedCustomer { tier, own_list, .. } = *m;
                    outcome.tiers_used.extend(tier);
                    outcome.own_lists.extend(own_list);
                }
            }
        }
        fitting
    }
}
