//! A small world for the engine tests of E8 and E10: the in-memory adapters, customers and
//! products with predictable tiers and prices, `on_leave = "revoke"`.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use cin7_sparklayer_core::config::OnLeave;
use cin7_sparklayer_core::engine::{EngineSettings, Ports, RunOptions, SyncEngine};
use cin7_sparklayer_core::memory::{MemoryPriceLists, MemoryShopify, MemorySource, MemoryState};
use cin7_sparklayer_core::model::{
    CustomerPrice, RecordStatus, SourceContact, SourceCustomer, SourceProduct,
};
use cin7_sparklayer_core::report::RunReport;
use futures::executor::block_on;
use rust_decimal::Decimal;

pub struct World {
    pub source: Arc<MemorySource>,
    pub shopify: Arc<MemoryShopify>,
    pub lists: Arc<MemoryPriceLists>,
    pub engine: SyncEngine,
}

/// `cust-i`: tier 1 when `i` is even, else tier 2; `cust-1` has its own price for SKU-0.
pub fn customer(i: usize) -> SourceCustomer {
    SourceCustomer {
        name: Some(format!("Company {i}")),
        price_tier: Some(
            if i.is_multiple_of(2) {
                "Tier 1"
            } else {
                "Tier 2"
            }
            .into(),
        ),
        tags: vec!["b2b".into()],
        contacts: vec![SourceContact {
            name: Some(format!("Pat Person{i}")),
            email: Some(format!("buyer{i}@example.com")),
            default: true,
            ..SourceContact::default()
        }],
        product_prices: if i == 1 {
            vec![CustomerPrice {
                sku: "SKU-0".into(),
                price: Decimal::from(7),
            }]
        } else {
            Vec::new()
        },
        ..SourceCustomer::new(format!("cust-{i}"))
    }
}

pub fn product(i: usize) -> SourceProduct {
    let mut tier_prices = [None; 10];
    tier_prices[0] = Some(Decimal::from(10 + i as i64));
    tier_prices[1] = Some(Decimal::from(8 + i as i64));
    SourceProduct {
        id: format!("prod-{i}"),
        sku: Some(format!("SKU-{i}")),
        status: RecordStatus::Active,
        tier_prices,
        last_modified: None,
    }
}

impl World {
    pub fn new(customers: usize, products: usize) -> Self {
        let source = Arc::new(MemorySource::new("AUD"));
        source.set_customers((0..customers).map(customer).collect());
        source.set_products((0..products).map(product).collect());
        let shopify = Arc::new(MemoryShopify::new());
        let lists = Arc::new(MemoryPriceLists::new(Vec::new()));
        let mut settings = EngineSettings::default();
        settings.customers.on_leave = OnLeave::Revoke;
        let engine = SyncEngine::new(
            Ports {
                customers: source.clone(),
                products: source.clone(),
                shopify: shopify.clone(),
                price_lists: lists.clone(),
                groups: lists.clone(),
                state: Arc::new(MemoryState::new()),
            },
            settings,
        );
        World {
            source,
            shopify,
            lists,
            engine,
        }
    }

    /// A full run that must start; failures are the test's to check.
    pub fn full_run(&self) -> RunReport {
        block_on(self.engine.run(RunOptions::full())).expect("run starts")
    }

    /// A full run in which every record succeeds.
    pub fn full(&self) -> RunReport {
        let report = self.full_run();
        assert_eq!(report.failures, vec![]);
        report
    }

    pub fn remove_customer(&self, id: &str) {
        self.source.customers.lock().unwrap().retain(|c| c.id != id);
    }

    pub fn b2b(&self, email: &str) -> bool {
        self.shopify
            .customers()
            .iter()
            .find(|c| c.email == email)
            .is_some_and(|c| c.tags.contains("b2b"))
    }
}
