//! How each [`CustomerCase`] changes a valid generated customer (SPEC §3 edge cases).

use rand::Rng;
use rand::rngs::StdRng;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::customers::{CustomerCase, address, au_address, custom_prices};
use super::money;

/// Turns a valid customer into `case`.
pub(super) fn apply(
    case: CustomerCase,
    c: &mut Value,
    rng: &mut StdRng,
    i: usize,
    skus: &[String],
    dup: Option<&str>,
) {
    use CustomerCase as C;
    match case {
        C::Valid => {}
        C::TagsNull
        | C::TagsEmpty
        | C::TagsMixedCase
        | C::NotInScope
        | C::Deprecated
        | C::MultipleGroups => scope_case(case, c),
        C::NoDefaultContact
        | C::NoContacts
        | C::DefaultWithoutEmail
        | C::TwoDefaults
        | C::InvalidEmail
        | C::DuplicateEmail
        | C::OneWordName
        | C::PhoneInvalid
        | C::PhoneMobileOnly
        | C::PhoneWithCountry => contact_case(case, c, i, dup),
        C::AddressBillingOnly
        | C::AddressBusinessOnly
        | C::AddressShippingAfterBilling
        | C::AddressNoDefault
        | C::AddressNone
        | C::CountryAlias
        | C::UnknownCountry
        | C::StateAsName
        | C::UnknownProvince => address_case(case, c, rng, i),
        C::TaxExempt
        | C::UnknownTier
        | C::TierNameCase
        | C::CreditHold
        | C::NonBaseCurrency
        | C::CustomPrices
        | C::Malformed => account_case(case, c, rng, i, skus),
        C::ForeignCurrency
        | C::CurrencyWithoutRate
        | C::DiscountFractional
        | C::DiscountFull
        | C::DiscountOutOfRange => super::currency_cases::apply(case, c, i),
    }
}

/// Scope and group cases: tags and status (C1, C7).
fn scope_case(case: CustomerCase, c: &mut Value) {
    use CustomerCase as C;
    match case {
        C::TagsNull => c["Tags"] = Value::Null,
        C::TagsEmpty => c["Tags"] = json!(""),
        C::TagsMixedCase => c["Tags"] = json!(" B2B ,Wholesale"),
        C::NotInScope => c["Tags"] = json!("retail, newsletter"),
        C::Deprecated => c["Status"] = json!("Deprecated"),
        C::MultipleGroups => c["Tags"] = json!("b2b, VIP, Wholesale"),
        _ => {}
    }
}

/// Contact cases: key contact, email, names and phone (C2–C4).
fn contact_case(case: CustomerCase, c: &mut Value, i: usize, dup: Option<&str>) {
    use CustomerCase as C;
    let contact0 = c["Contacts"][0].clone();
    match case {
        C::NoDefaultContact => {
            c["Contacts"][0]["Default"] = json!(false);
            let mut second = contact0;
            second["Default"] = json!(false);
            second["Email"] = json!(format!("accounts.{i}@customer{i}.example.com"));
            push(c, "Contacts", second);
        }
        C::NoContacts => c["Contacts"] = json!([]),
        C::DefaultWithoutEmail => {
            c["Contacts"][0]["Email"] = Value::Null;
            let mut second = contact0;
            second["Default"] = json!(false);
            second["Email"] = json!(format!("other.{i}@customer{i}.example.com"));
            push(c, "Contacts", second);
        }
        C::TwoDefaults => {
            let mut second = contact0;
            second["Email"] = json!(format!("second.{i}@customer{i}.example.com"));
            push(c, "Contacts", second);
        }
        C::InvalidEmail => {
            let bad = [
                "not-an-email",
                "john@localhost",
                "jane doe@example.com",
                "sales@@example.com",
            ];
            c["Contacts"][0]["Email"] = json!(bad[i % bad.len()]);
        }
        C::DuplicateEmail => {
            let email = dup.map_or_else(
                || "BUYER.0@CUSTOMER0.EXAMPLE.COM".to_owned(),
                str::to_uppercase,
            );
            c["Contacts"][0]["Email"] = json!(format!(" {email} "));
        }
        C::OneWordName => c["Contacts"][0]["Name"] = json!("Cher"),
        C::PhoneInvalid => {
            c["Contacts"][0]["Phone"] = json!("12345");
            c["Contacts"][0]["MobilePhone"] = Value::Null;
        }
        C::PhoneMobileOnly => {
            c["Contacts"][0]["Phone"] = json!("ext. 12");
            c["Contacts"][0]["MobilePhone"] = json!("0412 345 678");
        }
        C::PhoneWithCountry => {
            c["Contacts"][0]["Phone"] = json!("+44 20 7946 0958");
            c["Addresses"] = json!([address(
                "Shipping",
                true,
                "221B Baker Street".into(),
                "London",
                "",
                "NW1 6XE",
                "United Kingdom"
            )]);
        }
        _ => {}
    }
}

