//! E10 conversion rules as properties: lossless conversions round-trip, a decimal with a
//! fraction never becomes an integer, a line break never goes into a single line, and a type
//! the sync cannot write is refused naming the key, the shop's type and the expected one.

use cin7_sparklayer_core::model::{
    DesiredMetafield, MetafieldDefinition, MetafieldKey, MetafieldType,
};
use cin7_sparklayer_core::rules::metafields::{
    MetafieldInputs, WRITTEN, customer_metafields, written_types,
};
use cin7_sparklayer_core::rules::{
    NotConvertible, ShopTypes, UnwritableDefinition, convert_value, convertible,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

use MetafieldType::{
    Boolean, Json, MultiLineTextField, NumberDecimal, NumberInteger, SingleLineTextField,
};

const ALL: [MetafieldType; 6] = [
    SingleLineTextField,
    Json,
    NumberDecimal,
    Boolean,
    NumberInteger,
    MultiLineTextField,
];

/// A whole number written as Cin7 and the sync write decimals: with 0–4 zero decimals.
fn whole_decimal() -> impl Strategy<Value = (i64, String)> {
    (-9_999_999_999_999i64..=9_999_999_999_999, 0u32..=4).prop_map(|(n, zeros)| {
        let text = if zeros == 0 {
            n.to_string()
        } else {
            format!("{n}.{}", "0".repeat(zeros as usize))
        };
        (n, text)
    })
}

fn definition(ns: &str, key: &str, type_name: &str) -> MetafieldDefinition {
    MetafieldDefinition {
        key: MetafieldKey::new(ns, key),
        name: format!("{key} (merchant)"),
        type_name: type_name.into(),
    }
}

proptest! {
    #[test]
    fn whole_decimals_round_trip_through_integer((n, text) in whole_decimal()) {
        let integer = convert_value(&text, NumberDecimal, NumberInteger).unwrap();
        prop_assert_eq!(&integer, &n.to_string());
        let back = convert_value(&integer, NumberInteger, NumberDecimal).unwrap();
        prop_assert_eq!(back.parse::<Decimal>().unwrap(), text.parse::<Decimal>().unwrap());
    }

    #[test]
    fn integers_round_trip_through_decimal(n in -9_999_999_999_999i64..=9_999_999_999_999) {
        let decimal = convert_value(&n.to_string(), NumberInteger, NumberDecimal).unwrap();
        let back = convert_value(&decimal, NumberDecimal, NumberInteger).unwrap();
        prop_assert_eq!(back, n.to_string());
    }

    #[test]
    fn decimals_with_a_fraction_never_become_integers(
        n in -1_000_000_000_000i64..1_000_000_000_000,
        scale in 1u32..=9,
    ) {
        let d = Decimal::new(n, scale);
        prop_assume!(!d.fract().is_zero());
        let err = convert_value(&d.to_string(), NumberDecimal, NumberInteger).unwrap_err();
        prop_assert!(matches!(err, NotConvertible::NotWhole { .. }), "{err}");
    }

    #[test]
    fn single_line_text_round_trips_through_multi_line(text in "[^\r\n]{0,40}") {
        let multi = convert_value(&text, SingleLineTextField, MultiLineTextField).unwrap();
        let back = convert_value(&multi, MultiLineTextField, SingleLineTextField).unwrap();
        prop_assert_eq!(back, text);
    }

    #[test]
    fn a_line_break_never_goes_into_a_single_line(a in ".{0,10}", b in ".{0,10}", br in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")]) {
        let text = format!("{a}{br}{b}");
        let err = convert_value(&text, MultiLineTextField, SingleLineTextField).unwrap_err();
        prop_assert_eq!(err, NotConvertible::LineBreak);
    }

    #[test]
    fn the_same_type_is_the_same_value(value in ".{0,30}", i in 0usize..6) {
        prop_assert_eq!(convert_value(&value, ALL[i], ALL[i]).unwrap(), value);
    }

    #[test]
    fn conversion_is_possible_exactly_for_the_lossless_pairs(i in 0usize..6, j in 0usize..6) {
        let (from, to) = (ALL[i], ALL[j]);
        let pairs = [
            (NumberDecimal, NumberInteger),
            (NumberInteger, NumberDecimal),
            (SingleLineTextField, MultiLineTextField),
            (MultiLineTextField, SingleLineTextField),
        ];
        prop_assert_eq!(convertible(from, to), from == to || pairs.contains(&(from, to)));
        prop_assert_eq!(convertible(from, to), convertible(to, from));
        if !convertible(from, to) {
            let err = convert_value("1", from, to).unwrap_err();
            prop_assert_eq!(err, NotConvertible::Types { from, to });
        }
    }

    #[test]
    fn shop_types_apply_converts_or_names_the_definition(limit in -100_000i64..100_000, scale in 0u32..=2) {
        let types = ShopTypes::new(
            &written_types(),
            &[definition("cin7", "credit_limit", "number_integer")],
        )
        .unwrap();
        let value = Decimal::new(limit, scale);
        let mut metafields = vec![DesiredMetafield {
            key: MetafieldKey::new("cin7", "credit_limit"),
            kind: NumberDecimal,
            value: value.to_string(),
        }];
        match types.apply(&mut metafields) {
            Ok(()) => {
                prop_assert!(value.fract().is_zero());
                prop_assert_eq!(metafields[0].kind, NumberInteger);
                prop_assert_eq!(metafields[0].value.parse::<Decimal>().unwrap(), value);
            }
            Err(e) => {
                prop_assert!(!value.fract().is_zero());
                let message = e.to_string();
                prop_assert!(message.contains("\"credit_limit (merchant)\""), "{}", message);
                prop_assert!(message.contains("cin7.credit_limit") && message.contains("number_integer"), "{}", message);
            }
        }
    }
}

#[test]
fn a_type_the_sync_cannot_write_stops_with_key_shop_type_and_expected_type() {
    for (key, shop_type, expected) in [
        (("sparklayer", "price_lists"), "boolean", Json),
        (("cin7", "on_credit_hold"), "number_integer", Boolean),
        (("cin7", "credit_limit"), "money", NumberDecimal),
        (
            ("sparklayer", "group"),
            "list.single_line_text_field",
            SingleLineTextField,
        ),
        (("cin7", "customer_id"), "json", SingleLineTextField),
    ] {
        let err = ShopTypes::new(
            &written_types(),
            &[
                definition("cin7", "unrelated", "money"),
                definition(key.0, key.1, shop_type),
            ],
        )
        .unwrap_err();
        assert_eq!(
            err,
            UnwritableDefinition {
                key: MetafieldKey::new(key.0, key.1),
                shop_type: shop_type.into(),
                expected,
            }
        );
        let line = err.to_string();
        assert!(
            line.contains(&format!("{}.{}", key.0, key.1))
                && line.contains(shop_type)
                && line.contains(expected.as_shopify())
                && !line.contains('\n'),
            "{line}"
        );
    }
}

#[test]
fn definitions_of_the_same_type_or_other_keys_change_nothing() {
    let types = ShopTypes::new(
        &written_types(),
        &[
            definition("cin7", "credit_limit", "number_decimal"),
            definition("sparklayer", "price_lists", "json"),
            definition("sparklayer", "not_ours", "boolean"),
        ],
    )
    .unwrap();
    assert!(types.is_empty());
    assert_eq!(types.conversions().count(), 0);
}

#[test]
fn every_metafield_the_sync_writes_is_listed_with_its_type() {
    let lists = vec!["cin7-tier-1".to_owned()];
    let written = customer_metafields(&MetafieldInputs {
        cin7_id: "c-1",
        company_name: Some("Acme"),
        group_slug: Some("gold"),
        price_lists: &lists,
        credit_limit: Decimal::new(125, 1),
        on_credit_hold: false,
        currency_code: Some("usd"),
        discount: Some(Decimal::new(125, 1)),
    });
    assert_eq!(written.len(), WRITTEN.len());
    for m in written {
        assert!(
            written_types().contains(&(m.key.clone(), m.kind)),
            "{} {} missing from WRITTEN",
            m.key,
            m.kind
        );
    }
}
