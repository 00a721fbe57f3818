//! C16 contacts end to end against the sandbox fakes (real HTTP, real clients, SQLite state):
//! `customers.contacts = "all"` full run and no-change rerun, then incremental runs with a
//! contact's email changed, a contact removed (revoke and keep) and a contact added, each
//! predicted by a dry run; a run killed part-way through creating contacts, rerun; and the
//! daemon's webhook path: `Customer/Updated` resyncs the customer and all its contacts.

mod common;

use common::state_path;
use std::path::Path;

use cin7_sparklayer::core::report::{RunMode, RunReport};
use cin7_sparklayer::daemon::{Daemon, DaemonHandle};
use cin7_sparklayer::{Config, ModeRequest, RunOptions, SyncEngine};
use cin7_sparklayer_sandbox::Sandbox;
use cin7_sparklayer_sandbox::data::{CustomerCase, SHARED_CONTACT_EMAIL};
use cin7_sparklayer_sandbox::shopify::FakeCustomer;
use serde_json::json;

const REVOKE: &str = "[customers]\ncontacts = \"all\"\non_leave = \"revoke\"\n";
const KEEP: &str = "[customers]\ncontacts = \"all\"\n";

async fn sandbox(seed: u64) -> Sandbox {
    common::fast_sandbox(seed, 120, 50).await
}

fn engine(sb: &Sandbox, state: &Path, extra: &str) -> SyncEngine {
    common::engine_at(sb, state, extra)
}

fn contacts(r: &RunReport, action: &str) -> u64 {
    r.contacts.get(action).copied().unwrap_or(0)
}

fn metafield(c: &FakeCustomer, key: &str) -> Option<String> {
    c.metafields
        .iter()
        .find(|m| m.namespace == "cin7" && m.key == key)
        .map(|m| m.value.clone())
}

/// A valid customer with two other contacts (accounts, warehouse) of their own emails: its ID.
fn customer_with_two_contacts(sb: &Sandbox) -> String {
    sb.dataset
        .customers_of(CustomerCase::Valid)
        .find(|i| i % 4 == 1 && i % 20 != 5 && i % 20 != 9)
        .and_then(|i| sb.dataset.customer_id(i).map(str::to_owned))
        .expect("a valid customer with contacts")
}

