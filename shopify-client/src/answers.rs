//! Typed answers: the selections the client reads back, decoded with serde and
//! `serde_path_to_error`. Every field a document selects must be in the answer: a missing or
//! mistyped one is [`ShopifyError::Answer`] naming its path (`c3.defaultAddress.countryCodeV2`),
//! never a default. Fields the schema declares nullable are `Option`s that must still be
//! present (`null`), see [`nullable`].

use cin7_sparklayer_core::model::{DesiredAddress, DesiredMetafield, MetafieldKey, MetafieldType};
use cin7_sparklayer_core::ports::{AccountState, RemoteCustomer, RemoteFields};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::ShopifyError;
use crate::transport::Answer;
use crate::wire::UserError;

/// Decodes what `alias` answered as `T`, naming the path of a missing or mistyped field.
pub(crate) fn decode<T: DeserializeOwned>(answer: &Answer, alias: &str) -> Result<T, ShopifyError> {
    serde_path_to_error::deserialize(answer.get(alias)).map_err(|e| {
        let inner = e.path().to_string();
        let path = if inner == "." {
            alias.to_owned()
        } else {
            format!("{alias}.{inner}")
        };
        ShopifyError::Answer {
            path,
            message: e.into_inner().to_string(),
        }
    })
}

/// A nullable field that must be present: `null` is `None`, a missing key is an error (serde
/// would otherwise read a missing `Option` as `None`).
fn nullable<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// `CustomerState` (C13); a value this version does not know is `Unknown`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum CustomerState {
    Disabled,
    Invited,
    Enabled,
    Declined,
    #[serde(other)]
    Other,
}

impl From<CustomerState> for AccountState {
    fn from(s: CustomerState) -> Self {
        match s {
            CustomerState::Disabled => Self::Disabled,
            CustomerState::Invited => Self::Invited,
            CustomerState::Enabled => Self::Enabled,
            CustomerState::Declined => Self::Declined,
            CustomerState::Other => Self::Unknown,
        }
    }
}

/// `shop { customerAccountsV2 { customerAccountsVersion } }` (C13).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ShopAccounts {
    pub(crate) customer_accounts_v2: CustomerAccounts,
}

/// `CustomerAccountsV2`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerAccounts {
    /// `CLASSIC` or `NEW_CUSTOMER_ACCOUNTS`.
    pub(crate) customer_accounts_version: String,
}

/// `CustomerEmailAddress { emailAddress }`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmailAddress {
    email_address: String,
}

/// `CustomerPhoneNumber { phoneNumber }`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PhoneNumber {
    phone_number: String,
}

/// A customer as a lookup selects it: `id state tags defaultEmailAddress { emailAddress }`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerRef {
    id: String,
    state: CustomerState,
    tags: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    default_email_address: Option<EmailAddress>,
}

impl CustomerRef {
    /// The customer's email, if it has one.
    pub(crate) fn email(&self) -> Option<&str> {
        self.default_email_address
            .as_ref()
            .map(|e| e.email_address.as_str())
    }
}

impl From<CustomerRef> for RemoteCustomer {
    fn from(c: CustomerRef) -> Self {
        Self {
            email: c.default_email_address.map(|e| e.email_address),
            id: c.id,
            account_state: c.state.into(),
            tags: c.tags,
            fields: None,
        }
    }
}

/// A customer as the full read selects it (C15): the lookup's fields and the synced ones.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerFull {
    id: String,
    state: CustomerState,
    tags: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    default_email_address: Option<EmailAddress>,
    #[serde(deserialize_with = "nullable")]
    first_name: Option<String>,
    #[serde(deserialize_with = "nullable")]
    last_name: Option<String>,
    tax_exempt: bool,
    #[serde(deserialize_with = "nullable")]
    default_phone_number: Option<PhoneNumber>,
    #[serde(deserialize_with = "nullable")]
    default_address: Option<MailingAddress>,
    metafields: Nodes<MetafieldNode>,
}

impl From<CustomerFull> for RemoteCustomer {
    fn from(c: CustomerFull) -> Self {
        let mut metafields: Vec<DesiredMetafield> = c
            .metafields
            .nodes
            .into_iter()
            .filter_map(MetafieldNode::into_desired)
            .collect();
        metafields.sort_by(|a, b| a.key.cmp(&b.key));
        Self {
            id: c.id,
            email: c.default_email_address.map(|e| e.email_address),
            account_state: c.state.into(),
            tags: c.tags,
            fields: Some(RemoteFields {
                first_name: c.first_name,
                last_name: c.last_name,
                phone: c.default_phone_number.map(|p| p.phone_number),
                tax_exempt: c.tax_exempt,
                address: c.default_address.map(MailingAddress::into_desired),
                metafields,
            }),
        }
    }
}

/// `MailingAddress` as the full read selects it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MailingAddress {
    #[serde(deserialize_with = "nullable")]
    address1: Option<String>,
    #[serde(deserialize_with = "nullable")]
    address2: Option<String>,
    #[serde(deserialize_with = "nullable")]
    city: Option<String>,
    #[serde(deserialize_with = "nullable")]
    company: Option<String>,
    #[serde(deserialize_with = "nullable")]
    country_code_v2: Option<String>,
    #[serde(deserialize_with = "nullable")]
    first_name: Option<String>,
    #[serde(deserialize_with = "nullable")]
    last_name: Option<String>,
    #[serde(deserialize_with = "nullable")]
    phone: Option<String>,
    #[serde(deserialize_with = "nullable")]
    province_code: Option<String>,
    #[serde(deserialize_with = "nullable")]
    zip: Option<String>,
}

