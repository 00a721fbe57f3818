//! The engine: fetch → map → plan → apply (E1–E9).
//!
//! One [`SyncEngine::run`] does the customers pass (C1–C14) and then the pricing pass (P1–P4).
//! Every record is isolated (E3): a failed write is reported with its Cin7 ID, the step and
//! the API's message, and the run goes on. Only a fatal port error (bad credentials, a broken
//! state store) or a failure to read the account ends a run early, as a [`RunError`].

mod account;
mod check;
mod customers;
mod parallel;
mod pricing;
mod progress;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration, Utc};

use crate::config::{CustomersConfig, PricingConfig, RulesConfig};
use crate::error::{PortError, RunError, Service};
use crate::ports::{
    CustomerGroupDirectory, CustomerSink, CustomerSource, FetchScope, PriceListSink, PricingSource,
    RequestCounts, StateStore,
};
use crate::report::{Plan, RunMode, RunReport};
use crate::rules::ShopTypes;
use crate::rules::metafields::{MANAGED_NAMESPACES, written_types};

pub use check::ServiceCheck;
pub use progress::{NoProgress, Progress};

/// Overlap subtracted from the last successful run's start for incremental runs (E4).
pub const INCREMENTAL_OVERLAP_MINUTES: i64 = 10;

/// The adapters the engine runs on.
#[derive(Debug, Clone)]
pub struct Ports {
    /// Cin7 customers and account facts.
    pub customers: Arc<dyn CustomerSource>,
    /// Cin7 products.
    pub products: Arc<dyn PricingSource>,
    /// Shopify customers.
    pub shopify: Arc<dyn CustomerSink>,
    /// SparkLayer price lists.
    pub price_lists: Arc<dyn PriceListSink>,
    /// SparkLayer customer groups.
    pub groups: Arc<dyn CustomerGroupDirectory>,
    /// The state store.
    pub state: Arc<dyn StateStore>,
}

/// The options of the engine that come from the configuration.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// `[customers]`.
    pub customers: CustomersConfig,
    /// `[pricing]`.
    pub pricing: PricingConfig,
    /// Customers per `write_customers` call (several customers share one GraphQL document).
    pub write_batch: usize,
    /// Customers per lookup call (`find_by_emails`, `get_customers`). Large: the sink packs a
    /// call into as few documents as its cost limits allow (C15 read-back: 71 a document).
    pub lookup_batch: usize,
}

impl EngineSettings {
    /// Settings from a validated configuration's `[customers]` and `[pricing]` sections.
    pub fn from_config(config: &(impl RulesConfig + ?Sized)) -> Self {
        Self {
            customers: config.customers().clone(),
            pricing: config.pricing().clone(),
            write_batch: 10,
            lookup_batch: 1_000,
        }
    }
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            customers: CustomersConfig::default(),
            pricing: PricingConfig::default(),
            write_batch: 10,
            lookup_batch: 1_000,
        }
    }
}

/// Which run to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModeRequest {
    /// Incremental when a successful run is recorded, full otherwise (E4).
    Auto,
    /// A full run (`--full`).
    Full,
    /// Only these records (webhooks): customer IDs and product IDs.
    Records {
        /// Cin7 customer IDs.
        customer_ids: Vec<String>,
        /// Cin7 product IDs.
        product_ids: Vec<String>,
    },
}

/// Options of one run.
#[derive(Clone)]
pub struct RunOptions {
    /// Full, incremental (auto) or records.
    pub mode: ModeRequest,
    /// Plan only: no Shopify or SparkLayer write, no state change (E1).
    pub dry_run: bool,
    /// Set to stop after the record in flight (graceful shutdown).
    pub stop: Option<Arc<AtomicBool>>,
    /// Progress observer (binaries show a bar).
    pub progress: Arc<dyn Progress>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("mode", &self.mode)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            mode: ModeRequest::Auto,
            dry_run: false,
            stop: None,
            progress: Arc::new(NoProgress),
        }
    }
}

impl RunOptions {
    /// A full run.
    pub fn full() -> Self {
        Self {
            mode: ModeRequest::Full,
            ..Self::default()
        }
    }

    /// The same options as a dry run.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    pub(crate) fn should_stop(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }
}

/// The sync engine. Cheap to clone; holds only `Arc`s and settings.
#[derive(Debug, Clone)]
pub struct SyncEngine {
    ports: Ports,
    settings: EngineSettings,
    /// Account facts kept for records runs (E12).
    account: account::AccountCache,
}

/// What a run resolved its mode to.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedMode {
    pub(crate) mode: RunMode,
    pub(crate) customers: Option<FetchScope>,
    pub(crate) products: Option<FetchScope>,
    pub(crate) since: Option<DateTime<Utc>>,
}

impl SyncEngine {
    /// An engine over `ports` with `settings`.
    pub fn new(ports: Ports, settings: EngineSettings) -> Self {
        Self {
            ports,
            settings,
            account: account::AccountCache::default(),
        }
    }

