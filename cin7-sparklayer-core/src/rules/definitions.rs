//! E10: the shop's own metafield definitions. Where one of the sync's keys is defined with
//! another type, its values are written as the definition's type when they convert without
//! loss (`number_decimal` ↔ `number_integer` for whole values, `single_line_text_field` ↔
//! `multi_line_text_field`); a value that cannot convert fails its record, naming the
//! definition; a type the sync cannot write at all stops the run before any write.

use std::collections::BTreeMap;

use crate::model::{DesiredMetafield, MetafieldDefinition, MetafieldKey, MetafieldType};
use rust_decimal::Decimal;

/// Largest `number_integer` Shopify stores: ±9,007,199,254,740,991.
const MAX_INTEGER: u64 = 9_007_199_254_740_991;

/// Largest whole part of a `number_decimal`: ±9,999,999,999,999 (13 digits).
const MAX_DECIMAL_WHOLE: u64 = 9_999_999_999_999;

/// Why a value cannot be written as another type without loss (E10).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotConvertible {
    /// A decimal with a fraction cannot become a `number_integer`.
    #[error("{value} is not a whole number")]
    NotWhole {
        /// The value.
        value: String,
    },
    /// The value is outside what the target type holds.
    #[error("{value} is outside the range of {to}")]
    OutOfRange {
        /// The value.
        value: String,
        /// The target type.
        to: MetafieldType,
    },
    /// The value does not parse as its own type (a number that is not one).
    #[error("{value:?} is not a {from} value")]
    Invalid {
        /// The value.
        value: String,
        /// Its type.
        from: MetafieldType,
    },
    /// A `multi_line_text_field` value with a line break cannot be single-line.
    #[error("the text has a line break")]
    LineBreak,
    /// The two types have no lossless conversion.
    #[error("{from} values are not written as {to}")]
    Types {
        /// The sync's type.
        from: MetafieldType,
        /// The shop's type.
        to: MetafieldType,
    },
}

/// Whether values of the sync's type `from` can be written as `to` at all (E10): the same
/// type, or one of the lossless pairs. Whether a given value converts is
/// [`convert_value`]'s question.
pub fn convertible(from: MetafieldType, to: MetafieldType) -> bool {
    use MetafieldType::{MultiLineTextField, NumberDecimal, NumberInteger, SingleLineTextField};
    from == to
        || matches!(
            (from, to),
            (NumberDecimal, NumberInteger)
                | (NumberInteger, NumberDecimal)
                | (SingleLineTextField, MultiLineTextField)
                | (MultiLineTextField, SingleLineTextField)
        )
}

/// `value` of type `from` written as `to` with nothing lost (E10): a whole decimal as an
/// integer (`5000.00` → `5000`), an integer as a decimal, text as the other kind of text (a
/// line break cannot go into a single line).
///
/// # Errors
/// [`NotConvertible`] saying why; never a lossy result.
pub fn convert_value(
    value: &str,
    from: MetafieldType,
    to: MetafieldType,
) -> Result<String, NotConvertible> {
    use MetafieldType::{MultiLineTextField, NumberDecimal, NumberInteger, SingleLineTextField};
    let invalid = || NotConvertible::Invalid {
        value: value.to_owned(),
        from,
    };
    let out_of_range = || NotConvertible::OutOfRange {
        value: value.to_owned(),
        to,
    };
    match (from, to) {
        _ if from == to => Ok(value.to_owned()),
        (NumberDecimal, NumberInteger) => {
            let d: Decimal = value.trim().parse().map_err(|_| invalid())?;
            if !d.fract().is_zero() {
                return Err(NotConvertible::NotWhole {
                    value: value.to_owned(),
                });
            }
            let whole = i64::try_from(d.trunc()).map_err(|_| out_of_range())?;
            if whole.unsigned_abs() > MAX_INTEGER {
                return Err(out_of_range());
            }
            Ok(whole.to_string())
        }
        (NumberInteger, NumberDecimal) => {
            let n: i64 = value.trim().parse().map_err(|_| invalid())?;
            if n.unsigned_abs() > MAX_DECIMAL_WHOLE {
                return Err(out_of_range());
            }
            Ok(n.to_string())
        }
        (SingleLineTextField, MultiLineTextField) => Ok(value.to_owned()),
        (MultiLineTextField, SingleLineTextField) if value.contains(['\n', '\r']) => {
            Err(NotConvertible::LineBreak)
        }
        (MultiLineTextField, SingleLineTextField) => Ok(value.to_owned()),
        _ => Err(NotConvertible::Types { from, to }),
    }
}

