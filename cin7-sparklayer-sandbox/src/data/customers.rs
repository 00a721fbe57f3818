//! Generated Cin7 customers, one [`CustomerCase`] each (SPEC §3 edge cases).

use rand::Rng;
use rand::rngs::StdRng;
use serde::Serialize;
use serde_json::{Value, json};

use rust_decimal::Decimal;

use super::customer_cases::apply;
use super::{BASE_CURRENCY, IdGen, money};

/// What a generated customer exercises (SPEC §3). The rule each one targets is in its doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerCase {
    /// In scope, base currency, one default contact with a valid unique email, default
    /// Shipping address in Australia, known tier; sometimes a group tag and custom prices.
    Valid,
    /// C1: `Tags: null` → out of scope.
    TagsNull,
    /// C1: `Tags: ""` → out of scope.
    TagsEmpty,
    /// C1: `" B2B ,Wholesale"`: mixed case and spaces, still in scope.
    TagsMixedCase,
    /// C1: tags without `b2b` (`"retail, newsletter"`) → out of scope.
    NotInScope,
    /// C1/C14: `Status: Deprecated` with the `b2b` tag → out of scope.
    Deprecated,
    /// C2: contacts with emails but none `Default: true` → `no_default_contact_email`
    /// (or the first email with `email_fallback`).
    NoDefaultContact,
    /// C2: `Contacts: []`.
    NoContacts,
    /// C2: the default contact has `Email: null`; a second contact has one.
    DefaultWithoutEmail,
    /// C2: two contacts marked default: the first one's email wins.
    TwoDefaults,
    /// C2: an email that is not `local@domain.tld` → `invalid_email`.
    InvalidEmail,
    /// C3: the same email as an earlier valid customer, in different case → `duplicate_email`.
    DuplicateEmail,
    /// C4: `Phone` does not parse, `MobilePhone` null → no phone, `invalid_phone`.
    PhoneInvalid,
    /// C4: `Phone` invalid, `MobilePhone` valid → the mobile is used. Every customer of this
    /// case has the same mobile, so all but the first exercise `phone_taken`.
    PhoneMobileOnly,
    /// C4: a phone already in `+44 …` form on a UK address (shared like the case above).
    PhoneWithCountry,
    /// C4: a one-word contact name → empty last name.
    OneWordName,
    /// C5: only a default Billing address.
    AddressBillingOnly,
    /// C5: only a default Business address.
    AddressBusinessOnly,
    /// C5: Billing (default) listed before Shipping (default): Shipping wins.
    AddressShippingAfterBilling,
    /// C5: addresses without `DefaultForType`: the first Shipping wins.
    AddressNoDefault,
    /// C5: `Addresses: []` → no address.
    AddressNone,
    /// C5: country aliases: `USA`, `UK`, `United States of America`, `Great Britain`.
    CountryAlias,
    /// C5: an unknown country (`Atlantis`) → no address, `unknown_country`.
    UnknownCountry,
    /// C5: the state as a name (`New South Wales`, `California`, `Ontario`): resolved to its
    /// ISO 3166-2 code (`NSW`, `CA`, `ON`) for `provinceCode`.
    StateAsName,
    /// C5: a state that is no subdivision of the country (`Gondwana` in Australia): the address
    /// goes without a province, warning `unknown_province`.
    UnknownProvince,
    /// C6: `TaxRule` in the exempt list (`Tax Exempt`, also in other case).
    TaxExempt,
    /// C8: `PriceTier` names no tier (`Platinum`) → `unknown_price_tier`.
    UnknownTier,
    /// C8: `PriceTier` in different case than the account's name (`wholesale`).
    TierNameCase,
    /// C7: two group tags: the first wins, `multiple_groups`.
    MultipleGroups,
    /// C9: `IsOnCreditHold: true` with a credit limit → `credit_limit: 0`.
    CreditHold,
    /// C12: a currency other than the base (`USD`) → `non_base_currency`.
    NonBaseCurrency,
    /// P2: customer-specific prices (`ProductPrices`), 4-decimal prices included.
    CustomPrices,
    /// Client skip path: a field of the wrong type (`CreditLimit: "lots"`, `Contacts: "n/a"`,
    /// `ID: null`).
    Malformed,
    /// C12, P5 (opt-in, [`Dataset::with_currencies_and_discounts`](super::Dataset::with_currencies_and_discounts)):
    /// a customer in one of [`FOREIGN_CURRENCIES`](super::FOREIGN_CURRENCIES), which the sample
    /// configuration has a rate for.
    ForeignCurrency,
    /// P5 (opt-in): a customer in [`CURRENCY_WITHOUT_RATE`](super::CURRENCY_WITHOUT_RATE): its
    /// tier is in the base currency and no rate applies → `tier_not_in_customer_currency`.
    CurrencyWithoutRate,
    /// C17 (opt-in): a fractional `Discount` (12.5).
    DiscountFractional,
    /// C17 (opt-in): `Discount: 100`, the largest written.
    DiscountFull,
    /// C17 (opt-in): `Discount` outside 0–100 (150 or −5) → not written, `invalid_discount`.
    DiscountOutOfRange,
}