/// Address cases: the pick and the country and state names (C5).
fn address_case(case: CustomerCase, c: &mut Value, rng: &mut StdRng, i: usize) {
    use CustomerCase as C;
    match case {
        C::AddressBillingOnly => c["Addresses"] = json!([au_address(rng, "Billing", true)]),
        C::AddressBusinessOnly => c["Addresses"] = json!([au_address(rng, "Business", true)]),
        C::AddressShippingAfterBilling => {
            c["Addresses"] = json!([
                au_address(rng, "Billing", true),
                address(
                    "Shipping",
                    true,
                    "1 Shipping Lane".into(),
                    "Hobart",
                    "TAS",
                    "7000",
                    "Australia"
                ),
            ]);
        }
        C::AddressNoDefault => {
            c["Addresses"] = json!([
                au_address(rng, "Business", false),
                address(
                    "Shipping",
                    false,
                    "9 First Shipping Rd".into(),
                    "Darwin",
                    "NT",
                    "0800",
                    "Australia"
                ),
                au_address(rng, "Shipping", false),
            ]);
        }
        C::AddressNone => c["Addresses"] = json!([]),
        C::CountryAlias => c["Addresses"] = json!([country_alias(i)]),
        C::UnknownCountry => {
            c["Addresses"] = json!([address(
                "Shipping",
                true,
                "1 Poseidon Way".into(),
                "Poseidonis",
                "",
                "00000",
                "Atlantis"
            )]);
        }
        C::StateAsName => c["Addresses"] = json!([state_as_name(i)]),
        C::UnknownProvince => {
            c["Addresses"] = json!([address(
                "Shipping",
                true,
                "7 Ancient Way".into(),
                "Pangaea",
                "Gondwana",
                "2000",
                "Australia"
            )]);
        }
        _ => {}
    }
}

/// Account cases: tax, tier, credit, currency, custom prices, malformed fields (C6, C8, C9, C12, P2).
fn account_case(case: CustomerCase, c: &mut Value, rng: &mut StdRng, i: usize, skus: &[String]) {
    use CustomerCase as C;
    match case {
        C::TaxExempt => {
            c["TaxRule"] = json!(if i.is_multiple_of(2) {
                "Tax Exempt"
            } else {
                "tax exempt"
            })
        }
        C::UnknownTier => c["PriceTier"] = json!("Platinum"),
        C::TierNameCase => c["PriceTier"] = json!(" wholesale "),
        C::CreditHold => {
            c["IsOnCreditHold"] = json!(true);
            c["CreditLimit"] = money(Decimal::new(50_005, 1));
        }
        C::NonBaseCurrency => c["Currency"] = json!("USD"),
        C::CustomPrices if !skus.is_empty() => {
            let n = 3 + rng.random_range(0..5);
            c["ProductPrices"] = json!(custom_prices(rng, skus, n));
        }
        C::Malformed => match i % 3 {
            0 => c["CreditLimit"] = json!("lots"),
            1 => c["Contacts"] = json!("n/a"),
            _ => c["ID"] = Value::Null,
        },
        _ => {}
    }
}

/// A shipping address whose `Country` is an alias ("USA", "UK", …), by `i`.
fn country_alias(i: usize) -> Value {
    match i % 4 {
        0 => address(
            "Shipping",
            true,
            "100 Market St".into(),
            "San Francisco",
            "CA",
            "94103",
            "USA",
        ),
        1 => address(
            "Shipping",
            true,
            "10 Downing St".into(),
            "London",
            "",
            "SW1A 2AA",
            "UK",
        ),
        2 => address(
            "Shipping",
            true,
            "350 Fifth Ave".into(),
            "New York",
            "NY",
            "10118",
            "United States of America",
        ),
        _ => address(
            "Shipping",
            true,
            "1 Princes St".into(),
            "Edinburgh",
            "",
            "EH2 2EQ",
            "Great Britain",
        ),
    }
}

/// A shipping address whose `State` is a subdivision name ("New South Wales", …), by `i`.
fn state_as_name(i: usize) -> Value {
    match i % 3 {
        0 => address(
            "Shipping",
            true,
            "5 Pitt St".into(),
            "Sydney",
            "New South Wales",
            "2000",
            "Australia",
        ),
        1 => address(
            "Shipping",
            true,
            "1 Infinite Loop".into(),
            "Cupertino",
            "California",
            "95014",
            "United States",
        ),
        _ => address(
            "Shipping",
            true,
            "100 King St W".into(),
            "Toronto",
            "Ontario",
            "M5X 1A9",
            "Canada",
        ),
    }
}

fn push(c: &mut Value, key: &str, item: Value) {
    if let Some(list) = c.get_mut(key).and_then(Value::as_array_mut) {
        list.push(item);
    }
}
