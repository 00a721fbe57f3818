//! Cin7 wire shapes (reference §4–§6), tolerant of the documented quirks (see [`lenient`]),
//! and their conversion into the core's source records.
//!
//! Only the fields the sync uses are read; unknown keys are ignored.

pub mod lenient;

use chrono::{DateTime, Utc};
use cin7_sparklayer_core::model::{
    AccountInfo, AddressKind, CustomerPrice, PriceTier, RecordStatus, SourceAddress, SourceContact,
    SourceCustomer, SourceProduct, TIER_COUNT, non_empty, split_tags,
};
use rust_decimal::Decimal;
use serde::Deserialize;

/// `GET me` (only the base currency is used, C12).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Me {
    /// `Company`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub company: Option<String>,
    /// `Currency`: the account's base currency.
    #[serde(default, deserialize_with = "lenient::string")]
    pub currency: Option<String>,
}

/// `GET ref/priceTier`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PriceTiers {
    /// `PriceTiers[]`.
    #[serde(default, deserialize_with = "lenient::list")]
    pub price_tiers: Vec<WirePriceTier>,
}

/// One `PriceTiers[]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WirePriceTier {
    /// `Code` 1–10.
    #[serde(default, deserialize_with = "lenient::integer")]
    pub code: Option<u64>,
    /// `Name`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: Option<String>,
}

/// One `CustomerList[]` entry of `GET customer`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WireCustomer {
    /// `ID` (GUID): required.
    #[serde(rename = "ID")]
    pub id: String,
    /// `Name`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: Option<String>,
    /// `Status`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: Option<String>,
    /// `Currency`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub currency: Option<String>,
    /// `TaxRule` (a name).
    #[serde(default, deserialize_with = "lenient::string")]
    pub tax_rule: Option<String>,
    /// `PriceTier` (a name).
    #[serde(default, deserialize_with = "lenient::string")]
    pub price_tier: Option<String>,
    /// `Tags`: one comma-joined string.
    #[serde(default, deserialize_with = "lenient::string")]
    pub tags: Option<String>,
    /// `CreditLimit`.
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub credit_limit: Option<Decimal>,
    /// `IsOnCreditHold`.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub is_on_credit_hold: bool,
    /// `Discount`: a percentage (C17).
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub discount: Option<Decimal>,
    /// `LastModifiedOn`.
    #[serde(default, deserialize_with = "lenient::date")]
    pub last_modified_on: Option<DateTime<Utc>>,
    /// `Contacts[]`.
    #[serde(default, deserialize_with = "lenient::list")]
    pub contacts: Vec<WireContact>,
    /// `Addresses[]`.
    #[serde(default, deserialize_with = "lenient::list")]
    pub addresses: Vec<WireAddress>,
    /// `ProductPrices[]` (with `IncludeProductPrices=true`).
    #[serde(default, deserialize_with = "lenient::list")]
    pub product_prices: Vec<WireProductPrice>,
}

/// One `Contacts[]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WireContact {
    /// `Name`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: Option<String>,
    /// `Phone`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub phone: Option<String>,
    /// `MobilePhone`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub mobile_phone: Option<String>,
    /// `Email`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub email: Option<String>,
    /// `Default`.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub default: bool,
}

/// One `Addresses[]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WireAddress {
    /// `Line1`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub line1: Option<String>,
    /// `Line2`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub line2: Option<String>,
    /// `City`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub city: Option<String>,
    /// `State`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub state: Option<String>,
    /// `Postcode` (sometimes a number).
    #[serde(default, deserialize_with = "lenient::string")]
    pub postcode: Option<String>,
    /// `Country` (a name).
    #[serde(default, deserialize_with = "lenient::string")]
    pub country: Option<String>,
    /// `Type`.
    #[serde(default, rename = "Type", deserialize_with = "lenient::string")]
    pub kind: Option<String>,
    /// `DefaultForType`.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub default_for_type: bool,
}

/// One `ProductPrices[]` entry (customer-specific price, P2).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WireProductPrice {
    /// `ProductSKU`.
    #[serde(default, rename = "ProductSKU", deserialize_with = "lenient::string")]
    pub product_sku: Option<String>,
    /// `Price`.
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub price: Option<Decimal>,
}

/// One `Products[]` entry of `GET product`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WireProduct {
    /// `ID` (GUID): required.
    #[serde(rename = "ID")]
    pub id: String,
    /// `SKU`.
    #[serde(default, rename = "SKU", deserialize_with = "lenient::string")]
    pub sku: Option<String>,
    /// `Status`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: Option<String>,
    /// `PriceTier1`.
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub price_tier1: Option<Decimal>,
    /// `PriceTier2`.
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub price_tier2: Option<Decimal>,
    /// `PriceTier3`.
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub price_tier3: Option<Decimal>,
    /// `PriceTier4`.
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub price_tier4: Option<Decimal>,
    /// `PriceTier5`.
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub price_tier5: Option<Decimal>,
    /// `PriceTier6`.
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub price_tier6: Option<Decimal>,
    /// `PriceTier7`.
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub price_tier7: Option<Decimal>,
    /// `PriceTier8`.
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub price_tier8: Option<Decimal>,
    /// `PriceTier9`.
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub price_tier9: Option<Decimal>,
    /// `PriceTier10`.
    #[serde(default, deserialize_with = "lenient::decimal")]
    pub price_tier10: Option<Decimal>,
    /// `LastModifiedOn`.
    #[serde(default, deserialize_with = "lenient::date")]
    pub last_modified_on: Option<DateTime<Utc>>,
}