impl CustomerCase {
    /// Every case, in declaration order.
    pub const ALL: &'static [CustomerCase] = &[
        Self::Valid,
        Self::TagsNull,
        Self::TagsEmpty,
        Self::TagsMixedCase,
        Self::NotInScope,
        Self::Deprecated,
        Self::NoDefaultContact,
        Self::NoContacts,
        Self::DefaultWithoutEmail,
        Self::TwoDefaults,
        Self::InvalidEmail,
        Self::DuplicateEmail,
        Self::PhoneInvalid,
        Self::PhoneMobileOnly,
        Self::PhoneWithCountry,
        Self::OneWordName,
        Self::AddressBillingOnly,
        Self::AddressBusinessOnly,
        Self::AddressShippingAfterBilling,
        Self::AddressNoDefault,
        Self::AddressNone,
        Self::CountryAlias,
        Self::UnknownCountry,
        Self::StateAsName,
        Self::UnknownProvince,
        Self::TaxExempt,
        Self::UnknownTier,
        Self::TierNameCase,
        Self::MultipleGroups,
        Self::CreditHold,
        Self::NonBaseCurrency,
        Self::CustomPrices,
        Self::Malformed,
    ];

    /// The opt-in cases of [`Dataset::with_currencies_and_discounts`](super::Dataset::with_currencies_and_discounts),
    /// never in a default data set (so [`CustomerCase::ALL`] and the default data are unchanged).
    pub const CURRENCIES_AND_DISCOUNTS: &'static [CustomerCase] = &[
        Self::ForeignCurrency,
        Self::CurrencyWithoutRate,
        Self::DiscountFractional,
        Self::DiscountFull,
        Self::DiscountOutOfRange,
    ];

    /// Whether C1 puts it in scope (active, tagged `b2b`) and the client can parse it.
    pub fn in_scope(self) -> bool {
        !matches!(
            self,
            Self::TagsNull
                | Self::TagsEmpty
                | Self::NotInScope
                | Self::Deprecated
                | Self::Malformed
        )
    }
}

const FIRST: &[&str] = &[
    "Olivia",
    "Jack",
    "Amelia",
    "Noah",
    "Charlotte",
    "William",
    "Isla",
    "Oliver",
    "Mia",
    "Thomas",
    "Grace",
    "James",
    "Chloe",
    "Lucas",
    "Ruby",
    "Henry",
    "Zoe",
    "Leo",
    "Sophie",
    "Ethan",
];
const LAST: &[&str] = &[
    "Smith",
    "Nguyen",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Johnson",
    "White",
    "Martin",
    "Anderson",
    "Thompson",
    "Lee",
    "Walker",
    "Harris",
    "Ryan",
    "Kelly",
    "King",
    "Davies",
    "Chen",
    "van der Berg",
];
const TRADE: &[&str] = &[
    "Hardware",
    "Building Supplies",
    "Garden Centre",
    "Homewares",
    "Cafe Supplies",
    "Hospitality",
    "Office Supplies",
    "Pet Supplies",
    "Outdoor",
    "Kitchenware",
];
const PLACE: &[&str] = &[
    "Harbour",
    "Coastal",
    "Northside",
    "Southern Cross",
    "Bayside",
    "Highland",
    "Riverside",
    "Metro",
    "Sunrise",
    "Golden Wattle",
];
const GROUP_TAGS: &[&str] = &["Wholesale", "vip", "Trade Partners", "DISTRIBUTORS"];
const TIERS: &[&str] = &["Retail", "Wholesale", "Distributor", "VIP", "Trade"];

