//! An in-memory Cin7 source.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use futures::stream;

use crate::error::PortError;
use crate::model::{AccountInfo, PriceTier, SourceCustomer, SourceProduct};
use crate::ports::{
    CustomerSource, FetchScope, Fetched, PricingSource, RecordStream, RequestCounts,
};

/// Customers, products and account facts in memory. `ModifiedSince` filters on `last_modified`
/// (records without one are always returned). Each fetch counts one read.
#[derive(Debug)]
pub struct MemorySource {
    /// The account.
    pub account: Mutex<AccountInfo>,
    /// The customers.
    pub customers: Mutex<Vec<SourceCustomer>>,
    /// The products.
    pub products: Mutex<Vec<SourceProduct>>,
    reads: AtomicU64,
}

impl MemorySource {
    /// A source with `base_currency` and tiers named `Tier 1` … `Tier 10`.
    pub fn new(base_currency: &str) -> Self {
        Self {
            account: Mutex::new(AccountInfo {
                base_currency: base_currency.to_owned(),
                price_tiers: (1..=10)
                    .map(|code| PriceTier {
                        code,
                        name: format!("Tier {code}"),
                    })
                    .collect(),
            }),
            customers: Mutex::new(Vec::new()),
            products: Mutex::new(Vec::new()),
            reads: AtomicU64::new(0),
        }
    }

    /// Replaces the customers.
    pub fn set_customers(&self, customers: Vec<SourceCustomer>) {
        if let Ok(mut c) = self.customers.lock() {
            *c = customers;
        }
    }

    /// Replaces the products.
    pub fn set_products(&self, products: Vec<SourceProduct>) {
        if let Ok(mut p) = self.products.lock() {
            *p = products;
        }
    }

    /// Edits one customer in place (by ID).
    pub fn edit_customer(&self, id: &str, edit: impl FnOnce(&mut SourceCustomer)) {
        if let Ok(mut all) = self.customers.lock()
            && let Some(c) = all.iter_mut().find(|c| c.id == id)
        {
            edit(c);
        }
    }
}

fn matches(scope: &FetchScope, id: &str, modified: Option<chrono::DateTime<chrono::Utc>>) -> bool {
    match scope {
        FetchScope::All => true,
        FetchScope::ModifiedSince(since) => modified.is_none_or(|m| m >= *since),
        FetchScope::Ids(ids) => ids.iter().any(|i| i == id),
    }
}

#[async_trait]
impl CustomerSource for MemorySource {
    async fn account(&self) -> Result<AccountInfo, PortError> {
        self.reads.fetch_add(2, Ordering::Relaxed);
        self.account
            .lock()
            .map(|a| a.clone())
            .map_err(|_| PortError::state("lock poisoned"))
    }

    fn customers(&self, scope: FetchScope) -> RecordStream<SourceCustomer> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let items: Vec<_> = self
            .customers
            .lock()
            .map(|all| {
                all.iter()
                    .filter(|c| matches(&scope, &c.id, c.last_modified))
                    .cloned()
                    .map(|c| Ok(Fetched::Record(c)))
                    .collect()
            })
            .unwrap_or_default();
        Box::pin(stream::iter(items))
    }

    fn request_counts(&self) -> RequestCounts {
        RequestCounts {
            reads: self.reads.load(Ordering::Relaxed),
            ..RequestCounts::default()
        }
    }
}

#[async_trait]
impl PricingSource for MemorySource {
    fn products(&self, scope: FetchScope) -> RecordStream<SourceProduct> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let items: Vec<_> = self
            .products
            .lock()
            .map(|all| {
                all.iter()
                    .filter(|p| matches(&scope, &p.id, p.last_modified))
                    .cloned()
                    .map(|p| Ok(Fetched::Record(p)))
                    .collect()
            })
            .unwrap_or_default();
        Box::pin(stream::iter(items))
    }
}
