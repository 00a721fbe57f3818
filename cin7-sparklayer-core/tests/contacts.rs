//! C16 contacts against the in-memory adapters: a full run with `customers.contacts = "all"`,
//! incremental runs after a contact's email changes, a contact is removed or added, a dry run
//! predicting the real run, a records run (the daemon's webhook path), C3 across contacts, and a
//! run failing part-way through creating contacts then rerun.

use std::sync::Arc;

use cin7_sparklayer_core::config::{ContactsMode, OnLeave};
use cin7_sparklayer_core::engine::{EngineSettings, ModeRequest, Ports, RunOptions, SyncEngine};
use cin7_sparklayer_core::memory::ShopifyRecord;
use cin7_sparklayer_core::memory::{MemoryPriceLists, MemoryShopify, MemorySource, MemoryState};
use cin7_sparklayer_core::model::{
    AddressKind, SourceAddress, SourceContact, SourceCustomer, contact_key,
};
use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_core::report::{RunReport, render_table};
use futures::executor::block_on;

struct World {
    source: Arc<MemorySource>,
    shopify: Arc<MemoryShopify>,
    lists: Arc<MemoryPriceLists>,
    state: Arc<MemoryState>,
    settings: EngineSettings,
}

fn contact(id: Option<&str>, name: &str, email: Option<&str>, default: bool) -> SourceContact {
    SourceContact {
        id: id.map(str::to_owned),
        name: Some(name.to_owned()),
        phone: Some("0412 345 678".into()).filter(|_| default),
        mobile_phone: None,
        email: email.map(str::to_owned),
        default,
    }
}

/// `cust-i` with its key contact `k-i-0` and two others: `k-i-1` (accounts) and `k-i-2`
/// (warehouse); `cust-1` also has a contact without an email and one without an ID.
fn customer(i: usize) -> SourceCustomer {
    let mut contacts = vec![
        contact(
            Some(&format!("k-{i}-0")),
            &format!("Pat Buyer{i}"),
            Some(&format!("buyer{i}@example.com")),
            true,
        ),
        contact(
            Some(&format!("k-{i}-1")),
            "Alex Accounts",
            Some(&format!("accounts{i}@example.com")),
            false,
        ),
        contact(
            Some(&format!("k-{i}-2")),
            "Sam Warehouse Lee",
            Some(&format!("warehouse{i}@example.com")),
            false,
        ),
    ];
    if i == 1 {
        contacts.push(contact(Some("k-1-3"), "Robin Noemail", None, false));
        contacts.push(contact(None, "Kim Noid", Some("noid1@example.com"), false));
    }
    SourceCustomer {
        name: Some(format!("Company {i}")),
        currency: Some("AUD".into()),
        price_tier: Some("Tier 1".into()),
        tags: vec!["b2b".into()],
        tax_rule: Some("Tax Exempt".into()).filter(|_| i == 2),
        contacts,
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
        ..SourceCustomer::new(format!("cust-{i}"))
    }
}

impl World {
    fn new(customers: usize, on_leave: OnLeave) -> Self {
        let source = Arc::new(MemorySource::new("AUD"));
        source.set_customers((0..customers).map(customer).collect());
        let mut settings = EngineSettings::default();
        settings.customers.contacts = ContactsMode::All;
        settings.customers.on_leave = on_leave;
        World {
            source,
            shopify: Arc::new(MemoryShopify::new()),
            lists: Arc::new(MemoryPriceLists::new(Vec::new())),
            state: Arc::new(MemoryState::new()),
            settings,
        }
    }

    fn run(&self, options: RunOptions) -> RunReport {
        let engine = SyncEngine::new(
            Ports {
                customers: self.source.clone(),
                products: self.source.clone(),
                shopify: self.shopify.clone(),
                price_lists: self.lists.clone(),
                groups: self.lists.clone(),
                state: self.state.clone(),
            },
            self.settings.clone(),
        );
        block_on(engine.run(options)).expect("run starts")
    }

    fn by_email(&self, email: &str) -> Option<ShopifyRecord> {
        self.shopify
            .customers()
            .into_iter()
            .find(|c| c.email == email)
    }

    fn shopify_id_of(&self, key: &str) -> Option<String> {
        block_on(self.state.customer_links())
            .unwrap()
            .into_iter()
            .find(|l| l.cin7_id == key)
            .map(|l| l.shopify_id)
    }

