//! C16 as properties: each qualifying email synced once across customers and contacts (C3 with
//! C16's tie-break), names from the contact and everything else from its customer, and the link
//! surviving an email change (E6).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use cin7_sparklayer_core::config::{ContactsMode, Currencies, CustomersConfig, ZeroPrice};
use cin7_sparklayer_core::engine::{EngineSettings, Ports, RunOptions, SyncEngine};
use cin7_sparklayer_core::memory::{MemoryPriceLists, MemoryShopify, MemorySource, MemoryState};
use cin7_sparklayer_core::model::{
    AccountInfo, AddressKind, DesiredCustomer, PriceTier, SourceAddress, SourceContact,
    SourceCustomer, contact_key, customer_of_key, is_contact_key,
};
use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_core::rules::*;
use futures::executor::block_on;
use proptest::prelude::*;

fn account() -> AccountInfo {
    AccountInfo {
        base_currency: "AUD".into(),
        price_tiers: vec![PriceTier {
            code: 1,
            name: "Wholesale".into(),
        }],
    }
}

fn email() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => (0usize..6, prop::bool::ANY, 0usize..2).prop_map(|(n, upper, pad)| {
            let e = format!("person{n}@acme.example");
            let e = if upper { e.to_uppercase() } else { e };
            Some(format!("{}{e}", " ".repeat(pad)))
        }),
        1 => Just(None),
        1 => Just(Some("not an email".to_owned())),
    ]
}

fn contact() -> impl Strategy<Value = SourceContact> {
    (
        prop::option::of(0u8..20),
        prop::option::of("[A-Za-zé]{1,8}( [A-Za-z]{1,8}){0,2}"),
        prop::option::of(prop_oneof![
            Just("0412 345 678"),
            Just("02 9999 0000"),
            Just("nope")
        ]),
        email(),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(id, name, phone, email, default)| SourceContact {
            id: id.map(|i| format!("k{i}")),
            name,
            phone: phone.map(str::to_owned),
            mobile_phone: None,
            email,
            default,
        })
}

fn customer() -> impl Strategy<Value = SourceCustomer> {
    (
        0u8..50,
        prop::collection::vec(contact(), 1..6),
        prop::bool::ANY,
        0u32..5000,
    )
        .prop_map(|(id, contacts, exempt, credit)| SourceCustomer {
            name: Some(format!("Company {id}")),
            currency: Some("AUD".into()),
            price_tier: Some("Wholesale".into()),
            tax_rule: exempt.then(|| "Tax Exempt".to_owned()),
            tags: vec!["b2b".into()],
            credit_limit: credit.into(),
            contacts,
            addresses: vec![SourceAddress {
                line1: Some("1 George St".into()),
                city: Some("Sydney".into()),
                state: Some("NSW".into()),
                postcode: Some("2000".into()),
                country: Some("Australia".into()),
                kind: Some(AddressKind::Shipping),
                default_for_type: true,
                ..SourceAddress::default()
            }],
            ..SourceCustomer::new(format!("cust-{id:02}"))
        })
}

fn all_contacts() -> CustomersConfig {
    CustomersConfig {
        contacts: ContactsMode::All,
        ..CustomersConfig::default()
    }
}

/// `desired` without what C16 takes from the contact (identity, names, phone, contact ID).
fn customer_part(desired: &DesiredCustomer) -> DesiredCustomer {
    let mut d = desired.clone();
    d.cin7_id = customer_of_key(&d.cin7_id).to_owned();
    d.email.clear();
    d.first_name = None;
    d.last_name = None;
    d.phone = None;
    if let Some(a) = d.address.as_mut() {
        a.first_name = None;
        a.last_name = None;
        a.phone = None;
    }
    d.metafields.retain(|m| m.key.key != "contact_id");
    d
}

fn value(d: &DesiredCustomer, key: &str) -> Option<String> {
    d.metafields
        .iter()
        .find(|m| m.key.key == key)
        .map(|m| m.value.clone())
}

