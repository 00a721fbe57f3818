//! The daemon's freshness poll (issue 15, SPEC E12), on tokio's paused clock over the real
//! engine and the core's in-memory adapters. "Cin7's clock" is the `last_modified` the test
//! stamps on the source's records (the wall clock, which tokio's paused clock does not move).
//!
//! - a change saved while a poll is in flight (after its read, or stamped before its newest
//!   record but visible only after the read) is found by the next poll and written;
//! - an idle poll costs 2 Cin7 requests (one per kind) and no write, also when its overlap reads
//!   back records already synced;
//! - a poll never overlaps a run, and waits for a long one;
//! - a webhook and a poll naming the same record sync it once.
//!
//! The client side of "2 requests" (one light page per kind) is tested in cin7-client's
//! `tests/sandbox.rs`.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cin7_sparklayer::RunOptions;
use cin7_sparklayer::core::PortError;
use cin7_sparklayer::core::engine::{EngineSettings, Ports, SyncEngine};
use cin7_sparklayer::core::memory::{MemoryPriceLists, MemoryShopify, MemorySource, MemoryState};
use cin7_sparklayer::core::model::{
    AccountInfo, AddressKind, CustomerGroup, RecordStatus, SourceAddress, SourceContact,
    SourceCustomer, SourceProduct,
};
use cin7_sparklayer::core::ports::{
    Change, CustomerSink, CustomerSource, FetchScope, PricingSource, RecordStream, RequestCounts,
};
use cin7_sparklayer::core::report::RunReport;
use cin7_sparklayer::core::{RunError, Secret};
use cin7_sparklayer::daemon::{Daemon, DaemonHandle, DaemonSettings, PollChanges, SyncRunner};
use rust_decimal::Decimal;
use tokio::sync::oneshot;
use tokio::time::Instant;

const S: Duration = Duration::from_secs(1);
const POLL: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// A Cin7 source whose records change while a poll reads them.

/// Something to do to the source right after a `customer_changes` read returned.
type Hook = Box<dyn FnOnce(&MemorySource, &[Change]) + Send>;

/// The in-memory source, counting what it is asked, with hooks run mid-poll.
struct Cin7 {
    inner: MemorySource,
    hooks: Mutex<VecDeque<Hook>>,
    change_reads: AtomicUsize,
}

impl std::fmt::Debug for Cin7 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cin7")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl CustomerSource for Cin7 {
    async fn account(&self) -> Result<AccountInfo, PortError> {
        self.inner.account().await
    }

    fn customers(&self, scope: FetchScope) -> RecordStream<SourceCustomer> {
        self.inner.customers(scope)
    }

    async fn customer_changes(&self, since: DateTime<Utc>) -> Result<Vec<Change>, PortError> {
        self.change_reads.fetch_add(1, Ordering::SeqCst);
        let read = self.inner.customer_changes(since).await?;
        let hook = self.hooks.lock().expect("lock").pop_front();
        if let Some(hook) = hook {
            hook(&self.inner, &read);
        }
        Ok(read)
    }

    fn request_counts(&self) -> RequestCounts {
        CustomerSource::request_counts(&self.inner)
    }
}

#[async_trait]
impl PricingSource for Cin7 {
    fn products(&self, scope: FetchScope) -> RecordStream<SourceProduct> {
        self.inner.products(scope)
    }

    async fn product_changes(&self, since: DateTime<Utc>) -> Result<Vec<Change>, PortError> {
        self.change_reads.fetch_add(1, Ordering::SeqCst);
        self.inner.product_changes(since).await
    }
}

fn customer(i: usize, at: DateTime<Utc>) -> SourceCustomer {
    SourceCustomer {
        name: Some(format!("Company {i}")),
        currency: Some("AUD".into()),
        price_tier: Some("Tier 1".into()),
        tags: vec!["b2b".into()],
        contacts: vec![SourceContact {
            name: Some(format!("Pat Person{i}")),
            email: Some(format!("buyer{i}@example.com")),
            default: true,
            ..SourceContact::default()
        }],
        addresses: vec![SourceAddress {
            line1: Some(format!("{i} George St")),
            city: Some("Sydney".into()),
            state: Some("NSW".into()),
            postcode: Some("2000".into()),
            country: Some("Australia".into()),
            kind: Some(AddressKind::Shipping),
            default_for_type: true,
            ..SourceAddress::default()
        }],
        last_modified: Some(at),
        ..SourceCustomer::new(format!("cust-{i}"))
    }
}

