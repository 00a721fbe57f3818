//! Freshness without webhooks (issue 15, SPEC E12): how long a change made in Cin7 takes to
//! reach Shopify or SparkLayer through the daemon's `ModifiedSince` poll alone, and what the
//! poll costs in Cin7's budget.
//!
//! Two daemons run side by side, each on its own sandbox (`poll = "20s"` and the default
//! `poll = "30s"`; no webhooks; `schedule.interval` 6 h, so only the start-up run), with Cin7 at
//! its real limit on both sides: the fake answers 429/503 past 60 calls in a sliding minute and
//! the client is set to `calls_per_minute = 60`. After the start-up run:
//! - **idle** (`FRESHNESS_IDLE_MINUTES`, default 2): nothing changes; Cin7 calls per minute;
//! - **busy** (`FRESHNESS_MINUTES`, default 10): at random times (exponential gaps, mean
//!   `FRESHNESS_GAP_SECONDS`, default 12 s) a random synced customer's contact name or a random
//!   product's tier price changes in the Cin7 fake. A watcher reads the Shopify and SparkLayer
//!   fakes every 250 ms; a change's freshness is from its `LastModifiedOn` in Cin7 to the moment
//!   the watcher first sees it written. Cin7 calls per minute while busy.
//!
//! Printed per configuration: p50 / p95 / max freshness, changes missed (not written 60 s after
//! the busy phase), Cin7 calls per minute idle and busy (and as a share of the 60/min budget),
//! 429/503 answers. Targets: p95 ≤ 30 s for `poll = "20s"`, idle polling ≤ 20 % of the budget,
//! zero 429/503, nothing missed.
//!
//! `cargo bench -p cin7-sparklayer --bench freshness` (about 13 minutes, mostly sleeping).
//! `FRESHNESS_MINUTES=2 FRESHNESS_IDLE_MINUTES=1 cargo bench …` for a short run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use cin7_sparklayer::Config;
use cin7_sparklayer::daemon::{Daemon, DaemonHandle};
use cin7_sparklayer_sandbox::cin7::FakeCin7Options;
use cin7_sparklayer_sandbox::shopify::FakeShopifyOptions;
use cin7_sparklayer_sandbox::{Sandbox, SandboxOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde_json::Value;

const CALLS_PER_MINUTE: u32 = 60;

fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A change made in Cin7, and how to see it written.
#[derive(Debug, Clone)]
enum Probe {
    /// The Shopify customer with this email has `marker` in its name.
    Customer { email: String, marker: String },
    /// The SparkLayer list `slug` has `sku` at `price`.
    Price {
        slug: String,
        sku: String,
        price: Decimal,
    },
}

#[derive(Debug, Clone)]
struct Pending {
    probe: Probe,
    changed_at: DateTime<Utc>,
    key: String,
}

#[derive(Debug, Default)]
struct Figures {
    freshness: Vec<f64>,
    missed: usize,
    changes: usize,
    idle_cpm: f64,
    busy_cpm: f64,
    throttled: u64,
    polls: String,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn written(sb: &Sandbox, probe: &Probe) -> bool {
    match probe {
        Probe::Customer { email, marker } => sb.shopify.customer_by_email(email).is_some_and(|c| {
            c.first_name
                .as_deref()
                .unwrap_or_default()
                .contains(marker.as_str())
                || c.last_name
                    .as_deref()
                    .unwrap_or_default()
                    .contains(marker.as_str())
        }),
        Probe::Price { slug, sku, price } => sb.sparklayer.price_list(slug).is_some_and(|l| {
            l.prices
                .get(sku)
                .is_some_and(|b| b.iter().any(|b| b.quantity == 1 && b.price == *price))
        }),
    }
}

fn modified_of(record: Option<Value>) -> DateTime<Utc> {
    record
        .and_then(|r| r["LastModifiedOn"].as_str().map(str::to_owned))
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map_or_else(Utc::now, |d| d.with_timezone(&Utc))
}

/// Pairs of strings: (customer ID, email) or (list slug, SKU).
type Pairs = Vec<(String, String)>;

/// Synced customers (by the email Shopify has) and published (list, SKU) pairs to change.
fn targets(sb: &Sandbox) -> (Pairs, Pairs) {
    let customers = sb
        .dataset
        .customers
        .iter()
        .filter_map(|c| {
            let id = c["ID"].as_str()?;
            let email = c["Contacts"][0]["Email"].as_str()?;
            sb.shopify.customer_by_email(email)?;
            Some((id.to_owned(), email.to_owned()))
        })
        .collect();
    let prices = sb
        .sparklayer
        .price_lists()
        .into_iter()
        .filter(|(slug, _)| slug.contains("-tier-"))
        .flat_map(|(slug, l)| {
            l.prices
                .keys()
                .map(|sku| (slug.clone(), sku.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    (customers, prices)
}

/// Makes one random change in the Cin7 fake; `None` when the pick is already pending.
fn change(
    sb: &Sandbox,
    rng: &mut StdRng,
    n: usize,
    customers: &[(String, String)],
    prices: &[(String, String)],
    pending: &HashMap<String, Pending>,
) -> Option<Pending> {
    if rng.random_bool(0.5) && !customers.is_empty() {
        let (id, email) = &customers[rng.random_range(0..customers.len())];
        if pending.contains_key(id) {
            return None;
        }
        let marker = format!("Fresh{n}");
        sb.cin7.update_customer(id, |c| {
            if let Some(contacts) = c["Contacts"].as_array_mut() {
                for contact in contacts {
                    contact["Name"] = Value::String(format!("Pat {marker}"));
                }
            }
        });
        let changed_at = modified_of(sb.cin7.customer(id));
        return Some(Pending {
            probe: Probe::Customer {
                email: email.clone(),
                marker,
            },
            changed_at,
            key: id.clone(),
        });
    }
    let (slug, sku) = prices.get(rng.random_range(0..prices.len().max(1)))?;
    let key = format!("{slug}/{sku}");
    if pending.contains_key(&key) {
        return None;
    }
    let tier: u8 = slug.rsplit('-').next()?.parse().ok()?;
    let price = Decimal::new(10_000 + i64::try_from(n).unwrap_or(0) * 7, 2);
    sb.cin7.set_product_price(sku, tier, price);
    let id = sb
        .dataset
        .products
        .iter()
        .find(|p| p["SKU"].as_str() == Some(sku.as_str()))
        .and_then(|p| p["ID"].as_str().map(str::to_owned))?;
    Some(Pending {
        probe: Probe::Price {
            slug: slug.clone(),
            sku: sku.clone(),
            price,
        },
        changed_at: modified_of(sb.cin7.product(&id)),
        key,
    })
}

/// Reads the fakes every 250 ms and moves written changes from `pending` to `done` (seconds).
async fn watch(
    sb: Arc<Sandbox>,
    pending: Arc<Mutex<HashMap<String, Pending>>>,
    done: Arc<Mutex<Vec<f64>>>,
) {
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = Utc::now();
        let mut p = pending.lock().expect("lock");
        let landed: Vec<String> = p
            .iter()
            .filter(|(_, c)| written(&sb, &c.probe))
            .map(|(k, _)| k.clone())
            .collect();
        for k in landed {
            if let Some(c) = p.remove(&k) {
                let secs = (now - c.changed_at).num_milliseconds() as f64 / 1000.0;
                done.lock().expect("lock").push(secs);
            }
        }
    }
}

async fn start(seed: u64, poll: &str) -> (Arc<Sandbox>, DaemonHandle, tokio::task::JoinHandle<()>) {
    let sb = Arc::new(
        Sandbox::start(SandboxOptions {
            seed,
            customers: 200,
            products: 600,
            cin7: FakeCin7Options {
                calls_per_window: Some(CALLS_PER_MINUTE),
                window: Duration::from_secs(60),
                ..FakeCin7Options::default()
            },
            calls_per_minute: CALLS_PER_MINUTE,
            shopify: FakeShopifyOptions::default(),
            ..SandboxOptions::default()
        })
        .await
        .expect("fakes"),
    );
    let state =
        std::env::temp_dir().join(format!("freshness-{}-{seed}.sqlite", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", state.display()));
    }
    let extra =
        format!("[schedule]\npoll = \"{poll}\"\n[daemon]\nwebhook_token = \"bench-token\"\n");
    let config = Config::from_toml_str(&sb.config_toml(&state, &extra), |_| None).expect("config");
    let daemon = Daemon::from_config(&config).expect("daemon");
    let handle = daemon.handle();
    let task = tokio::spawn(async move {
        let _ = daemon.run_worker(std::future::pending()).await;
    });
    let mut finished = handle.status().runs_finished();
    finished.wait_for(|n| *n >= 1).await.expect("start-up run");
    (sb, handle, task)
}

async fn scenario(seed: u64, poll: &'static str) -> Figures {
    let idle = Duration::from_secs_f64(env_f64("FRESHNESS_IDLE_MINUTES", 2.0) * 60.0);
    let busy = Duration::from_secs_f64(env_f64("FRESHNESS_MINUTES", 10.0) * 60.0);
    let gap = env_f64("FRESHNESS_GAP_SECONDS", 12.0);
    let (sb, handle, task) = start(seed, poll).await;
    let (customers, prices) = targets(&sb);
    println!(
        "[poll {poll}] start-up run done: {} synced customers, {} published prices to change",
        customers.len(),
        prices.len()
    );
    let mut figures = Figures::default();

    let before = sb.cin7.stats().requests;
    tokio::time::sleep(idle).await;
    figures.idle_cpm = (sb.cin7.stats().requests - before) as f64 / (idle.as_secs_f64() / 60.0);

    let pending = Arc::new(Mutex::new(HashMap::new()));
    let done = Arc::new(Mutex::new(Vec::new()));
    let watcher = tokio::spawn(watch(sb.clone(), pending.clone(), done.clone()));
    let mut rng = StdRng::seed_from_u64(seed);
    let before = sb.cin7.stats().requests;
    let started = tokio::time::Instant::now();
    let mut n = 0;
    loop {
        let wait = -gap * (1.0 - rng.random::<f64>()).ln();
        let at = tokio::time::Duration::from_secs_f64(wait.min(gap * 5.0));
        if started.elapsed() + at >= busy {
            break;
        }
        tokio::time::sleep(at).await;
        n += 1;
        let made = change(
            &sb,
            &mut rng,
            n,
            &customers,
            &prices,
            &pending.lock().expect("lock"),
        );
        if let Some(c) = made {
            pending.lock().expect("lock").insert(c.key.clone(), c);
            figures.changes += 1;
        }
    }
    tokio::time::sleep(busy.saturating_sub(started.elapsed())).await;
    figures.busy_cpm = (sb.cin7.stats().requests - before) as f64 / (busy.as_secs_f64() / 60.0);
    for _ in 0..240 {
        if pending.lock().expect("lock").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    watcher.abort();
    figures.missed = pending.lock().expect("lock").len();
    figures.freshness = done.lock().expect("lock").clone();
    figures.freshness.sort_by(f64::total_cmp);
    figures.throttled = sb.cin7.stats().throttled;
    let h = handle.health();
    figures.polls = format!(
        "last poll {:?}, last change {:?}",
        h.last_poll, h.last_change
    );
    task.abort();
    figures
}

fn print(poll: &str, f: &Figures) {
    let budget = f64::from(CALLS_PER_MINUTE);
    println!(
        "poll = {poll}: {} changes, freshness p50 {:.1}s, p95 {:.1}s, max {:.1}s, {} missed; Cin7 {:.1} calls/min idle ({:.1} % of {budget}), {:.1} busy ({:.1} %); {} answered 429/503",
        f.changes,
        percentile(&f.freshness, 50.0),
        percentile(&f.freshness, 95.0),
        f.freshness.last().copied().unwrap_or(f64::NAN),
        f.missed,
        f.idle_cpm,
        f.idle_cpm / budget * 100.0,
        f.busy_cpm,
        f.busy_cpm / budget * 100.0,
        f.throttled
    );
    println!("  daemon: {}", f.polls);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (fast, default) =
        runtime.block_on(async { tokio::join!(scenario(2_001, "20s"), scenario(3_001, "30s")) });
    print("20s", &fast);
    print("30s", &default);
    let ok = percentile(&fast.freshness, 95.0) <= 30.0
        && fast.idle_cpm / f64::from(CALLS_PER_MINUTE) <= 0.20
        && default.idle_cpm / f64::from(CALLS_PER_MINUTE) <= 0.20
        && fast.throttled + default.throttled == 0
        && fast.missed + default.missed == 0;
    println!("freshness targets {}", if ok { "MET" } else { "MISSED" });
}