    fn edit(&self, id: &str, edit: impl FnOnce(&mut SourceCustomer)) {
        self.source.edit_customer(id, |c| {
            edit(c);
            c.last_modified = Some(chrono::Utc::now());
        });
    }
}

fn metafield(c: &ShopifyRecord, key: &str) -> Option<String> {
    c.fields
        .metafields
        .iter()
        .find(|m| m.key.key == key)
        .map(|m| m.value.clone())
}

fn contacts(r: &RunReport, action: &str) -> u64 {
    r.contacts.get(action).copied().unwrap_or(0)
}

fn customers(r: &RunReport, action: &str) -> u64 {
    r.customers.get(action).copied().unwrap_or(0)
}

#[test]
fn a_full_run_syncs_every_qualifying_contact_once_and_a_rerun_writes_nothing() {
    let w = World::new(3, OnLeave::Keep);
    let first = w.run(RunOptions::full());
    assert_eq!(first.failures, vec![]);
    assert_eq!(customers(&first, "create"), 3);
    assert_eq!(contacts(&first, "create"), 6, "{:?}", first.contacts);
    assert_eq!(contacts(&first, "skip"), 1, "the contact without an ID");
    assert_eq!(first.skip_reasons.get("no_contact_id"), Some(&1));
    assert!(w.by_email("noid1@example.com").is_none());
    assert_eq!(w.shopify.customers().len(), 9);
    assert_eq!(
        first.invites.get("sent"),
        Some(&9),
        "C13: one invite per login"
    );

    let key = w.by_email("buyer2@example.com").unwrap();
    let other = w.by_email("warehouse2@example.com").unwrap();
    assert_eq!(metafield(&key, "contact_id").as_deref(), Some("k-2-0"));
    assert_eq!(metafield(&other, "contact_id").as_deref(), Some("k-2-2"));
    assert_eq!(metafield(&other, "customer_id").as_deref(), Some("cust-2"));
    assert_eq!(other.fields.first_name.as_deref(), Some("Sam"));
    assert_eq!(other.fields.last_name.as_deref(), Some("Warehouse Lee"));
    assert_eq!(
        other.fields.phone, None,
        "the contact's phone, not the key's"
    );
    assert!(other.fields.tax_exempt, "C6 from the customer");
    assert!(other.tags.contains("b2b"));
    let address = other.fields.address.clone().unwrap();
    assert_eq!(address.first_name.as_deref(), Some("Sam"));
    assert_eq!(address.company.as_deref(), Some("Company 2"));
    assert_eq!(address.address1.as_deref(), Some("2 George St"));
    for k in [
        "price_lists",
        "payment_on_account",
        "company_name",
        "credit_limit",
    ] {
        assert_eq!(
            metafield(&other, k),
            metafield(&key, k),
            "{k} from the customer"
        );
    }
    assert_eq!(
        w.shopify_id_of(&contact_key("cust-2", "k-2-2")),
        Some(other.id.clone()),
        "linked by {{customer}}/{{contact}}"
    );

    let table = render_table(&first);
    assert!(table.contains("contacts (C16)"), "{table}");
    let json = serde_json::to_value(&first).unwrap();
    assert_eq!(json["contacts"]["create"], 6, "E9: serialised");

    let again = w.run(RunOptions::default());
    assert_eq!(again.sink_writes(), 0, "E2: {:?}", again.requests);
    let full = w.run(RunOptions::full());
    assert_eq!(full.sink_writes(), 0, "E2 on a full rerun");
    assert_eq!(contacts(&full, "unchanged"), 6);
    let invites: u32 = w.shopify.customers().iter().map(|c| c.invites).sum();
    assert_eq!(invites, 9, "C13: never twice");
}

#[test]
fn a_contact_email_change_updates_the_same_shopify_customer() {
    let w = World::new(2, OnLeave::Keep);
    w.run(RunOptions::full());
    let key = contact_key("cust-0", "k-0-1");
    let before = w.shopify_id_of(&key).unwrap();
    w.edit("cust-0", |c| {
        c.contacts[1].email = Some("new.accounts0@example.com".into())
    });
    let r = w.run(RunOptions::default());
    assert_eq!(r.mode.to_string(), "incremental");
    assert_eq!(contacts(&r, "update"), 1, "{:?}", r.contacts);
    assert_eq!(contacts(&r, "create"), 0);
    assert_eq!(w.shopify_id_of(&key), Some(before.clone()), "E6");
    assert_eq!(w.by_email("new.accounts0@example.com").unwrap().id, before);
    assert!(w.by_email("accounts0@example.com").is_none());
    assert_eq!(w.shopify.customers().len(), 6);
}