fn product(i: usize, at: DateTime<Utc>) -> SourceProduct {
    let mut tier_prices = [None; 10];
    tier_prices[0] = Some(Decimal::from(10 + i as i64));
    SourceProduct {
        id: format!("prod-{i}"),
        sku: Some(format!("SKU-{i}")),
        status: RecordStatus::Active,
        tier_prices,
        last_modified: Some(at),
    }
}

/// Renames customer `i`'s contact, stamped `at` on Cin7's clock.
fn rename(source: &MemorySource, i: usize, name: &str, at: DateTime<Utc>) {
    source.edit_customer(&format!("cust-{i}"), |c| {
        c.contacts[0].name = Some(name.to_owned());
        c.last_modified = Some(at);
    });
}

struct World {
    cin7: Arc<Cin7>,
    shopify: Arc<MemoryShopify>,
    lists: Arc<MemoryPriceLists>,
}

impl World {
    /// Five customers and three products, last changed a day ago.
    fn new() -> Self {
        let old = Utc::now() - chrono::Duration::days(1);
        let inner = MemorySource::new("AUD");
        inner.set_customers((0..5).map(|i| customer(i, old)).collect());
        inner.set_products((0..3).map(|i| product(i, old)).collect());
        Self {
            cin7: Arc::new(Cin7 {
                inner,
                hooks: Mutex::new(VecDeque::new()),
                change_reads: AtomicUsize::new(0),
            }),
            shopify: Arc::new(MemoryShopify::new()),
            lists: Arc::new(MemoryPriceLists::new(vec![CustomerGroup {
                name: "gold".into(),
                slug: "gold".into(),
            }])),
        }
    }

    fn engine(&self) -> SyncEngine {
        SyncEngine::new(
            Ports {
                customers: self.cin7.clone(),
                products: self.cin7.clone(),
                shopify: self.shopify.clone(),
                price_lists: self.lists.clone(),
                groups: self.lists.clone(),
                state: Arc::new(MemoryState::new()),
            },
            EngineSettings::default(),
        )
    }

    fn on_next_read(&self, hook: impl FnOnce(&MemorySource, &[Change]) + Send + 'static) {
        self.cin7
            .hooks
            .lock()
            .expect("lock")
            .push_back(Box::new(hook));
    }

    /// Cin7 requests so far (the source's reads) and Shopify + SparkLayer writes.
    fn counts(&self) -> (u64, u64) {
        let writes = CustomerSink::request_counts(self.shopify.as_ref()).writes
            + cin7_sparklayer::core::ports::PriceListSink::request_counts(self.lists.as_ref())
                .writes;
        (
            CustomerSource::request_counts(self.cin7.as_ref()).reads,
            writes,
        )
    }

    fn shopify_name(&self, i: usize) -> Option<String> {
        self.shopify
            .customers()
            .into_iter()
            .find(|c| c.email == format!("buyer{i}@example.com"))
            .map(|c| {
                format!(
                    "{} {}",
                    c.fields.first_name.unwrap_or_default(),
                    c.fields.last_name.unwrap_or_default()
                )
            })
    }
}

fn settings(poll: Option<Duration>) -> DaemonSettings {
    DaemonSettings {
        listen: "127.0.0.1:0".into(),
        webhook_token: Secret::new("token"),
        interval: Duration::from_secs(6 * 3600),
        register_every: Duration::from_secs(6 * 3600),
        full_every: DaemonSettings::FULL_EVERY,
        debounce: 3 * S,
        max_records_per_run: 250,
        max_queue: 1000,
        body_limit: 64 * 1024,
        last_full_run: None,
        shutdown_grace: 60 * S,
        poll,
        poll_handover: 100,
        cin7_calls_per_minute: 60,
    }
}

struct Running {
    handle: DaemonHandle,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), cin7_sparklayer::daemon::DaemonError>>,
}

