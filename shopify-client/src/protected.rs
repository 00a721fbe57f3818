//! Protected customer data (issue 13, SPEC §7): an app that Shopify has not approved for
//! customer data, or for the name, email, phone or address fields, gets HTTP 200 answers with
//! those fields `null` and one error each, e.g.
//! `{"message": "This app is not approved to use the email field. See https://partners.shopify.com/…/customer_data for more details.", "path": ["c0", "defaultEmailAddress"], "extensions": {"code": "ACCESS_DENIED"}}`
//! (or "… not approved to access the Customer object …" for the whole object). Reading such an
//! answer as data would turn every customer into a per-record failure or a false drift, so any
//! such error fails the request with [`ShopifyError::ProtectedCustomerData`], fatal to the run:
//! one line saying which access the app needs, before any write.

use std::collections::BTreeSet;

use crate::error::ShopifyError;
use crate::transport::GqlError;

/// What the app must be approved for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Access {
    /// Customer data at all (level 1).
    Customers,
    /// The name fields (level 2).
    Name,
    /// The email field (level 2).
    Email,
    /// The phone field (level 2).
    Phone,
    /// The address fields (level 2).
    Address,
}

impl Access {
    fn label(self) -> &'static str {
        match self {
            Self::Customers => "customer data",
            Self::Name => "name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Address => "address",
        }
    }

    /// The access a denied field or object name belongs to.
    fn of(name: &str) -> Option<Self> {
        Some(match name {
            "Customer" | "customer" | "customers" | "customerByIdentifier" => Self::Customers,
            "firstName" | "lastName" | "name" | "displayName" => Self::Name,
            "email" | "emailAddress" | "defaultEmailAddress" => Self::Email,
            "phone" | "phoneNumber" | "defaultPhoneNumber" => Self::Phone,
            "MailingAddress" | "defaultAddress" | "addresses" | "addressesV2" | "address1"
            | "address2" | "city" | "zip" | "province" | "provinceCode" | "country"
            | "countryCodeV2" | "company" => Self::Address,
            _ => return None,
        })
    }
}

/// Whether `e` is Shopify refusing protected customer data (not a missing scope).
pub(crate) fn is_denial(e: &GqlError) -> bool {
    e.message.contains("not approved to")
}

/// The access named by one denial: the field or object in its message, else the deepest
/// field of its path that is one.
fn access_of(e: &GqlError) -> Access {
    let named = ["use the ", "access the "].iter().find_map(|lead| {
        let rest = &e.message[e.message.find(lead)? + lead.len()..];
        rest.split_whitespace().next().and_then(Access::of)
    });
    let from_path = || {
        e.path
            .iter()
            .flatten()
            .rev()
            .filter_map(|p| p.as_str())
            .find_map(Access::of)
    };
    named.or_else(from_path).unwrap_or(Access::Customers)
}

/// [`ShopifyError::ProtectedCustomerData`] when any of `errors` refuses protected customer data.
pub(crate) fn denial(errors: &[GqlError]) -> Option<ShopifyError> {
    let denied: BTreeSet<Access> = errors
        .iter()
        .filter(|e| is_denial(e))
        .map(access_of)
        .collect();
    if denied.is_empty() {
        return None;
    }
    let denied = denied
        .iter()
        .map(|a| a.label())
        .collect::<Vec<_>>()
        .join(", ");
    Some(ShopifyError::ProtectedCustomerData { denied })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn error(v: serde_json::Value) -> GqlError {
        serde_json::from_value(v).expect("a GraphQL error")
    }

    #[test]
    fn denials_name_the_access_the_app_needs() {
        let field = error(json!({
            "message": "This app is not approved to use the email field. See https://partners.shopify.com/1/apps/2/customer_data for more details.",
            "path": ["c0", "defaultEmailAddress"], "extensions": { "code": "ACCESS_DENIED" } }));
        let object = error(json!({
            "message": "This app is not approved to access the Customer object. See https://partners.shopify.com/1/apps/2/customer_data for more details.",
            "path": ["customer", "phone"] }));
        let by_path = error(
            json!({ "message": "This app is not approved to use this field.",
            "path": ["c1", "defaultAddress", "address1"] }),
        );
        let scope = error(
            json!({ "message": "Access denied for customers field. Required access: `read_customers` access scope.",
            "extensions": { "code": "ACCESS_DENIED" } }),
        );
        assert!(!is_denial(&scope));
        assert!(denial(std::slice::from_ref(&scope)).is_none());
        let e = denial(&[field, object, by_path, scope]).expect("a denial");
        assert!(
            matches!(&e, ShopifyError::ProtectedCustomerData { denied } if denied == "customer data, email, address"),
            "{e}"
        );
        assert!(e.to_string().contains("protected customer data"), "{e}");
    }
}
