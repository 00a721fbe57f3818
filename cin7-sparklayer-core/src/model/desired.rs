//! Desired state: what the sync wants Shopify and SparkLayer to hold, in API-neutral form.

use std::borrow::Cow;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The one address a B2B customer keeps in Shopify (C5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DesiredAddress {
    /// `address1`.
    pub address1: Option<String>,
    /// `address2`.
    pub address2: Option<String>,
    /// `city`.
    pub city: Option<String>,
    /// `provinceCode`: the ISO 3166-2 subdivision code (without the country) that Cin7's
    /// `State` is or names (C5); `None` when it names none. Shopify's `MailingAddressInput`
    /// has no free-text province.
    pub province_code: Option<String>,
    /// `zip`.
    pub zip: Option<String>,
    /// `countryCode`: ISO 3166-1 alpha-2.
    pub country_code: String,
    /// `company`: the customer's `Name`.
    pub company: Option<String>,
    /// `firstName` (C4).
    pub first_name: Option<String>,
    /// `lastName` (C4).
    pub last_name: Option<String>,
    /// `phone` in E.164 (C4).
    pub phone: Option<String>,
}

/// The Shopify type of a metafield the sync writes: its own types (C7–C10) and those it
/// converts to when the shop defines a key with another type (E10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetafieldType {
    /// `single_line_text_field`.
    SingleLineTextField,
    /// `json`.
    Json,
    /// `number_decimal`.
    NumberDecimal,
    /// `boolean`.
    Boolean,
    /// `number_integer` (E10: a shop's definition of a decimal key).
    NumberInteger,
    /// `multi_line_text_field` (E10: a shop's definition of a text key).
    MultiLineTextField,
}

impl MetafieldType {
    /// The type name Shopify expects in `MetafieldsSetInput.type`.
    pub fn as_shopify(self) -> &'static str {
        match self {
            Self::SingleLineTextField => "single_line_text_field",
            Self::Json => "json",
            Self::NumberDecimal => "number_decimal",
            Self::Boolean => "boolean",
            Self::NumberInteger => "number_integer",
            Self::MultiLineTextField => "multi_line_text_field",
        }
    }

    /// The type Shopify names `name`, when the sync can write it (`None` for `money`,
    /// `list.…` and the other types it never writes).
    pub fn from_shopify(name: &str) -> Option<Self> {
        Some(match name {
            "single_line_text_field" => Self::SingleLineTextField,
            "json" => Self::Json,
            "number_decimal" => Self::NumberDecimal,
            "boolean" => Self::Boolean,
            "number_integer" => Self::NumberInteger,
            "multi_line_text_field" => Self::MultiLineTextField,
            _ => return None,
        })
    }
}

impl std::fmt::Display for MetafieldType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_shopify())
    }
}

/// A metafield's identity: namespace and key (e.g. `sparklayer` / `price_lists`).
///
/// The parts are `Cow`s so the keys the sync writes (C7–C10) are static strings shared by every
/// customer instead of two allocations per metafield; keys read back from a store are owned.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MetafieldKey {
    /// Namespace: `sparklayer` or `cin7`.
    pub namespace: Cow<'static, str>,
    /// Key within the namespace.
    pub key: Cow<'static, str>,
}

impl MetafieldKey {
    /// Builds a key from its two parts.
    pub fn new(namespace: &str, key: &str) -> Self {
        Self {
            namespace: Cow::Owned(namespace.to_owned()),
            key: Cow::Owned(key.to_owned()),
        }
    }

    /// A key known at compile time (no allocation).
    pub const fn known(namespace: &'static str, key: &'static str) -> Self {
        Self {
            namespace: Cow::Borrowed(namespace),
            key: Cow::Borrowed(key),
        }
    }
}

impl std::fmt::Display for MetafieldKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.namespace, self.key)
    }
}

