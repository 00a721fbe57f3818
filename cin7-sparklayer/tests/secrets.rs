//! Secrets never leak (issue 7, item 3; SPEC §6): with distinctive secret values
//! (`SECRET-cin7-key-7f3a`, …) a succeeding sync and failing ones (wrong Cin7 key, wrong Shopify
//! token, wrong SparkLayer secret, broken configuration files) run with a `tracing` subscriber
//! capturing every event at TRACE level (and `log` records through the bridge). The secrets must
//! appear nowhere: not in the captured logs, not in `Debug` of the configuration, the engine,
//! the clients or the report, not in error messages (`Display`, `Debug`, sources), not in the
//! JSON report, the table, the SparkLayer sync log or the SQLite state file. Finally the `sync`
//! example binary runs with `RUST_LOG=trace` and its stdout, stderr and `--json` file are checked.
//!
//! `cargo test -p cin7-sparklayer --test secrets` (the `sync` binary is built by
//! `cargo test -p cin7-sparklayer`, or `cargo build -p cin7-sparklayer --example sync`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use cin7_sparklayer::cin7_client::Cin7Client;
use cin7_sparklayer::core::report::render_table;
use cin7_sparklayer::shopify_client::ShopifyClient;
use cin7_sparklayer::sparklayer_client::SparkLayerClient;
use cin7_sparklayer::{Config, RunOptions, engine_from_config, ports_from_config};
use cin7_sparklayer_sandbox::cin7::FakeCin7Options;
use cin7_sparklayer_sandbox::shopify::FakeShopifyOptions;
use cin7_sparklayer_sandbox::sparklayer::FakeSparkLayerOptions;
use cin7_sparklayer_sandbox::{Sandbox, SandboxOptions};

const CIN7_ACCOUNT: &str = "SECRET-cin7-account-5b1e";
const CIN7_KEY: &str = "SECRET-cin7-key-7f3a";
const SHOPIFY_TOKEN: &str = "SECRET-shpat-token-c4d2";
const SL_CLIENT_ID: &str = "SECRET-sl-client-id-91ab";
const SL_SECRET: &str = "SECRET-sl-client-secret-e8f0";
const WEBHOOK: &str = "SECRET-webhook-token-3c3c";
const WRONG_CIN7_KEY: &str = "SECRET-wrong-cin7-key-1d2e";
const WRONG_SHOPIFY_TOKEN: &str = "SECRET-wrong-shpat-44aa";
const WRONG_SL_SECRET: &str = "SECRET-wrong-sl-secret-0b0b";
const SHOPIFY_CLIENT_ID: &str = "SECRET-shp-client-id-2a7d";
const SHOPIFY_CLIENT_SECRET: &str = "SECRET-shp-client-secret-6e19";
const WRONG_SHOPIFY_CLIENT_SECRET: &str = "SECRET-wrong-shp-secret-5c5c";

/// Every secret value used anywhere in this file.
const ALL: [&str; 12] = [
    SHOPIFY_CLIENT_ID,
    SHOPIFY_CLIENT_SECRET,
    WRONG_SHOPIFY_CLIENT_SECRET,
    CIN7_ACCOUNT,
    CIN7_KEY,
    SHOPIFY_TOKEN,
    SL_CLIENT_ID,
    SL_SECRET,
    WEBHOOK,
    WRONG_CIN7_KEY,
    WRONG_SHOPIFY_TOKEN,
    WRONG_SL_SECRET,
];

/// Everything the process logged through `tracing` (and `log`), at every level.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A global TRACE subscriber (global, not thread-local, so events on every runtime worker and
/// blocking thread are captured). Tests in this binary share it; each checks every secret.
fn capture_logs() {
    let _ = tracing_subscriber::fmt()
        .with_writer(|| Capture)
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .try_init();
}

fn logs() -> String {
    String::from_utf8_lossy(
        &LOGS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
    .into_owned()
}

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for s in ALL {
        assert!(!text.contains(s), "{what} contains the secret {s}:\n{text}");
    }
    // A secret cut or re-encoded would still carry its distinctive tail.
    for s in ALL {
        let tail = &s[s.len() - 9..];
        assert!(
            !text.contains(tail),
            "{what} contains {tail} (from {s}):\n{text}"
        );
    }
}

