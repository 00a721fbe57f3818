//! The multi-tenant daemon end to end against the sandbox fakes (issue 16): each tenant's own
//! clients and SQLite state (`state.path` as a directory), built by the production factory from
//! the operator's and the tenants' files; every tenant converges to what a single-merchant run
//! gives; `daemon tenants` lists them.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cin7_sparklayer::config::OperatorConfig;
use cin7_sparklayer::core::report::RunMode;
use cin7_sparklayer::daemon::tenants::{TenantsDaemon, list_tenants, render_tenants};
use cin7_sparklayer::{Config, RunOptions, engine_from_config};
use cin7_sparklayer_sandbox::Sandbox;
use cin7_sparklayer_sandbox::world::SyncedState;
use tokio::sync::oneshot;

async fn sandbox(seed: u64) -> Sandbox {
    common::fast_sandbox(seed, 60, 120).await
}

fn comparable(state: SyncedState) -> (BTreeMap<String, String>, String) {
    (state.customers, state.price_lists)
}

/// The sandbox's merchant sections as a tenant file: its `[state]` is the operator's.
fn tenant_file(sb: &Sandbox, token: &str) -> String {
    let text = sb.config_toml(Path::new("unused.sqlite"), "");
    let merchant = text.split("[state]").next().unwrap_or_default();
    format!("{merchant}\n[webhook]\ntoken = \"{token}\"\n")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("tenants-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tenants")).expect("temp dir");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tenant_converges_as_a_single_merchant_run_does() {
    common::init_logs();
    let dir = temp_dir("converge");
    let seeds = [(String::from("north"), 11_u64), (String::from("south"), 12)];
    let mut daemons_sandboxes = Vec::new();
    let mut want = BTreeMap::new();
    for (tenant, seed) in &seeds {
        let served = sandbox(*seed).await;
        std::fs::write(
            dir.join("tenants").join(format!("{tenant}.toml")),
            tenant_file(&served, "tok"),
        )
        .expect("write");
        // The reference: the same merchant synced by a single-merchant run.
        let reference = sandbox(*seed).await;
        let state = common::state_path(tenant);
        let text = reference.config_toml(&state, "");
        let config = Config::from_toml_str(&text, |_| None).expect("config");
        let report = engine_from_config(&config)
            .expect("engine")
            .run(RunOptions::default())
            .await
            .expect("reference run");
        assert_eq!(report.mode, RunMode::Full);
        want.insert(tenant.clone(), comparable(reference.snapshot()));
        daemons_sandboxes.push((tenant.clone(), served));
    }
    std::fs::write(dir.join("tenants").join("Broken.toml"), "not a tenant").expect("write");
    let operator_text = format!(
        "[state]\npath = {:?}\n[replicas]\nid = \"e2e\"\nlease_ttl = \"3s\"\nscan_every = \"200ms\"\n",
        dir.join("state").display().to_string()
    );
    let operator = OperatorConfig::from_toml_str(&operator_text, |_| None).expect("operator");
    let daemon = TenantsDaemon::from_config(&operator, dir.join("tenants")).expect("daemon");
    let handle = daemon.handle();
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(daemon.run(async move {
        let _ = rx.await;
    }));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let health = handle.health();
        let done = seeds.iter().all(|(t, _)| {
            health
                .tenants
                .get(t)
                .and_then(|h| h.health.as_ref())
                .is_some_and(|h| h.last_success_at.is_some())
        });
        if done {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the tenants' start-up runs: {health:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (tenant, sb) in &daemons_sandboxes {
        assert_eq!(
            comparable(sb.snapshot()),
            want[tenant],
            "{tenant} converged as a single run"
        );
    }
    let _ = stop.send(());
    task.await.expect("task").expect("stops cleanly");

    // `daemon tenants`: from the state directory (the leases lived in the stopped process).
    let rows = list_tenants(&operator, &dir.join("tenants"))
        .await
        .expect("listing");
    let table = render_tenants(&rows);
    let by_tenant: BTreeMap<_, _> = rows.iter().map(|r| (r.tenant.as_str(), r)).collect();
    assert!(
        by_tenant["north"].last_success.is_some() && by_tenant["south"].last_success.is_some(),
        "{table}"
    );
    assert_eq!(by_tenant["north"].health, "unowned", "{table}");
    assert!(
        by_tenant["Broken"].health.starts_with("config-error: "),
        "{table}"
    );
    assert!(table.starts_with("TENANT"), "{table}");
}

/// A server that answers 401 to everything and keeps each request's `User-Agent`.
async fn agent_recorder() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = seen.clone();
    let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap| {
        let kept = kept.clone();
        async move {
            let agent = headers
                .get("user-agent")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            kept.lock().expect("lock").push(agent.to_owned());
            axum::http::StatusCode::UNAUTHORIZED
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test]
async fn a_replicas_requests_name_it_in_their_user_agent() {
    let (url, seen) = agent_recorder().await;
    let sb = sandbox(3).await;
    let text = sb
        .config_toml(&common::state_path("agent"), "")
        .replace(&sb.cin7.base_url(), &url);
    let config = Config::from_toml_str(&text, |_| None).expect("config");
    let state = std::sync::Arc::new(cin7_sparklayer::core::memory::MemoryState::default());
    let engine = cin7_sparklayer::engine_for_replica(&config, state, "replica-7").expect("engine");
    let _ = engine.run(RunOptions::default()).await;
    let agents = seen.lock().expect("lock").clone();
    assert!(!agents.is_empty(), "the engine called Cin7");
    for agent in agents {
        assert_eq!(agent, cin7_sparklayer::replica_user_agent("replica-7"));
        assert!(agent.ends_with("(replica replica-7)"), "{agent}");
    }
}
