//! The ports' conformance suite against the in-memory adapters, and against deliberately
//! broken ones, to show each suite catches what it claims to.

use std::sync::Arc;

use async_trait::async_trait;
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::conformance::customer_sink::{CustomerSinkHarness, ExistingCustomer};
use cin7_sparklayer_core::conformance::customer_source::CustomerSourceHarness;
use cin7_sparklayer_core::conformance::group_directory::GroupDirectoryHarness;
use cin7_sparklayer_core::conformance::price_list_sink::{ExistingPriceList, PriceListSinkHarness};
use cin7_sparklayer_core::conformance::pricing_source::PricingSourceHarness;
use cin7_sparklayer_core::conformance::state_store::StateStoreHarness;
use cin7_sparklayer_core::conformance::{
    CheckFailure, Outcome, Support, Unsupported, customer_sink, customer_source, group_directory,
    price_list_sink, pricing_source, state_store,
};
use cin7_sparklayer_core::memory::{MemoryPriceLists, MemoryShopify, MemorySource, MemoryState};
use cin7_sparklayer_core::model::{
    AccountInfo, CustomerGroup, PriceListHeader, PriceListOrigin, PriceRow, RecordStatus,
    SourceCustomer, SourceProduct,
};
use cin7_sparklayer_core::ports::{
    CustomerGroupDirectory, CustomerLink, CustomerSink, CustomerSource, CustomerWrite,
    InviteSupport, PatchOutcome, PriceListSink, PriceListState, PricingSource, RemoteCustomer,
    RemotePriceList, RowChange, StateStore, WriteOutcome,
};
use cin7_sparklayer_core::report::RunReport;
use futures::executor::block_on;

const NO_REOPEN: &str = "the in-memory store keeps nothing outside its handle";

/// Every check passed, except those named, which the harness declared unsupported.
fn assert_passed(outcome: &Outcome, checks: &[&str], unsupported: &[(&str, &str)]) {
    let expected: Vec<&str> = checks
        .iter()
        .copied()
        .filter(|c| !unsupported.iter().any(|(u, _)| u == c))
        .collect();
    assert_eq!(outcome.passed, expected);
    let got: Vec<(&str, &str)> = outcome
        .unsupported
        .iter()
        .map(|(c, r)| (*c, r.as_str()))
        .collect();
    assert_eq!(got, unsupported);
}

fn failed_check<T: std::fmt::Debug>(result: Result<T, CheckFailure>) -> &'static str {
    result
        .expect_err("the broken adapter must fail the suite")
        .check
}

struct MemoryStateHarness;

#[async_trait]
impl StateStoreHarness for MemoryStateHarness {
    type Store = MemoryState;

    async fn fresh(&self) -> MemoryState {
        MemoryState::new()
    }

    async fn reopen(&self, _: &MemoryState) -> Support<MemoryState> {
        Err(Unsupported::new(NO_REOPEN))
    }
}

struct MemorySourceHarness;

fn memory_source(account: &AccountInfo) -> MemorySource {
    let source = MemorySource::new(&account.base_currency);
    *source.account.lock().expect("account lock") = account.clone();
    source
}

#[async_trait]
impl CustomerSourceHarness for MemorySourceHarness {
    async fn seeded(
        &self,
        account: &AccountInfo,
        customers: &[SourceCustomer],
    ) -> Support<Arc<dyn CustomerSource>> {
        let source = memory_source(account);
        source.set_customers(customers.to_vec());
        Ok(Arc::new(source))
    }
}

#[async_trait]
impl PricingSourceHarness for MemorySourceHarness {
    async fn seeded(&self, products: &[SourceProduct]) -> Support<Arc<dyn PricingSource>> {
        let source = MemorySource::new("NZD");
        source.set_products(products.to_vec());
        Ok(Arc::new(source))
    }
}

struct MemoryShopHarness(InviteSupport);

fn memory_shop(support: InviteSupport, existing: &[ExistingCustomer]) -> MemoryShopify {
    let shop = MemoryShopify::with_support(support);
    for c in existing {
        let tags: Vec<&str> = c.tags.iter().map(String::as_str).collect();
        let id = shop.seed(&c.email, &tags);
        shop.edit(&id, |r| {
            r.state = c.account_state;
            r.fields.phone = c.phone.clone();
        });
    }
    shop
}

#[async_trait]
impl CustomerSinkHarness for MemoryShopHarness {
    fn invite_support(&self) -> InviteSupport {
        self.0
    }

