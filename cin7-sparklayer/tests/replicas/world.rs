//! The test's world: one sandbox (three fakes) per tenant, a PostgreSQL schema of its own, and
//! replicas as `daemon` processes, each with its own proxy and tenants directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cin7_sparklayer_sandbox::cin7::FakeCin7Options;
use cin7_sparklayer_sandbox::shopify::FakeShopifyOptions;
use cin7_sparklayer_sandbox::{Sandbox, SandboxOptions};

use crate::proxy::Routes;

/// The variable holding the test database's URL (`.ci/postgres.sh start` prints it).
pub(crate) const TEST_PG_ENV: &str = "CIN7_SPARKLAYER_TEST_PG";

/// The test database's URL, or `None` (one line on stderr) when it is not set; under CI an
/// unset variable fails instead.
pub(crate) fn database() -> Option<String> {
    match std::env::var(TEST_PG_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{TEST_PG_ENV} is not set, and CI must run the PostgreSQL tests")
        }
        _ => {
            eprintln!(
                "replica e2e skipped: run `eval \"$(bash .ci/postgres.sh start)\"` to set {TEST_PG_ENV}"
            );
            None
        }
    }
}

/// A new schema on the test database; returns the URL whose `search_path` is it.
pub(crate) async fn fresh_schema(url: &str, name: &str) -> String {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test database");
    tokio::spawn(connection);
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
        ))
        .await
        .expect("create the schema");
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{name}")
}

/// Small tenants whose runs still take a few seconds (the proxies add a delay per request).
pub(crate) fn sandbox_options(seed: u64, customers: usize, products: usize) -> SandboxOptions {
    SandboxOptions {
        seed,
        customers,
        products,
        cin7: FakeCin7Options::unlimited(),
        calls_per_minute: 6_000,
        shopify: FakeShopifyOptions {
            restore_rate: 20_000.0,
            ..FakeShopifyOptions::default()
        },
        ..SandboxOptions::default()
    }
}

/// The tenant's webhook bearer token.
pub(crate) fn token(tenant: &str) -> String {
    format!("hook-token-{tenant}")
}

/// A tenant file for `sb`: the sandbox's own configuration without `[state]`, no poll, a
/// webhook token; with `proxy`, its three APIs go through that proxy.
pub(crate) fn tenant_toml(sb: &Sandbox, tenant: &str, proxy: Option<&str>) -> String {
    let own = sb.config_toml(Path::new("unused"), "");
    let own = own.split("[state]").next().expect("config");
    let Some(proxy) = proxy else {
        return with_schedule(own, tenant);
    };
    let via = |service: &str, url: &str| {
        let path = url.splitn(4, '/').nth(3).unwrap_or("");
        format!("{proxy}/{tenant}/{service}/{path}")
    };
    let (cin7, shopify, sparklayer) = (
        sb.cin7.base_url(),
        sb.shopify.endpoint(),
        sb.sparklayer.base_url(),
    );
    let own = own
        .replace(&cin7, &via("cin7", &cin7))
        .replace(&shopify, &via("shopify", &shopify))
        .replace(
            &format!("\"{sparklayer}\""),
            &format!("\"{}\"", via("sparklayer", &sparklayer)),
        );
    with_schedule(&own, tenant)
}

fn with_schedule(own: &str, tenant: &str) -> String {
    format!(
        "{own}\n[schedule]\ninterval = \"1h\"\npoll = \"off\"\n\n[webhook]\ntoken = \"{}\"\n",
        token(tenant)
    )
}

/// The fakes of every tenant, by service, for the proxies.
pub(crate) fn routes(tenants: &BTreeMap<String, Sandbox>) -> Routes {
    tenants
        .iter()
        .map(|(tenant, sb)| {
            let services = [
                ("cin7", sb.cin7.addr()),
                ("shopify", addr_of(&sb.shopify.endpoint())),
                ("sparklayer", addr_of(&sb.sparklayer.base_url())),
            ];
            (tenant.clone(), services.into_iter().collect())
        })
        .collect()
}

fn addr_of(url: &str) -> std::net::SocketAddr {
    let host = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host");
    host.parse().expect("a loopback address")
}

/// A free loopback port (bound, then let go).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `target/debug/examples/daemon`, next to this test's executable.
fn daemon_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    dir.join("examples")
        .join(format!("daemon{}", std::env::consts::EXE_SUFFIX))
}

/// One replica: a `daemon` process with its own proxy, tenants directory and listen address.
pub(crate) struct Replica {
    pub(crate) id: String,
    pub(crate) base: String,
    child: Child,
}

impl Replica {
    /// Writes the replica's files under `dir/<id>` (its operator file, and `files`: tenant →
    /// tenant file) and starts `daemon --config … --tenants …`.
    pub(crate) fn start(
        dir: &Path,
        id: &str,
        url: &str,
        files: &BTreeMap<String, String>,
        lease_ttl: Duration,
    ) -> Self {
        let home = dir.join(id);
        let tenants_dir = home.join("tenants");
        std::fs::create_dir_all(&tenants_dir).expect("tenants dir");
        for (tenant, text) in files {
            std::fs::write(tenants_dir.join(format!("{tenant}.toml")), text).expect("tenant file");
        }
        let port = free_port();
        let ops = format!(
            "[daemon]\nlisten = \"127.0.0.1:{port}\"\n\n[state]\nurl = \"{url}\"\n\n\
             [replicas]\nid = \"{id}\"\nlease_ttl = \"{}ms\"\nmax_concurrent_runs = 4\nscan_every = \"500ms\"\n",
            lease_ttl.as_millis()
        );
        let ops_path = home.join("ops.toml");
        std::fs::write(&ops_path, ops).expect("ops file");
        let stderr = std::fs::File::create(home.join("stderr.log")).expect("log file");
        let child = Command::new(daemon_binary())
            .arg("--config")
            .arg(&ops_path)
            .arg("--tenants")
            .arg(&tenants_dir)
            .env("RUST_LOG", "info")
            .env_remove("CIN7_SPARKLAYER_REPLICA_ID")
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start the daemon example (cargo builds it with the tests)");
        Self {
            id: id.to_owned(),
            base: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    /// The process's peak resident memory so far (`VmHWM`), in bytes; Linux only.
    pub(crate) fn peak_rss(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }

    /// SIGKILL: no shutdown, no lease released, nothing flushed.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process is still running.
    pub(crate) fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}
