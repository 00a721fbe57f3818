//! The records the source checks seed: an account, customers and products that use every
//! field, in the normalised form a source yields (trimmed text, no empty strings, split tags).

use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::Decimal;

use crate::model::{
    AccountInfo, AddressKind, CustomerPrice, PriceTier, RecordStatus, SourceAddress, SourceContact,
    SourceCustomer, SourceProduct, TIER_COUNT,
};

/// Customers seeded: more than two pages of a 100-row page (Cin7 caps customer pages at 100).
pub(crate) const CUSTOMERS: usize = 230;

/// Products seeded: more than two pages of 100.
pub(crate) const PRODUCTS: usize = 210;

/// Record `i` was last modified `i` hours after this instant (whole seconds, UTC).
pub(crate) fn modified(i: usize) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
        + Duration::hours(i as i64)
}

/// An account in NZD whose tiers 1–4 are renamed and 5–10 keep `Tier N`.
pub(crate) fn account() -> AccountInfo {
    let names = ["Retail", "Wholesale", "Distributor", "Großhandel"];
    AccountInfo {
        base_currency: "NZD".into(),
        price_tiers: (1..=10u8)
            .map(|code| PriceTier {
                code,
                name: names
                    .get(usize::from(code) - 1)
                    .map_or_else(|| format!("Tier {code}"), |n| (*n).to_owned()),
            })
            .collect(),
    }
}

/// Every fifth customer from the third on is deprecated (C1: read, then revoked or skipped).
pub(crate) fn is_deprecated(i: usize) -> bool {
    i % 5 == 3
}

/// Customer `i`'s ID.
pub(crate) fn customer_id(i: usize) -> String {
    format!("c0f0a000-0000-4000-8000-{i:012}")
}

/// Product `i`'s ID.
pub(crate) fn product_id(i: usize) -> String {
    format!("p0f0a000-0000-4000-8000-{i:012}")
}

/// The seeded customers, in seed order.
pub(crate) fn customers() -> Vec<SourceCustomer> {
    (0..CUSTOMERS).map(customer).collect()
}

fn customer(i: usize) -> SourceCustomer {
    let status = if is_deprecated(i) {
        RecordStatus::Deprecated
    } else if i % 17 == 5 {
        RecordStatus::Other("On Hold".into())
    } else {
        RecordStatus::Active
    };
    let tags: Vec<String> = match i % 4 {
        0 => vec!["b2b".into(), "Wholesale".into()],
        1 => vec!["b2b".into()],
        2 => Vec::new(),
        _ => vec!["Trade Partners".into(), "b2b".into(), "vip".into()],
    };
    SourceCustomer {
        id: customer_id(i),
        name: Some(format!("Conformance Trading {i} Ltd")),
        status,
        currency: Some(if i.is_multiple_of(9) { "AUD" } else { "NZD" }.into()),
        tax_rule: i.is_multiple_of(2).then(|| "GST on Income".into()),
        price_tier: (!i.is_multiple_of(6)).then(|| account().tier_name((i % 10) as u8 + 1)),
        tags,
        credit_limit: Decimal::new((i as i64) * 12_345, 2),
        on_credit_hold: i % 11 == 4,
        discount: None,
        last_modified: Some(modified(i)),
        contacts: contacts(i),
        addresses: addresses(i),
        product_prices: (0..i % 4)
            .map(|n| CustomerPrice {
                sku: format!("CONF-SKU-{:04}", n * 7 + i % 5),
                price: Decimal::new(1_000 + (i as i64) * 10 + n as i64, 4),
            })
            .collect(),
    }
}

fn contacts(i: usize) -> Vec<SourceContact> {
    let main = SourceContact {
        name: Some(format!("Jane Buyer-{i}")),
        phone: Some(format!("+64 9 555 {i:04}")),
        mobile_phone: i.is_multiple_of(3).then(|| format!("021 555 {i:04}")),
        email: Some(format!("buyer{i}@conformance.example")),
        default: true,
    };
    let mut out = vec![main];
    if i % 2 == 1 {
        out.push(SourceContact {
            name: Some("Zoë Accounts".into()),
            phone: None,
            mobile_phone: None,
            email: Some(format!("accounts{i}@conformance.example")),
            default: false,
        });
    }
    out
}

fn addresses(i: usize) -> Vec<SourceAddress> {
    let shipping = SourceAddress {
        line1: Some(format!("{} Queen Street", i + 1)),
        line2: i.is_multiple_of(2).then(|| format!("Level {}", i % 9 + 1)),
        city: Some("Auckland".into()),
        state: Some("Auckland".into()),
        postcode: Some("1010".into()),
        country: Some("New Zealand".into()),
        kind: Some(AddressKind::Shipping),
        default_for_type: true,
    };
    let mut out = vec![shipping];
    if i % 3 == 1 {
        out.push(SourceAddress {
            line1: Some("PO Box 99".into()),
            line2: None,
            city: Some("Sydney".into()),
            state: Some("NSW".into()),
            postcode: Some("2000".into()),
            country: Some("Australia".into()),
            kind: Some(AddressKind::Billing),
            default_for_type: false,
        });
    }
    out
}

/// The seeded products, in seed order.
pub(crate) fn products() -> Vec<SourceProduct> {
    (0..PRODUCTS).map(product).collect()
}

fn product(i: usize) -> SourceProduct {
    let mut tier_prices: [Option<Decimal>; TIER_COUNT] = [None; TIER_COUNT];
    for (t, slot) in tier_prices.iter_mut().enumerate() {
        *slot = match (i + t) % 6 {
            0 => None,
            1 => Some(Decimal::ZERO),
            _ => Some(Decimal::new((i as i64) * 100 + (t as i64) * 7 + 1_999, 2)),
        };
    }
    SourceProduct {
        id: product_id(i),
        sku: (i % 23 != 11).then(|| format!("CONF-SKU-{i:04}")),
        status: if is_deprecated(i) {
            RecordStatus::Deprecated
        } else {
            RecordStatus::Active
        },
        tier_prices,
        last_modified: Some(modified(i)),
    }
}