    async fn shop_with(&self, existing: &[ExistingCustomer]) -> Support<Arc<dyn CustomerSink>> {
        Ok(Arc::new(memory_shop(self.0, existing)))
    }
}

struct MemoryListsHarness;

fn memory_lists(existing: &[ExistingPriceList]) -> MemoryPriceLists {
    let lists = MemoryPriceLists::new(Vec::new());
    for l in existing {
        lists.seed_list(l.header.clone(), &l.source, l.rows.clone());
    }
    lists
}

#[async_trait]
impl PriceListSinkHarness for MemoryListsHarness {
    async fn account_with(
        &self,
        existing: &[ExistingPriceList],
    ) -> Support<Arc<dyn PriceListSink>> {
        Ok(Arc::new(memory_lists(existing)))
    }
}

#[async_trait]
impl GroupDirectoryHarness for MemoryListsHarness {
    async fn directory_with(
        &self,
        groups: &[CustomerGroup],
    ) -> Support<Arc<dyn CustomerGroupDirectory>> {
        Ok(Arc::new(MemoryPriceLists::new(groups.to_vec())))
    }
}

#[test]
fn memory_state_conforms_and_says_it_cannot_be_reopened() {
    let outcome = block_on(state_store::run_all(&MemoryStateHarness)).expect("conforms");
    assert_passed(
        &outcome,
        state_store::CHECKS,
        &[("saves_survive_a_reopen", NO_REOPEN)],
    );
}

#[test]
fn memory_source_conforms() {
    let outcome = block_on(customer_source::run_all(&MemorySourceHarness)).expect("conforms");
    assert_passed(&outcome, customer_source::CHECKS, &[]);
    let outcome = block_on(pricing_source::run_all(&MemorySourceHarness)).expect("conforms");
    assert_passed(&outcome, pricing_source::CHECKS, &[]);
}

#[test]
fn memory_shopify_conforms_with_classic_and_new_accounts() {
    let classic = MemoryShopHarness(InviteSupport::Classic);
    let outcome = block_on(customer_sink::run_all(&classic)).expect("conforms");
    assert_passed(&outcome, customer_sink::CHECKS, &[]);

    let new_accounts = MemoryShopHarness(InviteSupport::NotApplicable);
    let outcome = block_on(customer_sink::run_all(&new_accounts)).expect("conforms");
    let reason = "the shop uses new customer accounts: no invite exists (C13)";
    assert_passed(
        &outcome,
        customer_sink::CHECKS,
        &[("invites_leave_accounts_invited", reason)],
    );
}

#[test]
fn memory_price_lists_and_groups_conform() {
    let outcome = block_on(price_list_sink::run_all(&MemoryListsHarness)).expect("conforms");
    assert_passed(&outcome, price_list_sink::CHECKS, &[]);
    let outcome = block_on(group_directory::run_all(&MemoryListsHarness)).expect("conforms");
    assert_passed(&outcome, group_directory::CHECKS, &[]);
}

#[test]
fn check_names_are_unique_per_port() {
    for checks in [
        state_store::CHECKS,
        customer_source::CHECKS,
        pricing_source::CHECKS,
        customer_sink::CHECKS,
        price_list_sink::CHECKS,
        group_directory::CHECKS,
    ] {
        let mut names = checks.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), checks.len(), "{checks:?}");
    }
}

// ---- broken adapters: each suite must name the check that catches them ----

/// A state store whose two faults are switched on separately: counting failed runs as
/// successes (E4), or keeping run starts to the second only.
#[derive(Debug, Default)]
struct BrokenState {
    inner: MemoryState,
    forgive_failures: bool,
    whole_seconds: bool,
}

