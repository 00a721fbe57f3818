//! The planner (E1): desired state compared with the state store and, in full runs, with what
//! Shopify and SparkLayer hold (C15). Pure functions; the engine feeds them and applies the result.

mod customers;
mod drift;
mod prices;

pub use customers::{
    CustomerDecision, CustomerFacts, CustomerVerdict, Refused, judge_customer, judge_unlinked,
    link_after_revoke, link_after_write, plan_customer, plan_customer_hashed, plan_revoke,
    without_refused,
};
pub use drift::{customer_drifted, drift_reason, same_metafield_value};
pub use prices::{Baseline, Coverage, ListPlan, baseline_from_rows, plan_empty, plan_list};