#[test]
fn a_removed_contact_is_revoked_under_revoke_and_kept_under_keep() {
    for on_leave in [OnLeave::Revoke, OnLeave::Keep] {
        let w = World::new(2, on_leave);
        w.run(RunOptions::full());
        w.edit("cust-1", |c| {
            c.contacts.retain(|k| k.id.as_deref() != Some("k-1-2"))
        });
        let dry = w.run(RunOptions::default().dry_run());
        let r = w.run(RunOptions::default());
        assert_eq!(r.mode.to_string(), "incremental");
        let gone = w.by_email("warehouse1@example.com").unwrap();
        if on_leave == OnLeave::Revoke {
            assert_eq!(contacts(&r, "revoke"), 1, "{:?}", r.contacts);
            assert!(!gone.tags.contains("b2b"));
            assert!(
                gone.fields.metafields.is_empty(),
                "{:?}",
                gone.fields.metafields
            );
        } else {
            assert_eq!(contacts(&r, "revoke"), 0);
            assert!(gone.tags.contains("b2b"));
        }
        assert_eq!(dry.contacts.get("revoke"), r.contacts.get("revoke"), "E1");
        assert!(
            w.by_email("accounts1@example.com")
                .unwrap()
                .tags
                .contains("b2b")
        );
        assert_eq!(customers(&r, "revoke"), 0);
    }
}

#[test]
fn a_customer_leaving_scope_takes_its_contacts_with_it() {
    let w = World::new(2, OnLeave::Revoke);
    w.run(RunOptions::full());
    w.edit("cust-0", |c| c.tags = vec!["retail".into()]);
    let r = w.run(RunOptions::default());
    assert_eq!(customers(&r, "revoke"), 1);
    assert_eq!(contacts(&r, "revoke"), 2, "{:?}", r.contacts);
    for email in [
        "buyer0@example.com",
        "accounts0@example.com",
        "warehouse0@example.com",
    ] {
        assert!(!w.by_email(email).unwrap().tags.contains("b2b"), "{email}");
    }
    // Gone from a full read (hard delete): the same.
    w.source
        .customers
        .lock()
        .unwrap()
        .retain(|c| c.id != "cust-1");
    let r = w.run(RunOptions::full());
    assert_eq!(customers(&r, "revoke"), 1);
    assert_eq!(contacts(&r, "revoke"), 2);
}

#[test]
fn an_added_contact_is_created_on_an_incremental_run_and_a_dry_run_predicts_it() {
    let w = World::new(2, OnLeave::Keep);
    w.run(RunOptions::full());
    w.edit("cust-0", |c| {
        c.contacts.push(contact(
            Some("k-0-9"),
            "Jo New",
            Some("jo@example.com"),
            false,
        ));
    });
    let dry = w.run(RunOptions::default().dry_run());
    assert_eq!(dry.sink_writes(), 0);
    let r = w.run(RunOptions::default());
    assert_eq!(contacts(&r, "create"), 1);
    assert_eq!(
        dry.contacts, r.contacts,
        "E1: the dry run predicts the real run"
    );
    assert_eq!(dry.customers, r.customers);
    let jo = w.by_email("jo@example.com").unwrap();
    assert_eq!(jo.fields.first_name.as_deref(), Some("Jo"));
    assert_eq!(jo.invites, 1);
    let plan = dry.plan.unwrap();
    assert!(plan.customers.iter().any(|e| e.cin7_id == "cust-0/k-0-9"));
}

#[test]
fn a_records_run_resyncs_the_customer_and_all_its_contacts() {
    let w = World::new(2, OnLeave::Revoke);
    w.run(RunOptions::full());
    w.edit("cust-1", |c| {
        c.name = Some("Renamed Ltd".into());
        c.contacts.retain(|k| k.id.as_deref() != Some("k-1-1"));
    });
    let r = w.run(RunOptions {
        mode: ModeRequest::Records {
            customer_ids: vec!["cust-1".into()],
            product_ids: Vec::new(),
        },
        ..RunOptions::default()
    });
    assert_eq!(customers(&r, "update"), 1);
    assert_eq!(contacts(&r, "update"), 1, "{:?}", r.contacts);
    assert_eq!(contacts(&r, "revoke"), 1);
    let w2 = w.by_email("warehouse1@example.com").unwrap();
    assert_eq!(
        metafield(&w2, "company_name").as_deref(),
        Some("Renamed Ltd")
    );
}