impl Running {
    fn start<R: SyncRunner + std::fmt::Debug>(runner: R, settings: DaemonSettings) -> Self {
        let daemon = Daemon::new(runner, settings).expect("daemon");
        let handle = daemon.handle();
        let (stop, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(daemon.run_worker(async move {
            let _ = rx.await;
        }));
        Self { handle, stop, task }
    }

    fn runs(&self) -> u64 {
        *self.handle.status().runs_finished().borrow()
    }

    async fn shutdown(self) {
        let _ = self.stop.send(());
        self.task
            .await
            .expect("task")
            .expect("daemon stops cleanly");
    }
}

/// Sleeps until just after the `n`th poll (polls every [`POLL`] from the start).
async fn after_poll(start: Instant, n: u32) {
    tokio::time::sleep_until(start + POLL * n + S).await;
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_change_saved_during_a_poll_is_found_by_the_next_poll() {
    let w = World::new();
    let start = Instant::now();
    let d = Running::start(w.engine(), settings(Some(POLL)));
    after_poll(start, 1).await;
    assert_eq!(d.runs(), 1, "the start-up run only: nothing changed");
    assert_eq!(w.shopify_name(1).as_deref(), Some("Pat Person1"));

    // Saved right after poll 2 read Cin7: that poll cannot see it.
    w.on_next_read(|source, _| rename(source, 1, "Pat Saved-Mid-Poll", Utc::now()));
    after_poll(start, 2).await;
    assert_eq!(w.shopify_name(1).as_deref(), Some("Pat Person1"));
    assert_eq!(d.runs(), 1);
    after_poll(start, 3).await;
    assert_eq!(w.shopify_name(1).as_deref(), Some("Pat Saved-Mid-Poll"));
    assert_eq!(d.runs(), 2, "one records run");
    let health = d.handle.health();
    assert_eq!(health.last_poll.as_ref().map(|p| p.found), Some(1));
    let applied = health.last_change.expect("freshness of the change applied");
    assert!(applied.freshness_ms >= 0 && applied.written_at >= applied.modified_at);

    // Stamped by Cin7 before the newest record poll 4 read, but visible only after that read
    // (a save committing late): inside the overlap, so poll 5 reads it.
    let seen = Utc::now();
    rename(&w.cin7.inner, 2, "Pat Newest", seen);
    w.on_next_read(move |source, read| {
        assert!(read.iter().any(|c| c.id == "cust-2"), "{read:?}");
        rename(
            source,
            3,
            "Pat Committed-Late",
            seen - chrono::Duration::seconds(2),
        );
    });
    after_poll(start, 4).await;
    assert_eq!(w.shopify_name(2).as_deref(), Some("Pat Newest"));
    assert_eq!(w.shopify_name(3).as_deref(), Some("Pat Person3"));
    after_poll(start, 5).await;
    assert_eq!(w.shopify_name(3).as_deref(), Some("Pat Committed-Late"));
    assert_eq!(d.runs(), 4);
    d.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_idle_poll_costs_two_cin7_requests_and_no_write() {
    let w = World::new();
    let start = Instant::now();
    let d = Running::start(w.engine(), settings(Some(POLL)));
    // A change synced by poll 1: later polls read it back in their overlap.
    tokio::time::sleep(S).await;
    rename(&w.cin7.inner, 4, "Pat Changed", Utc::now());
    after_poll(start, 1).await;
    assert_eq!(w.shopify_name(4).as_deref(), Some("Pat Changed"));
    assert_eq!(d.runs(), 2);

    let (reads, writes) = w.counts();
    let polls = w.cin7.change_reads.load(Ordering::SeqCst);
    after_poll(start, 6).await;
    let (reads_after, writes_after) = w.counts();
    assert_eq!(
        w.cin7.change_reads.load(Ordering::SeqCst) - polls,
        10,
        "5 polls, one customers and one products read each"
    );
    assert_eq!(reads_after - reads, 10, "2 Cin7 requests per idle poll");
    assert_eq!(writes_after, writes, "no Shopify or SparkLayer write");
    assert_eq!(d.runs(), 2, "no run either");
    let last = d.handle.health().last_poll.expect("polled");
    assert_eq!((last.found, last.error), (0, None));
    let metrics = d.handle.metrics();
    for line in [
        "cin7_sparklayer_polls_total{result=\"ok\"} 6",
        "cin7_sparklayer_poll_records_found_count 6",
        "cin7_sparklayer_poll_records_found_sum 1.0",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
    assert!(metrics.contains("cin7_sparklayer_last_change_freshness_seconds "));
    assert!(metrics.contains("cin7_sparklayer_last_poll_timestamp_seconds "));
    d.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn off_means_no_poll() {
    let w = World::new();
    let d = Running::start(w.engine(), settings(None));
    tokio::time::sleep(10 * POLL).await;
    assert_eq!(w.cin7.change_reads.load(Ordering::SeqCst), 0);
    assert!(d.handle.health().last_poll.is_none());
    d.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// A runner that takes its time, recording runs and polls.

/// What the worker did, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    RunStart,
    RunEnd,
    Poll,
}

#[derive(Debug, Clone)]
struct Slow {
    engine: SyncEngine,
    run_for: Duration,
    in_run: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<(Event, Instant)>>>,
}

impl Slow {
    fn note(&self, event: Event) {
        self.log.lock().expect("lock").push((event, Instant::now()));
    }
}

impl SyncRunner for Slow {
    fn run(&self, options: RunOptions) -> impl Future<Output = Result<RunReport, RunError>> + Send {
        let me = self.clone();
        async move {
            me.note(Event::RunStart);
            me.in_run.store(true, Ordering::SeqCst);
            tokio::time::sleep(me.run_for).await;
            let result = me.engine.run(options).await;
            me.in_run.store(false, Ordering::SeqCst);
            me.note(Event::RunEnd);
            result
        }
    }

    fn changes(
        &self,
        customers: DateTime<Utc>,
        products: DateTime<Utc>,
    ) -> impl Future<Output = Result<PollChanges, PortError>> + Send {
        assert!(!self.in_run.load(Ordering::SeqCst), "a poll during a run");
        self.note(Event::Poll);
        SyncRunner::changes(&self.engine, customers, products)
    }
}

#[tokio::test(start_paused = true)]
async fn a_poll_never_overlaps_a_run_and_waits_for_it() {
    let w = World::new();
    let slow = Slow {
        engine: w.engine(),
        run_for: 50 * S,
        in_run: Arc::default(),
        log: Arc::default(),
    };
    let mut s = settings(Some(POLL));
    s.interval = 120 * S;
    let start = Instant::now();
    let d = Running::start(slow.clone(), s);
    // Changes now and then, so polls start records runs too.
    for i in 0..6 {
        tokio::time::sleep(45 * S).await;
        rename(&w.cin7.inner, i % 5, &format!("Pat Round{i}"), Utc::now());
    }
    tokio::time::sleep(120 * S).await;
    d.shutdown().await;
    let log = slow.log.lock().expect("lock").clone();
    let count = |e: Event| log.iter().filter(|(x, _)| *x == e).count();
    assert!(
        count(Event::RunEnd) >= 5 && count(Event::Poll) >= 5,
        "{log:?}"
    );
    let mut running = false;
    for (event, at) in &log {
        match event {
            Event::RunStart => {
                assert!(!running, "two runs at once at {at:?}");
                running = true;
            }
            Event::RunEnd => running = false,
            Event::Poll => assert!(!running, "a poll inside a run at {at:?}: {log:?}"),
        }
    }
    // The start-up run takes 50 s: the poll due at 20 s waited for its end.
    let first_poll = log
        .iter()
        .position(|(e, _)| *e == Event::Poll)
        .expect("polled");
    assert_eq!(log[first_poll - 1].0, Event::RunEnd, "{log:?}");
    assert_eq!(log[first_poll].1, start + 50 * S, "{log:?}");
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_webhook_and_a_poll_for_the_same_record_sync_it_once() {
    let w = World::new();
    let start = Instant::now();
    let d = Running::start(w.engine(), settings(Some(POLL)));
    after_poll(start, 1).await;
    let (_, writes) = w.counts();
    // Changed, and its webhook arrives 1 s before poll 2 (debounce 3 s): the poll finds it too.
    tokio::time::sleep_until(start + 2 * POLL - S).await;
    rename(&w.cin7.inner, 0, "Pat Both", Utc::now());
    assert_eq!(d.handle.queue_customers(["cust-0".to_owned()]), 1);
    after_poll(start, 2).await;
    assert_eq!(w.shopify_name(0).as_deref(), Some("Pat Both"));
    assert_eq!(d.runs(), 2, "one records run for webhook and poll");
    assert_eq!(
        d.handle.queued(),
        (0, 0),
        "nothing left for the webhook's own run"
    );
    let report = d.handle.status().last_report().expect("report");
    assert_eq!(report.customers.get("update"), Some(&1), "{report:?}");
    let (_, writes_after) = w.counts();
    assert!(writes_after > writes);
    // The next polls read it back (same LastModifiedOn): skipped, no run, no write.
    after_poll(start, 4).await;
    assert_eq!(d.runs(), 2);
    assert_eq!(w.counts().1, writes_after);
    d.shutdown().await;
}
