//! The two sample customers of Cin7's blueprint (reference/cin7-core-api.md §4.2) through the rules.

use cin7_sparklayer_core::config::{Currencies, CustomersConfig};
use cin7_sparklayer_core::model::{
    AccountInfo, AddressKind, CustomerGroup, CustomerPrice, PriceTier, RecordStatus, SourceAddress,
    SourceContact, SourceCustomer, TierListKey, split_tags,
};
use cin7_sparklayer_core::report::{SkipReason, WarningReason};
use cin7_sparklayer_core::rules::{MappingContext, map_customer, metafields};
use rust_decimal_macros::dec;

fn account() -> AccountInfo {
    AccountInfo {
        base_currency: "AUD".into(),
        price_tiers: (1..=10)
            .map(|code| PriceTier {
                code,
                name: format!("Tier {code}"),
            })
            .collect(),
    }
}

/// "Human Test": Tags "", one Billing address in "Uruguay", default contact without email.
fn human_test() -> SourceCustomer {
    SourceCustomer {
        name: Some("Human Test".into()),
        currency: Some("AUD".into()),
        tax_rule: Some("BAS Excluded".into()),
        price_tier: Some("Tier 1".into()),
        tags: split_tags(Some("")),
        addresses: vec![SourceAddress {
            line1: Some("P O Box 456".into()),
            line2: Some("Southbank".into()),
            city: Some("Melbourne GPO".into()),
            state: Some("VIC".into()),
            postcode: Some("3331".into()),
            country: Some("Uruguay".into()),
            kind: Some(AddressKind::parse(Some("Billing"))),
            default_for_type: true,
        }],
        contacts: vec![SourceContact {
            name: Some("Nick Wakefield".into()),
            phone: Some("03 3014556".into()),
            mobile_phone: None,
            email: None,
            default: true,
        }],
        status: RecordStatus::parse(Some("Active")),
        ..SourceCustomer::new("0365e5bb-e5ea-4a45-b98b-fdc4466bdaf1")
    }
}

/// "Customer Test": Tags null, no addresses, default contact Customer@mail.ru, one custom price.
fn customer_test() -> SourceCustomer {
    SourceCustomer {
        name: Some("Customer Test".into()),
        currency: Some("AUD".into()),
        tax_rule: Some("GST Free Exports".into()),
        price_tier: Some("Tier 1".into()),
        tags: split_tags(None),
        contacts: vec![SourceContact {
            name: Some("Customer Test".into()),
            email: Some("Customer@mail.ru".into()),
            default: true,
            ..SourceContact::default()
        }],
        product_prices: vec![CustomerPrice {
            sku: "Screws-SKU - 002".into(),
            price: dec!(1.1),
        }],
        ..SourceCustomer::new("861918cc-81f9-4701-9639-864c796561cf")
    }
}

fn ctx<'a>(
    cfg: &'a CustomersConfig,
    account: &'a AccountInfo,
    groups: &'a [CustomerGroup],
) -> MappingContext<'a> {
    MappingContext {
        customers: cfg,
        prefix: "cin7",
        zero_price: Default::default(),
        pricing_enabled: true,
        account,
        groups,
        currencies: Currencies::none(),
    }
}

#[test]
fn untagged_samples_are_out_of_scope() {
    let cfg = CustomersConfig::default();
    let account = account();
    for c in [human_test(), customer_test()] {
        let skip = map_customer(&c, &ctx(&cfg, &account, &[])).unwrap_err();
        assert_eq!(skip.reason, SkipReason::NotInScope);
        assert!(skip.out_of_scope);
    }
}

#[test]
fn human_test_without_email_is_skipped_even_when_tagged() {
    let cfg = CustomersConfig::default();
    let account = account();
    let mut c = human_test();
    c.tags = split_tags(Some("B2B"));
    let skip = map_customer(&c, &ctx(&cfg, &account, &[])).unwrap_err();
    assert_eq!(skip.reason, SkipReason::NoDefaultContactEmail);
}

