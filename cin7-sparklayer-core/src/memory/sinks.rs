//! In-memory Shopify and SparkLayer sinks.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use crate::error::{PortError, Service};
use crate::model::{
    CustomerGroup, DesiredCustomer, DesiredMetafield, MetafieldDefinition, MetafieldKey,
    PriceListHeader, PriceRow,
};
use crate::ports::{
    AccountState, CustomerGroupDirectory, CustomerSink, CustomerWrite, InviteSupport, PatchOutcome,
    PriceListSink, RemoteCustomer, RemoteFields, RemotePriceList, RequestCounts, SinkWarning,
    WriteOutcome, WriteTarget,
};
use crate::report::WarningReason;

/// One customer held by [`MemoryShopify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopifyRecord {
    /// `gid://shopify/Customer/N`.
    pub id: String,
    /// Email.
    pub email: String,
    /// Account state.
    pub state: AccountState,
    /// Tags.
    pub tags: BTreeSet<String>,
    /// Fields and metafields.
    pub fields: RemoteFields,
    /// Invites sent.
    pub invites: u32,
}

#[derive(Debug, Default)]
struct ShopInner {
    customers: BTreeMap<String, ShopifyRecord>,
    next_id: u64,
    fail_emails: BTreeSet<String>,
    definitions: Vec<MetafieldDefinition>,
}

/// A Shopify [`CustomerSink`] in memory: unique emails (case-insensitive), `customerSet`
/// semantics, tags and metafields, invites. Counts one request per call.
#[derive(Debug)]
pub struct MemoryShopify {
    inner: Mutex<ShopInner>,
    support: InviteSupport,
    reads: AtomicU64,
    writes: AtomicU64,
}

impl MemoryShopify {
    /// An empty shop with classic accounts.
    pub fn new() -> Self {
        Self::with_support(InviteSupport::Classic)
    }

    /// An empty shop with the given invite support.
    pub fn with_support(support: InviteSupport) -> Self {
        Self {
            inner: Mutex::new(ShopInner::default()),
            support,
            reads: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        }
    }

    /// Makes every write for this email fail with a `Rejected` error (tests of E3).
    pub fn fail_writes_for(&self, email: &str) {
        if let Ok(mut i) = self.inner.lock() {
            i.fail_emails.insert(email.to_lowercase());
        }
    }

    /// Lets the writes for this email succeed again (undoes [`Self::fail_writes_for`]).
    pub fn allow_writes_for(&self, email: &str) {
        if let Ok(mut i) = self.inner.lock() {
            i.fail_emails.remove(&email.to_lowercase());
        }
    }

    /// Sets the shop's customer metafield definitions (E10): listed by
    /// [`CustomerSink::metafield_definitions`], and a `metafieldsSet` value of another type
    /// than its definition's is refused, as Shopify does.
    pub fn set_metafield_definitions(&self, definitions: Vec<MetafieldDefinition>) {
        if let Ok(mut i) = self.inner.lock() {
            i.definitions = definitions;
        }
    }

    /// Adds a customer as if created in Shopify by someone else; returns its ID.
    pub fn seed(&self, email: &str, tags: &[&str]) -> String {
        let Ok(mut i) = self.inner.lock() else {
            return String::new();
        };
        i.next_id += 1;
        let id = format!("gid://shopify/Customer/{}", i.next_id);
        i.customers.insert(
            id.clone(),
            ShopifyRecord {
                id: id.clone(),
                email: email.to_owned(),
                state: AccountState::Disabled,
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                fields: RemoteFields::default(),
                invites: 0,
            },
        );
        id
    }