/// A record ID for the resolver: a customer (key contact) or one of its contacts.
fn record() -> impl Strategy<Value = (String, String)> {
    (0u8..4, prop::option::of(0u8..3), 0u8..4, prop::bool::ANY).prop_map(
        |(customer, contact, email, upper)| {
            let id = match contact {
                Some(k) => contact_key(&format!("c{customer}"), &format!("k{k}")),
                None => format!("c{customer}"),
            };
            let e = format!("e{email}@x.example");
            (id, if upper { e.to_uppercase() } else { e })
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// C16: every contact mapped takes its names, phone and email from itself and everything
    /// else from its customer; exactly the other contacts with a valid email are mapped.
    #[test]
    fn c16_names_from_the_contact_everything_else_from_its_customer(c in customer()) {
        let cfg = all_contacts();
        let account = account();
        let ctx = MappingContext { customers: &cfg, prefix: "cin7", zero_price: ZeroPrice::Skip, pricing_enabled: true, account: &account, groups: &[], currencies: Currencies::none() };
        let Ok(key) = map_customer(&c, &ctx) else { return Ok(()) };
        let identity = identity_contact(&c, false).map(|k| k as *const SourceContact);
        prop_assert_eq!(value(&key.desired, "contact_id"), identity.and_then(|_| identity_contact(&c, false)).and_then(|k| k.id.clone()));
        let others: Vec<&SourceContact> = c.contacts.iter()
            .filter(|k| Some(*k as *const SourceContact) != identity)
            .filter(|k| k.email.as_deref().is_some_and(|e| is_valid_email(e.trim())))
            .collect();
        let mapped = map_contacts(&c, &key, false);
        prop_assert_eq!(mapped.len(), others.len());
        for (m, k) in mapped.iter().zip(others) {
            let Some(kid) = k.id.as_deref() else {
                prop_assert!(m.result.is_err());
                continue;
            };
            let Ok(m) = &m.result else { return Err(TestCaseError::fail("a contact with an ID maps")) };
            let d = &m.desired;
            prop_assert_eq!(&d.cin7_id, &contact_key(&c.id, kid));
            prop_assert_eq!(Some(d.email.as_str()), k.email.as_deref().map(str::trim));
            let (first, last) = split_name(k.name.as_deref());
            prop_assert_eq!(&d.first_name, &first);
            prop_assert_eq!(&d.last_name, &last);
            let address = d.address.as_ref().expect("the customer's address");
            prop_assert_eq!(&address.first_name, &first);
            prop_assert_eq!(&address.phone, &d.phone);
            prop_assert_eq!(value(d, "contact_id"), Some(kid.to_owned()));
            prop_assert_eq!(value(d, "customer_id"), Some(c.id.clone()));
            prop_assert_eq!(customer_part(d), customer_part(&key.desired));
            prop_assert!(m.own_list.is_none(), "no list per contact");
            prop_assert_eq!(&m.tier, &key.tier);
        }
    }

    /// C16: a customer mapped as its person and the parts its contacts share (metafields made
    /// only when a record is put together) is the customer `map_customer` maps, and its
    /// contacts put on those parts are what `map_contacts` maps; a mapped customer split and put
    /// back together is unchanged.
    #[test]
    fn c16_a_customer_mapped_as_shared_parts_is_put_together_unchanged(c in customer()) {
        let cfg = all_contacts();
        let account = account();
        let ctx = MappingContext { customers: &cfg, prefix: "cin7", zero_price: ZeroPrice::Skip, pricing_enabled: true, account: &account, groups: &[], currencies: Currencies::none() };
        let Ok(key) = map_customer(&c, &ctx) else {
            prop_assert!(map_customer_parts(&c, &ctx).is_err());
            return Ok(());
        };
        let contacts = map_contacts(&c, &key, false);
        let Ok((person, parts)) = map_customer_parts(&c, &ctx) else {
            return Err(TestCaseError::fail("map_customer_parts skips what map_customer maps"));
        };
        prop_assert_eq!(parts.record(c.id.clone(), person.clone()), key.clone());
        let people = contact_people(&c, parts.country(), false);
        prop_assert_eq!(people.len(), contacts.len());
        for (p, m) in people.into_iter().zip(contacts) {
            prop_assert_eq!(&p.id, &m.id);
            prop_assert_eq!(p.result.map(|own| parts.record(m.id.clone(), own)), m.result);
        }
        prop_assert_eq!(parts.into_record(c.id.clone(), person), key.clone());
        let (id, person, shared) = CustomerParts::split(key.clone());
        prop_assert_eq!(&shared, &CustomerParts::of(&key));
        prop_assert_eq!(shared.record(id, person), key);
    }

    /// C3 with C16: an email is synced at most once; the linked record keeps it; without a
    /// link, exactly once unless two or more customers have it as their key (then C3 skips all).
    #[test]
    fn c16_each_email_synced_at_most_once_and_exactly_once_when_decidable(
        records in prop::collection::vec(record(), 0..16),
        linked_picks in prop::collection::vec(any::<prop::sample::Index>(), 0..3),
    ) {
        let linked: HashSet<(String, String)> = linked_picks.iter()
            .filter(|_| !records.is_empty())
            .map(|i| { let (id, e) = &records[i.index(records.len())]; (id.clone(), e.to_lowercase()) })
            .collect();
        let verdicts = resolve_duplicates_with_contacts(&records, &linked);
        prop_assert_eq!(verdicts.len(), records.len());
        let mut kept: HashMap<String, HashSet<&str>> = HashMap::new();
        let mut ids: HashMap<String, HashSet<&str>> = HashMap::new();
        for ((id, e), v) in records.iter().zip(&verdicts) {
            ids.entry(e.to_lowercase()).or_default().insert(id);
            if *v == DuplicateVerdict::Keep { kept.entry(e.to_lowercase()).or_default().insert(id); }
        }
        for (email, group) in &ids {
            let winners = kept.get(email).map_or(0, HashSet::len);
            prop_assert!(winners <= 1, "{email}: {winners} records sync it");
            let owners: Vec<&&str> = group.iter().filter(|id| linked.contains(&((**id).to_owned(), email.clone()))).collect();
            let keys = group.iter().filter(|id| !is_contact_key(id)).count();
            if let Some(owner) = owners.first().filter(|_| owners.len() == 1) {
                prop_assert!(kept[email].contains(**owner), "the link keeps syncing");
            } else if owners.is_empty() && keys <= 1 {
                prop_assert_eq!(winners, 1, "{} has a winner", email);
                if keys == 1 {
                    prop_assert!(kept[email].iter().all(|id| !is_contact_key(id)), "the key contact wins");
                }
            }
        }
    }

    /// Without contacts, C16's resolver is C3's.
    #[test]
    fn c16_resolver_is_c3_without_contacts(
        records in prop::collection::vec((0u8..5, 0u8..4).prop_map(|(c, e)| (format!("c{c}"), format!("e{e}@x.example"))), 0..12),
        owner in prop::option::of(0usize..12),
    ) {
        let linked: HashSet<(String, String)> = owner.and_then(|i| records.get(i)).cloned().into_iter().collect();
        prop_assert_eq!(resolve_duplicates_with_contacts(&records, &linked), resolve_duplicates(&records, &linked));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// E6 with C16: whatever a contact's email changes to, its link and Shopify customer stay.
    #[test]
    fn c16_the_link_survives_an_email_change(local in "[a-z][a-z0-9.]{0,10}[a-z0-9]", upper in prop::bool::ANY) {
        let source = Arc::new(MemorySource::new("AUD"));
        let mut c = SourceCustomer { tags: vec!["b2b".into()], ..SourceCustomer::new("cust-1") };
        c.contacts = vec![
            SourceContact { id: Some("k0".into()), email: Some("key@acme.example".into()), default: true, ..SourceContact::default() },
            SourceContact { id: Some("k1".into()), name: Some("Al Other".into()), email: Some("old@acme.example".into()), ..SourceContact::default() },
        ];
        source.set_customers(vec![c]);
        let shopify = Arc::new(MemoryShopify::new());
        let state = Arc::new(MemoryState::new());
        let mut settings = EngineSettings::default();
        settings.customers.contacts = ContactsMode::All;
        let lists = Arc::new(MemoryPriceLists::new(Vec::new()));
        let engine = SyncEngine::new(Ports { customers: source.clone(), products: source.clone(), shopify: shopify.clone(), price_lists: lists.clone(), groups: lists, state: state.clone() }, settings);
        block_on(engine.run(RunOptions::full())).expect("runs");
        let link = |s: &MemoryState| block_on(s.customer_links()).unwrap().into_iter().find(|l| l.cin7_id == "cust-1/k1").map(|l| l.shopify_id);
        let before = link(&state).expect("linked");
        let new_email = format!("{local}@new.example");
        let new_email = if upper { new_email.to_uppercase() } else { new_email };
        source.edit_customer("cust-1", |c| c.contacts[1].email = Some(new_email.clone()));
        let r = block_on(engine.run(RunOptions::full())).expect("runs");
        prop_assert_eq!(r.failures.len(), 0);
        prop_assert_eq!(link(&state), Some(before.clone()));
        let all = shopify.customers();
        prop_assert_eq!(all.len(), 2);
        prop_assert!(all.iter().any(|s| s.id == before && s.email.eq_ignore_ascii_case(&new_email)));
    }
}
