//! Source records: what the sync reads from the ERP (Cin7 Core), in API-neutral form.
//!
//! The Cin7 client converts its wire shapes into these types. Empty strings and `null`
//! are both normalised to `None` by the client (see [`non_empty`]).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Turns `""` / whitespace-only strings into `None` and trims the rest.
///
/// Cin7 mixes `""` and `null` for "no value"; every source record stores both as `None`.
pub fn non_empty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Lifecycle status of a customer or product in the ERP.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RecordStatus {
    /// `Active`: eligible for the sync.
    Active,
    /// `Deprecated`: Cin7's soft delete; out of scope (C1, P1).
    Deprecated,
    /// Any other value the API may send; treated as not active.
    Other(String),
}

impl RecordStatus {
    /// Parses Cin7's `Status` string (case-insensitive).
    pub fn parse(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("active") => Self::Active,
            Some(v) if v.eq_ignore_ascii_case("deprecated") => Self::Deprecated,
            Some(v) => Self::Other(v.to_owned()),
            None => Self::Other(String::new()),
        }
    }

    /// `true` only for [`RecordStatus::Active`].
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Active)
    }
}

/// The type of a customer address in Cin7 (`Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AddressKind {
    /// `Shipping`: preferred by the address collapse (C5).
    Shipping,
    /// `Billing`.
    Billing,
    /// `Business`.
    Business,
    /// Any other or missing type; never picked (C5).
    Other,
}

impl AddressKind {
    /// Parses Cin7's `Type` string (case-insensitive).
    pub fn parse(value: Option<&str>) -> Self {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            Some("shipping") => Self::Shipping,
            Some("billing") => Self::Billing,
            Some("business") => Self::Business,
            _ => Self::Other,
        }
    }
}

/// One address of a customer (`Addresses[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceAddress {
    /// `Line1`.
    pub line1: Option<String>,
    /// `Line2`.
    pub line2: Option<String>,
    /// `City`.
    pub city: Option<String>,
    /// `State`: a name or a code, free text.
    pub state: Option<String>,
    /// `Postcode`.
    pub postcode: Option<String>,
    /// `Country`: a country **name** such as "Australia" or "UK" (C5 maps it to ISO).
    pub country: Option<String>,
    /// `Type`.
    pub kind: Option<AddressKind>,
    /// `DefaultForType`.
    pub default_for_type: bool,
}

/// One contact of a customer (`Contacts[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceContact {
    /// `Name`: full name, split into first and last by C4.
    pub name: Option<String>,
    /// `Phone`.
    pub phone: Option<String>,
    /// `MobilePhone`.
    pub mobile_phone: Option<String>,
    /// `Email`.
    pub email: Option<String>,
    /// `Default`: the contact whose email identifies the customer (C2).
    pub default: bool,
}

/// A customer-specific price (`ProductPrices[]`), the input of P2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPrice {
    /// `ProductSKU`; rows without a SKU are dropped by the client.
    pub sku: String,
    /// `Price` in the customer's currency, up to 4 decimals.
    pub price: Decimal,
}

/// A B2B customer as read from Cin7 Core (`GET /customer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCustomer {
    /// `ID` (a GUID): the stable key of the customer in the state store.
    pub id: String,
    /// `Name`: the company name (C5 `company`, C10).
    pub name: Option<String>,
    /// `Status`.
    pub status: RecordStatus,
    /// `Currency`: 3-letter code (C12).
    pub currency: Option<String>,
    /// `TaxRule`: a tax rule **name** (C6).
    pub tax_rule: Option<String>,
    /// `PriceTier`: a price tier **name** (C8).
    pub price_tier: Option<String>,
    /// `Tags`, split on `,` and trimmed, empty entries dropped, order kept (C1, C7).
    pub tags: Vec<String>,
    /// `CreditLimit` (C9); `0` when absent.
    pub credit_limit: Decimal,
    /// `IsOnCreditHold` (C9).
    pub on_credit_hold: bool,
    /// `Discount`, a percentage (C17); `None` when absent.
    pub discount: Option<Decimal>,
    /// `LastModifiedOn` in UTC, when it parsed.
    pub last_modified: Option<DateTime<Utc>>,
    /// `Contacts[]`.
    pub contacts: Vec<SourceContact>,
    /// `Addresses[]`.
    pub addresses: Vec<SourceAddress>,
    /// `ProductPrices[]` (customer-specific prices, P2).
    pub product_prices: Vec<CustomerPrice>,
}

impl SourceCustomer {
    /// A minimal active customer with the given ID and nothing else; handy for tests and hosts.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            status: RecordStatus::Active,
            currency: None,
            tax_rule: None,
            price_tier: None,
            tags: Vec::new(),
            credit_limit: Decimal::ZERO,
            on_credit_hold: false,
            discount: None,
            last_modified: None,
            contacts: Vec::new(),
            addresses: Vec::new(),
            product_prices: Vec::new(),
        }
    }
}

/// Splits Cin7's comma-joined `Tags` string: split on `,`, trim, drop empties, keep order (C1).
pub fn split_tags(tags: Option<&str>) -> Vec<String> {
    tags.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Number of Cin7 price tiers (`PriceTier1` … `PriceTier10`).
pub const TIER_COUNT: usize = 10;

/// A product as read from Cin7 Core (`GET /product`), the input of P1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceProduct {
    /// `ID` (a GUID).
    pub id: String,
    /// `SKU`; `None` when empty (such a product is never published).
    pub sku: Option<String>,
    /// `Status`.
    pub status: RecordStatus,
    /// `PriceTier1` … `PriceTier10`, by tier code − 1. `None` when the field was missing.
    pub tier_prices: [Option<Decimal>; TIER_COUNT],
    /// `LastModifiedOn` in UTC, when it parsed.
    pub last_modified: Option<DateTime<Utc>>,
}

/// One of the account's price tiers (`GET /ref/priceTier`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceTier {
    /// `Code`, 1–10: selects `PriceTierN`.
    pub code: u8,
    /// `Name` the account gave the tier, e.g. "Wholesale" (customers refer to tiers by name).
    pub name: String,
}

/// Account-wide facts the rules need: base currency (`GET /me`) and tier names (`GET /ref/priceTier`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// The account's base currency (`/me` → `Currency`), 3-letter code (C12, P1).
    pub base_currency: String,
    /// The ten price tiers.
    pub price_tiers: Vec<PriceTier>,
}

impl AccountInfo {
    /// Looks a tier up by its name, case-insensitively and ignoring surrounding spaces (C8).
    pub fn tier_code(&self, name: &str) -> Option<u8> {
        let name = name.trim();
        self.price_tiers
            .iter()
            .find(|t| t.name.trim().eq_ignore_ascii_case(name))
            .map(|t| t.code)
    }

    /// The name of tier `code`, or `Tier N` when the account did not name it.
    pub fn tier_name(&self, code: u8) -> String {
        self.price_tiers
            .iter()
            .find(|t| t.code == code)
            .map(|t| t.name.clone())
            .unwrap_or_else(|| format!("Tier {code}"))
    }
}

/// A SparkLayer customer group: its display name (matched against Cin7 tags, C7) and slug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerGroup {
    /// The group's name as shown in SparkLayer.
    pub name: String,
    /// The group's slug, written to `sparklayer.group`.
    pub slug: String,
}
