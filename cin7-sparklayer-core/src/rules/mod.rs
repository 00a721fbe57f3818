//! The mapping rules of SPEC §3–§4, as pure functions. Each function's doc names its rule.
//!
//! [`map_customer`] composes the per-customer rules; C3 (duplicates), C13 (invites) and C14
//! (leaving scope) need the whole run and live in [`crate::plan`].

mod address;
mod contact_duplicates;
mod contacts;
mod conversion;
mod country;
mod currency;
mod definitions;
mod discount;
mod duplicates;
mod group;
mod identity;
mod map;
pub mod metafields;
mod names;
mod phone;
mod pricing;
mod scope;
mod slug;
mod tax;

pub use address::{AddressPerson, AddressWarning, MappedAddress, map_address, pick_address};
pub use contact_duplicates::resolve_duplicates_with_contacts;
pub use contacts::{
    ContactPerson, CustomerParts, MappedContact, PersonParts, contact_people, map_contacts,
};
pub use conversion::{convert_price, converted_list, publish_tier_lists};
pub use country::{country_code, province_code};
pub use currency::{
    currency_allowed, customer_currency, customer_tier_list, payment_currency_code,
};
pub use definitions::{
    DefinitionMismatch, NotConvertible, ShopTypes, UnwritableDefinition, convert_value, convertible,
};
pub use discount::{DiscountPick, pick_discount};
pub use duplicates::{DuplicateVerdict, resolve_duplicates};
pub use group::{GroupPick, pick_group};
pub use identity::{IdentityError, identity_contact, is_valid_email, pick_email};
pub use map::{
    MappedCustomer, MappingContext, RuleWarning, Skip, managed_tags, map_customer,
    map_customer_parts,
};
pub use metafields::{
    MANAGED_KEYS, MetafieldInputs, customer_metafields, decimal_text, effective_credit_limit,
};
pub use names::split_name;
pub use phone::{PhonePick, pick_phone, to_e164};
pub use pricing::{
    PriceIssue, PriceVerdict, TierListBuilder, assigned_lists, customer_price_list, judge_price,
};
pub use scope::{OutOfScope, check_scope, has_included_tag, normalize_tag, same_tag};
pub use slug::{
    MAX_LIST_NAME_LEN, MAX_PREFIX_LEN, MAX_SLUG_LEN, customer_list_name, customer_slug, tier_slug,
    validate_prefix,
};
pub use tax::is_tax_exempt;
