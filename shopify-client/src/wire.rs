//! Wire shapes: the GraphQL input objects the client sends, and the `userErrors` it acts on.
//! (The selections it reads back are in `crate::answers`.)

use cin7_sparklayer_core::model::{DesiredAddress, DesiredCustomer, DesiredMetafield};
use serde::Serialize;

/// `CustomerSetInput`. `None` names and phone are sent as `null` (Cin7 is master, C15);
/// `addresses` and `tags` are left out when not given (omitted fields are not updated).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerSetInput<'a> {
    pub(crate) email: &'a str,
    pub(crate) first_name: Option<&'a str>,
    pub(crate) last_name: Option<&'a str>,
    pub(crate) phone: Option<&'a str>,
    pub(crate) tax_exempt: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) addresses: Option<Vec<MailingAddressInput<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tags: Option<&'a [String]>,
}

/// What a `customerSet` leaves out because Shopify refused it on the first try: the phone
/// (C4, the customer's and the address's) and the address's province (C5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Leave {
    pub(crate) phone: bool,
    pub(crate) province: bool,
}

impl<'a> CustomerSetInput<'a> {
    /// The input for `c`, without what `leave` names.
    pub(crate) fn new(c: &'a DesiredCustomer, tags: Option<&'a [String]>, leave: Leave) -> Self {
        Self {
            email: c.email.trim(),
            first_name: c.first_name.as_deref(),
            last_name: c.last_name.as_deref(),
            phone: c.phone.as_deref().filter(|_| !leave.phone),
            tax_exempt: c.tax_exempt,
            addresses: c
                .address
                .as_ref()
                .map(|a| vec![MailingAddressInput::new(a, leave)]),
            tags,
        }
    }
}

/// `MailingAddressInput` (C5: the one address, replacing the list). It has no free-text
/// `province` in API 2026-04: the province travels as its ISO 3166-2 code only.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MailingAddressInput<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    address1: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address2: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<&'a str>,
    country_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    province_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zip: Option<&'a str>,
}

impl<'a> MailingAddressInput<'a> {
    fn new(a: &'a DesiredAddress, leave: Leave) -> Self {
        Self {
            address1: a.address1.as_deref(),
            address2: a.address2.as_deref(),
            city: a.city.as_deref(),
            company: a.company.as_deref(),
            country_code: &a.country_code,
            first_name: a.first_name.as_deref(),
            last_name: a.last_name.as_deref(),
            phone: a.phone.as_deref().filter(|_| !leave.phone),
            province_code: a.province_code.as_deref().filter(|_| !leave.province),
            zip: a.zip.as_deref(),
        }
    }
}

/// `MetafieldsSetInput`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MetafieldsSetInput<'a> {
    pub(crate) owner_id: &'a str,
    pub(crate) namespace: &'a str,
    pub(crate) key: &'a str,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) value: &'a str,
}

impl<'a> MetafieldsSetInput<'a> {
    pub(crate) fn new(owner_id: &'a str, m: &'a DesiredMetafield) -> Self {
        Self {
            owner_id,
            namespace: &m.key.namespace,
            key: &m.key.key,
            kind: m.kind.as_shopify(),
            value: &m.value,
        }
    }
}

/// `MetafieldIdentifierInput`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MetafieldIdentifierInput<'a> {
    pub(crate) owner_id: &'a str,
    pub(crate) namespace: &'a str,
    pub(crate) key: &'a str,
}

/// One `userErrors` entry (`UserError`, `CustomerSetUserError`, `MetafieldsSetUserError` …),
/// decoded from the answer's typed selection (`crate::answers`).
#[derive(Debug, Clone)]
pub(crate) struct UserError {
    /// `None` for error types without a code (`UserError`).
    pub(crate) code: Option<String>,
    pub(crate) field: Option<Vec<String>>,
    pub(crate) message: String,
}

impl UserError {
    /// `field` joined with dots, e.g. `input.email`.
    pub(crate) fn field_path(&self) -> Option<String> {
        self.field.as_ref().map(|f| f.join("."))
    }

    /// Whether the error is about a phone (the customer's or the address's).
    pub(crate) fn is_phone(&self) -> bool {
        self.field
            .as_ref()
            .and_then(|f| f.last())
            .is_some_and(|l| l.eq_ignore_ascii_case("phone"))
    }

    /// Whether the error is about an address's province (`provinceCode`, or `province` as
    /// Shopify may still name it).
    pub(crate) fn is_province(&self) -> bool {
        self.field.as_ref().and_then(|f| f.last()).is_some_and(|l| {
            l.eq_ignore_ascii_case("provinceCode") || l.eq_ignore_ascii_case("province")
        })
    }

    /// Whether the error is about the email.
    pub(crate) fn is_email(&self) -> bool {
        self.field
            .as_ref()
            .and_then(|f| f.last())
            .is_some_and(|l| l.eq_ignore_ascii_case("email"))
    }

    /// Whether the code says the value belongs to another record.
    pub(crate) fn is_taken(&self) -> bool {
        self.code.as_deref() == Some("TAKEN") || self.message.to_lowercase().contains("taken")
    }
}