    /// Every customer.
    pub fn customers(&self) -> Vec<ShopifyRecord> {
        self.inner
            .lock()
            .map(|i| i.customers.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Edits a customer in place, as a merchant would in the admin (drift, C15).
    pub fn edit(&self, id: &str, edit: impl FnOnce(&mut ShopifyRecord)) {
        if let Ok(mut i) = self.inner.lock()
            && let Some(c) = i.customers.get_mut(id)
        {
            edit(c);
        }
    }

    fn remote(r: &ShopifyRecord, with_fields: bool) -> RemoteCustomer {
        RemoteCustomer {
            id: r.id.clone(),
            email: Some(r.email.clone()),
            account_state: r.state,
            tags: r.tags.iter().cloned().collect(),
            fields: with_fields.then(|| r.fields.clone()),
        }
    }

    /// One write as Shopify does it: the customer found or created, its email unique, a
    /// taken phone dropped (C4), then fields, tags and metafields written.
    fn apply(&self, inner: &mut ShopInner, w: &CustomerWrite) -> Result<WriteOutcome, PortError> {
        check_definitions(&inner.definitions, &w.metafields_set)?;
        let email = w.fields.as_ref().map(|f| f.email.clone());
        if let Some(e) = &email
            && inner.fail_emails.contains(&e.to_lowercase())
        {
            return Err(PortError::rejected(
                Service::Shopify,
                None,
                Some("email".into()),
                format!("Email {e} is invalid"),
            ));
        }
        let id = Self::target(inner, &w.target, email.as_deref())?;
        if let Some(e) = &email
            && inner
                .customers
                .values()
                .any(|c| c.id != id && c.email.eq_ignore_ascii_case(e))
        {
            return Err(PortError::rejected(
                Service::Shopify,
                Some("email_taken".into()),
                Some("email".into()),
                format!("Email {e} has already been taken"),
            ));
        }
        let mut fields = w.fields.clone();
        let warnings = Self::drop_taken_phone(inner, &id, fields.as_mut());
        let Some(rec) = inner.customers.get_mut(&id) else {
            return Err(PortError::not_found(Service::Shopify, id));
        };
        Self::write_record(rec, fields.as_ref(), w);
        Ok(WriteOutcome {
            shopify_id: id,
            account_state: rec.state,
            warnings,
        })
    }

    /// The ID a write addresses: an existing customer, or for a new one the customer with its
    /// email, created when there is none.
    fn target(
        inner: &mut ShopInner,
        target: &WriteTarget,
        email: Option<&str>,
    ) -> Result<String, PortError> {
        if let WriteTarget::Existing { shopify_id } = target {
            if !inner.customers.contains_key(shopify_id) {
                return Err(PortError::not_found(
                    Service::Shopify,
                    format!("customer {shopify_id}"),
                ));
            }
            return Ok(shopify_id.clone());
        }
        let e = email.unwrap_or_default();
        if let Some(c) = inner
            .customers
            .values()
            .find(|c| c.email.eq_ignore_ascii_case(e))
        {
            return Ok(c.id.clone());
        }
        inner.next_id += 1;
        let id = format!("gid://shopify/Customer/{}", inner.next_id);
        let record = ShopifyRecord {
            id: id.clone(),
            email: e.to_owned(),
            state: AccountState::Disabled,
            tags: BTreeSet::new(),
            fields: RemoteFields::default(),
            invites: 0,
        };
        inner.customers.insert(id.clone(), record);
        Ok(id)
    }

    /// Shopify keeps phones unique: a phone another customer has is dropped with a warning (C4).
    fn drop_taken_phone(
        inner: &ShopInner,
        id: &str,
        fields: Option<&mut DesiredCustomer>,
    ) -> Vec<SinkWarning> {
        let Some(f) = fields else {
            return Vec::new();
        };
        let Some(phone) = f.phone.clone() else {
            return Vec::new();
        };
        let taken = inner
            .customers
            .values()
            .any(|c| c.id != id && c.fields.phone.as_deref() == Some(phone.as_str()));
        if !taken {
            return Vec::new();
        }
        f.phone = None;
        if let Some(a) = f.address.as_mut() {
            a.phone = None;
        }
        vec![SinkWarning {
            reason: WarningReason::PhoneTaken,
            message: format!("Phone {phone} has already been taken"),
        }]
    }

    /// Writes the fields, the managed tags and the metafields onto the record.
    fn write_record(rec: &mut ShopifyRecord, fields: Option<&DesiredCustomer>, w: &CustomerWrite) {
        if let Some(f) = fields {
            rec.email = f.email.clone();
            rec.fields.first_name = f.first_name.clone();
            rec.fields.last_name = f.last_name.clone();
            rec.fields.phone = f.phone.clone();
            rec.fields.tax_exempt = f.tax_exempt;
            // No address: the sync sets none and removes none (C5), as `customerSet` leaves
            // the address list alone when `addresses` is not sent.
            if f.address.is_some() {
                rec.fields.address = f.address.clone();
            }
        }
        for t in &w.tags_remove {
            rec.tags.retain(|x| !x.eq_ignore_ascii_case(t));
        }
        for t in &w.tags_add {
            if !rec.tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                rec.tags.insert(t.clone());
            }
        }
        let mut mf: BTreeMap<MetafieldKey, DesiredMetafield> = rec
            .fields
            .metafields
            .drain(..)
            .map(|m| (m.key.clone(), m))
            .collect();
        for k in &w.metafields_delete {
            mf.remove(k);
        }
        for m in &w.metafields_set {
            mf.insert(m.key.clone(), m.clone());
        }
        rec.fields.metafields = mf.into_values().collect();
    }
}

/// Shopify refuses a metafield whose type is not its definition's (E10).
fn check_definitions(
    definitions: &[MetafieldDefinition],
    metafields: &[DesiredMetafield],
) -> Result<(), PortError> {
    for m in metafields {
        if let Some(d) = definitions
            .iter()
            .find(|d| d.key == m.key && d.type_name != m.kind.as_shopify())
        {
            return Err(PortError::rejected(
                Service::Shopify,
                Some("INVALID_TYPE".into()),
                Some(m.key.to_string()),
                format!(
                    "Type '{}' must be consistent with the definition's type: '{}'.",
                    m.kind, d.type_name
                ),
            ));
        }
    }
    Ok(())
}

impl Default for MemoryShopify {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl CustomerSink for MemoryShopify {
    async fn invite_support(&self) -> Result<InviteSupport, PortError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        Ok(self.support)
    }