#[test]
fn human_test_with_an_email_maps_address_and_phone() {
    let cfg = CustomersConfig::default();
    let account = account();
    let mut c = human_test();
    c.tags = split_tags(Some(" b2b , Wholesale"));
    c.contacts[0].email = Some(" nick@example.com ".into());
    let m = map_customer(&c, &ctx(&cfg, &account, &[])).unwrap();
    let d = &m.desired;
    assert_eq!(d.email, "nick@example.com");
    assert_eq!(d.first_name.as_deref(), Some("Nick"));
    assert_eq!(d.last_name.as_deref(), Some("Wakefield"));
    let a = d.address.as_ref().unwrap();
    // The only address is a default Billing one in Uruguay; "VIC" is not a Uruguayan subdivision.
    assert_eq!(a.country_code, "UY");
    assert_eq!(a.province_code, None);
    assert!(
        m.warnings
            .iter()
            .any(|w| w.reason.to_string() == "unknown_province"
                && w.detail.as_deref() == Some("VIC"))
    );
    assert_eq!(a.address1.as_deref(), Some("P O Box 456"));
    assert_eq!(a.company.as_deref(), Some("Human Test"));
    // "03 3014556" is not a valid Uruguayan number: no phone, warning.
    assert_eq!(d.phone, None);
    assert!(
        m.warnings
            .iter()
            .any(|w| w.reason == WarningReason::InvalidPhone)
    );
    assert!(!d.tax_exempt);
    assert_eq!(m.tier, Some(TierListKey::tier(1)));
    assert_eq!(d.managed_tags, vec!["b2b".to_string()]);
}

#[test]
fn customer_test_gets_its_own_list_first_then_its_tier() {
    let cfg = CustomersConfig {
        include_tags: vec!["b2b".into()],
        tax_exempt_rules: vec!["gst free exports".into()],
        ..CustomersConfig::default()
    };
    let account = account();
    let mut c = customer_test();
    c.tags = split_tags(Some("b2b"));
    let m = map_customer(&c, &ctx(&cfg, &account, &[])).unwrap();
    assert_eq!(m.desired.email, "Customer@mail.ru");
    assert_eq!(m.desired.email_key(), "customer@mail.ru");
    assert!(m.desired.tax_exempt, "C6 compares case-insensitively");
    assert_eq!(m.desired.address, None);
    let own = m.own_list.as_ref().unwrap();
    assert!(own.header.slug.starts_with("cin7-c-") && own.header.slug.len() <= 30);
    assert_eq!(own.header.name, "Customer Test");
    assert_eq!(own.rows.len(), 1);
    assert_eq!(own.rows[0].sku, "Screws-SKU - 002");
    assert_eq!(own.rows[0].pricing[0].price, dec!(1.1));
    let lists = m
        .desired
        .metafields
        .iter()
        .find(|f| {
            f.key.namespace == metafields::PRICE_LISTS.0 && f.key.key == metafields::PRICE_LISTS.1
        })
        .unwrap();
    assert_eq!(
        lists.value,
        format!("[\"{}\",\"cin7-tier-1\"]", own.header.slug)
    );
    let credit = m
        .desired
        .metafields
        .iter()
        .find(|f| f.key.key == "payment_on_account")
        .unwrap();
    assert_eq!(credit.value, "{\"credit_limit\":0}");
}

#[test]
fn a_customer_in_another_currency_gets_only_its_own_list() {
    let cfg = CustomersConfig {
        currency: cin7_sparklayer_core::config::CurrencyMode::All,
        ..CustomersConfig::default()
    };
    let account = account();
    let mut c = customer_test();
    c.tags = split_tags(Some("b2b"));
    c.currency = Some("NZD".into());
    let m = map_customer(&c, &ctx(&cfg, &account, &[])).unwrap();
    assert_eq!(m.tier, None);
    assert!(
        m.warnings
            .iter()
            .any(|w| w.reason == WarningReason::TierNotInCustomerCurrency)
    );
    let own = m.own_list.unwrap();
    assert_eq!(own.header.currency, "NZD");
    // With the default base_only, the same customer is skipped instead (C12).
    let skip = map_customer(
        &c,
        &ctx(
            &CustomersConfig {
                include_tags: vec!["b2b".into()],
                ..CustomersConfig::default()
            },
            &account,
            &[],
        ),
    )
    .unwrap_err();
    assert_eq!(skip.reason, SkipReason::NonBaseCurrency);
}

#[test]
fn values_shopify_cannot_store_are_skipped_with_a_reason() {
    let cfg = CustomersConfig::default();
    let account = account();
    let mut c = customer_test();
    c.tags = split_tags(Some("b2b"));
    c.credit_limit = "184467440737095516160000".parse().unwrap();
    assert_eq!(
        map_customer(&c, &ctx(&cfg, &account, &[]))
            .unwrap_err()
            .reason,
        SkipReason::InvalidCreditLimit
    );
    let mut c = customer_test();
    c.tags = split_tags(Some("b2b"));
    c.id = "x".repeat(100_000);
    assert_eq!(
        map_customer(&c, &ctx(&cfg, &account, &[]))
            .unwrap_err()
            .reason,
        SkipReason::InvalidId
    );
}
