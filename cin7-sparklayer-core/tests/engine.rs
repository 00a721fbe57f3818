//! The engine against the in-memory adapters (E1–E6, C13–C15, P3–P4).

use std::sync::Arc;

use cin7_sparklayer_core::config::{OnLeave, PricingConfig};
use cin7_sparklayer_core::engine::{EngineSettings, ModeRequest, Ports, RunOptions, SyncEngine};
use cin7_sparklayer_core::error::Service;
use cin7_sparklayer_core::memory::{MemoryPriceLists, MemoryShopify, MemorySource, MemoryState};
use cin7_sparklayer_core::model::{
    AddressKind, CustomerGroup, CustomerPrice, PriceRow, RecordStatus, SourceAddress,
    SourceContact, SourceCustomer, SourceProduct,
};
use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_core::report::RunReport;
use futures::executor::block_on;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

struct World {
    source: Arc<MemorySource>,
    shopify: Arc<MemoryShopify>,
    lists: Arc<MemoryPriceLists>,
    state: Arc<MemoryState>,
    settings: EngineSettings,
}

fn customer(i: usize) -> SourceCustomer {
    SourceCustomer {
        name: Some(format!("Company {i}")),
        currency: Some("AUD".into()),
        price_tier: Some(
            if i.is_multiple_of(2) {
                "Tier 1"
            } else {
                "Tier 2"
            }
            .into(),
        ),
        tags: vec![
            "b2b".into(),
            if i.is_multiple_of(3) {
                "Gold".into()
            } else {
                "misc".into()
            },
        ],
        credit_limit: Decimal::from(1000 * i as i64),
        contacts: vec![SourceContact {
            name: Some(format!("Pat Person{i}")),
            email: Some(format!("buyer{i}@example.com")),
            phone: Some(format!("0412 345 {i:03}")),
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
        product_prices: if i == 1 {
            vec![CustomerPrice {
                sku: "SKU-1".into(),
                price: dec!(9.5),
            }]
        } else {
            Vec::new()
        },
        ..SourceCustomer::new(format!("cust-{i}"))
    }
}

fn product(i: usize) -> SourceProduct {
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
    fn new(customers: usize, products: usize) -> Self {
        let source = Arc::new(MemorySource::new("AUD"));
        source.set_customers((0..customers).map(customer).collect());
        source.set_products((0..products).map(product).collect());
        World {
            source,
            shopify: Arc::new(MemoryShopify::new()),
            lists: Arc::new(MemoryPriceLists::new(vec![CustomerGroup {
                name: "gold".into(),
                slug: "gold".into(),
            }])),
            state: Arc::new(MemoryState::new()),
            settings: EngineSettings::default(),
        }
    }

    fn engine(&self) -> SyncEngine {
        SyncEngine::new(
            Ports {
                customers: self.source.clone(),
                products: self.source.clone(),
                shopify: self.shopify.clone(),
                price_lists: self.lists.clone(),
                groups: self.lists.clone(),
                state: self.state.clone(),
            },
            self.settings.clone(),
        )
    }

    fn run(&self, options: RunOptions) -> RunReport {
        block_on(self.engine().run(options)).expect("run starts")
    }
}

fn count(r: &RunReport, key: &str) -> u64 {
    r.customers.get(key).copied().unwrap_or(0)
}

fn writes(r: &RunReport, s: Service) -> u64 {
    r.requests.get(&s).map(|c| c.writes).unwrap_or(0)
}

#[test]
fn first_run_creates_everything_and_second_run_writes_nothing() {
    let w = World::new(6, 5);
    let first = w.run(RunOptions::default());
    assert_eq!(first.exit_code(), 0, "{:?}", first.failures);
    assert_eq!(count(&first, "create"), 6);
    assert_eq!(first.invites.get("sent"), Some(&6));
    assert_eq!(w.shopify.customers().len(), 6);
    let lists = w.lists.lists();
    assert_eq!(lists["cin7-tier-1"].len(), 5);
    assert_eq!(lists["cin7-tier-2"].len(), 5);
    assert!(
        !lists.contains_key("cin7-tier-3"),
        "tiers = assigned publishes only used tiers"
    );
    assert_eq!(lists.len(), 3, "two tier lists and one customer list");
    let c3 = w
        .shopify
        .customers()
        .into_iter()
        .find(|c| c.email == "buyer3@example.com")
        .unwrap();
    assert!(c3.tags.contains("b2b"));
    let group = c3
        .fields
        .metafields
        .iter()
        .find(|m| m.key.key == "group")
        .unwrap();
    assert_eq!(group.value, "gold");
    assert_eq!(c3.fields.phone.as_deref(), Some("+61412345003"));
    assert_eq!(
        c3.fields.address.as_ref().unwrap().province_code.as_deref(),
        Some("NSW")
    );

    let second = w.run(RunOptions::default());
    assert_eq!(second.mode.to_string(), "incremental");
    assert_eq!(second.sink_writes(), 0, "E2: no change, no write");
    let full = w.run(RunOptions::full());
    assert_eq!(
        full.sink_writes(),
        0,
        "E2: a full rerun reads but does not write"
    );
    assert_eq!(count(&full, "unchanged"), 6);
    assert_eq!(
        w.shopify.customers().iter().map(|c| c.invites).sum::<u32>(),
        6,
        "C13: invites once"
    );
}

#[test]
fn changed_address_is_one_update() {
    let w = World::new(4, 2);
    w.run(RunOptions::default());
    w.source.edit_customer("cust-2", |c| {
        c.addresses[0].line1 = Some("99 Pitt St".into())
    });
    let r = w.run(RunOptions::full());
    assert_eq!(count(&r, "update"), 1);
    assert_eq!(count(&r, "unchanged"), 3);
    assert_eq!(writes(&r, Service::Shopify), 1);
    assert_eq!(writes(&r, Service::SparkLayer), 0);
    let c = w
        .shopify
        .customers()
        .into_iter()
        .find(|c| c.email == "buyer2@example.com")
        .unwrap();
    assert_eq!(
        c.fields.address.unwrap().address1.as_deref(),
        Some("99 Pitt St")
    );
}

#[test]
fn a_failing_record_is_reported_and_the_rest_completes() {
    let w = World::new(5, 2);
    w.shopify.fail_writes_for("buyer2@example.com");
    let r = w.run(RunOptions::default());
    assert_eq!(r.exit_code(), 2);
    assert_eq!(r.failures.len(), 1);
    assert_eq!(r.failures[0].id, "cust-2");
    assert!(r.failures[0].message.contains("buyer2@example.com"));
    assert_eq!(count(&r, "create"), 4);
    assert_eq!(w.shopify.customers().len(), 4);
    assert!(!r.succeeded());
    assert_eq!(
        block_on(w.state.last_successful_run()).unwrap(),
        None,
        "a failed run does not move the cursor"
    );
}

#[test]
fn dry_run_writes_nothing_and_plans_everything() {
    let w = World::new(3, 3);
    let r = w.run(RunOptions::default().dry_run());
    assert_eq!(r.sink_writes(), 0);
    assert!(w.shopify.customers().is_empty());
    assert!(w.lists.lists().is_empty());
    assert!(block_on(w.state.customer_links()).unwrap().is_empty());
    assert!(w.state.runs().is_empty());
    let plan = r.plan.clone().unwrap();
    assert_eq!(plan.customers.len(), 3);
    assert!(plan.customers.iter().all(|c| c.action.name() == "create"));
    assert_eq!(plan.price_lists.len(), 3);
    assert_eq!(count(&r, "create"), 3);
}

#[test]
fn email_change_updates_the_same_shopify_customer() {
    let w = World::new(2, 1);
    w.run(RunOptions::default());
    let before = w.shopify.customers();
    w.source.edit_customer("cust-1", |c| {
        c.contacts[0].email = Some("new-buyer@example.com".into())
    });
    let r = w.run(RunOptions::full());
    assert_eq!(count(&r, "update"), 1);
    let after = w.shopify.customers();
    assert_eq!(after.len(), before.len(), "E6: no second customer");
    assert!(after.iter().any(|c| c.email == "new-buyer@example.com"));
}

#[test]
fn leaving_scope_keeps_or_revokes() {
    for on_leave in [OnLeave::Keep, OnLeave::Revoke] {
        let mut w = World::new(3, 1);
        w.settings.customers.on_leave = on_leave;
        w.run(RunOptions::default());
        let id = w
            .shopify
            .customers()
            .into_iter()
            .find(|c| c.email == "buyer0@example.com")
            .unwrap()
            .id;
        w.shopify.edit(&id, |c| {
            c.tags.insert("VIP".into());
        });
        w.source
            .edit_customer("cust-0", |c| c.tags = vec!["retail".into()]);
        let r = w.run(RunOptions::full());
        let c = w
            .shopify
            .customers()
            .into_iter()
            .find(|c| c.id == id)
            .unwrap();
        assert!(c.tags.contains("VIP"), "C11: the merchant's tags survive");
        match on_leave {
            OnLeave::Keep => {
                assert!(c.tags.contains("b2b"));
                assert_eq!(count(&r, "revoke"), 0);
            }
            OnLeave::Revoke => {
                assert_eq!(count(&r, "revoke"), 1);
                assert!(!c.tags.contains("b2b"));
                assert!(
                    c.fields.metafields.is_empty(),
                    "every sparklayer/cin7 metafield removed"
                );
                let again = w.run(RunOptions::full());
                assert_eq!(again.sink_writes(), 0, "revoked once");
            }
        }
        assert_eq!(w.shopify.customers().len(), 3, "never deleted");
    }
}

#[test]
fn duplicate_emails_are_skipped_unless_linked() {
    let w = World::new(3, 1);
    w.run(RunOptions::default());
    // A new Cin7 customer reuses cust-1's email (different case): cust-1 keeps syncing.
    let mut dup = customer(7);
    dup.id = "cust-7".into();
    dup.contacts[0].email = Some("BUYER1@example.com".into());
    w.source.customers.lock().unwrap().push(dup);
    let r = w.run(RunOptions::full());
    assert_eq!(r.skip_reasons.get("duplicate_email"), Some(&1));
    assert!(r.skipped.iter().any(|s| s.id.as_deref() == Some("cust-7")
        && s.detail.as_deref().unwrap_or("").contains("cust-1")));
    assert_eq!(w.shopify.customers().len(), 3);
}

#[test]
fn existing_shopify_customer_is_linked_not_duplicated() {
    let w = World::new(2, 1);
    let id = w.shopify.seed("buyer0@example.com", &["vip"]);
    let r = w.run(RunOptions::default());
    assert_eq!(count(&r, "update"), 1);
    assert_eq!(count(&r, "create"), 1);
    let c = w
        .shopify
        .customers()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap();
    assert!(c.tags.contains("vip") && c.tags.contains("b2b"));
}

#[test]
fn price_change_and_sku_removal_patch_only_what_changed() {
    let w = World::new(2, 10);
    w.run(RunOptions::default());
    let patches = w.lists.patches();
    w.source.products.lock().unwrap()[3].tier_prices[0] = Some(dec!(99.95));
    w.source.products.lock().unwrap()[5].status = RecordStatus::Deprecated;
    let r = w.run(RunOptions::full());
    // tier-1: one change + one removal in one PATCH; tier-2: one removal in one PATCH.
    assert_eq!(w.lists.patches() - patches, 2);
    assert_eq!(r.price_rows_written, 1);
    assert_eq!(r.price_rows_removed, 2);
    let lists = w.lists.lists();
    assert_eq!(lists["cin7-tier-1"]["SKU-3"].pricing[0].price, dec!(99.95));
    assert!(!lists["cin7-tier-1"].contains_key("SKU-5"));
}

#[test]
fn lost_state_reconciles_without_rewriting() {
    let w = World::new(3, 20);
    w.run(RunOptions::default());
    let mut w2 = World::new(3, 20);
    w2.shopify = w.shopify.clone();
    w2.lists = w.lists.clone();
    let r = w2.run(RunOptions::default());
    assert_eq!(r.mode.to_string(), "full");
    assert_eq!(
        writes(&r, Service::SparkLayer),
        0,
        "prices read back, nothing rewritten"
    );
    assert_eq!(
        w.shopify.customers().len(),
        3,
        "customers found by email, no duplicates"
    );
    assert_eq!(
        w.shopify.customers().iter().map(|c| c.invites).sum::<u32>(),
        3,
        "invites not resent"
    );
}

#[test]
fn drift_in_shopify_and_sparklayer_is_repaired_by_a_full_run() {
    let w = World::new(2, 3);
    w.run(RunOptions::default());
    let id = w.shopify.customers()[0].id.clone();
    w.shopify
        .edit(&id, |c| c.fields.tax_exempt = !c.fields.tax_exempt);
    w.lists
        .set_price("cin7-tier-1", PriceRow::single("SKU-0", dec!(1)));
    let inc = w.run(RunOptions::default());
    assert_eq!(inc.sink_writes(), 0, "incremental runs trust the state");
    let full = w.run(RunOptions::full());
    assert_eq!(count(&full, "update"), 1);
    assert_eq!(full.price_rows_written, 1);
    assert_eq!(
        w.lists.lists()["cin7-tier-1"]["SKU-0"].pricing[0].price,
        dec!(10)
    );
}

#[test]
fn customer_list_is_emptied_when_the_customer_leaves() {
    let w = World::new(3, 2);
    w.run(RunOptions::default());
    let slug = w
        .lists
        .lists()
        .keys()
        .find(|k| k.contains("-c-"))
        .cloned()
        .unwrap();
    w.source
        .edit_customer("cust-1", |c| c.status = RecordStatus::Deprecated);
    let r = w.run(RunOptions::default());
    assert_eq!(r.price_lists.get("empty"), Some(&1));
    assert!(
        w.lists.lists()[&slug].is_empty(),
        "P4: emptied, not deleted"
    );
}

#[test]
fn pricing_disabled_touches_no_list() {
    let mut w = World::new(2, 2);
    w.settings.pricing = PricingConfig {
        enabled: false,
        ..PricingConfig::default()
    };
    let r = w.run(RunOptions::default());
    assert!(w.lists.lists().is_empty());
    assert_eq!(count(&r, "create"), 2);
}

#[test]
fn records_mode_syncs_only_named_customers() {
    let w = World::new(4, 2);
    w.run(RunOptions::default());
    w.source
        .edit_customer("cust-2", |c| c.name = Some("Renamed".into()));
    w.source
        .edit_customer("cust-3", |c| c.name = Some("Also renamed".into()));
    let r = w.run(RunOptions {
        mode: ModeRequest::Records {
            customer_ids: vec!["cust-2".into()],
            product_ids: vec![],
        },
        ..RunOptions::default()
    });
    assert_eq!(count(&r, "update"), 1);
    assert_eq!(writes(&r, Service::Shopify), 1);
}

#[test]
fn a_phone_shopify_refuses_is_not_rewritten_every_run() {
    let w = World::new(3, 1);
    // cust-0 … cust-2 all share one phone: only the first keeps it (C4).
    for id in ["cust-1", "cust-2"] {
        w.source
            .edit_customer(id, |c| c.contacts[0].phone = Some("0412 345 000".into()));
    }
    let first = w.run(RunOptions::default());
    assert_eq!(first.warnings.get("phone_taken"), Some(&2));
    let full = w.run(RunOptions::full());
    assert_eq!(full.sink_writes(), 0, "{:?}", full.customers);
    // A new phone in Cin7 is tried again.
    w.source.edit_customer("cust-2", |c| {
        c.contacts[0].phone = Some("0499 888 777".into())
    });
    let retry = w.run(RunOptions::full());
    assert_eq!(count(&retry, "update"), 1);
    let c2 = w
        .shopify
        .customers()
        .into_iter()
        .find(|c| c.email == "buyer2@example.com")
        .unwrap();
    assert_eq!(c2.fields.phone.as_deref(), Some("+61499888777"));
}

#[test]
fn a_records_run_does_not_move_the_incremental_cursor() {
    let w = World::new(2, 1);
    w.run(RunOptions::default());
    let cursor = block_on(w.state.last_successful_run()).unwrap();
    w.run(RunOptions {
        mode: ModeRequest::Records {
            customer_ids: vec!["cust-1".into()],
            product_ids: vec![],
        },
        ..RunOptions::default()
    });
    assert_eq!(block_on(w.state.last_successful_run()).unwrap(), cursor);
}

#[test]
fn the_last_full_run_is_remembered() {
    let w = World::new(2, 1);
    assert_eq!(block_on(w.state.last_full_run()).unwrap(), None);
    let full = w.run(RunOptions::default());
    w.run(RunOptions::default());
    assert_eq!(
        block_on(w.state.last_full_run()).unwrap(),
        Some(full.started_at)
    );
}

#[test]
fn a_dry_run_predicts_exactly_what_the_real_run_then_does() {
    let mut w = World::new(8, 12);
    w.settings.customers.on_leave = cin7_sparklayer_core::config::OnLeave::Revoke;
    w.run(RunOptions::default());
    // One of each change: an address (update), a tag removed (revoke), a new customer
    // (create), a price changed and a product deprecated (patch with a removal).
    w.source
        .edit_customer("cust-2", |c| c.addresses[0].line1 = Some("1 New Rd".into()));
    w.source
        .edit_customer("cust-3", |c| c.tags.retain(|t| t != "b2b"));
    {
        let mut all = w.source.customers.lock().unwrap();
        all.push(customer(20));
    }
    w.source.products.lock().unwrap()[4].tier_prices[1] = Some(dec!(77.7));
    w.source.products.lock().unwrap()[6].status = RecordStatus::Deprecated;

    let plan = w.run(RunOptions::full().dry_run());
    assert_eq!(plan.sink_writes(), 0, "E1: a dry run writes nothing");
    let done = w.run(RunOptions::full());
    assert_eq!(plan.customers, done.customers, "customer actions");
    assert_eq!(plan.price_lists, done.price_lists, "price list actions");
    assert_eq!(plan.price_rows_written, done.price_rows_written);
    assert_eq!(plan.price_rows_removed, done.price_rows_removed);
    assert_eq!(count(&done, "update"), 1);
    assert_eq!(count(&done, "revoke"), 1);
    assert_eq!(count(&done, "create"), 1);
    assert_eq!(done.price_rows_written, 1);
    assert_eq!(done.price_rows_removed, 2);
}

#[test]
fn check_reads_every_port_once_and_writes_nothing() {
    let w = World::new(2, 2);
    let checks = block_on(w.engine().check());
    let services: Vec<Service> = checks.iter().map(|c| c.service).collect();
    assert_eq!(
        services,
        vec![
            Service::Cin7,
            Service::Shopify,
            Service::SparkLayer,
            Service::State
        ]
    );
    assert!(checks.iter().all(|c| c.result.is_ok()), "{checks:?}");
    assert!(
        checks[0]
            .result
            .as_ref()
            .is_ok_and(|s| s.contains("base currency AUD")),
        "{checks:?}"
    );
    assert!(w.shopify.customers().is_empty() && w.lists.lists().is_empty());
    w.run(RunOptions::default());
    let checks = block_on(w.engine().check());
    assert!(
        checks[3]
            .result
            .as_ref()
            .is_ok_and(|s| s.starts_with("last successful run started")),
        "{checks:?}"
    );
}

/// The read maps customers 4,096 at a time on the pool while it reads on: across chunks every
/// customer is kept once, in first-read order, and one read twice keeps its later
/// `LastModifiedOn` (the later read on a tie), wherever the chunks end.
#[test]
fn a_read_of_several_chunks_keeps_each_customer_once_in_its_latest_version() {
    use chrono::{Duration, TimeZone, Utc};

    let world = World::new(0, 0);
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single();
    let mut read: Vec<SourceCustomer> = (0..9_000)
        .map(|i| SourceCustomer {
            last_modified: at,
            ..customer(i)
        })
        .collect();
    let version = |i: usize, email: &str, hours: i64| {
        let mut c = customer(i);
        c.last_modified = at.map(|t| t + Duration::hours(hours));
        c.contacts[0].email = Some(email.into());
        c
    };
    // Read again in the third chunk: customer 5 newer, 6 older, 7 as new with another email.
    read.push(version(5, "renamed5@example.com", 1));
    read.push(version(6, "stale6@example.com", -1));
    read.push(version(7, "retyped7@example.com", 0));
    world.source.set_customers(read);

    // A dry run: its plan lists every record in read order, with the email it would sync.
    let report = world.run(RunOptions::full().dry_run());

    assert_eq!(count(&report, "create"), 9_000);
    let plan = report.plan.expect("a dry run has a plan").customers;
    let ids: Vec<&str> = plan.iter().map(|e| e.cin7_id.as_str()).collect();
    let expected: Vec<String> = (0..9_000).map(|i| format!("cust-{i}")).collect();
    assert_eq!(ids, expected, "each customer once, in first-read order");
    let email = |i: usize| plan[i].email.as_deref();
    assert_eq!(email(5), Some("renamed5@example.com"), "the later version");
    assert_eq!(email(6), Some("buyer6@example.com"), "not the older one");
    assert_eq!(
        email(7),
        Some("retyped7@example.com"),
        "the later read on a tie"
    );
    assert_eq!(email(8_999), Some("buyer8999@example.com"));
}