fn contact_field(sb: &Sandbox, id: &str, n: usize, field: &str) -> String {
    let c = sb.cin7.customer(id).expect("customer");
    c["Contacts"][n][field]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A dry run, then the real run: the dry run predicts the counts (E1) and writes nothing.
async fn predicted_run(e: &SyncEngine) -> RunReport {
    let dry = e.run(RunOptions::default().dry_run()).await.unwrap();
    assert_eq!(dry.sink_writes(), 0, "a dry run writes nothing");
    let real = e.run(RunOptions::default()).await.unwrap();
    assert_eq!(real.failures, vec![], "{:#?}", real.failures);
    assert_eq!(dry.contacts, real.contacts, "E1: contacts predicted");
    assert_eq!(dry.customers, real.customers, "E1: customers predicted");
    real
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_all_full_run_then_incremental_changes() {
    let sb = sandbox(21).await;
    let state = state_path("contacts");
    let e = engine(&sb, &state, REVOKE);
    let first = predicted_run(&e).await;
    assert!(contacts(&first, "create") > 40, "{:?}", first.contacts);
    assert!(first.skip_reasons.contains_key("no_contact_id"));
    assert!(
        contacts(&first, "skip") > 0,
        "duplicate and ID-less contacts"
    );
    let created = first.customers["create"] + contacts(&first, "create");
    assert_eq!(sb.shopify.customers().len() as u64, created);
    assert_eq!(
        u64::from(sb.shopify.total_invites()),
        created,
        "C13 per login"
    );
    assert!(
        sb.shopify
            .customers()
            .iter()
            .all(|c| metafield(c, "contact_id").is_some()),
        "cin7.contact_id on every customer the sync writes"
    );
    assert!(sb.shopify.customer_by_email(SHARED_CONTACT_EMAIL).is_some());
    let again = e.run(RunOptions::default()).await.unwrap();
    assert_eq!(again.sink_writes(), 0, "E2: {:?}", again.requests);

    let id = customer_with_two_contacts(&sb);
    // E6: a contact's email changes: the same Shopify customer gets it.
    let old = contact_field(&sb, &id, 1, "Email");
    let before = sb.shopify.customer_by_email(&old).expect("synced contact");
    assert_eq!(
        metafield(&before, "customer_id").as_deref(),
        Some(id.as_str())
    );
    sb.cin7.update_customer(&id, |c| {
        c["Contacts"][1]["Email"] = json!("renamed.contact@contacts.example")
    });
    let r = predicted_run(&e).await;
    assert_eq!(r.mode.to_string(), "incremental");
    assert_eq!(contacts(&r, "update"), 1, "{:?}", r.contacts);
    assert_eq!(contacts(&r, "create"), 0);
    let after = sb
        .shopify
        .customer_by_email("renamed.contact@contacts.example");
    assert_eq!(after.map(|c| c.id), Some(before.id));

    // A contact removed in Cin7 leaves scope: revoked.
    let warehouse = contact_field(&sb, &id, 2, "Email");
    sb.cin7.update_customer(&id, |c| {
        if let Some(list) = c["Contacts"].as_array_mut() {
            list.truncate(2);
        }
    });
    let r = predicted_run(&e).await;
    assert_eq!(contacts(&r, "revoke"), 1, "{:?}", r.contacts);
    let gone = sb
        .shopify
        .customer_by_email(&warehouse)
        .expect("never deleted");
    assert!(!gone.tags.iter().any(|t| t == "b2b"));
    assert!(gone.metafields.is_empty(), "{:?}", gone.metafields);

    // A contact added: created and invited once.
    sb.cin7.update_customer(&id, |c| {
        if let Some(list) = c["Contacts"].as_array_mut() {
            list.push(json!({"ID": "added-contact-1", "Name": "Nova Added", "Email": "nova@contacts.example", "Default": false}));
        }
    });
    let r = predicted_run(&e).await;
    assert_eq!(contacts(&r, "create"), 1, "{:?}", r.contacts);
    let nova = sb
        .shopify
        .customer_by_email("nova@contacts.example")
        .expect("created");
    assert_eq!(nova.first_name.as_deref(), Some("Nova"));
    assert_eq!(sb.shopify.invites_sent(&nova.id), 1);
    let full = e
        .run(RunOptions {
            mode: ModeRequest::Full,
            ..RunOptions::default()
        })
        .await
        .unwrap();
    assert_eq!(
        full.sink_writes(),
        0,
        "E2 after the changes: {:?}",
        full.requests
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_contact_is_kept_under_keep() {
    let sb = sandbox(22).await;
    let state = state_path("contacts-keep");
    let e = engine(&sb, &state, KEEP);
    predicted_run(&e).await;
    let id = customer_with_two_contacts(&sb);
    let warehouse = contact_field(&sb, &id, 2, "Email");
    sb.cin7.update_customer(&id, |c| {
        if let Some(list) = c["Contacts"].as_array_mut() {
            list.truncate(2);
        }
    });
    let r = predicted_run(&e).await;
    assert_eq!(contacts(&r, "revoke"), 0);
    assert_eq!(r.sink_writes(), 0, "keep: nothing to write");
    let kept = sb.shopify.customer_by_email(&warehouse).expect("kept");
    assert!(kept.tags.iter().any(|t| t == "b2b"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_while_creating_contacts_rerun_equals_an_uninterrupted_run() {
    let reference = sandbox(23).await;
    let first = engine(&reference, &state_path("contacts-ref"), KEEP)
        .run(RunOptions::default())
        .await
        .unwrap();
    assert!(contacts(&first, "create") > 0);
    let want = reference.snapshot();

    for kill_after in [7u64, 41] {
        let sb = sandbox(23).await;
        let state = state_path("contacts-crash");
        let e = engine(&sb, &state, KEEP);
        let task = tokio::spawn(async move { e.run(RunOptions::default()).await });
        // Abort once the Shopify fake has seen `kill_after` mutations: a write may be half done.
        while sb.shopify.stats().mutations < kill_after && !task.is_finished() {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        task.abort();
        let _ = task.await;
        let rerun = engine(&sb, &state, KEEP)
            .run(RunOptions::default())
            .await
            .unwrap();
        assert_eq!(rerun.failures, vec![], "kill after {kill_after}");
        let got = sb.snapshot();
        assert_eq!(got.customers.len(), want.customers.len(), "no duplicate");
        for (email, c) in &want.customers {
            // The snapshot carries each customer's invite count: each sent once.
            assert_eq!(
                got.customers.get(email),
                Some(c),
                "kill after {kill_after}: {email}"
            );
        }
    }
}

const TOKEN: &str = "contacts-webhook-token";

async fn runs_finished(handle: &DaemonHandle, n: u64) {
    let mut rx = handle.status().runs_finished();
    tokio::time::timeout(
        std::time::Duration::from_secs(120),
        rx.wait_for(|k| *k >= n),
    )
    .await
    .expect("hang guard: the run finishes")
    .expect("status alive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_updated_webhook_resyncs_the_customer_and_all_its_contacts() {
    let sb = sandbox(24).await;
    let state = state_path("contacts-daemon");
    let extra = format!("{REVOKE}[daemon]\nwebhook_token = \"{TOKEN}\"\n");
    let config = Config::from_toml_str(&sb.config_toml(&state, &extra), |_| None).expect("config");
    let daemon = Daemon::from_config(&config).expect("daemon");
    let handle = daemon.handle();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(daemon.serve_on(listener, async move {
        let _ = rx.await;
    }));
    runs_finished(&handle, 1).await;
    let startup = handle.status().last_report().expect("start-up report");
    assert!(contacts(&startup, "create") > 0, "{:?}", startup.contacts);

    let id = customer_with_two_contacts(&sb);
    let accounts = contact_field(&sb, &id, 1, "Email");
    let warehouse = contact_field(&sb, &id, 2, "Email");
    sb.cin7.update_customer(&id, |c| {
        c["Name"] = json!("Webhook Renamed Pty Ltd");
        if let Some(list) = c["Contacts"].as_array_mut() {
            list.truncate(2);
        }
    });
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let resp = http
        .post(format!("{base}/webhooks/cin7"))
        .bearer_auth(TOKEN)
        .json(&json!({ "CustomerDetailsList": [ { "ID": id, "Name": "x" } ] }))
        .send()
        .await
        .expect("response");
    assert_eq!(resp.status().as_u16(), 200);
    runs_finished(&handle, 2).await;
    let r = handle.status().last_report().expect("records report");
    assert_eq!(r.mode, RunMode::Records);
    assert_eq!(r.failures, vec![]);
    assert_eq!(r.customers.get("update"), Some(&1), "{:?}", r.customers);
    assert_eq!(contacts(&r, "update"), 1, "{:?}", r.contacts);
    assert_eq!(contacts(&r, "revoke"), 1, "{:?}", r.contacts);
    let company = |c: &FakeCustomer| {
        c.metafields
            .iter()
            .find(|m| m.key == "company_name")
            .map(|m| m.value.clone())
    };
    let kept = sb.shopify.customer_by_email(&accounts).expect("contact");
    assert_eq!(company(&kept).as_deref(), Some("Webhook Renamed Pty Ltd"));
    let gone = sb
        .shopify
        .customer_by_email(&warehouse)
        .expect("never deleted");
    assert!(!gone.tags.iter().any(|t| t == "b2b"));
    let (_, _, metrics) = get(&http, &format!("{base}/metrics")).await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("cin7_sparklayer_contacts_total{action=\"revoke\"} ")),
        "{metrics}"
    );
    let _ = stop.send(());
    let _ = task.await;
}

async fn get(http: &reqwest::Client, url: &str) -> (u16, String, String) {
    let resp = http.get(url).send().await.expect("response");
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, resp.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_default_contact_keeps_every_persons_login_over_sqlite_state() {
    let sb = sandbox(23).await;
    let state = state_path("contacts-default-moves");
    let e = engine(&sb, &state, REVOKE);
    e.run(RunOptions::full()).await.unwrap();
    let invites = sb.shopify.total_invites();
    let logins = sb.shopify.customers().len();
    let id = customer_with_two_contacts(&sb);
    let (buyer, accounts) = (
        contact_field(&sb, &id, 0, "Email"),
        contact_field(&sb, &id, 1, "Email"),
    );
    let login = |email: &str| sb.shopify.customer_by_email(email).expect("synced");
    let (buyer_login, accounts_login) = (login(&buyer).id, login(&accounts).id);
    // Cin7 makes the accounts contact the default one.
    sb.cin7.update_customer(&id, |c| {
        c["Contacts"][0]["Default"] = json!(false);
        c["Contacts"][1]["Default"] = json!(true);
    });
    let r = predicted_run(&e).await;
    assert_eq!(r.mode.to_string(), "incremental");
    assert_eq!(r.customers.get("update"), Some(&1), "{:?}", r.customers);
    assert_eq!(contacts(&r, "update"), 1, "{:?}", r.contacts);
    assert_eq!(contacts(&r, "create") + contacts(&r, "revoke"), 0);
    assert_eq!(sb.shopify.customers().len(), logins, "nobody created");
    assert_eq!(login(&accounts).id, accounts_login);
    assert_eq!(login(&buyer).id, buyer_login);
    let contact_id = |n: usize| Some(contact_field(&sb, &id, n, "ID"));
    assert_eq!(metafield(&login(&accounts), "contact_id"), contact_id(1));
    assert_eq!(metafield(&login(&buyer), "contact_id"), contact_id(0));
    let again = e.run(RunOptions::full()).await.unwrap();
    assert_eq!(again.sink_writes(), 0, "E2: {:?}", again.requests);
    assert_eq!(sb.shopify.total_invites(), invites, "C13: never twice");
}