#[test]
fn c3_covers_contacts_with_the_c16_tie_break() {
    let w = World::new(3, OnLeave::Keep);
    w.source.edit_customer("cust-2", |c| {
        // The key email of cust-0, and a contact email cust-1 also has.
        c.contacts[1].email = Some("BUYER0@example.com".into());
        c.contacts[2].email = Some("accounts1@example.com".into());
    });
    w.source.edit_customer("cust-1", |c| {
        // Twice in one customer: the earlier in the list wins.
        c.contacts[2].email = Some("accounts1@example.com".into());
    });
    let r = w.run(RunOptions::full());
    assert_eq!(r.failures, vec![]);
    assert_eq!(
        r.skip_reasons.get("duplicate_email"),
        Some(&3),
        "{:?}",
        r.skipped
    );
    let buyer0 = w.by_email("buyer0@example.com").unwrap();
    assert_eq!(
        metafield(&buyer0, "contact_id").as_deref(),
        Some("k-0-0"),
        "key wins"
    );
    let accounts1 = w.by_email("accounts1@example.com").unwrap();
    assert_eq!(
        metafield(&accounts1, "contact_id").as_deref(),
        Some("k-1-1"),
        "smaller ID, then list order"
    );
    // Each email once: no Shopify customer shares one.
    let mut emails: Vec<String> = w
        .shopify
        .customers()
        .into_iter()
        .map(|c| c.email.to_lowercase())
        .collect();
    let n = emails.len();
    emails.sort();
    emails.dedup();
    assert_eq!(emails.len(), n);
}

#[test]
fn a_contact_failing_fails_alone_and_the_rerun_rewrites_nothing_else() {
    let w = World::new(3, OnLeave::Keep);
    w.shopify.fail_writes_for("accounts1@example.com");
    w.shopify.fail_writes_for("warehouse2@example.com");
    let first = w.run(RunOptions::full());
    assert_eq!(first.failures.len(), 2, "E3");
    assert_eq!(contacts(&first, "failed"), 2);
    assert_eq!(first.exit_code(), 2);
    assert_eq!(w.shopify.customers().len(), 7);
    let r = w.run(RunOptions::full());
    assert_eq!(
        contacts(&r, "create"),
        0,
        "only the failed ones are tried again"
    );
    assert_eq!(contacts(&r, "failed"), 2);
    assert_eq!(w.shopify.customers().len(), 7);
    let invites: u32 = w.shopify.customers().iter().map(|c| c.invites).sum();
    assert_eq!(invites, 7, "C13: once each");
}

#[test]
fn links_lost_after_the_writes_are_found_again_by_email_without_duplicates_or_second_invites() {
    let w = World::new(3, OnLeave::Keep);
    w.run(RunOptions::full());
    let ids: Vec<String> = w.shopify.customers().into_iter().map(|c| c.id).collect();
    // A run killed after its Shopify writes but before any link was saved (E5).
    let rerun = World {
        state: Arc::new(MemoryState::new()),
        source: w.source.clone(),
        shopify: w.shopify.clone(),
        lists: w.lists.clone(),
        settings: w.settings.clone(),
    };
    let r = rerun.run(RunOptions::full());
    assert_eq!(r.failures, vec![]);
    assert_eq!(
        contacts(&r, "create") + customers(&r, "create"),
        0,
        "E5: no duplicate"
    );
    let after: Vec<String> = w.shopify.customers().into_iter().map(|c| c.id).collect();
    assert_eq!(after, ids);
    let invites: u32 = w.shopify.customers().iter().map(|c| c.invites).sum();
    assert_eq!(invites, 9, "C13: each invite once");
    assert!(rerun.shopify_id_of("cust-0/k-0-1").is_some(), "relinked");
}

