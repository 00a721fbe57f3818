//! The mapping rules of SPEC §3–§4, as pure functions. Each function's doc names its rule.

mod slug;

pub use slug::{
    MAX_LIST_NAME_LEN, MAX_PREFIX_LEN, MAX_SLUG_LEN, customer_list_name, customer_slug, tier_slug,
    validate_prefix,
};
