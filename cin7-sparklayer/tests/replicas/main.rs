//! Acceptance of issue 16: three `daemon --tenants` replicas (processes) on one PostgreSQL serve
//! 30 tenants, each with its own sandbox (three fakes).
//!
//! - Every tenant converges to the state a single-tenant run reaches on an identical sandbox,
//!   with no duplicate customer and each invite sent once.
//! - One replica is SIGKILLed mid-run: its tenants' leases pass to the others within the lease
//!   TTL (plus one renewal tick) and their runs complete there.
//! - The fakes never see one tenant written by two replicas at once: each replica reaches the
//!   fakes through a proxy of its own that notes every request (tenant, replica, start, end).
//! - A webhook accepted by a replica that is then killed is still applied (by the lease holder,
//!   from the PostgreSQL inbox: polls are off and the holder is not restarted, so nothing else
//!   could apply it).
//!
//! Needs `CIN7_SPARKLAYER_TEST_PG` (`eval "$(bash .ci/postgres.sh start)"`); skips with one line
//! without it, fails under CI. `-- --nocapture` prints the measured figures.

mod proxy;
mod world;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cin7_sparklayer::core::Secret;
use cin7_sparklayer::core::ports::{LeaseStore, WebhookInbox};
use cin7_sparklayer::{Config, RunOptions, engine_from_config};
use cin7_sparklayer_sandbox::Sandbox;
use cin7_sparklayer_sandbox::data::CustomerCase;
use cin7_sparklayer_sandbox::world::SyncedState;
use cin7_sparklayer_state_postgres::PostgresCoordination;

use proxy::{Log, Seen};
use world::Replica;

const TENANTS: usize = 30;
const CUSTOMERS: usize = 16;
const PRODUCTS: usize = 30;
/// Per request, at each proxy: stretches a small tenant's run to a couple of seconds.
const DELAY: Duration = Duration::from_millis(25);
const LEASE_TTL: Duration = Duration::from_secs(3);
const CONVERGE_WITHIN: Duration = Duration::from_secs(150);

fn seed(i: usize) -> u64 {
    1_000 + i as u64
}