#[test]
fn a_customer_skipped_for_a_shared_email_takes_its_contacts_out_of_scope() {
    let w = World::new(2, OnLeave::Revoke);
    w.run(RunOptions::full());
    // cust-1's key now has cust-0's (linked) email: cust-1 is skipped (C3), its contacts leave.
    w.edit("cust-1", |c| {
        c.contacts[0].email = Some("buyer0@example.com".into())
    });
    let dry = w.run(RunOptions::default().dry_run());
    let r = w.run(RunOptions::default());
    assert_eq!(r.failures, vec![]);
    assert_eq!(
        r.skip_reasons.get("duplicate_email"),
        Some(&1),
        "{:?}",
        r.skipped
    );
    assert_eq!(contacts(&r, "revoke"), 2, "{:?}", r.contacts);
    assert_eq!(dry.contacts, r.contacts, "E1");
    for email in ["accounts1@example.com", "warehouse1@example.com"] {
        assert!(!w.by_email(email).unwrap().tags.contains("b2b"), "{email}");
    }
    assert!(
        w.by_email("accounts0@example.com")
            .unwrap()
            .tags
            .contains("b2b")
    );
}

#[test]
fn contacts_carry_their_customer_discount() {
    let w = World::new(1, OnLeave::Keep);
    w.edit("cust-0", |c| {
        c.discount = Some(rust_decimal::Decimal::new(125, 1))
    });
    let r = w.run(RunOptions::full());
    assert_eq!(r.failures, vec![]);
    let discount = |email: &str| {
        let c = w.by_email(email).unwrap();
        c.fields
            .metafields
            .iter()
            .find(|m| m.key.key == "discount_percentage")
            .map(|m| m.value.clone())
    };
    assert_eq!(discount("buyer0@example.com").as_deref(), Some("12.5"));
    for email in ["accounts0@example.com", "warehouse0@example.com"] {
        assert_eq!(
            discount(email),
            discount("buyer0@example.com"),
            "C17 on {email}"
        );
    }
}

/// Cin7 moves `Default: true` from `cust-0`'s buyer to its accounts contact.
fn make_accounts_the_default(w: &World) {
    w.edit("cust-0", |c| {
        c.contacts[0].default = false;
        c.contacts[1].default = true;
    });
}

/// The Shopify customer of `email`, its linked key and its `cin7.contact_id`.
fn holder_of(w: &World, email: &str) -> (String, Option<String>) {
    let record = w.by_email(email).unwrap();
    let key = block_on(w.state.customer_links())
        .unwrap()
        .into_iter()
        .find(|l| l.shopify_id == record.id)
        .map(|l| l.cin7_id)
        .unwrap_or_default();
    (key, metafield(&record, "contact_id"))
}

#[test]
fn a_new_default_contact_keeps_each_persons_shopify_customer() {
    let w = World::new(2, OnLeave::Revoke);
    w.run(RunOptions::full());
    let (buyer, accounts) = (
        w.by_email("buyer0@example.com").unwrap().id,
        w.by_email("accounts0@example.com").unwrap().id,
    );
    make_accounts_the_default(&w);
    let dry = w.run(RunOptions::default().dry_run());
    let r = w.run(RunOptions::default());
    assert_eq!(r.failures, vec![], "no email taken");
    assert_eq!(customers(&r, "update"), 1, "{:?}", r.customers);
    assert_eq!(contacts(&r, "update"), 1, "{:?}", r.contacts);
    assert_eq!(contacts(&r, "create") + contacts(&r, "revoke"), 0);
    assert_eq!(dry.customers, r.customers, "E1");
    assert_eq!(dry.contacts, r.contacts, "E1");
    assert_eq!(w.shopify.customers().len(), 6, "nobody created");
    assert_eq!(w.by_email("accounts0@example.com").unwrap().id, accounts);
    assert_eq!(w.by_email("buyer0@example.com").unwrap().id, buyer);
    assert_eq!(
        holder_of(&w, "accounts0@example.com"),
        ("cust-0".into(), Some("k-0-1".into()))
    );
    assert_eq!(
        holder_of(&w, "buyer0@example.com"),
        ("cust-0/k-0-0".into(), Some("k-0-0".into()))
    );
    assert_eq!(block_on(w.state.customer_links()).unwrap().len(), 6);
    let again = w.run(RunOptions::full());
    assert_eq!(again.sink_writes(), 0, "E2: {:?}", again.requests);
    let invites: u32 = w.shopify.customers().iter().map(|c| c.invites).sum();
    assert_eq!(invites, 6, "C13: never twice");
}