/// A customer metafield definition the shop holds (E10), as `metafieldDefinitions` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetafieldDefinition {
    /// Namespace and key.
    pub key: MetafieldKey,
    /// The definition's name in the Shopify admin (e.g. "Credit limit").
    pub name: String,
    /// Its type as Shopify names it (`number_integer`, `list.single_line_text_field`, …).
    pub type_name: String,
}

/// A metafield value the sync wants on a customer (C7–C10).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DesiredMetafield {
    /// Namespace and key.
    pub key: MetafieldKey,
    /// Shopify type.
    pub kind: MetafieldType,
    /// The value exactly as sent to Shopify (JSON metafields are serialised JSON text).
    pub value: String,
}

/// Everything the sync wants a Shopify customer to be (C2–C11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredCustomer {
    /// The Cin7 customer ID this comes from.
    pub cin7_id: String,
    /// Login email, trimmed; compared lowercased (C2).
    pub email: String,
    /// First name (C4).
    pub first_name: Option<String>,
    /// Last name (C4).
    pub last_name: Option<String>,
    /// Phone in E.164 (C4).
    pub phone: Option<String>,
    /// The collapsed address (C5); `None` removes none of Shopify's but sets none.
    pub address: Option<DesiredAddress>,
    /// `taxExempt` (C6).
    pub tax_exempt: bool,
    /// Tags the sync manages on this customer (C11), sorted.
    pub managed_tags: Vec<String>,
    /// Metafields the sync sets, sorted by key (C7–C10).
    pub metafields: Vec<DesiredMetafield>,
}

impl DesiredCustomer {
    /// The email lowercased: the identity used for lookups and duplicate detection (C2, C3).
    pub fn email_key(&self) -> String {
        self.email.to_lowercase()
    }
}

/// One price break of a SKU on a price list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PriceBreak {
    /// Minimum quantity (1 for the plain price).
    pub quantity: u32,
    /// Unit price, a JSON number on the wire.
    #[serde(with = "rust_decimal::serde::float")]
    pub price: Decimal,
}

/// One row of a price list: a SKU and its breaks. Empty `pricing` removes the SKU (P3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PriceRow {
    /// The product SKU.
    pub sku: String,
    /// Price breaks; empty means "remove every price of this SKU from the list".
    pub pricing: Vec<PriceBreak>,
}

impl PriceRow {
    /// A single-quantity price row.
    pub fn single(sku: impl Into<String>, price: Decimal) -> Self {
        Self {
            sku: sku.into(),
            pricing: vec![PriceBreak { quantity: 1, price }],
        }
    }

    /// A removal row (`"pricing": []`, P3).
    pub fn removal(sku: impl Into<String>) -> Self {
        Self {
            sku: sku.into(),
            pricing: Vec::new(),
        }
    }
}

/// Where a price list comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PriceListOrigin {
    /// A tier list (P1), tier code 1–10.
    Tier {
        /// Tier code.
        code: u8,
    },
    /// A customer-specific list (P2).
    Customer {
        /// Cin7 customer ID.
        cin7_id: String,
    },
    /// A base-currency tier list converted into another currency (P5).
    Converted {
        /// Tier code.
        code: u8,
        /// The list's ISO 4217 currency, upper case.
        currency: String,
        /// The rate its rows were converted with: a new rate is a new origin, so the run reads
        /// every product to rewrite the SKUs whose price changed (P3).
        rate: rust_decimal::Decimal,
    },
}

/// The header of a price list: what `POST /api/v1/price-lists` needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PriceListHeader {
    /// Slug, at most 30 characters (P1, P2).
    pub slug: String,
    /// Display name (tier name or customer name cut to 64 characters).
    pub name: String,
    /// ISO 4217 currency code.
    pub currency: String,
}

/// A price list the sync wants in SparkLayer, with all its rows (P1, P2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredPriceList {
    /// Slug, name, currency.
    pub header: PriceListHeader,
    /// Which source produced it.
    pub origin: PriceListOrigin,
    /// Rows, sorted by SKU, one per SKU.
    pub rows: Vec<PriceRow>,
}