    async fn find_by_emails(
        &self,
        emails: &[String],
    ) -> Result<Vec<Option<RemoteCustomer>>, PortError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let inner = self.inner.lock().map_err(|_| PortError::state("lock"))?;
        Ok(emails
            .iter()
            .map(|e| {
                inner
                    .customers
                    .values()
                    .find(|c| c.email.eq_ignore_ascii_case(e.trim()))
                    .map(|c| Self::remote(c, false))
            })
            .collect())
    }

    async fn get_customers(
        &self,
        ids: &[String],
    ) -> Result<Vec<Option<RemoteCustomer>>, PortError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let inner = self.inner.lock().map_err(|_| PortError::state("lock"))?;
        Ok(ids
            .iter()
            .map(|id| inner.customers.get(id).map(|c| Self::remote(c, true)))
            .collect())
    }

    async fn write_customers(
        &self,
        writes: &[CustomerWrite],
    ) -> Vec<Result<WriteOutcome, PortError>> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        let Ok(mut inner) = self.inner.lock() else {
            return writes
                .iter()
                .map(|_| Err(PortError::state("lock")))
                .collect();
        };
        writes.iter().map(|w| self.apply(&mut inner, w)).collect()
    }

    async fn metafield_definitions(
        &self,
        namespaces: &[&str],
    ) -> Result<Vec<MetafieldDefinition>, PortError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let inner = self.inner.lock().map_err(|_| PortError::state("lock"))?;
        Ok(inner
            .definitions
            .iter()
            .filter(|d| namespaces.contains(&d.key.namespace.as_ref()))
            .cloned()
            .collect())
    }

    async fn send_invite(&self, shopify_id: &str) -> Result<(), PortError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.inner.lock().map_err(|_| PortError::state("lock"))?;
        let rec = inner
            .customers
            .get_mut(shopify_id)
            .ok_or_else(|| PortError::not_found(Service::Shopify, shopify_id.to_owned()))?;
        rec.invites += 1;
        rec.state = AccountState::Invited;
        Ok(())
    }

    fn request_counts(&self) -> RequestCounts {
        RequestCounts {
            reads: self.reads.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            ..RequestCounts::default()
        }
    }
}

#[derive(Debug, Default)]
struct ListsInner {
    headers: BTreeMap<String, PriceListHeader>,
    /// `source` of the lists not created through the port (`integration` otherwise).
    sources: BTreeMap<String, String>,
    prices: BTreeMap<String, BTreeMap<String, PriceRow>>,
    patches: u64,
}