#[test]
fn a_former_default_contact_that_left_is_revoked_and_the_new_one_keeps_its_login() {
    let w = World::new(1, OnLeave::Revoke);
    w.run(RunOptions::full());
    let accounts = w.by_email("accounts0@example.com").unwrap().id;
    w.edit("cust-0", |c| {
        c.contacts.remove(0);
        c.contacts[0].default = true;
    });
    let dry = w.run(RunOptions::default().dry_run());
    let r = w.run(RunOptions::default());
    assert_eq!(r.failures, vec![]);
    assert_eq!(customers(&r, "update"), 1, "{:?}", r.customers);
    assert_eq!(contacts(&r, "revoke"), 1, "C14: {:?}", r.contacts);
    assert_eq!(dry.contacts, r.contacts, "E1");
    assert_eq!(holder_of(&w, "accounts0@example.com").0, "cust-0");
    assert_eq!(w.by_email("accounts0@example.com").unwrap().id, accounts);
    assert!(
        !w.by_email("buyer0@example.com")
            .unwrap()
            .tags
            .contains("b2b")
    );
    assert_eq!(w.shopify.customers().len(), 3);
    let again = w.run(RunOptions::full());
    assert_eq!(again.sink_writes(), 0, "E2: {:?}", again.requests);
}

#[test]
fn a_default_change_cut_off_half_way_completes_on_the_rerun() {
    let w = World::new(1, OnLeave::Revoke);
    w.run(RunOptions::full());
    make_accounts_the_default(&w);
    // The key record's move lands, the former default's does not (E3, E5).
    w.shopify.fail_writes_for("buyer0@example.com");
    let first = w.run(RunOptions::default());
    assert_eq!(first.failures.len(), 1, "{:?}", first.failures);
    assert_eq!(holder_of(&w, "accounts0@example.com").0, "cust-0");
    w.shopify.allow_writes_for("buyer0@example.com");
    let r = w.run(RunOptions::full());
    assert_eq!(r.failures, vec![]);
    assert_eq!(
        contacts(&r, "create") + contacts(&r, "revoke"),
        0,
        "{:?}",
        r.contacts
    );
    assert_eq!(w.shopify.customers().len(), 3, "no duplicate");
    assert_eq!(holder_of(&w, "buyer0@example.com").0, "cust-0/k-0-0");
    assert!(
        w.by_email("buyer0@example.com")
            .unwrap()
            .tags
            .contains("b2b")
    );
    let again = w.run(RunOptions::full());
    assert_eq!(again.sink_writes(), 0, "E2: {:?}", again.requests);
}

/// C16, C14: under `keep`, a former default contact that left stays in Shopify as it is, and
/// in the state under `{customer}/~{Shopify ID}`, so choosing `revoke` later revokes it.
#[test]
fn a_former_default_that_left_under_keep_is_revoked_once_revoke_is_chosen() {
    let mut w = World::new(1, OnLeave::Keep);
    w.run(RunOptions::full());
    let buyer = w.by_email("buyer0@example.com").unwrap().id;
    w.edit("cust-0", |c| {
        c.contacts.remove(0);
        c.contacts[0].default = true;
    });
    let kept = w.run(RunOptions::default());
    assert_eq!(kept.failures, vec![]);
    assert_eq!(contacts(&kept, "revoke"), 0, "keep: {:?}", kept.contacts);
    assert_eq!(holder_of(&w, "accounts0@example.com").0, "cust-0");
    assert_eq!(
        holder_of(&w, "buyer0@example.com").0,
        format!("cust-0/~{buyer}")
    );
    let b2b = |w: &World| {
        w.by_email("buyer0@example.com")
            .unwrap()
            .tags
            .contains("b2b")
    };
    assert!(b2b(&w), "kept as it is");

    w.settings.customers.on_leave = OnLeave::Revoke;
    let revoked = w.run(RunOptions::full());
    assert_eq!(revoked.failures, vec![]);
    assert_eq!(contacts(&revoked, "revoke"), 1, "{:?}", revoked.contacts);
    assert!(!b2b(&w));
    let again = w.run(RunOptions::full());
    assert_eq!(again.sink_writes(), 0, "E2: {:?}", again.requests);
}
