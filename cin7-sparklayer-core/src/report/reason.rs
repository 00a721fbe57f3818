//! The reason codes of skips and warnings (E9), one variant per reason a rule emits.
//!
//! Each serialises as its snake_case name (`no_default_contact_email`, `invalid_phone`, …),
//! which is also its [`Display`](std::fmt::Display) and what [`str::parse`] reads. They order,
//! hash and [`Borrow`] as that name, so the report's maps keyed by reason keep the
//! alphabetical order of their names and can be looked up by name (`map.get("inactive")`).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

/// Why a record is not synced (E3: a skip carries its Cin7 ID and one of these).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// C1: the customer's `Status` is not `Active`.
    Inactive,
    /// C1: none of `customers.include_tags` is among the customer's tags.
    NotInScope,
    /// C2: no default contact, or it has no email.
    NoDefaultContactEmail,
    /// C2: the email is not `local@domain.tld` without spaces.
    InvalidEmail,
    /// C3: another in-scope customer has the same email (the detail names the other Cin7 IDs).
    DuplicateEmail,
    /// C10: the Cin7 ID is empty or longer than a `cin7.customer_id` metafield holds.
    InvalidId,
    /// C9: `CreditLimit` is beyond what Shopify's `number_decimal` stores.
    InvalidCreditLimit,
    /// C12: the customer's currency is not the base currency (`customers.currency = "base_only"`).
    NonBaseCurrency,
    /// C16: a contact with no `ID` cannot be linked, so it is not synced.
    NoContactId,
    /// E3: the source could not read the record into the model (the detail names the field).
    Malformed,
}

/// A problem on a record that was still synced (E9: counted per reason in the report).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[non_exhaustive]
pub enum WarningReason {
    /// C4: neither `Phone` nor `MobilePhone` is a valid number, or Shopify refused the phone:
    /// the customer has no phone.
    InvalidPhone,
    /// C4: Shopify has the phone on another customer: written without it.
    PhoneTaken,
    /// C5: the address's country is not known: no address.
    UnknownCountry,
    /// C5: the address's `State` is neither a code nor a subdivision name of its country: no province.
    UnknownProvince,
    /// C5: Shopify refused the address's province: written without it.
    InvalidProvince,
    /// C7: several of the customer's tags name a SparkLayer group: the first wins.
    MultipleGroups,
    /// C8: the customer's `PriceTier` is not one of the account's tier names: no tier list.
    UnknownPriceTier,
    /// C8, P1: tier lists are in the base currency, the customer buys in another: no tier list.
    TierNotInCustomerCurrency,
    /// P1, P2: a negative price is never published.
    NegativePrice,
    /// P1, P2: a SKU listed twice (two products, or twice in a customer's prices): one wins.
    DuplicateSku,
    /// C13: the shop uses new customer accounts, where no invite exists.
    InviteNotApplicable,
    /// C17: `Discount` is outside 0–100: not written.
    InvalidDiscount,
    /// E8: a full read ended with fewer distinct records than Cin7's `Total`.
    IncompleteRead,
    /// P5: SparkLayer holds the list in another currency than the sync now publishes it in
    /// (`pricing.tier_currency` changed); SparkLayer cannot change a list's currency, so the
    /// prices are written and the operator is told to delete the list for the sync to re-create it.
    PriceListCurrencyMismatch,
}

macro_rules! by_name {
    ($reason:ty) => {
        impl $reason {
            /// The reason code, as serialised and printed.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }

        impl std::fmt::Display for $reason {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl PartialOrd for $reason {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }

        /// By name, so a map keyed by reason lists them alphabetically.
        impl Ord for $reason {
            fn cmp(&self, other: &Self) -> Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        /// As the name, consistent with [`Borrow<str>`].
        impl Hash for $reason {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.as_str().hash(state);
            }
        }

        impl Borrow<str> for $reason {
            fn borrow(&self) -> &str {
                self.as_str()
            }
        }
    };
}

by_name!(SkipReason);
by_name!(WarningReason);

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use strum::VariantArray;

    use super::*;

    /// Every variant serialises as its name, reads back from it, and parses from its `Display`.
    fn round_trips<R>(all: &[R])
    where
        R: Copy
            + Eq
            + std::fmt::Debug
            + std::fmt::Display
            + Serialize
            + serde::de::DeserializeOwned
            + std::str::FromStr,
    {
        for r in all {
            let json = serde_json::to_string(r).expect("serialises");
            assert_eq!(json, format!("\"{r}\""), "{r:?}");
            let back: R = serde_json::from_str(&json).expect("deserialises");
            assert_eq!(&back, r);
            let parsed: R = r.to_string().parse().ok().expect("parses");
            assert_eq!(&parsed, r);
            let name = r.to_string();
            assert!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()),
                "{name} is not snake_case"
            );
        }
    }

    #[test]
    fn every_reason_round_trips_through_serde_as_its_snake_case_name() {
        round_trips(SkipReason::VARIANTS);
        round_trips(WarningReason::VARIANTS);
        assert_eq!(
            serde_json::to_string(&SkipReason::NoDefaultContactEmail).expect("json"),
            "\"no_default_contact_email\""
        );
        assert_eq!(
            serde_json::to_string(&WarningReason::TierNotInCustomerCurrency).expect("json"),
            "\"tier_not_in_customer_currency\""
        );
    }

    #[test]
    fn names_are_unique_across_both_enums() {
        let skips: Vec<&str> = SkipReason::VARIANTS.iter().map(|r| r.as_str()).collect();
        let warnings: Vec<&str> = WarningReason::VARIANTS.iter().map(|r| r.as_str()).collect();
        let all: BTreeSet<&str> = skips.iter().chain(&warnings).copied().collect();
        assert_eq!(
            all.len(),
            skips.len() + warnings.len(),
            "{skips:?} {warnings:?}"
        );
    }

    #[test]
    fn reason_maps_serialise_like_string_maps_in_the_same_order() {
        let mut typed: BTreeMap<WarningReason, u64> = BTreeMap::new();
        let mut strings: BTreeMap<String, u64> = BTreeMap::new();
        for (n, r) in WarningReason::VARIANTS.iter().rev().enumerate() {
            typed.insert(*r, n as u64);
            strings.insert(r.to_string(), n as u64);
        }
        assert_eq!(
            serde_json::to_string(&typed).expect("typed"),
            serde_json::to_string(&strings).expect("strings")
        );
        let back: BTreeMap<WarningReason, u64> =
            serde_json::from_str(&serde_json::to_string(&strings).expect("strings")).expect("back");
        assert_eq!(back, typed);
        assert_eq!(
            typed.get("phone_taken"),
            typed.get(&WarningReason::PhoneTaken)
        );
    }

    #[test]
    fn display_pads_like_a_string() {
        assert_eq!(format!("{:<12}|", SkipReason::Inactive), "inactive    |");
    }

    #[test]
    fn an_unknown_name_is_an_error() {
        assert!(serde_json::from_str::<SkipReason>("\"gone\"").is_err());
        assert!("phone".parse::<WarningReason>().is_err());
    }
}
