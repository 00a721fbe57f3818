//! The sandbox data set, read through the client's wire types and mapped by the core's rules:
//! every generated edge case ends up where SPEC §3 says it should.

use std::collections::HashMap;

use cin7_client::wire::WireCustomer;
use cin7_sparklayer_core::config::{Currencies, CustomersConfig, ZeroPrice};
use cin7_sparklayer_core::model::{AccountInfo, SourceCustomer, TierListKey};
use cin7_sparklayer_core::rules::{MappedCustomer, MappingContext, Skip, map_customer};
use cin7_sparklayer_sandbox::data::{CustomerCase, Dataset};

fn warnings(m: &MappedCustomer) -> Vec<&'static str> {
    m.warnings.iter().map(|w| w.reason.as_str()).collect()
}

#[test]
fn every_customer_case_maps_as_documented() {
    let data = Dataset::generate(42, 3_000, 500);
    let account = AccountInfo {
        base_currency: data.base_currency.clone(),
        price_tiers: data.price_tiers.clone(),
    };
    let customers = CustomersConfig::default();
    let ctx = MappingContext {
        customers: &customers,
        prefix: "cin7",
        zero_price: ZeroPrice::Skip,
        pricing_enabled: true,
        account: &account,
        groups: &data.customer_groups,
        currencies: Currencies::none(),
    };
    let mut seen: HashMap<CustomerCase, usize> = HashMap::new();
    let mut valid_warnings: Vec<String> = Vec::new();
    for (raw, case) in data.customers.iter().zip(&data.customer_cases) {
        *seen.entry(*case).or_default() += 1;
        let parsed = serde_json::from_value::<WireCustomer>(raw.clone());
        if *case == CustomerCase::Malformed {
            // Wrong types fail to parse, or (ID: null) fail the ID.
            assert!(parsed.is_err(), "{raw}");
            continue;
        }
        let source: SourceCustomer = parsed.expect("parses").into_source();
        let outcome: Result<MappedCustomer, Skip> = map_customer(&source, &ctx);
        let skip = |reason: &str| match &outcome {
            Err(s) => assert_eq!(s.reason.as_str(), reason, "{case:?} {raw}"),
            Ok(m) => panic!("{case:?} should skip {reason}, mapped {m:?}"),
        };
        use CustomerCase as C;
        match case {
            C::TagsNull | C::TagsEmpty | C::NotInScope => skip("not_in_scope"),
            C::Deprecated => skip("inactive"),
            C::NoDefaultContact | C::NoContacts | C::DefaultWithoutEmail => {
                skip("no_default_contact_email")
            }
            C::InvalidEmail => skip("invalid_email"),
            C::NonBaseCurrency => skip("non_base_currency"),
            _ => {
                let m = outcome.unwrap_or_else(|s| panic!("{case:?} skipped {s:?}: {raw}"));
                let d = &m.desired;
                let w = warnings(&m);
                match case {
                    C::Valid => {
                        if !w.is_empty() {
                            valid_warnings.push(format!("{:?}: {raw}", m.warnings));
                        }
                        assert!(d.phone.is_some(), "{raw}");
                        let a = d.address.as_ref().expect("address");
                        assert_eq!(a.country_code, "AU");
                        assert!(a.province_code.is_some(), "state codes are codes: {a:?}");
                    }
                    C::TwoDefaults => assert!(d.email.starts_with("buyer."), "{}", d.email),
                    C::PhoneInvalid => assert!(w.contains(&"invalid_phone") && d.phone.is_none()),
                    C::PhoneMobileOnly => assert_eq!(d.phone.as_deref(), Some("+61412345678")),
                    C::PhoneWithCountry => assert_eq!(d.phone.as_deref(), Some("+442079460958")),
                    C::OneWordName => assert_eq!(d.last_name, None),
                    C::AddressShippingAfterBilling => {
                        assert_eq!(
                            d.address.as_ref().and_then(|a| a.city.as_deref()),
                            Some("Hobart")
                        )
                    }
                    C::AddressNoDefault => {
                        assert_eq!(
                            d.address.as_ref().and_then(|a| a.city.as_deref()),
                            Some("Darwin")
                        )
                    }
                    C::AddressBillingOnly | C::AddressBusinessOnly => assert!(d.address.is_some()),
                    C::AddressNone => assert!(d.address.is_none()),
                    C::CountryAlias => {
                        let code = d.address.as_ref().map(|a| a.country_code.as_str());
                        assert!(matches!(code, Some("US" | "GB")), "{code:?} {raw}");
                    }
                    C::UnknownCountry => {
                        assert!(w.contains(&"unknown_country") && d.address.is_none())
                    }
                    C::StateAsName => {
                        let a = d.address.as_ref().expect("address");
                        assert!(
                            matches!(
                                (a.country_code.as_str(), a.province_code.as_deref()),
                                ("AU", Some("NSW")) | ("US", Some("CA")) | ("CA", Some("ON"))
                            ),
                            "{a:?}"
                        );
                        assert!(!w.contains(&"unknown_province"), "{w:?}");
                    }
                    C::UnknownProvince => {
                        let a = d.address.as_ref().expect("address");
                        assert_eq!(a.province_code, None);
                        assert!(w.contains(&"unknown_province"), "{w:?}");
                    }
                    C::TaxExempt => assert!(d.tax_exempt),
                    C::UnknownTier => {
                        assert!(w.contains(&"unknown_price_tier") && m.tier.is_none())
                    }
                    C::TierNameCase => assert_eq!(m.tier, Some(TierListKey::tier(2))),
                    C::MultipleGroups => assert!(w.contains(&"multiple_groups"), "{w:?}"),
                    C::CustomPrices => assert!(m.own_list.is_some()),
                    _ => {}
                }
            }
        }
    }
    for case in CustomerCase::ALL {
        assert!(seen.get(case).copied().unwrap_or(0) > 0, "{case:?} missing");
    }
    // Valid customers are clean: no warning at all.
    assert!(valid_warnings.is_empty(), "{valid_warnings:#?}");
}