impl MailingAddress {
    /// As the sync's address; an address Shopify holds without a country has country code ""
    /// (the sync always sets one, so it shows as drift, C15).
    fn into_desired(self) -> DesiredAddress {
        DesiredAddress {
            address1: self.address1,
            address2: self.address2,
            city: self.city,
            province_code: self.province_code,
            zip: self.zip,
            country_code: self.country_code_v2.unwrap_or_default(),
            company: self.company,
            first_name: self.first_name,
            last_name: self.last_name,
            phone: self.phone,
        }
    }
}

/// A connection's `nodes`.
#[derive(Debug, Deserialize)]
pub(crate) struct Nodes<T> {
    nodes: Vec<T>,
}

/// `Metafield { namespace key type value }`.
#[derive(Debug, Deserialize)]
pub(crate) struct MetafieldNode {
    namespace: String,
    key: String,
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

impl MetafieldNode {
    /// The metafield when it is of a type the sync writes; others are left out (the sync
    /// rewrites them).
    fn into_desired(self) -> Option<DesiredMetafield> {
        let kind = MetafieldType::from_shopify(&self.kind)?;
        Some(DesiredMetafield {
            key: MetafieldKey::new(&self.namespace, &self.key),
            kind,
            value: self.value,
        })
    }
}

/// `customer { id state }` in a mutation payload.
#[derive(Debug, Deserialize)]
pub(crate) struct IdState {
    pub(crate) id: String,
    pub(crate) state: CustomerState,
}

/// `customerSet`'s payload: `customer { id state } userErrors { code field message }`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SetPayload {
    #[serde(deserialize_with = "nullable")]
    pub(crate) customer: Option<IdState>,
    pub(crate) user_errors: Vec<CodedError>,
}

/// A payload read for its `userErrors` only (`tagsAdd`, `metafieldsSet`, invites …); `E` is
/// the error selection: [`CodedError`] or [`PlainError`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Payload<E> {
    pub(crate) user_errors: Vec<E>,
}

/// `userErrors { code field message }` of an error type with a code (`CustomerSetUserError`,
/// `MetafieldsSetUserError`, …).
#[derive(Debug, Deserialize)]
pub(crate) struct CodedError {
    #[serde(deserialize_with = "nullable")]
    code: Option<String>,
    #[serde(deserialize_with = "nullable")]
    field: Option<Vec<String>>,
    message: String,
}

/// `userErrors { field message }` of `UserError`, which has no code.
#[derive(Debug, Deserialize)]
pub(crate) struct PlainError {
    #[serde(deserialize_with = "nullable")]
    field: Option<Vec<String>>,
    message: String,
}

impl From<CodedError> for UserError {
    fn from(e: CodedError) -> Self {
        Self {
            code: e.code,
            field: e.field,
            message: e.message,
        }
    }
}

impl From<PlainError> for UserError {
    fn from(e: PlainError) -> Self {
        Self {
            code: None,
            field: e.field,
            message: e.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;

    fn answer(alias: &str, value: serde_json::Value) -> Answer {
        let mut data = Map::new();
        data.insert(alias.into(), value);
        Answer {
            data,
            errors: Vec::new(),
        }
    }

    #[test]
    fn a_missing_field_is_an_error_naming_its_path() {
        let full = json!({ "id": "gid://shopify/Customer/1", "state": "ENABLED", "tags": [],
            "defaultEmailAddress": null, "firstName": null, "lastName": "Doe", "taxExempt": false,
            "defaultPhoneNumber": null, "metafields": { "nodes": [] },
            "defaultAddress": { "address1": null, "address2": null, "city": null, "company": null,
                "countryCodeV2": "AU", "firstName": null, "lastName": null, "phone": null,
                "provinceCode": null, "zip": null } });
        if let Err(e) = decode::<CustomerFull>(&answer("c3", full.clone()), "c3") {
            panic!("a complete answer decodes: {e}");
        }
        // taxExempt missing: never a silent `false`.
        let mut no_tax = full.clone();
        no_tax.as_object_mut().unwrap().remove("taxExempt");
        let e = decode::<CustomerFull>(&answer("c3", no_tax), "c3").unwrap_err();
        assert!(
            matches!(&e, ShopifyError::Answer { path, message }
            if path == "c3" && message.contains("taxExempt")),
            "{e}"
        );
        // A nullable field must still be there; the path reaches into nested objects.
        let mut no_zip = full.clone();
        no_zip["defaultAddress"]
            .as_object_mut()
            .unwrap()
            .remove("zip");
        let e = decode::<CustomerFull>(&answer("c3", no_zip), "c3").unwrap_err();
        assert!(
            matches!(&e, ShopifyError::Answer { path, message }
            if path == "c3.defaultAddress" && message.contains("zip")),
            "{e}"
        );
        let mut bad_tags = full;
        bad_tags["tags"] = json!([1]);
        let e = decode::<CustomerFull>(&answer("c3", bad_tags), "c3").unwrap_err();
        assert!(
            matches!(&e, ShopifyError::Answer { path, .. } if path == "c3.tags[0]"),
            "{e}"
        );
    }
}
