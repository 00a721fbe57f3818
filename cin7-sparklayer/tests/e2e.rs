//! The whole sync against the sandbox fakes (real HTTP on loopback, real clients, SQLite state).
//! Issue 6: full run, no-change rerun, E6 email change, C14 keep/revoke, price change and SKU
//! removal, dry run, and E5 crash safety.

mod common;

use common::state_path;
use std::collections::BTreeMap;
use std::path::Path;

use cin7_sparklayer::core::error::Service;
use cin7_sparklayer::core::report::RunReport;
use cin7_sparklayer::{Config, ModeRequest, RunOptions, SyncEngine, engine_from_config};
use cin7_sparklayer_sandbox::Sandbox;
use cin7_sparklayer_sandbox::data::CustomerCase;
use rust_decimal::Decimal;

async fn sandbox(seed: u64) -> Sandbox {
    common::fast_sandbox(seed, 120, 400).await
}

fn engine(sb: &Sandbox, state: &Path, extra: &str) -> SyncEngine {
    common::engine_at(sb, state, extra)
}

fn writes(r: &RunReport) -> u64 {
    r.sink_writes()
}

fn shopify_writes(r: &RunReport) -> u64 {
    r.requests
        .get(&Service::Shopify)
        .map(|c| c.writes)
        .unwrap_or(0)
}

fn count(r: &RunReport, k: &str) -> u64 {
    r.customers.get(k).copied().unwrap_or(0)
}

fn snapshot(sb: &Sandbox) -> (BTreeMap<String, String>, String) {
    let state = sb.snapshot();
    (state.customers, state.price_lists)
}

/// The `n`th valid customer that the first run put into Shopify.
fn valid_id(sb: &Sandbox, n: usize) -> String {
    sb.dataset
        .customers_of(CustomerCase::Valid)
        .filter_map(|i| sb.dataset.customer_id(i).map(str::to_owned))
        .filter(|id| sb.shopify.customer_by_email(&email_of(sb, id)).is_some())
        .nth(n)
        .expect("a synced valid customer")
}