#[test]
fn every_product_case_reads_as_documented() {
    use cin7_client::wire::WireProduct;
    use cin7_sparklayer_core::rules::{PriceVerdict, judge_price};
    use cin7_sparklayer_sandbox::data::ProductCase as P;
    use rust_decimal::Decimal;

    let data = Dataset::generate(42, 50, 3_000);
    let mut seen: HashMap<P, usize> = HashMap::new();
    for (raw, case) in data.products.iter().zip(&data.product_cases) {
        *seen.entry(*case).or_default() += 1;
        let parsed = serde_json::from_value::<WireProduct>(raw.clone());
        if *case == P::Malformed {
            assert!(parsed.is_err(), "{raw}");
            continue;
        }
        let p = parsed.expect("parses").into_source();
        let verdict =
            |tier: usize| judge_price(p.tier_prices[tier].unwrap_or_default(), ZeroPrice::Skip);
        match case {
            P::Valid | P::FourDecimals | P::PriceAsString => {
                assert!(p.status.is_active() && p.sku.is_some(), "{raw}");
                for tier in 0..5 {
                    assert!(matches!(verdict(tier), PriceVerdict::Publish(_)), "{raw}");
                }
                for tier in 5..10 {
                    assert_eq!(verdict(tier), PriceVerdict::NotSet);
                }
                if *case == P::FourDecimals {
                    assert!(p.tier_prices[..5].iter().flatten().all(|d| d.scale() <= 4));
                }
                if *case == P::PriceAsString {
                    assert_eq!(p.tier_prices[1], Some(Decimal::new(1990, 2)));
                }
            }
            P::EmptySku => assert_eq!(p.sku, None),
            P::Deprecated => assert!(!p.status.is_active()),
            P::ZeroPrices => assert!((0..10).all(|t| verdict(t) == PriceVerdict::NotSet)),
            P::NegativePrice => assert_eq!(verdict(0), PriceVerdict::Negative),
            P::Malformed => unreachable!(),
        }
    }
    for case in P::ALL {
        assert!(seen.get(case).copied().unwrap_or(0) > 0, "{case:?} missing");
    }
}