/// What a single-tenant run reaches on an identical sandbox, per tenant.
async fn references() -> BTreeMap<String, SyncedState> {
    let dir = std::env::temp_dir().join(format!("replicas-e2e-ref-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut out = BTreeMap::new();
    for i in 0..TENANTS {
        let sb = Sandbox::start(world::sandbox_options(seed(i), CUSTOMERS, PRODUCTS))
            .await
            .expect("fakes");
        let state = dir.join(format!("t{i:02}.sqlite"));
        let config = Config::from_toml_str(&sb.config_toml(&state, ""), |_| None).expect("config");
        engine_from_config(&config)
            .expect("engine")
            .run(RunOptions::default())
            .await
            .expect("a single-tenant run");
        out.insert(format!("t{i:02}"), sb.snapshot());
    }
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// Tenants whose sandbox holds what their reference run reached.
fn converged(
    tenants: &BTreeMap<String, Sandbox>,
    references: &BTreeMap<String, SyncedState>,
) -> BTreeSet<String> {
    tenants
        .iter()
        .filter(|(t, sb)| references.get(*t) == Some(&sb.snapshot()))
        .map(|(t, _)| t.clone())
        .collect()
}

/// Lease owners by tenant, as the database says.
async fn owners(coord: &PostgresCoordination) -> BTreeMap<String, String> {
    coord
        .leases()
        .await
        .expect("leases")
        .into_iter()
        .map(|l| (l.tenant, l.owner))
        .collect()
}

/// Fails when two replicas' writes to one tenant overlap in time, or when a replica writes to
/// a tenant again less than a lease TTL after another replica wrote to it (both thought they
/// held it).
fn assert_one_writer_at_a_time(seen: &[Seen]) -> usize {
    let mut by_tenant: BTreeMap<&str, Vec<&Seen>> = BTreeMap::new();
    for s in seen.iter().filter(|s| s.write) {
        by_tenant.entry(&s.tenant).or_default().push(s);
    }
    let mut handovers = 0;
    for (tenant, mut writes) in by_tenant {
        writes.sort_by_key(|s| s.start);
        for (i, a) in writes.iter().enumerate() {
            for b in &writes[i + 1..] {
                if b.start >= a.end {
                    break;
                }
                assert_eq!(
                    a.replica, b.replica,
                    "tenant {tenant}: {} ({}) and {} ({}) wrote at once",
                    a.replica, a.service, b.replica, b.service
                );
            }
        }
        for w in writes.windows(3) {
            let bounced = w[0].replica == w[2].replica && w[1].replica != w[0].replica;
            assert!(
                !(bounced && w[2].start.duration_since(w[1].end) < LEASE_TTL),
                "tenant {tenant}: {} wrote between two writes of {}",
                w[1].replica,
                w[0].replica
            );
        }
        handovers += writes
            .windows(2)
            .filter(|w| w[0].replica != w[1].replica)
            .count();
    }
    handovers
}

/// No tenant has two Shopify customers with one email, nor a customer invited twice.
fn assert_no_duplicates(tenants: &BTreeMap<String, Sandbox>) {
    for (tenant, sb) in tenants {
        let customers = sb.shopify.customers();
        let emails: BTreeSet<String> = customers
            .iter()
            .filter_map(|c| c.email.as_deref().map(str::to_lowercase))
            .collect();
        assert_eq!(
            emails.len(),
            customers.len(),
            "tenant {tenant}: a duplicate customer"
        );
        for c in &customers {
            assert!(
                sb.shopify.invites_sent(&c.id) <= 1,
                "tenant {tenant}: {} invited twice",
                c.id
            );
        }
    }
}

/// The ID and email of a customer of `sb` that is in Shopify, a valid one if there is one.
fn synced_valid_customer(sb: &Sandbox) -> Option<(String, String)> {
    sb.dataset
        .customers_of(CustomerCase::Valid)
        .chain(0..CUSTOMERS)
        .filter_map(|i| sb.dataset.customer_id(i).map(str::to_owned))
        .find_map(|id| {
            let record = sb.cin7.customer(&id)?;
            let email = record["Contacts"][0]["Email"].as_str()?.to_owned();
            sb.shopify.customer_by_email(&email).map(|_| (id, email))
        })
}

/// A tenant held by one survivor with a synced valid customer: (tenant, holder, the other
/// survivor to receive the webhook, customer ID, email).
fn webhook_target(
    tenants: &BTreeMap<String, Sandbox>,
    leases: &BTreeMap<String, String>,
    survivors: &[String],
) -> Option<(String, String, String, String, String)> {
    leases.iter().find_map(|(tenant, holder)| {
        let receiver = survivors.iter().find(|r| *r != holder)?;
        if !survivors.contains(holder) {
            return None;
        }
        let (id, email) = synced_valid_customer(&tenants[tenant])?;
        Some((tenant.clone(), holder.clone(), receiver.clone(), id, email))
    })
}

async fn wait_until(within: Duration, what: &str, mut cond: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !cond().await {
        assert!(start.elapsed() < within, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_serve_30_tenants_through_a_killed_replica_and_a_lost_webhook() {
    let Some(url) = world::database() else { return };
    let url = world::fresh_schema(&url, &format!("replicas_e2e_{}", std::process::id())).await;
    let coord = PostgresCoordination::connect(&Secret::new(url.clone()))
        .await
        .expect("coordination");
    let references = references().await;
    let mut tenants = BTreeMap::new();
    for i in 0..TENANTS {
        let sb = Sandbox::start(world::sandbox_options(seed(i), CUSTOMERS, PRODUCTS))
            .await
            .expect("fakes");
        tenants.insert(format!("t{i:02}"), sb);
    }
    let dir = std::env::temp_dir().join(format!("replicas-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = Arc::new(Log::default());
    let start = Instant::now();
    let mut replicas = Vec::new();
    for id in ["replica-a", "replica-b", "replica-c"] {
        let proxy = proxy::start(id, world::routes(&tenants), log.clone(), DELAY).await;
        let files = tenants
            .iter()
            .map(|(t, sb)| (t.clone(), world::tenant_toml(sb, t, Some(&proxy))))
            .collect();
        replicas.push(Replica::start(&dir, id, &url, &files, LEASE_TTL));
    }

    // Mid-run: a replica holds tenants not converged yet, and some writes have been made.
    let mut victim = None;
    wait_until(Duration::from_secs(60), "a replica mid-run", async || {
        let done = converged(&tenants, &references);
        let written: BTreeSet<String> = log
            .all()
            .into_iter()
            .filter(|s| s.write)
            .map(|s| s.tenant)
            .collect();
        if written.len() < 3 || done.len() >= TENANTS / 2 {
            return false;
        }
        let leases = owners(&coord).await;
        let busiest = ["replica-a", "replica-b", "replica-c"]
            .into_iter()
            .max_by_key(|r| {
                leases
                    .iter()
                    .filter(|(t, o)| o == r && !done.contains(*t))
                    .count()
            });
        victim = busiest.map(str::to_owned);
        victim.is_some()
    })
    .await;
    let victim = victim.expect("a victim");
    let done_at_kill = converged(&tenants, &references);
    let orphans: Vec<String> = owners(&coord)
        .await
        .into_iter()
        .filter(|(t, o)| *o == victim && !done_at_kill.contains(t))
        .map(|(t, _)| t)
        .collect();
    let killed_at = Instant::now();
    replicas
        .iter_mut()
        .find(|r| r.id == victim)
        .expect("victim")
        .kill();
    println!(
        "killed {victim} at {:?}: {} tenants converged, {} of its tenants unfinished: {orphans:?}",
        killed_at - start,
        done_at_kill.len(),
        orphans.len()
    );
    assert!(!orphans.is_empty(), "the victim held unfinished tenants");

    // Its tenants pass to the others within the lease TTL (plus a renewal tick and slack).
    let mut taken_over = BTreeMap::new();
    let bound = LEASE_TTL + LEASE_TTL / 3 + Duration::from_secs(2);
    wait_until(
        bound + Duration::from_secs(10),
        "the orphans' leases taken over",
        async || {
            let leases = owners(&coord).await;
            for t in &orphans {
                if leases.get(t).is_some_and(|o| *o != victim) {
                    taken_over
                        .entry(t.clone())
                        .or_insert_with(|| killed_at.elapsed());
                }
            }
            taken_over.len() == orphans.len()
        },
    )
    .await;
    let slowest = taken_over.values().max().copied().unwrap_or_default();
    println!("orphans taken over after at most {slowest:?} (lease TTL {LEASE_TTL:?})");
    assert!(
        slowest <= bound,
        "takeover took {slowest:?}, more than {bound:?}"
    );

    wait_until(CONVERGE_WITHIN, "every tenant converged", async || {
        converged(&tenants, &references).len() == TENANTS
    })
    .await;
    println!(
        "all {TENANTS} tenants converged after {:?}",
        start.elapsed()
    );
    assert_no_duplicates(&tenants);

    // A webhook accepted by a replica that does not hold the tenant, which is then killed.
    let survivors: Vec<String> = replicas
        .iter()
        .map(|r| r.id.clone())
        .filter(|r| *r != victim)
        .collect();
    let leases = owners(&coord).await;
    let (tenant, holder, receiver, id, email) =
        webhook_target(&tenants, &leases, &survivors).expect("a survivor's synced valid customer");
    let sb = &tenants[&tenant];
    assert!(sb.cin7.update_customer(&id, |c| c["Contacts"][0]["Name"] =
        "Zedekiah Webhook".into()));
    let base = replicas
        .iter()
        .find(|r| r.id == receiver)
        .expect("receiver")
        .base
        .clone();
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let answer = http
        .post(format!(
            "{base}/webhooks/cin7/{tenant}?event=Customer/Updated"
        ))
        .bearer_auth(world::token(&tenant))
        .json(&serde_json::json!({ "CustomerDetailsList": [ { "ID": id, "Name": "x" } ] }))
        .send()
        .await
        .expect("webhook answered");
    assert_eq!(answer.status().as_u16(), 200);
    let sent = Instant::now();
    replicas
        .iter_mut()
        .find(|r| r.id == receiver)
        .expect("receiver")
        .kill();
    wait_until(
        Duration::from_secs(60),
        "the webhook's change in Shopify",
        async || {
            sb.shopify
                .customer_by_email(&email)
                .is_some_and(|c| c.first_name.as_deref() == Some("Zedekiah"))
        },
    )
    .await;
    println!(
        "webhook accepted by {receiver} (then killed) applied by {holder} after {:?}",
        sent.elapsed()
    );
    let wrote: BTreeSet<String> = log
        .all()
        .into_iter()
        .filter(|s| s.write && s.tenant == tenant && s.start >= sent)
        .map(|s| s.replica)
        .collect();
    assert_eq!(
        wrote,
        BTreeSet::from([holder.clone()]),
        "the holder applied it"
    );
    wait_until(Duration::from_secs(10), "the inbox drained", async || {
        coord.pending(&tenant).await.expect("pending") == 0
    })
    .await;

    assert_no_duplicates(&tenants);
    let seen = log.all();
    let handovers = assert_one_writer_at_a_time(&seen);
    println!(
        "{} requests ({} writes) seen by the proxies; {handovers} handovers between replicas, none overlapping",
        seen.len(),
        seen.iter().filter(|s| s.write).count()
    );
    for r in &mut replicas {
        assert_eq!(r.alive(), r.id != victim && r.id != receiver, "{}", r.id);
    }
    let last = replicas.iter().find(|r| r.id == holder).expect("holder");
    let peak = last.peak_rss().unwrap_or_default();
    println!(
        "{holder} serves all {TENANTS} tenants; its peak RSS {} MB",
        peak / 1_000_000
    );
    let _ = std::fs::remove_dir_all(&dir);
}
