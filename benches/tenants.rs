//! Many tenants on one machine (issue 16): 300 tenants × 300 customers, each tenant with its own
//! sandbox (three fakes, limits scaled as in `whole_sync`: Cin7 6,000 calls/min on both sides,
//! Shopify restore 50,000 points/s), served by `daemon --tenants` replicas (release processes)
//! on one PostgreSQL.
//!
//! One full pass = from the replicas' start until every tenant has a successful run recorded
//! (the `runs` table). Measured twice, on fresh sandboxes and a fresh schema each time: with 1
//! replica, then with 2. Printed: wall time of each pass, throughput (tenants and customers per
//! second) and its ratio 2 vs 1 replicas, and peak memory per tenant = (the replicas' peak RSS −
//! an idle replica's peak RSS each) ÷ tenants. The fakes run in this process, so on 2 cores the
//! replicas compete with them for the CPU: the ratio says what a second replica adds *here*.
//!
//! Needs PostgreSQL (`eval "$(bash .ci/postgres.sh start)"`) and the release daemon:
//! `cargo build --profile bench -p cin7-sparklayer --example daemon --features daemon`, then
//! `cargo bench -p cin7-sparklayer --bench tenants`. `TENANTS_N`, `TENANTS_CUSTOMERS` and
//! `TENANTS_PRODUCTS` (defaults 300, 300, 300) make it smaller.

#[allow(dead_code, unreachable_pub)]
#[path = "../cin7-sparklayer/tests/replicas/proxy.rs"]
mod proxy;
#[allow(dead_code, unreachable_pub)]
#[path = "../cin7-sparklayer/tests/replicas/world.rs"]
mod world;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cin7_sparklayer_sandbox::{Sandbox, SandboxOptions};
use world::Replica;

const LEASE_TTL: Duration = Duration::from_secs(10);

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Shape {
    tenants: usize,
    customers: usize,
    products: usize,
}

/// What one pass measured.
struct Pass {
    replicas: usize,
    wall: Duration,
    /// Sum of the replicas' peak RSS, bytes.
    peak: u64,
    created: usize,
}

/// `whole_sync`'s scaled limits.
fn options(seed: u64, shape: &Shape) -> SandboxOptions {
    let mut options = world::sandbox_options(seed, shape.customers, shape.products);
    options.cin7.calls_per_window = Some(6_000);
    options.shopify.restore_rate = 50_000.0;
    options
}

async fn sandboxes(shape: &Shape) -> BTreeMap<String, Sandbox> {
    let mut out = BTreeMap::new();
    for i in 0..shape.tenants {
        let sb = Sandbox::start(options(5_000 + i as u64, shape))
            .await
            .expect("fakes");
        out.insert(format!("t{i:03}"), sb);
    }
    out
}

/// How many tenants have a successful run recorded.
async fn tenants_done(client: &tokio_postgres::Client) -> usize {
    let row = client
        .query_one(
            "SELECT count(DISTINCT tenant) FROM runs WHERE succeeded",
            &[],
        )
        .await
        .expect("count runs");
    usize::try_from(row.get::<_, i64>(0)).unwrap_or(0)
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
}

/// An idle replica's peak RSS (no tenant), to subtract from the loaded ones.
async fn idle_peak(base_url: &str, dir: &std::path::Path) -> u64 {
    let url = world::fresh_schema(base_url, "tenants_bench_idle").await;
    let replica = Replica::start(dir, "idle", &url, &BTreeMap::new(), LEASE_TTL);
    tokio::time::sleep(Duration::from_secs(3)).await;
    replica.peak_rss().expect("VmHWM")
}

async fn pass(base_url: &str, dir: &std::path::Path, shape: &Shape, replicas: usize) -> Pass {
    let tenants = sandboxes(shape).await;
    let url = world::fresh_schema(base_url, &format!("tenants_bench_{replicas}")).await;
    let client = connect(&url).await;
    let files: BTreeMap<String, String> = tenants
        .iter()
        .map(|(t, sb)| (t.clone(), world::tenant_toml(sb, t, None)))
        .collect();
    let start = Instant::now();
    let running: Vec<Replica> = (0..replicas)
        .map(|r| Replica::start(dir, &format!("r{replicas}-{r}"), &url, &files, LEASE_TTL))
        .collect();
    let mut last = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        // The schema exists once a replica migrated it.
        let done = match client
            .query_one("SELECT to_regclass('runs') IS NOT NULL", &[])
            .await
        {
            Ok(row) if row.get::<_, bool>(0) => tenants_done(&client).await,
            _ => 0,
        };
        if done != last && done % 50 == 0 {
            eprintln!(
                "  {replicas} replica(s): {done}/{} tenants after {:?}",
                shape.tenants,
                start.elapsed()
            );
        }
        last = done;
        if done == shape.tenants {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(3_600),
            "a pass took an hour"
        );
    }
    let wall = start.elapsed();
    let peak = running.iter().filter_map(Replica::peak_rss).sum();
    let created = tenants
        .values()
        .map(|sb| sb.shopify.customers().len())
        .sum();
    drop(running);
    Pass {
        replicas,
        wall,
        peak,
        created,
    }
}

fn main() {
    let Some(url) = std::env::var("CIN7_SPARKLAYER_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!(
            "tenants bench: set CIN7_SPARKLAYER_TEST_PG (eval \"$(bash .ci/postgres.sh start)\")"
        );
        return;
    };
    let shape = Shape {
        tenants: env_usize("TENANTS_N", 300),
        customers: env_usize("TENANTS_CUSTOMERS", 300),
        products: env_usize("TENANTS_PRODUCTS", 300),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = std::env::temp_dir().join(format!("tenants-bench-{}", std::process::id()));
    runtime.block_on(async {
        let idle = idle_peak(&url, &dir).await;
        let mut passes = Vec::new();
        for replicas in [1, 2] {
            passes.push(pass(&url, &dir, &shape, replicas).await);
        }
        report(&shape, idle, &passes);
    });
    let _ = std::fs::remove_dir_all(&dir);
}

fn report(shape: &Shape, idle: u64, passes: &[Pass]) {
    println!(
        "tenants: {} tenants × {} customers, {} products each; idle replica peak RSS {:.1} MB",
        shape.tenants,
        shape.customers,
        shape.products,
        idle as f64 / 1e6
    );
    for p in passes {
        let secs = p.wall.as_secs_f64();
        let per_tenant =
            p.peak.saturating_sub(idle * p.replicas as u64) as f64 / shape.tenants as f64;
        println!(
            "  {} replica(s): full pass {:.1} s; {:.2} tenants/s, {:.0} customers/s; {} Shopify customers created; \
             peak RSS {:.1} MB in all, {:.2} MB per tenant above idle",
            p.replicas,
            secs,
            shape.tenants as f64 / secs,
            (shape.tenants * shape.customers) as f64 / secs,
            p.created,
            p.peak as f64 / 1e6,
            per_tenant / 1e6,
        );
    }
    if let [one, two] = passes {
        println!(
            "  throughput 2 replicas ÷ 1 replica: {:.2}",
            one.wall.as_secs_f64() / two.wall.as_secs_f64()
        );
    }
}