/// C12, P5, C17: the opt-in currency and discount customers, read through the client and
/// mapped with the sample configuration's rates, end up where SPEC §3–§4 says.
#[test]
fn currency_and_discount_cases_map_as_documented() {
    use cin7_sparklayer_core::config::CurrencyMode;
    use cin7_sparklayer_sandbox::data::{CURRENCY_WITHOUT_RATE, FOREIGN_CURRENCIES};
    use rust_decimal::Decimal;

    let data = Dataset::generate(42, 600, 200).with_currencies_and_discounts();
    let account = AccountInfo {
        base_currency: data.base_currency.clone(),
        price_tiers: data.price_tiers.clone(),
    };
    let customers = CustomersConfig {
        currency: CurrencyMode::All,
        ..CustomersConfig::default()
    };
    let tiers = [("5".to_owned(), "USD".to_owned())].into_iter().collect();
    let rates = FOREIGN_CURRENCIES
        .iter()
        .map(|c| ((*c).to_owned(), Decimal::new(108, 2)))
        .collect();
    let currencies = Currencies::parse(&tiers, &rates).expect("valid");
    let ctx = MappingContext {
        customers: &customers,
        prefix: "cin7",
        zero_price: ZeroPrice::Skip,
        pricing_enabled: true,
        account: &account,
        groups: &data.customer_groups,
        currencies: &currencies,
    };
    let mut seen: HashMap<CustomerCase, usize> = HashMap::new();
    for (raw, case) in data.customers.iter().zip(&data.customer_cases) {
        if !CustomerCase::CURRENCIES_AND_DISCOUNTS.contains(case) {
            continue;
        }
        *seen.entry(*case).or_default() += 1;
        let wire: WireCustomer = serde_json::from_value(raw.clone()).expect("parses");
        let source = wire.into_source();
        let m = map_customer(&source, &ctx).unwrap_or_else(|s| panic!("{case:?} {s:?}"));
        let value = |key: &str| {
            m.desired
                .metafields
                .iter()
                .find(|f| f.key.key == key)
                .map(|f| f.value.clone())
        };
        let w = warnings(&m);
        let currency = source.currency.clone().unwrap_or_default();
        use CustomerCase as C;
        match case {
            C::ForeignCurrency => {
                assert!(
                    FOREIGN_CURRENCIES.contains(&currency.as_str()),
                    "{currency}"
                );
                let poa = value("payment_on_account").unwrap_or_default();
                let code = currency.to_ascii_lowercase();
                assert!(
                    poa.contains(&format!("\"currency_code\":\"{code}\"")),
                    "{poa}"
                );
                // A tier in the base currency is converted; tier 5 is kept in USD (P5).
                let tier = m.tier.as_ref();
                let listed_currency = tier.map(|k| {
                    k.converted_to
                        .clone()
                        .unwrap_or_else(|| currencies.tier_currency(k.code, "AUD"))
                });
                match listed_currency {
                    Some(c) => assert_eq!(c, currency),
                    None => assert!(w.contains(&"tier_not_in_customer_currency"), "{w:?}"),
                }
            }
            C::CurrencyWithoutRate => {
                assert_eq!(currency, CURRENCY_WITHOUT_RATE);
                let tier_usd = m.tier.is_none() && !w.contains(&"unknown_price_tier");
                assert!(
                    tier_usd && w.contains(&"tier_not_in_customer_currency"),
                    "{w:?}"
                );
            }
            C::DiscountFractional => {
                assert_eq!(value("discount_percentage").as_deref(), Some("12.5"));
            }
            C::DiscountFull => assert_eq!(value("discount_percentage").as_deref(), Some("100")),
            C::DiscountOutOfRange => {
                assert_eq!(value("discount_percentage"), None);
                assert!(w.contains(&"invalid_discount"), "{w:?}");
            }
            _ => unreachable!("only opt-in cases here"),
        }
    }
    for case in CustomerCase::CURRENCIES_AND_DISCOUNTS {
        assert!(seen.get(case).copied().unwrap_or(0) > 0, "{case:?} missing");
    }
    // The default data holds none of them.
    let plain = Dataset::generate(42, 600, 200);
    assert!(
        plain
            .customer_cases
            .iter()
            .all(|c| !CustomerCase::CURRENCIES_AND_DISCOUNTS.contains(c))
    );
}
