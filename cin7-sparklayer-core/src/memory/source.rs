//! An in-memory Cin7 source.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::{StreamExt, stream};

use crate::error::PortError;
use crate::model::{AccountInfo, PriceTier, SourceCustomer, SourceProduct};
use crate::ports::{
    Change, CustomerSource, FetchScope, Fetched, IncompleteRead, PricingSource, RecordStream,
    RequestCounts,
};

/// Customers, products and account facts in memory. `ModifiedSince` filters on `last_modified`
/// (records without one are always returned). Each fetch counts one read.
///
/// Like Cin7's `Total`, a full read can be made to claim more records than it serves
/// ([`MemorySource::set_customer_total`], [`MemorySource::set_product_total`]): it then ends
/// with [`Fetched::Incomplete`] (E8).
#[derive(Debug)]
pub struct MemorySource {
    /// The account.
    pub account: Mutex<AccountInfo>,
    /// The customers.
    pub customers: Arc<Mutex<Vec<SourceCustomer>>>,
    /// The products.
    pub products: Arc<Mutex<Vec<SourceProduct>>>,
    reads: AtomicU64,
    customer_total: Mutex<Option<u64>>,
    product_total: Mutex<Option<u64>>,
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
            customers: Arc::new(Mutex::new(Vec::new())),
            products: Arc::new(Mutex::new(Vec::new())),
            reads: AtomicU64::new(0),
            customer_total: Mutex::new(None),
            product_total: Mutex::new(None),
        }
    }

    /// The `Total` full customer reads claim (`None`: the number served). A claim larger than
    /// the distinct customers served ends the read with [`Fetched::Incomplete`] (E8).
    pub fn set_customer_total(&self, total: Option<u64>) {
        if let Ok(mut t) = self.customer_total.lock() {
            *t = total;
        }
    }

    /// The `Total` full product reads claim; see [`MemorySource::set_customer_total`].
    pub fn set_product_total(&self, total: Option<u64>) {
        if let Ok(mut t) = self.product_total.lock() {
            *t = total;
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

/// The changes of the records of `all` modified at or after `since`: one read, like one page (E12).
fn changes<T>(
    all: &Mutex<Vec<T>>,
    since: chrono::DateTime<chrono::Utc>,
    key: impl Fn(&T) -> (&str, Option<chrono::DateTime<chrono::Utc>>),
) -> Result<Vec<Change>, PortError> {
    let all = all.lock().map_err(|_| PortError::state("lock poisoned"))?;
    Ok(all
        .iter()
        .map(key)
        .filter(|(id, modified)| matches(&FetchScope::ModifiedSince(since), id, *modified))
        .map(|(id, modified)| Change {
            id: id.to_owned(),
            modified,
        })
        .collect())
}

/// Streams the records of `all` that pass `keep`, cloning one at a time (like a paged API, the
/// source's memory does not double while a run reads it).
fn lazy<T: Clone + Send + 'static>(
    all: Arc<Mutex<Vec<T>>>,
    keep: impl Fn(&T) -> bool + Send + 'static,
) -> RecordStream<T> {
    Box::pin(stream::unfold(0usize, move |mut i| {
        let next = all.lock().ok().and_then(|v| {
            while i < v.len() {
                i += 1;
                if keep(&v[i - 1]) {
                    return Some(v[i - 1].clone());
                }
            }
            None
        });
        async move { next.map(|r| (Ok(Fetched::Record(r)), i)) }
    }))
}

/// Ends a full read with [`Fetched::Incomplete`] when `claimed` exceeds the distinct IDs served.
fn claiming<T: Send + 'static>(
    records: RecordStream<T>,
    scope: &FetchScope,
    claimed: &Mutex<Option<u64>>,
    id: fn(&T) -> &str,
) -> RecordStream<T> {
    let claimed = claimed.lock().ok().and_then(|t| *t);
    let Some(expected) = claimed.filter(|_| *scope == FetchScope::All) else {
        return records;
    };
    let ids = Arc::new(Mutex::new(HashSet::<String>::new()));
    let counted = ids.clone();
    let records = records.inspect(move |item| {
        if let (Ok(Fetched::Record(r)), Ok(mut ids)) = (item, counted.lock()) {
            ids.insert(id(r).to_owned());
        }
    });
    let end = stream::iter([()]).filter_map(move |()| {
        let received = ids.lock().map_or(0, |ids| ids.len() as u64);
        let short = (received < expected).then_some(Ok(Fetched::Incomplete(IncompleteRead {
            expected,
            received,
        })));
        async move { short }
    });
    records.chain(end).boxed()
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
        let records = lazy(self.customers.clone(), {
            let scope = scope.clone();
            move |c: &SourceCustomer| matches(&scope, &c.id, c.last_modified)
        });
        claiming(records, &scope, &self.customer_total, |c| &c.id)
    }

    async fn customer_changes(
        &self,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Change>, PortError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        changes(&self.customers, since, |c: &SourceCustomer| {
            (c.id.as_str(), c.last_modified)
        })
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
        let records = lazy(self.products.clone(), {
            let scope = scope.clone();
            move |p: &SourceProduct| matches(&scope, &p.id, p.last_modified)
        });
        claiming(records, &scope, &self.product_total, |p| &p.id)
    }

    async fn product_changes(
        &self,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Change>, PortError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        changes(&self.products, since, |p: &SourceProduct| {
            (p.id.as_str(), p.last_modified)
        })
    }
}
