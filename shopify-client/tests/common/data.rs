//! Test records.

use cin7_sparklayer_core::model::{
    DesiredAddress, DesiredCustomer, DesiredMetafield, MetafieldKey, MetafieldType,
};
use cin7_sparklayer_core::ports::{CustomerWrite, WriteTarget};

/// A desired customer with an address, a phone and the seven synced metafields.
pub fn desired(n: usize) -> DesiredCustomer {
    DesiredCustomer {
        cin7_id: format!("cin7-{n}"),
        email: format!("buyer{n}@acme.example"),
        first_name: Some("Jane".into()),
        last_name: Some(format!("Doe {n}")),
        phone: Some(format!("+6140000{n:04}")),
        address: Some(DesiredAddress {
            address1: Some("1 Main St".into()),
            city: Some("Sydney".into()),
            province_code: Some("NSW".into()),
            zip: Some("2000".into()),
            country_code: "AU".into(),
            company: Some(format!("Acme {n} Pty Ltd")),
            first_name: Some("Jane".into()),
            last_name: Some(format!("Doe {n}")),
            phone: Some(format!("+6140000{n:04}")),
            ..DesiredAddress::default()
        }),
        tax_exempt: n.is_multiple_of(2),
        managed_tags: vec!["b2b".into()],
        metafields: metafields(n),
    }
}

/// The seven metafields of SPEC §3 for customer `n`.
pub fn metafields(n: usize) -> Vec<DesiredMetafield> {
    let m = |ns: &str, key: &str, kind, value: String| DesiredMetafield {
        key: MetafieldKey::new(ns, key),
        kind,
        value,
    };
    vec![
        m(
            "cin7",
            "credit_limit",
            MetafieldType::NumberDecimal,
            "5000.25".into(),
        ),
        m(
            "cin7",
            "customer_id",
            MetafieldType::SingleLineTextField,
            format!("cin7-{n}"),
        ),
        m(
            "cin7",
            "on_credit_hold",
            MetafieldType::Boolean,
            "false".into(),
        ),
        m(
            "sparklayer",
            "company_name",
            MetafieldType::SingleLineTextField,
            format!("Acme {n}"),
        ),
        m(
            "sparklayer",
            "group",
            MetafieldType::SingleLineTextField,
            "wholesale".into(),
        ),
        m(
            "sparklayer",
            "payment_on_account",
            MetafieldType::Json,
            r#"{"credit_limit":5000.25}"#.into(),
        ),
        m(
            "sparklayer",
            "price_lists",
            MetafieldType::Json,
            r#"["cin7-tier-2"]"#.into(),
        ),
    ]
}

/// A write creating customer `n`.
pub fn new_write(n: usize) -> CustomerWrite {
    let d = desired(n);
    CustomerWrite {
        cin7_id: d.cin7_id.clone(),
        target: WriteTarget::New,
        tags_add: d.managed_tags.clone(),
        tags_remove: vec![],
        metafields_set: d.metafields.clone(),
        metafields_delete: vec![],
        fields: Some(d),
    }
}

/// A write updating customer `n`, known in Shopify as `id`.
pub fn update_write(n: usize, id: &str) -> CustomerWrite {
    CustomerWrite {
        target: WriteTarget::Existing {
            shopify_id: id.into(),
        },
        ..new_write(n)
    }
}