/// A key the shop defines with a type the sync cannot write at all: the run stops before any
/// write (E10).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the shop defines customer metafield {key} as {shop_type}, but the sync writes {expected} \
     there: change that definition's type in the Shopify admin (Settings → Custom data → \
     Customers) or delete it"
)]
pub struct UnwritableDefinition {
    /// The key.
    pub key: MetafieldKey,
    /// The definition's type, as Shopify names it.
    pub shop_type: String,
    /// The type the sync writes there.
    pub expected: MetafieldType,
}

/// One of a customer's values that cannot be written as its definition's type: that record
/// fails (E10), the message naming the definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{key} cannot be written: the shop's metafield definition \"{name}\" ({key}) is \
     {shop_type}, and {reason}"
)]
pub struct DefinitionMismatch {
    /// The key.
    pub key: MetafieldKey,
    /// The definition's name.
    pub name: String,
    /// The definition's type.
    pub shop_type: MetafieldType,
    /// Why the value does not convert.
    pub reason: NotConvertible,
}

/// The sync's keys whose shop definitions have another type it can write, each with that type
/// and its definition (E10). Empty when the shop defines none of them differently.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShopTypes {
    written_as: BTreeMap<MetafieldKey, (MetafieldType, MetafieldDefinition)>,
}

impl ShopTypes {
    /// Matches the shop's `definitions` against the keys the sync writes (`written`, each with
    /// its type). Definitions of other keys are ignored.
    ///
    /// # Errors
    /// The first key (in key order) defined with a type the sync cannot write.
    pub fn new(
        written: &[(MetafieldKey, MetafieldType)],
        definitions: &[MetafieldDefinition],
    ) -> Result<Self, UnwritableDefinition> {
        let mut sorted: Vec<&(MetafieldKey, MetafieldType)> = written.iter().collect();
        sorted.sort();
        let mut written_as = BTreeMap::new();
        for (key, expected) in sorted {
            let Some(def) = definitions.iter().find(|d| d.key == *key) else {
                continue;
            };
            let shop = MetafieldType::from_shopify(&def.type_name)
                .filter(|t| convertible(*expected, *t))
                .ok_or_else(|| UnwritableDefinition {
                    key: key.clone(),
                    shop_type: def.type_name.clone(),
                    expected: *expected,
                })?;
            if shop != *expected {
                written_as.insert(key.clone(), (shop, def.clone()));
            }
        }
        Ok(Self { written_as })
    }

    /// Whether every key is written as the sync's own type.
    pub fn is_empty(&self) -> bool {
        self.written_as.is_empty()
    }

    /// The keys written as another type, with that type (for `sync --check`).
    pub fn conversions(&self) -> impl Iterator<Item = (&MetafieldKey, MetafieldType)> {
        self.written_as.iter().map(|(k, (t, _))| (k, *t))
    }

    /// Converts a customer's metafields to the shop's types, in place (E10).
    ///
    /// # Errors
    /// The first value that does not convert without loss, naming its definition; the
    /// metafields are then partly converted and the record must not be written.
    pub fn apply(&self, metafields: &mut [DesiredMetafield]) -> Result<(), DefinitionMismatch> {
        for m in metafields {
            let Some((to, def)) = self.written_as.get(&m.key) else {
                continue;
            };
            m.value =
                convert_value(&m.value, m.kind, *to).map_err(|reason| DefinitionMismatch {
                    key: m.key.clone(),
                    name: def.name.clone(),
                    shop_type: *to,
                    reason,
                })?;
            m.kind = *to;
        }
        Ok(())
    }
}