/// Generates `n` customers: each case once first, then ~70 % valid.
pub(super) fn generate(
    rng: &mut StdRng,
    ids: &mut IdGen,
    n: usize,
    skus: &[String],
) -> Vec<(CustomerCase, Value)> {
    let edge: Vec<CustomerCase> = CustomerCase::ALL
        .iter()
        .copied()
        .filter(|c| !matches!(c, CustomerCase::Valid | CustomerCase::Malformed))
        .filter(|c| !CustomerCase::CURRENCIES_AND_DISCOUNTS.contains(c))
        .collect();
    let mut out: Vec<(CustomerCase, Value)> = Vec::with_capacity(n);
    let mut first_valid_email: Option<String> = None;
    for i in 0..n {
        let case = if let Some(c) = CustomerCase::ALL.get(i) {
            *c
        } else if i % 1000 == 999 {
            CustomerCase::Malformed
        } else if rng.random_bool(0.70) {
            CustomerCase::Valid
        } else {
            edge[rng.random_range(0..edge.len())]
        };
        let mut c = valid(rng, ids, i, skus);
        if case == CustomerCase::Valid && first_valid_email.is_none() {
            first_valid_email = c["Contacts"][0]["Email"].as_str().map(str::to_owned);
        }
        apply(case, &mut c, rng, i, skus, first_valid_email.as_deref());
        out.push((case, c));
    }
    out
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn au_phone(rng: &mut StdRng) -> String {
    if rng.random_bool(0.5) {
        format!(
            "02 9{:03} {:04}",
            rng.random_range(100..1000),
            rng.random_range(0..10_000)
        )
    } else {
        format!(
            "04{:02} {:03} {:03}",
            // 040x–043x: prefixes every AU mobile numbering plan accepts.
            rng.random_range(0..40),
            rng.random_range(0..1000),
            rng.random_range(0..1000)
        )
    }
}

pub(super) fn address(
    kind: &str,
    default: bool,
    line1: String,
    city: &str,
    state: &str,
    postcode: &str,
    country: &str,
) -> Value {
    json!({
        "ID": null, "Line1": line1, "Line2": "", "City": city, "State": state,
        "Postcode": postcode, "Country": country, "Type": kind, "DefaultForType": default,
    })
}

pub(super) fn au_address(rng: &mut StdRng, kind: &str, default: bool) -> Value {
    let (city, state, postcode) = [
        ("Sydney", "NSW", "2000"),
        ("Melbourne", "VIC", "3000"),
        ("Brisbane", "QLD", "4000"),
        ("Perth", "WA", "6000"),
        ("Adelaide", "SA", "5000"),
    ][rng.random_range(0..5)];
    address(
        kind,
        default,
        format!("{} George St", rng.random_range(1..400)),
        city,
        state,
        postcode,
        "Australia",
    )
}

/// A valid, in-scope customer.
fn valid(rng: &mut StdRng, ids: &mut IdGen, i: usize, skus: &[String]) -> Value {
    let company = format!("{} {} {}", pick(rng, PLACE), pick(rng, TRADE), i);
    let contact = format!("{} {}", pick(rng, FIRST), pick(rng, LAST));
    let email = format!("buyer.{i}@customer{i}.example.com");
    let tags = if rng.random_bool(0.5) {
        format!("b2b,{}", pick(rng, GROUP_TAGS))
    } else {
        "b2b".to_owned()
    };
    let mut prices = Vec::new();
    if rng.random_bool(0.125) && !skus.is_empty() {
        let n = 1 + rng.random_range(0..3);
        prices = custom_prices(rng, skus, n);
    }
    json!({
        "ID": ids.guid(),
        "Name": company,
        "Currency": BASE_CURRENCY,
        "PaymentTerm": "30 days",
        "Discount": 0,
        "TaxRule": "GST on Income",
        "Carrier": "DEFAULT Carrier",
        "SalesRepresentative": null,
        "Location": "Main Warehouse",
        "Comments": "",
        "AccountReceivable": "610",
        "RevenueAccount": "200",
        "PriceTier": pick(rng, TIERS),
        "TaxNumber": "",
        "AttributeSet": null,
        "Tags": tags,
        "Status": "Active",
        "CreditLimit": rng.random_range(0..50u32) * 500,
        "IsOnCreditHold": false,
        "LastModifiedOn": ids.modified(),
        "Addresses": [au_address(rng, "Shipping", true), au_address(rng, "Billing", true)],
        "Contacts": [{
            "ID": ids.guid(), "Name": contact, "JobTitle": "Purchasing", "Phone": au_phone(rng),
            "MobilePhone": null, "Fax": null, "Email": email, "Website": null,
            "Default": true, "Comment": null, "IncludeInEmail": true,
        }],
        "ProductPrices": prices,
    })
}

/// `n` customer-specific prices on distinct SKUs.
pub(super) fn custom_prices(rng: &mut StdRng, skus: &[String], n: usize) -> Vec<Value> {
    let picks = rand::seq::index::sample(rng, skus.len(), n.min(skus.len())).into_vec();
    picks
        .into_iter()
        .enumerate()
        .map(|(k, at)| {
            let sku = &skus[at];
            // Every other row has four decimals (Cin7's precision).
            let cents: i64 = rng.random_range(100..100_000);
            let price = if k % 2 == 0 {
                money(Decimal::new(cents, 2))
            } else {
                money(Decimal::new(cents * 100 + rng.random_range(1..100), 4))
            };
            json!({"ProductID": null, "ProductName": format!("Product {sku}"), "ProductSKU": sku, "Price": price})
        })
        .collect()
}
