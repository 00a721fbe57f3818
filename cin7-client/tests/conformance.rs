//! The source ports' conformance suite against the client and the sandbox's fake Cin7: the
//! suite's account, customers and products are served as Cin7 JSON, in pages of 100.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cin7_client::Cin7Client;
use cin7_sparklayer_core::conformance::customer_source::{self, CustomerSourceHarness};
use cin7_sparklayer_core::conformance::pricing_source::{self, PricingSourceHarness};
use cin7_sparklayer_core::conformance::{Support, Unsupported};
use cin7_sparklayer_core::model::{
    AccountInfo, AddressKind, RecordStatus, SourceCustomer, SourceProduct,
};
use cin7_sparklayer_core::ports::{CustomerSource, PricingSource};
use cin7_sparklayer_sandbox::cin7::{FakeCin7, FakeCin7Options};
use cin7_sparklayer_sandbox::data::{Dataset, format_cin7_date, money};
use serde_json::{Value, json};

fn status(s: &RecordStatus) -> &str {
    match s {
        RecordStatus::Active => "Active",
        RecordStatus::Deprecated => "Deprecated",
        RecordStatus::Other(other) => other,
    }
}

fn date(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, |t| Value::from(format_cin7_date(t, 0)))
}

/// A customer as `GET customer` returns it.
fn customer_json(c: &SourceCustomer) -> Value {
    let contacts: Vec<Value> = c
        .contacts
        .iter()
        .map(|k| {
            json!({ "ID": k.id, "Name": k.name, "Phone": k.phone, "MobilePhone": k.mobile_phone,
                    "Email": k.email, "Default": k.default })
        })
        .collect();
    let addresses: Vec<Value> = c
        .addresses
        .iter()
        .map(|a| {
            let kind = a.kind.map(|k| match k {
                AddressKind::Shipping => "Shipping",
                AddressKind::Billing => "Billing",
                AddressKind::Business => "Business",
                AddressKind::Other => "Other",
            });
            json!({ "Line1": a.line1, "Line2": a.line2, "City": a.city, "State": a.state,
                    "Postcode": a.postcode, "Country": a.country, "Type": kind,
                    "DefaultForType": a.default_for_type })
        })
        .collect();
    let prices: Vec<Value> = c
        .product_prices
        .iter()
        .map(|p| json!({ "ProductSKU": p.sku, "Price": money(p.price) }))
        .collect();
    json!({
        "ID": c.id, "Name": c.name, "Status": status(&c.status), "Currency": c.currency,
        "TaxRule": c.tax_rule, "PriceTier": c.price_tier, "Tags": c.tags.join(","),
        "CreditLimit": money(c.credit_limit), "IsOnCreditHold": c.on_credit_hold,
        "LastModifiedOn": date(c.last_modified), "Contacts": contacts,
        "Addresses": addresses, "ProductPrices": prices,
    })
}

/// A product as `GET product` returns it.
fn product_json(p: &SourceProduct) -> Value {
    let mut v = json!({
        "ID": p.id, "SKU": p.sku.clone().unwrap_or_default(), "Status": status(&p.status),
        "LastModifiedOn": date(p.last_modified),
    });
    for (i, price) in p.tier_prices.iter().enumerate() {
        v[format!("PriceTier{}", i + 1)] = price.map_or(Value::Null, money);
    }
    v
}

/// Starts a fake Cin7 per seed (kept alive for the test) and a client on it.
#[derive(Default)]
struct Harness {
    fakes: Mutex<Vec<FakeCin7>>,
}

impl Harness {
    async fn client(&self, data: Dataset) -> Support<Cin7Client> {
        let fake = FakeCin7::start(&data, FakeCin7Options::unlimited())
            .await
            .map_err(|e| Unsupported::new(format!("the fake Cin7 did not start: {e}")))?;
        let client = Cin7Client::builder()
            .account_id(fake.account_id())
            .application_key(fake.application_key())
            .base_url(fake.base_url())
            .calls_per_minute(60_000)
            .page_size(100)
            .build()
            .expect("client");
        self.fakes.lock().expect("fakes").push(fake);
        Ok(client)
    }
}

fn dataset() -> Dataset {
    let mut data = Dataset::generate(0, 0, 0);
    data.customer_cases.clear();
    data.product_cases.clear();
    data
}

#[async_trait]
impl CustomerSourceHarness for Harness {
    async fn seeded(
        &self,
        account: &AccountInfo,
        customers: &[SourceCustomer],
    ) -> Support<Arc<dyn CustomerSource>> {
        let mut data = dataset();
        data.base_currency.clone_from(&account.base_currency);
        data.price_tiers.clone_from(&account.price_tiers);
        data.customers = customers.iter().map(customer_json).collect();
        Ok(Arc::new(self.client(data).await?))
    }
}

#[async_trait]
impl PricingSourceHarness for Harness {
    async fn seeded(&self, products: &[SourceProduct]) -> Support<Arc<dyn PricingSource>> {
        let mut data = dataset();
        data.products = products.iter().map(product_json).collect();
        Ok(Arc::new(self.client(data).await?))
    }
}

#[tokio::test]
async fn the_client_conforms_as_customer_source() {
    let outcome = customer_source::run_all(&Harness::default())
        .await
        .expect("conforms");
    assert_eq!(outcome.passed, customer_source::CHECKS);
    assert!(outcome.unsupported.is_empty(), "{outcome:?}");
}

#[tokio::test]
async fn the_client_conforms_as_pricing_source() {
    let outcome = pricing_source::run_all(&Harness::default())
        .await
        .expect("conforms");
    assert_eq!(outcome.passed, pricing_source::CHECKS);
    assert!(outcome.unsupported.is_empty(), "{outcome:?}");
}
