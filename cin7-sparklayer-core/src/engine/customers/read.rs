//! The customer read of the customers pass: every customer in scope, mapped as it arrives
//! (C1–C12, C16) on every core while the next ones are read, deduplicated by ID (E8 noticed).

use futures::StreamExt;

use crate::config::{Currencies, CustomersConfig, ZeroPrice};
use crate::error::RunError;
use crate::model::{AccountInfo, CustomerGroup, SourceCustomer};
use crate::ports::{Fetched, IncompleteRead};
use crate::report::{RecordKind, RunReport, WarningReason};
use crate::rules::{MappingContext, Skip};

use super::super::parallel::Pipeline;
use super::contacts::{FetchedContact, map_with_contacts};
use super::{CustomersPass, Mapped, add_shortfall};

/// What the customer read produced: the mapped customers, every ID seen, and whether the read
/// fell short of Cin7's `Total` (E8).
pub(super) struct CustomersRead {
    pub(super) customers: Vec<FetchedCustomer>,
    pub(super) seen: foldhash::HashSet<String>,
    pub(super) incomplete: Option<IncompleteRead>,
}

/// Customers are mapped in chunks of this many, each chunk spread over every core.
const MAP_CHUNK: usize = 4096;

/// One fetched customer, already mapped.
pub(super) struct FetchedCustomer {
    pub(super) id: String,
    modified: Option<chrono::DateTime<chrono::Utc>>,
    pub(super) result: Result<Mapped, Skip>,
    /// Its other contacts (C16), empty unless `customers.contacts = "all"` and it maps.
    pub(super) contacts: Vec<FetchedContact>,
}

/// What the customer rules need besides the customer (C1–C12), owned by the mapping jobs,
/// which run on rayon's pool beside the read.
struct MappingInputs {
    customers: CustomersConfig,
    prefix: String,
    zero_price: ZeroPrice,
    pricing_enabled: bool,
    account: AccountInfo,
    groups: Vec<CustomerGroup>,
    currencies: Currencies,
}

impl MappingInputs {
    fn context(&self) -> MappingContext<'_> {
        MappingContext {
            customers: &self.customers,
            prefix: &self.prefix,
            zero_price: self.zero_price,
            pricing_enabled: self.pricing_enabled,
            account: &self.account,
            groups: &self.groups,
            currencies: &self.currencies,
        }
    }

    /// Maps one fetched customer and its contacts (C1–C12, C16), keeping only its ID and
    /// `LastModifiedOn` of the source record, which is freed here, on the mapping thread.
    fn map(&self, customer: SourceCustomer) -> FetchedCustomer {
        let (result, contacts) = map_with_contacts(&customer, &self.context());
        FetchedCustomer {
            id: customer.id,
            modified: customer.last_modified,
            result,
            contacts,
        }
    }
}

/// The mapped customers by ID, in first-read order; a customer read twice keeps the record
/// with the later `LastModifiedOn` (the later read on a tie).
#[derive(Default)]
struct Collected {
    out: Vec<FetchedCustomer>,
    // foldhash: 100,000 short IDs hashed on this (serial) path; SipHash was 8 % of it.
    index: foldhash::HashMap<String, usize>,
}

impl Collected {
    fn add(&mut self, mapped: Vec<FetchedCustomer>) {
        for item in mapped {
            match self.index.get(&item.id) {
                Some(&i) if item.modified >= self.out[i].modified => self.out[i] = item,
                Some(_) => {}
                None => {
                    self.index.insert(item.id.clone(), self.out.len());
                    self.out.push(item);
                }
            }
        }
    }
}

impl CustomersPass<'_> {
    /// Reads every customer in scope of the run and maps it as it arrives: each full chunk is
    /// mapped on every core while the next is read, the last one once read (a small read never
    /// waits on a background job), so only the mapped form is kept (memory stays one record per
    /// customer). Deduplicated by ID: the later `LastModifiedOn` wins. A read of more than one
    /// chunk awaits the pool between chunks: under tokio's paused clock (tests), the runtime
    /// may advance time while it waits.
    pub(super) async fn fetch_and_map(
        &self,
        report: &mut RunReport,
    ) -> Result<CustomersRead, RunError> {
        let Some(scope) = self.resolved.customers.clone() else {
            return Ok(CustomersRead {
                customers: Vec::new(),
                seen: foldhash::HashSet::default(),
                incomplete: None,
            });
        };
        self.options.progress.phase("customers", None);
        let inputs = self.mapping_inputs();
        let mut pipeline = Pipeline::new(move |c| inputs.map(c));
        let mut stream = self.engine.ports.customers.customers(scope);
        let mut collected = Collected::default();
        let mut chunk: Vec<SourceCustomer> = Vec::with_capacity(MAP_CHUNK);
        let mut incomplete: Option<IncompleteRead> = None;
        while let Some(item) = stream.next().await {
            match item {
                Ok(Fetched::Record(c)) => {
                    self.options.progress.advance(1);
                    chunk.push(c);
                    if chunk.len() >= MAP_CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(MAP_CHUNK));
                        collected.add(pipeline.push(full).await);
                    }
                }
                Ok(Fetched::Malformed(m)) => report.skip_malformed(RecordKind::Customer, &m),
                Ok(Fetched::Incomplete(short)) => {
                    incomplete = Some(add_shortfall(incomplete, short));
                }
                Err(source) => {
                    return Err(RunError::Port {
                        step: "reading Cin7 customers",
                        source,
                    });
                }
            }
        }
        collected.add(pipeline.finish().await);
        collected.add(pipeline.map_here(chunk));
        if let Some(short) = incomplete {
            report.warn(
                "customers",
                WarningReason::IncompleteRead,
                Some(format!(
                    "Cin7 customers: {short}; no linked customer is treated as gone on this read"
                )),
            );
        }
        Ok(CustomersRead {
            customers: collected.out,
            seen: collected.index.into_keys().collect(),
            incomplete,
        })
    }

    /// What the customer rules need besides the customer (C1–C12), copied for the mapping jobs.
    fn mapping_inputs(&self) -> MappingInputs {
        let settings = &self.engine.settings;
        MappingInputs {
            customers: settings.customers.clone(),
            prefix: settings.pricing.prefix.clone(),
            zero_price: settings.pricing.zero_price,
            pricing_enabled: settings.pricing.enabled,
            account: self.account.clone(),
            groups: self.groups.to_vec(),
            currencies: self.currencies.clone(),
        }
    }
}