/// An error's `Display`, `Debug` and every source in its chain.
fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = format!("{e}\n{e:?}\n");
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(&format!("{s}\n{s:?}\n"));
        source = s.source();
    }
    out
}

fn tmp(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("secrets-{}-{name}", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
    p
}

/// Fakes that accept only the distinctive secrets.
async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        seed: 11,
        customers: 40,
        products: 100,
        cin7: FakeCin7Options {
            account_id: CIN7_ACCOUNT.into(),
            application_key: CIN7_KEY.into(),
            calls_per_window: None,
            ..FakeCin7Options::default()
        },
        calls_per_minute: 6000,
        shopify: FakeShopifyOptions {
            access_token: SHOPIFY_TOKEN.into(),
            client_id: SHOPIFY_CLIENT_ID.into(),
            client_secret: SHOPIFY_CLIENT_SECRET.into(),
            restore_rate: 20_000.0,
            ..FakeShopifyOptions::default()
        },
        sparklayer: FakeSparkLayerOptions {
            client_id: SL_CLIENT_ID.into(),
            client_secret: SL_SECRET.into(),
            ..FakeSparkLayerOptions::default()
        },
    })
    .await
    .expect("fakes start")
}

fn config_text(sb: &Sandbox, state: &Path) -> String {
    let text = sb.config_toml(state, &format!("[daemon]\nwebhook_token = \"{WEBHOOK}\"\n"));
    for s in [
        CIN7_ACCOUNT,
        CIN7_KEY,
        SHOPIFY_TOKEN,
        SL_CLIENT_ID,
        SL_SECRET,
    ] {
        assert!(text.contains(s), "the sandbox config carries {s}");
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_succeeding_sync_leaks_no_secret() {
    capture_logs();
    let sb = sandbox().await;
    let state = tmp("ok.sqlite");
    let config = Config::from_toml_str(&config_text(&sb, &state), |_| None).expect("config");
    assert_clean("Debug of the config", &format!("{config:?} {config:#?}"));

    let clients = format!(
        "{:?}\n{:?}\n{:?}\n{:?}",
        Cin7Client::from_config(&config.cin7).expect("cin7 client"),
        ShopifyClient::from_config(&config.shopify).expect("shopify client"),
        SparkLayerClient::from_config(&config.sparklayer).expect("sparklayer client"),
        ports_from_config(&config).expect("ports"),
    );
    assert_clean("Debug of the clients and ports", &clients);

    let engine = engine_from_config(&config).expect("engine");
    assert_clean("Debug of the engine", &format!("{engine:?}"));
    let report = engine.run(RunOptions::default()).await.expect("run");
    assert_eq!(report.failures, vec![], "{:#?}", report.failures);
    assert!(
        !sb.shopify.customers().is_empty(),
        "the run synced customers"
    );
    assert_clean("Debug of the engine after a run", &format!("{engine:#?}"));
    assert_clean("Debug of the report", &format!("{report:?}"));
    assert_clean(
        "the JSON report",
        &serde_json::to_string_pretty(&report).expect("json"),
    );
    assert_clean("the report table", &render_table(&report));
    assert_clean(
        "the SparkLayer sync log",
        &format!("{:?}", sb.sparklayer.sync_logs()),
    );
    drop(engine);
    let db: Vec<u8> = ["", "-wal"]
        .iter()
        .filter_map(|ext| std::fs::read(format!("{}{ext}", state.display())).ok())
        .flatten()
        .collect();
    assert!(!db.is_empty(), "the state file exists");
    assert_clean("the state file", &String::from_utf8_lossy(&db));

    let logs = logs();
    println!("captured {} bytes of logs", logs.len());
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "the capture works: {} bytes",
        logs.len()
    );
    assert_clean("the TRACE logs", &logs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_syncs_leak_no_secret() {
    capture_logs();
    let sb = sandbox().await;
    let good = config_text(&sb, &tmp("fail.sqlite"));
    let mut outcomes = Vec::new();
    for (what, wrong) in [
        ("wrong Cin7 key", good.replace(CIN7_KEY, WRONG_CIN7_KEY)),
        (
            "wrong Shopify token",
            good.replace(SHOPIFY_TOKEN, WRONG_SHOPIFY_TOKEN),
        ),
        (
            "wrong SparkLayer secret",
            good.replace(SL_SECRET, WRONG_SL_SECRET),
        ),
    ] {
        let config = Config::from_toml_str(&wrong, |_| None).expect("config");
        assert_clean(what, &format!("{config:?}"));
        let engine = engine_from_config(&config).expect("engine");
        match engine.run(RunOptions::default()).await {
            Ok(report) => {
                assert!(!report.failures.is_empty(), "{what}: the run must fail");
                let text = format!(
                    "{report:?}\n{}\n{}",
                    serde_json::to_string(&report).expect("json"),
                    render_table(&report)
                );
                assert_clean(what, &text);
                outcomes.push(format!(
                    "{what}: report with {} failures",
                    report.failures.len()
                ));
            }
            Err(e) => {
                let text = error_text(&e);
                assert_clean(what, &text);
                outcomes.push(format!("{what}: {e}"));
            }
        }
        assert_clean(what, &format!("{engine:?}"));
    }
    println!("{}", outcomes.join("\n"));
    assert_clean("the TRACE logs", &logs());
}

/// A Dev Dashboard app's client credentials (and the tokens granted with them) stay out of
/// logs, `Debug` and errors, whether the grant succeeds or is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_leak_no_secret() {
    capture_logs();
    let sb = sandbox().await;
    let granted = config_text(&sb, &tmp("grant.sqlite")).replace(
        &format!("access_token = \"{SHOPIFY_TOKEN}\""),
        &format!(
            "client_id = \"{SHOPIFY_CLIENT_ID}\"\nclient_secret = \"{SHOPIFY_CLIENT_SECRET}\""
        ),
    );
    let config = Config::from_toml_str(&granted, |_| None).expect("config");
    assert_clean("Debug of the config", &format!("{config:#?}"));
    let engine = engine_from_config(&config).expect("engine");
    let report = engine.run(RunOptions::default()).await.expect("run");
    assert_eq!(report.failures, vec![], "{:#?}", report.failures);
    assert_eq!(sb.shopify.stats().tokens_granted, 1, "the grant was used");
    let shown = format!("{engine:#?}\n{report:?}\n{}", render_table(&report));
    assert_clean("engine and report", &shown);

    let refused = granted.replace(SHOPIFY_CLIENT_SECRET, WRONG_SHOPIFY_CLIENT_SECRET);
    let config = Config::from_toml_str(&refused, |_| None).expect("config");
    let e = engine_from_config(&config)
        .expect("engine")
        .run(RunOptions::default())
        .await
        .expect_err("a refused grant stops the run");
    let text = error_text(&e);
    assert!(
        text.contains("SHOPIFY_CLIENT_SECRET"),
        "the error says what to fix: {text}"
    );
    assert_clean("the refused grant's error", &text);

    let logs = logs();
    assert_clean("the TRACE logs", &logs);
    // Granted tokens are secrets too.
    assert!(
        !logs.contains("shpca_sandbox_"),
        "a granted token was logged"
    );
    assert!(!shown.contains("shpca_sandbox_") && !text.contains("shpca_sandbox_"));
}

#[test]
fn configuration_errors_leak_no_secret() {
    capture_logs();
    let base = format!(
        r#"[cin7]
account_id = "{CIN7_ACCOUNT}"
application_key = "{CIN7_KEY}"

[shopify]
shop = "acme.myshopify.com"
access_token = "{SHOPIFY_TOKEN}"

[sparklayer]
site_id = "acme"
client_id = "{SL_CLIENT_ID}"
client_secret = "{SL_SECRET}"

[daemon]
webhook_token = "{WEBHOOK}"
"#
    );
    assert!(
        Config::from_toml_str(&base, |_| None).is_ok(),
        "the base parses"
    );
    let broken = [
        // TOML syntax errors quote the offending line in their multi-line form.
        base.replace(&format!("\"{CIN7_KEY}\""), CIN7_KEY),
        base.replace(
            &format!("\"{SHOPIFY_TOKEN}\""),
            &format!("\"{SHOPIFY_TOKEN}\" x"),
        ),
        base.replace(&format!("\"{SL_SECRET}\""), &format!("\"{SL_SECRET}")),
        // A misspelt key holding a secret.
        base.replace("application_key", "applicaton_key"),
        // Wrong types.
        base.replace(&format!("\"{WEBHOOK}\""), &format!("[\"{WEBHOOK}\"]")),
        base.replace(
            &format!("\"{CIN7_ACCOUNT}\""),
            &format!("{{ id = \"{CIN7_ACCOUNT}\" }}"),
        ),
        // A secret in the environment next to a broken file.
        base.replace("shop = \"acme.myshopify.com\"", "shop = \"\""),
    ];
    for (i, text) in broken.iter().enumerate() {
        let env = |k: &str| (k == "CIN7_APPLICATION_KEY").then(|| WRONG_CIN7_KEY.to_owned());
        let e = Config::from_toml_str(text, env).expect_err("broken config");
        assert_clean(&format!("config error {i}"), &error_text(&e));
    }
    // A secret that is not a valid HTTP header value: the client builders refuse it.
    let control = base.replace(CIN7_KEY, &format!("{CIN7_KEY}\\n"));
    if let Ok(config) = Config::from_toml_str(&control, |_| None) {
        match ports_from_config(&config) {
            Ok(p) => assert_clean("ports", &format!("{p:?}")),
            Err(e) => assert_clean("client setup error", &error_text(&e)),
        }
    }
    assert_clean("the TRACE logs", &logs());
}

fn sync_binary() -> PathBuf {
    // target/debug/deps/secrets-… → target/debug/examples/sync
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    dir.join("examples")
        .join(format!("sync{}", std::env::consts::EXE_SUFFIX))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_binary_at_trace_level_leaks_no_secret() {
    let bin = sync_binary();
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p cin7-sparklayer --example sync`",
        bin.display()
    );
    let sb = sandbox().await;
    let state = tmp("bin.sqlite");
    let config_path = tmp("bin.toml");
    std::fs::write(&config_path, config_text(&sb, &state)).expect("write config");
    let json = tmp("bin-report.json");

    let run = |env: Vec<(&'static str, &'static str)>, json: Option<PathBuf>| {
        let mut cmd = Command::new(&bin);
        cmd.arg("--config").arg(&config_path);
        if let Some(j) = json {
            cmd.arg("--json").arg(j);
        }
        cmd.env("RUST_LOG", "trace").env("NO_COLOR", "1");
        for (k, _) in cin7_sparklayer::config::SECRET_ENV_VARS {
            cmd.env_remove(k);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    };

    // A wrong key from the environment (which wins over the file): exit 1.
    let mut cmd = run(vec![("CIN7_APPLICATION_KEY", WRONG_CIN7_KEY)], None);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run sync"))
        .await
        .expect("join");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("TRACE") || stderr.contains("DEBUG"),
        "{stderr}"
    );
    assert_clean("stdout (wrong key)", &String::from_utf8_lossy(&out.stdout));
    assert_clean("stderr (wrong key)", &stderr);

    // A wrong Shopify token and SparkLayer secret: the run fails one way or another.
    let mut cmd = run(
        vec![
            ("SHOPIFY_ACCESS_TOKEN", WRONG_SHOPIFY_TOKEN),
            ("SPARKLAYER_CLIENT_SECRET", WRONG_SL_SECRET),
        ],
        None,
    );
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run sync"))
        .await
        .expect("join");
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    assert_clean(
        "stdout (wrong token)",
        &String::from_utf8_lossy(&out.stdout),
    );
    assert_clean(
        "stderr (wrong token)",
        &String::from_utf8_lossy(&out.stderr),
    );

    // A succeeding run, secrets from the file, with the JSON report.
    let mut cmd = run(Vec::new(), Some(json.clone()));
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run sync"))
        .await
        .expect("join");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!sb.shopify.customers().is_empty());
    assert_clean("stdout", &String::from_utf8_lossy(&out.stdout));
    assert_clean("stderr", &String::from_utf8_lossy(&out.stderr));
    let report = std::fs::read_to_string(&json).expect("json report");
    assert!(report.contains("\"requests\""), "{report}");
    assert_clean("the --json report", &report);
}