#[async_trait]
impl StateStore for BrokenState {
    async fn customer_links(&self) -> Result<Vec<CustomerLink>, PortError> {
        self.inner.customer_links().await
    }
    async fn save_customer_link(&self, link: &CustomerLink) -> Result<(), PortError> {
        self.inner.save_customer_link(link).await
    }
    async fn move_customer_link(&self, from: &str, link: &CustomerLink) -> Result<(), PortError> {
        self.inner.move_customer_link(from, link).await
    }
    async fn price_lists(&self) -> Result<Vec<PriceListState>, PortError> {
        self.inner.price_lists().await
    }
    async fn save_price_list(
        &self,
        h: &PriceListHeader,
        o: &PriceListOrigin,
    ) -> Result<(), PortError> {
        self.inner.save_price_list(h, o).await
    }
    async fn save_price_rows(&self, slug: &str, changes: &[RowChange]) -> Result<(), PortError> {
        self.inner.save_price_rows(slug, changes).await
    }
    async fn last_successful_run(
        &self,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, PortError> {
        self.inner.last_successful_run().await
    }
    async fn last_full_run(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, PortError> {
        self.inner.last_full_run().await
    }
    async fn record_run(&self, report: &RunReport) -> Result<(), PortError> {
        let mut report = report.clone();
        if self.forgive_failures {
            report.failures.clear();
        }
        if self.whole_seconds {
            report.started_at = chrono::DateTime::from_timestamp(report.started_at.timestamp(), 0)
                .expect("valid time");
        }
        self.inner.record_run(&report).await
    }
}

struct BrokenStateHarness {
    forgive_failures: bool,
    whole_seconds: bool,
}

#[async_trait]
impl StateStoreHarness for BrokenStateHarness {
    type Store = BrokenState;

    async fn fresh(&self) -> BrokenState {
        BrokenState {
            forgive_failures: self.forgive_failures,
            whole_seconds: self.whole_seconds,
            ..BrokenState::default()
        }
    }

    async fn reopen(&self, _: &BrokenState) -> Support<BrokenState> {
        Err(Unsupported::new(NO_REOPEN))
    }
}

#[test]
fn a_store_that_counts_failed_runs_as_successes_fails_the_cursor_check() {
    let h = BrokenStateHarness {
        forgive_failures: true,
        whole_seconds: false,
    };
    let failure = block_on(state_store::run_all(&h)).expect_err("broken");
    assert_eq!(failure.check, "cursor_moves_only_after_successful_runs");
    assert!(failure.message.contains("with failures"), "{failure}");
}

#[test]
fn a_store_that_rounds_run_times_fails_the_exact_time_check() {
    let h = BrokenStateHarness {
        forgive_failures: false,
        whole_seconds: true,
    };
    assert_eq!(
        failed_check(block_on(state_store::run_all(&h))),
        "run_times_round_trip_exactly"
    );
}

/// A source that leaves deprecated customers out (as Cin7 does without `IncludeDeprecated`).
#[derive(Debug)]
struct ActiveOnly(MemorySource);

#[async_trait]
impl CustomerSource for ActiveOnly {
    async fn account(&self) -> Result<AccountInfo, PortError> {
        CustomerSource::account(&self.0).await
    }
    fn customers(
        &self,
        scope: cin7_sparklayer_core::ports::FetchScope,
    ) -> cin7_sparklayer_core::ports::RecordStream<SourceCustomer> {
        use futures::StreamExt;
        Box::pin(self.0.customers(scope).filter(|item| {
            let keep = !matches!(
                item,
                Ok(cin7_sparklayer_core::ports::Fetched::Record(c)) if c.status == RecordStatus::Deprecated
            );
            std::future::ready(keep)
        }))
    }
}

struct ActiveOnlyHarness;

#[async_trait]
impl CustomerSourceHarness for ActiveOnlyHarness {
    async fn seeded(
        &self,
        account: &AccountInfo,
        customers: &[SourceCustomer],
    ) -> Support<Arc<dyn CustomerSource>> {
        let source = memory_source(account);
        source.set_customers(customers.to_vec());
        Ok(Arc::new(ActiveOnly(source)))
    }
}

#[test]
fn a_source_without_deprecated_customers_fails_the_full_read_check() {
    let failure = block_on(customer_source::run_all(&ActiveOnlyHarness)).expect_err("broken");
    assert_eq!(failure.check, "full_read_yields_every_customer_once");
    assert!(failure.message.contains("missing"), "{failure}");
}

/// A shop whose lookups compare emails case-sensitively.
#[derive(Debug)]
struct CaseSensitiveShop(MemoryShopify);

#[async_trait]
impl CustomerSink for CaseSensitiveShop {
    async fn invite_support(&self) -> Result<InviteSupport, PortError> {
        self.0.invite_support().await
    }
    async fn find_by_emails(
        &self,
        emails: &[String],
    ) -> Result<Vec<Option<RemoteCustomer>>, PortError> {
        let found = self.0.find_by_emails(emails).await?;
        Ok(emails
            .iter()
            .zip(found)
            .map(|(e, c)| c.filter(|c| c.email.as_deref() == Some(e.as_str())))
            .collect())
    }
    async fn get_customers(
        &self,
        ids: &[String],
    ) -> Result<Vec<Option<RemoteCustomer>>, PortError> {
        self.0.get_customers(ids).await
    }
    async fn write_customers(
        &self,
        writes: &[CustomerWrite],
    ) -> Vec<Result<WriteOutcome, PortError>> {
        self.0.write_customers(writes).await
    }
    async fn send_invite(&self, shopify_id: &str) -> Result<(), PortError> {
        self.0.send_invite(shopify_id).await
    }
}

struct CaseSensitiveHarness;

#[async_trait]
impl CustomerSinkHarness for CaseSensitiveHarness {
    fn invite_support(&self) -> InviteSupport {
        InviteSupport::Classic
    }

    async fn shop_with(&self, existing: &[ExistingCustomer]) -> Support<Arc<dyn CustomerSink>> {
        Ok(Arc::new(CaseSensitiveShop(memory_shop(
            InviteSupport::Classic,
            existing,
        ))))
    }
}

#[test]
fn a_case_sensitive_lookup_fails_the_lookup_check() {
    assert_eq!(
        failed_check(block_on(customer_sink::run_all(&CaseSensitiveHarness))),
        "lookup_is_exact_and_ignores_case"
    );
}

/// A sink whose PATCH replaces the whole list instead of the SKUs sent.
#[derive(Debug)]
struct ReplacingLists(MemoryPriceLists);

#[async_trait]
impl PriceListSink for ReplacingLists {
    async fn price_lists(&self) -> Result<Vec<RemotePriceList>, PortError> {
        self.0.price_lists().await
    }
    async fn create_price_list(&self, header: &PriceListHeader) -> Result<(), PortError> {
        self.0.create_price_list(header).await
    }
    async fn prices(&self, slug: &str) -> Result<Vec<PriceRow>, PortError> {
        self.0.prices(slug).await
    }
    async fn patch_prices(&self, slug: &str, rows: &[PriceRow]) -> Result<PatchOutcome, PortError> {
        let held = self.0.prices(slug).await.unwrap_or_default();
        let clear: Vec<PriceRow> = held
            .iter()
            .filter(|r| !rows.iter().any(|n| n.sku == r.sku))
            .map(|r| PriceRow::removal(r.sku.clone()))
            .collect();
        self.0.patch_prices(slug, &clear).await?;
        self.0.patch_prices(slug, rows).await
    }
}

struct ReplacingHarness;

#[async_trait]
impl PriceListSinkHarness for ReplacingHarness {
    async fn account_with(
        &self,
        existing: &[ExistingPriceList],
    ) -> Support<Arc<dyn PriceListSink>> {
        Ok(Arc::new(ReplacingLists(memory_lists(existing))))
    }
}

#[test]
fn a_patch_that_replaces_the_list_fails_the_patch_check() {
    assert_eq!(
        failed_check(block_on(price_list_sink::run_all(&ReplacingHarness))),
        "patch_replaces_only_the_skus_sent"
    );
}

/// A directory that lists each group twice (a paging bug).
#[derive(Debug)]
struct Doubled(Vec<CustomerGroup>);

#[async_trait]
impl CustomerGroupDirectory for Doubled {
    async fn customer_groups(&self) -> Result<Vec<CustomerGroup>, PortError> {
        Ok(self.0.iter().chain(&self.0).cloned().collect())
    }
}

struct DoubledHarness;

#[async_trait]
impl GroupDirectoryHarness for DoubledHarness {
    async fn directory_with(
        &self,
        groups: &[CustomerGroup],
    ) -> Support<Arc<dyn CustomerGroupDirectory>> {
        Ok(Arc::new(Doubled(groups.to_vec())))
    }
}

#[test]
fn a_directory_listing_groups_twice_fails_the_listing_check() {
    assert_eq!(
        failed_check(block_on(group_directory::run_all(&DoubledHarness))),
        "lists_every_group_with_name_and_slug"
    );
}

/// A harness that cannot seed is reported check by check, never skipped silently.
struct Unseedable;

#[async_trait]
impl PricingSourceHarness for Unseedable {
    async fn seeded(&self, _: &[SourceProduct]) -> Support<Arc<dyn PricingSource>> {
        Err(Unsupported::new("a live ERP cannot be seeded"))
    }
}

#[test]
fn an_unseedable_source_is_reported_unsupported_for_every_check() {
    let outcome = block_on(pricing_source::run_all(&Unseedable)).expect("nothing failed");
    assert!(outcome.passed.is_empty());
    let names: Vec<&str> = outcome.unsupported.iter().map(|(c, _)| *c).collect();
    assert_eq!(names, pricing_source::CHECKS);
    assert!(
        outcome
            .unsupported
            .iter()
            .all(|(_, r)| r == "a live ERP cannot be seeded")
    );
}