    /// The engine's ports.
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    /// The engine's settings.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    fn counts(&self) -> [(Service, RequestCounts); 3] {
        let p = &self.ports;
        [
            (
                Service::Cin7,
                p.customers
                    .request_counts()
                    .plus(p.products.request_counts()),
            ),
            (Service::Shopify, p.shopify.request_counts()),
            (
                Service::SparkLayer,
                p.price_lists
                    .request_counts()
                    .plus(p.groups.request_counts()),
            ),
        ]
    }

    async fn resolve_mode(&self, request: &ModeRequest) -> Result<ResolvedMode, RunError> {
        Ok(match request {
            ModeRequest::Full => ResolvedMode {
                mode: RunMode::Full,
                customers: Some(FetchScope::All),
                products: Some(FetchScope::All),
                since: None,
            },
            ModeRequest::Auto => {
                let last = self
                    .ports
                    .state
                    .last_successful_run()
                    .await
                    .map_err(RunError::at("reading the state store"))?;
                match last {
                    None => ResolvedMode {
                        mode: RunMode::Full,
                        customers: Some(FetchScope::All),
                        products: Some(FetchScope::All),
                        since: None,
                    },
                    Some(start) => {
                        let since = start - Duration::minutes(INCREMENTAL_OVERLAP_MINUTES);
                        ResolvedMode {
                            mode: RunMode::Incremental,
                            customers: Some(FetchScope::ModifiedSince(since)),
                            products: Some(FetchScope::ModifiedSince(since)),
                            since: Some(since),
                        }
                    }
                }
            }
            ModeRequest::Records {
                customer_ids,
                product_ids,
            } => ResolvedMode {
                mode: RunMode::Records,
                customers: (!customer_ids.is_empty())
                    .then(|| FetchScope::Ids(customer_ids.clone())),
                products: (!product_ids.is_empty()).then(|| FetchScope::Ids(product_ids.clone())),
                since: None,
            },
        })
    }

    /// Runs one sync (E1–E9).
    ///
    /// # Errors
    /// [`RunError`] when the run cannot start or must stop: the account cannot be read, the
    /// credentials are rejected, or the state store fails. Record-level failures are in the
    /// report instead (exit status 2, E3).
    pub async fn run(&self, options: RunOptions) -> Result<RunReport, RunError> {
        let started = Utc::now();
        let before = self.counts();
        let resolved = self.resolve_mode(&options.mode).await?;
        let mut report = RunReport::new(resolved.mode, options.dry_run, started);
        report.modified_since = resolved.since;
        if options.dry_run {
            report.plan = Some(Plan::default());
        }
        let result = self.run_passes(&options, &resolved, &mut report).await;
        report.finished_at = Utc::now();
        self.fill_counts(&mut report, &before);
        result?;
        if !options.dry_run {
            self.ports
                .state
                .record_run(&report)
                .await
                .map_err(RunError::at("recording the run"))?;
            // Sent after the report is final: its own request is not in `requests` (E2 allows it).
            if let Err(e) = self.ports.price_lists.report_run(&report).await {
                tracing::warn!(error = %e, "could not report the run to the SparkLayer sync log");
            }
        }
        Ok(report)
    }

    fn fill_counts(&self, report: &mut RunReport, before: &[(Service, RequestCounts); 3]) {
        for ((service, now), (_, then)) in self.counts().iter().zip(before) {
            report.requests.insert(*service, now.since(*then));
        }
    }

    async fn run_passes(
        &self,
        options: &RunOptions,
        resolved: &ResolvedMode,
        report: &mut RunReport,
    ) -> Result<(), RunError> {
        // P5: checked when the configuration was read; a host that built it in code learns here.
        let currencies = self.settings.pricing.currencies()?;
        let account = self.account_for(resolved.mode).await.map_err(RunError::at(
            "reading the Cin7 account (GET me, ref/priceTier)",
        ))?;
        let groups = self
            .ports
            .groups
            .customer_groups()
            .await
            .map_err(RunError::at("reading SparkLayer customer groups"))?;
        // Before any write: an app without access to customer data stops here, in one line.
        self.ports
            .shopify
            .check_access()
            .await
            .map_err(RunError::at(
                "checking the Shopify app's access to customer data",
            ))?;
        let types = self.shop_types(resolved).await?;
        let rules = customers::RunRules {
            account: &account,
            groups: &groups,
            types: &types,
            currencies: &currencies,
        };
        let customers = customers::CustomersPass::new(self, options, resolved, rules)
            .run(report)
            .await?;
        if self.settings.pricing.enabled && !report.interrupted {
            pricing::PricingPass::new(self, options, resolved, rules, customers)
                .run(report)
                .await?;
        }
        Ok(())
    }
}

impl SyncEngine {
    /// E10: the shop's definitions of the sync's metafields, read once per run that reads
    /// customers. A key the sync cannot write stops the run here, before any write.
    async fn shop_types(&self, resolved: &ResolvedMode) -> Result<ShopTypes, RunError> {
        if resolved.customers.is_none() {
            return Ok(ShopTypes::default());
        }
        let definitions = self
            .ports
            .shopify
            .metafield_definitions(&MANAGED_NAMESPACES)
            .await
            .map_err(RunError::at(
                "reading Shopify's customer metafield definitions",
            ))?;
        Ok(ShopTypes::new(&written_types(), &definitions)?)
    }
}

/// Maps a fatal port error to a [`RunError`], passing others through for per-record handling.
pub(crate) fn fatal(step: &'static str, error: PortError) -> Result<PortError, RunError> {
    if error.is_fatal() {
        Err(RunError::Port {
            step,
            source: error,
        })
    } else {
        Ok(error)
    }
}

/// Tier codes 1–10.
pub(crate) fn all_tiers() -> BTreeSet<u8> {
    (1..=10).collect()
}