/// SparkLayer price lists and customer groups in memory. Counts one request per call.
#[derive(Debug, Default)]
pub struct MemoryPriceLists {
    inner: Mutex<ListsInner>,
    groups: Vec<CustomerGroup>,
    reads: AtomicU64,
    writes: AtomicU64,
}

impl MemoryPriceLists {
    /// Empty lists with the given customer groups.
    pub fn new(groups: Vec<CustomerGroup>) -> Self {
        Self {
            groups,
            ..Self::default()
        }
    }

    /// Every list's rows by slug, then SKU.
    pub fn lists(&self) -> BTreeMap<String, BTreeMap<String, PriceRow>> {
        self.inner
            .lock()
            .map(|i| i.prices.clone())
            .unwrap_or_default()
    }

    /// Adds a list as if made in SparkLayer by someone else (`source` e.g. `custom`), with its rows.
    pub fn seed_list(&self, header: PriceListHeader, source: &str, rows: Vec<PriceRow>) {
        if let Ok(mut i) = self.inner.lock() {
            let slug = header.slug.clone();
            i.sources.insert(slug.clone(), source.to_owned());
            i.prices.insert(
                slug.clone(),
                rows.into_iter().map(|r| (r.sku.clone(), r)).collect(),
            );
            i.headers.insert(slug, header);
        }
    }

    /// PATCH calls made so far.
    pub fn patches(&self) -> u64 {
        self.inner.lock().map(|i| i.patches).unwrap_or_default()
    }

    /// Overwrites one price as a merchant would in SparkLayer (drift, C15).
    pub fn set_price(&self, slug: &str, row: PriceRow) {
        if let Ok(mut i) = self.inner.lock() {
            i.prices
                .entry(slug.to_owned())
                .or_default()
                .insert(row.sku.clone(), row);
        }
    }
}

#[async_trait]
impl PriceListSink for MemoryPriceLists {
    async fn price_lists(&self) -> Result<Vec<RemotePriceList>, PortError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let inner = self.inner.lock().map_err(|_| PortError::state("lock"))?;
        Ok(inner
            .headers
            .values()
            .map(|h| RemotePriceList {
                slug: h.slug.clone(),
                name: h.name.clone(),
                currency: Some(h.currency.clone()),
                source: Some(
                    inner
                        .sources
                        .get(&h.slug)
                        .map_or("integration", String::as_str)
                        .to_owned(),
                ),
            })
            .collect())
    }

    async fn create_price_list(&self, header: &PriceListHeader) -> Result<(), PortError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.inner.lock().map_err(|_| PortError::state("lock"))?;
        inner
            .headers
            .entry(header.slug.clone())
            .or_insert_with(|| header.clone());
        inner.prices.entry(header.slug.clone()).or_default();
        Ok(())
    }

    async fn prices(&self, slug: &str) -> Result<Vec<PriceRow>, PortError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let inner = self.inner.lock().map_err(|_| PortError::state("lock"))?;
        Ok(inner
            .prices
            .get(slug)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default())
    }

    async fn patch_prices(&self, slug: &str, rows: &[PriceRow]) -> Result<PatchOutcome, PortError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.inner.lock().map_err(|_| PortError::state("lock"))?;
        inner.patches += 1;
        if !inner.headers.contains_key(slug) {
            return Err(PortError::not_found(
                Service::SparkLayer,
                format!("price list {slug}"),
            ));
        }
        let list = inner.prices.entry(slug.to_owned()).or_default();
        for r in rows {
            if r.pricing.is_empty() {
                list.remove(&r.sku);
            } else {
                list.insert(r.sku.clone(), r.clone());
            }
        }
        Ok(PatchOutcome::default())
    }

    fn request_counts(&self) -> RequestCounts {
        RequestCounts {
            reads: self.reads.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            ..RequestCounts::default()
        }
    }
}

#[async_trait]
impl CustomerGroupDirectory for MemoryPriceLists {
    async fn customer_groups(&self) -> Result<Vec<CustomerGroup>, PortError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        Ok(self.groups.clone())
    }
}