/// The two fields of a `CustomerList[]` or `Products[]` row the freshness poll reads (E12);
/// the rest of the row is not parsed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WireChange {
    /// `ID` (GUID): required.
    #[serde(rename = "ID")]
    pub id: String,
    /// `LastModifiedOn`.
    #[serde(default, deserialize_with = "lenient::date")]
    pub last_modified_on: Option<DateTime<Utc>>,
}

impl WireChange {
    /// Into the core's [`Change`](cin7_sparklayer_core::ports::Change).
    pub fn into_change(self) -> cin7_sparklayer_core::ports::Change {
        cin7_sparklayer_core::ports::Change {
            id: self.id.trim().to_owned(),
            modified: self.last_modified_on,
        }
    }
}

impl WireCustomer {
    /// Into the core's record: `""`/`null` → `None`, `Tags` split, rows without a SKU or a
    /// price dropped from `ProductPrices`, `CreditLimit` absent → 0.
    pub fn into_source(self) -> SourceCustomer {
        SourceCustomer {
            id: self.id.trim().to_owned(),
            name: non_empty(self.name.as_deref()),
            status: RecordStatus::parse(self.status.as_deref()),
            currency: non_empty(self.currency.as_deref()),
            tax_rule: non_empty(self.tax_rule.as_deref()),
            price_tier: non_empty(self.price_tier.as_deref()),
            tags: split_tags(self.tags.as_deref()),
            credit_limit: self.credit_limit.unwrap_or(Decimal::ZERO),
            on_credit_hold: self.is_on_credit_hold,
            discount: self.discount,
            last_modified: self.last_modified_on,
            contacts: self
                .contacts
                .into_iter()
                .map(|c| SourceContact {
                    name: non_empty(c.name.as_deref()),
                    phone: non_empty(c.phone.as_deref()),
                    mobile_phone: non_empty(c.mobile_phone.as_deref()),
                    email: non_empty(c.email.as_deref()),
                    default: c.default,
                })
                .collect(),
            addresses: self
                .addresses
                .into_iter()
                .map(|a| SourceAddress {
                    line1: non_empty(a.line1.as_deref()),
                    line2: non_empty(a.line2.as_deref()),
                    city: non_empty(a.city.as_deref()),
                    state: non_empty(a.state.as_deref()),
                    postcode: non_empty(a.postcode.as_deref()),
                    country: non_empty(a.country.as_deref()),
                    kind: non_empty(a.kind.as_deref()).map(|k| AddressKind::parse(Some(&k))),
                    default_for_type: a.default_for_type,
                })
                .collect(),
            product_prices: self
                .product_prices
                .into_iter()
                .filter_map(|p| {
                    Some(CustomerPrice {
                        sku: non_empty(p.product_sku.as_deref())?,
                        price: p.price?,
                    })
                })
                .collect(),
        }
    }
}

impl WireProduct {
    /// Into the core's record: empty `SKU` → `None`, tier prices by code − 1.
    pub fn into_source(self) -> SourceProduct {
        let tier_prices: [Option<Decimal>; TIER_COUNT] = [
            self.price_tier1,
            self.price_tier2,
            self.price_tier3,
            self.price_tier4,
            self.price_tier5,
            self.price_tier6,
            self.price_tier7,
            self.price_tier8,
            self.price_tier9,
            self.price_tier10,
        ];
        SourceProduct {
            id: self.id.trim().to_owned(),
            sku: non_empty(self.sku.as_deref()),
            status: RecordStatus::parse(self.status.as_deref()),
            tier_prices,
            last_modified: self.last_modified_on,
        }
    }
}

/// Builds the account facts from `GET me` and `GET ref/priceTier`. Tiers with a code outside
/// 1–10 are dropped; a tier without a name keeps `Tier N`.
pub fn account_info(me: Me, tiers: PriceTiers) -> Option<AccountInfo> {
    let base_currency = non_empty(me.currency.as_deref())?.to_ascii_uppercase();
    let mut price_tiers: Vec<PriceTier> = tiers
        .price_tiers
        .into_iter()
        .filter_map(|t| {
            let code = u8::try_from(t.code?)
                .ok()
                .filter(|c| (1..=10).contains(c))?;
            Some(PriceTier {
                code,
                name: non_empty(t.name.as_deref()).unwrap_or_else(|| format!("Tier {code}")),
            })
        })
        .collect();
    price_tiers.sort_by_key(|t| t.code);
    price_tiers.dedup_by_key(|t| t.code);
    Some(AccountInfo {
        base_currency,
        price_tiers,
    })
}