fn email_of(sb: &Sandbox, id: &str) -> String {
    let c = sb.cin7.customer(id).expect("customer");
    c["Contacts"][0]["Email"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_run_then_no_change_rerun_writes_nothing() {
    let sb = sandbox(1).await;
    let state = state_path("full");
    let e = engine(&sb, &state, "");
    let first = e.run(RunOptions::default()).await.unwrap();
    assert_eq!(first.failures, vec![], "{:#?}", first.failures);
    assert!(count(&first, "create") > 50, "{:?}", first.customers);
    assert!(first.skip_reasons.contains_key("duplicate_email"));
    assert!(first.skip_reasons.contains_key("not_in_scope"));
    assert!(first.skip_reasons.contains_key("malformed"));
    assert!(first.warnings.contains_key("unknown_country"));
    assert_eq!(sb.shopify.customers().len() as u64, count(&first, "create"));
    assert_eq!(
        u64::from(sb.shopify.total_invites()),
        count(&first, "create")
    );
    assert!(
        sb.sparklayer
            .price_lists()
            .keys()
            .any(|s| s.starts_with("cin7-tier-"))
    );
    assert!(
        !sb.sparklayer.sync_logs().is_empty(),
        "the run is reported to the sync log"
    );

    let again = e.run(RunOptions::default()).await.unwrap();
    assert_eq!(again.mode.to_string(), "incremental");
    assert_eq!(writes(&again), 0, "E2: {:?}", again.requests);
    let full = e
        .run(RunOptions {
            mode: ModeRequest::Full,
            ..RunOptions::default()
        })
        .await
        .unwrap();
    assert_eq!(writes(&full), 0, "E2 on a full rerun: {:?}", full.requests);
    assert_eq!(full.failures, vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_change_updates_the_same_customer() {
    let sb = sandbox(2).await;
    let state = state_path("email");
    let e = engine(&sb, &state, "");
    e.run(RunOptions::default()).await.unwrap();
    let id = valid_id(&sb, 0);
    let old = email_of(&sb, &id);
    let before = sb
        .shopify
        .customer_by_email(&old)
        .unwrap_or_else(|| panic!("{id} with {old:?} not in Shopify"));
    sb.cin7.update_customer(&id, |c| {
        c["Contacts"][0]["Email"] = "moved@example.org".into()
    });
    let r = e.run(RunOptions::default()).await.unwrap();
    assert_eq!(count(&r, "update"), 1, "{:?}", r.customers);
    let after = sb
        .shopify
        .customer_by_email("moved@example.org")
        .expect("renamed");
    assert_eq!(after.id, before.id, "E6: same Shopify customer");
    assert!(sb.shopify.customer_by_email(&old).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_removal_keeps_or_revokes() {
    for (extra, revoke) in [("", false), ("[customers]\non_leave = \"revoke\"\n", true)] {
        let sb = sandbox(3).await;
        let state = state_path("leave");
        let e = engine(&sb, &state, extra);
        e.run(RunOptions::default()).await.unwrap();
        let id = valid_id(&sb, 1);
        let email = email_of(&sb, &id);
        let shop_id = sb.shopify.customer_by_email(&email).unwrap().id;
        sb.shopify
            .edit_customer(&shop_id, |c| c.tags.push("merchant-vip".into()));
        sb.cin7
            .update_customer(&id, |c| c["Tags"] = "retail".into());
        let r = e.run(RunOptions::default()).await.unwrap();
        let c = sb.shopify.customer(&shop_id).unwrap();
        assert!(c.tags.iter().any(|t| t == "merchant-vip"), "C11");
        if revoke {
            assert_eq!(count(&r, "revoke"), 1);
            assert!(!c.tags.iter().any(|t| t == "b2b"));
            assert!(c.metafields.is_empty(), "{:?}", c.metafields);
        } else {
            assert_eq!(count(&r, "revoke"), 0);
            assert!(c.tags.iter().any(|t| t == "b2b"));
            assert_eq!(shopify_writes(&r), 0);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn price_change_and_sku_removal() {
    let sb = sandbox(4).await;
    let state = state_path("prices");
    let e = engine(&sb, &state, "[pricing]\ntiers = \"all\"\n");
    e.run(RunOptions::default()).await.unwrap();
    let lists = sb.sparklayer.price_lists();
    let tier1 = &lists["cin7-tier-1"];
    let mut skus = tier1.prices.keys().cloned();
    let changed = skus.next().unwrap();
    let removed = skus.next().unwrap();
    assert!(
        sb.cin7
            .set_product_price(&changed, 1, Decimal::new(77_7777, 4))
    );
    let pid = sb
        .dataset
        .products
        .iter()
        .find(|p| p["SKU"].as_str() == Some(removed.as_str()))
        .and_then(|p| p["ID"].as_str())
        .unwrap()
        .to_owned();
    sb.cin7
        .update_product(&pid, |p| p["Status"] = "Deprecated".into());
    sb.sparklayer.reset_counts();
    let r = e.run(RunOptions::default()).await.unwrap();
    assert_eq!(r.failures, vec![]);
    let after = sb.sparklayer.price_lists();
    assert_eq!(
        after["cin7-tier-1"].prices[&changed][0].price,
        Decimal::new(77_7777, 4)
    );
    assert!(!after["cin7-tier-1"].prices.contains_key(&removed));
    let patches = sb
        .sparklayer
        .counts()
        .per_endpoint
        .iter()
        .filter(|(k, _)| k.starts_with("PATCH"))
        .map(|(_, v)| v)
        .sum::<u64>();
    assert!(
        patches <= 10,
        "one PATCH per touched tier list at most, got {patches}"
    );
    assert_eq!(r.price_rows_written, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_writes_nothing() {
    let sb = sandbox(5).await;
    let state = state_path("dry");
    let e = engine(&sb, &state, "");
    let r = e.run(RunOptions::default().dry_run()).await.unwrap();
    assert!(r.plan.as_ref().is_some_and(|p| !p.customers.is_empty()));
    assert!(count(&r, "create") > 0);
    assert_eq!(writes(&r), 0);
    assert!(sb.shopify.customers().is_empty());
    assert!(sb.sparklayer.price_lists().is_empty());
    assert!(sb.sparklayer.sync_logs().is_empty());
    let next = e.run(RunOptions::default()).await.unwrap();
    assert_eq!(
        next.mode.to_string(),
        "full",
        "a dry run does not move the cursor"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_rerun_equals_an_uninterrupted_run() {
    // Reference: one uninterrupted run.
    let reference = sandbox(6).await;
    engine(&reference, &state_path("ref"), "")
        .run(RunOptions::default())
        .await
        .unwrap();
    let want = snapshot(&reference);

    for kill_after in [5u64, 23, 61] {
        let sb = sandbox(6).await;
        let state = state_path("crash");
        let e = engine(&sb, &state, "");
        let task = tokio::spawn(async move { e.run(RunOptions::default()).await });
        // Abort once the Shopify fake has seen `kill_after` mutations: a write may be half done.
        loop {
            if sb.shopify.stats().mutations >= kill_after || task.is_finished() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        task.abort();
        let _ = task.await;
        let e = engine(&sb, &state, "");
        let rerun = e.run(RunOptions::default()).await.unwrap();
        assert_eq!(
            rerun.failures,
            vec![],
            "kill after {kill_after}: {:#?}",
            rerun.failures
        );
        let got = snapshot(&sb);
        assert_eq!(
            got.0.len(),
            want.0.len(),
            "no duplicate or missing customer"
        );
        for (email, c) in &want.0 {
            assert_eq!(
                got.0.get(email),
                Some(c),
                "kill after {kill_after}: {email}"
            );
        }
        assert_eq!(got.1, want.1, "price lists equal");
    }
}

/// A Dev Dashboard app (reference `shopify-admin-api.md` §1.2): no fixed token, the client asks
/// for one with the client credentials grant, and when Shopify stops taking it (a day passed)
/// the next run renews it on the 401 instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_are_granted_and_renewed_after_expiry() {
    let sb = sandbox(7).await;
    let state = state_path("grant");
    let (client_id, client_secret) = sb.shopify.client_credentials();
    let text = sb.config_toml(&state, "").replace(
        &format!("access_token = \"{}\"", sb.shopify.access_token()),
        &format!("client_id = \"{client_id}\"\nclient_secret = \"{client_secret}\""),
    );
    assert!(!text.contains("access_token"), "{text}");
    let config = Config::from_toml_str(&text, |_| None).expect("config");
    let e = engine_from_config(&config).expect("engine");

    let first = e.run(RunOptions::default()).await.unwrap();
    assert_eq!(first.failures, vec![], "{:#?}", first.failures);
    assert!(count(&first, "create") > 50, "{:?}", first.customers);
    assert_eq!(
        sb.shopify.stats().tokens_granted,
        1,
        "one grant for the run"
    );

    sb.shopify.expire_granted_tokens();
    let id = valid_id(&sb, 0);
    sb.cin7
        .update_customer(&id, |c| c["Name"] = "Renamed Trading Pty Ltd".into());
    let second = e.run(RunOptions::default()).await.unwrap();
    assert_eq!(second.failures, vec![], "{:#?}", second.failures);
    assert_eq!(count(&second, "update"), 1, "{:?}", second.customers);
    let stats = sb.shopify.stats();
    assert_eq!(stats.tokens_granted, 2, "renewed once");
    assert_eq!(stats.unauthorized, 1, "one 401, then the new token");
}
