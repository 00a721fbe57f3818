//! The `sync` example binary as a user runs it: exit codes (E3) and one-line errors.
//! `cargo test` builds the examples; the binary is found next to this test's executable.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use cin7_sparklayer_sandbox::cin7::FakeCin7Options;
use cin7_sparklayer_sandbox::{Sandbox, SandboxOptions};

fn sync_binary() -> PathBuf {
    // target/debug/deps/sync_cli-… → target/debug/examples/sync
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    dir.join("examples")
        .join(format!("sync{}", std::env::consts::EXE_SUFFIX))
}

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("sync-cli-{}-{name}", std::process::id()))
}

async fn run_sync(config: &str, args: &[&str]) -> Output {
    // One file per call: tests run in parallel and two may pass the same arguments.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let path = tmp(&format!(
        "{}-{}.toml",
        args.join("_").replace(['-', '/', '.'], ""),
        CALLS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, config).expect("write config");
    let mut cmd = Command::new(sync_binary());
    cmd.arg("--config")
        .arg(&path)
        .args(args)
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1");
    for (k, _) in cin7_sparklayer::config::SECRET_ENV_VARS {
        cmd.env_remove(k);
    }
    tokio::task::spawn_blocking(move || cmd.output().expect("run sync"))
        .await
        .expect("join")
}

fn error_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line expected, stderr: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    errors[0].to_owned()
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        customers: 40,
        products: 100,
        cin7: FakeCin7Options::unlimited(),
        calls_per_minute: 6000,
        ..SandboxOptions::default()
    })
    .await
    .expect("fakes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_key_missing_secret_and_wrong_key_exit_1_with_one_line() {
    let sb = sandbox().await;
    let good = sb.config_toml(&tmp("state-a.sqlite"), "");

    let unknown = format!("{good}\n[pricing]\nbatchsize = 5\n");
    let out = run_sync(&unknown, &[]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&out).contains("batchsize"));

    let missing: String = good
        .lines()
        .filter(|l| !l.starts_with("application_key"))
        .map(|l| format!("{l}\n"))
        .collect();
    let out = run_sync(&missing, &["--dry-run"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&out).contains("CIN7_APPLICATION_KEY"));

    let wrong = good.replace(&sb.cin7.application_key(), "not-the-key");
    let out = run_sync(&wrong, &[]).await;
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&out);
    assert!(
        line.contains("403") || line.to_lowercase().contains("credential"),
        "{line}"
    );
    assert!(
        !line.contains("not-the-key"),
        "the secret must not be printed: {line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_then_sync_with_json_report() {
    let sb = sandbox().await;
    let state = tmp("state-b.sqlite");
    let config = sb.config_toml(&state, "");

    let out = run_sync(&config, &["--dry-run"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("(dry run)") && stdout.contains("create"),
        "{stdout}"
    );
    assert!(
        sb.shopify.customers().is_empty(),
        "a dry run writes nothing"
    );

    let json = tmp("report.json");
    let out = run_sync(&config, &["--json", json.to_str().expect("utf-8 path")]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written"))
            .expect("valid JSON");
    assert_eq!(report["mode"], "full");
    assert!(report["customers"]["create"].as_u64().unwrap_or(0) > 0);
    assert!(!sb.shopify.customers().is_empty());

    let out = run_sync(&config, &["--json", json.to_str().expect("utf-8 path")]).await;
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written"))
            .expect("valid JSON");
    assert_eq!(report["mode"], "incremental");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reads_every_service_once_and_names_the_one_that_fails() {
    let sb = sandbox().await;
    let config = sb.config_toml(&tmp("state-c.sqlite"), "");

    let out = run_sync(&config, &["--check"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for line in [
        "Cin7 Core: ok, base currency",
        "Shopify: ok, classic customer accounts",
        "SparkLayer: ok,",
        "state store: ok, no successful run recorded yet",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(line)),
            "{line}: {stdout}"
        );
    }
    assert!(sb.shopify.customers().is_empty(), "a check writes nothing");

    let wrong = config.replace(sb.shopify.access_token(), "shpat_not_the_token");
    let out = run_sync(&wrong, &["--check"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("Shopify: FAILED"), "{stdout}");
    assert!(
        stdout.contains("Cin7 Core: ok"),
        "the others are still checked: {stdout}"
    );
    assert!(error_line(&out).contains("1 of 4 checks failed"));
    assert!(!stdout.contains("shpat_not_the_token"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nested_fresh_state_directory_is_created() {
    let sb = sandbox().await;
    let root = tmp("fresh-dir");
    let _ = std::fs::remove_dir_all(&root);
    let state = root.join("data").join("x").join("sync.sqlite");
    let report = root.join("reports").join("run.json");
    let config = sb.config_toml(&state, "");

    let out = run_sync(&config, &["--json", report.to_str().expect("utf-8 path")]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "E11: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(state.is_file(), "the state file is in the new directory");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report written"))
            .expect("valid JSON");
    assert_eq!(json["mode"], "full");
    assert!(!sb.shopify.customers().is_empty());
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_state_or_report_path_is_one_line_naming_it_and_nothing_is_written() {
    let sb = sandbox().await;
    let root = tmp("unwritable");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("mkdir");
    let plain = root.join("plain.txt");
    std::fs::write(&plain, "a regular file").expect("write");

    let bad_state = plain.join("x").join("sync.sqlite");
    let out = run_sync(&sb.config_toml(&bad_state, ""), &[]).await;
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&out);
    assert!(line.contains(&bad_state.display().to_string()), "{line}");

    let bad_report = plain.join("run.json");
    let good_state = root.join("state.sqlite");
    let out = run_sync(
        &sb.config_toml(&good_state, ""),
        &["--json", bad_report.to_str().expect("utf-8 path")],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&out);
    assert!(line.contains(&bad_report.display().to_string()), "{line}");
    assert!(
        sb.shopify.customers().is_empty(),
        "checked before the run: no customer written"
    );
    assert!(!good_state.exists(), "nor the state file");
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metafield_type_the_sync_cannot_write_is_one_line_and_no_write() {
    use cin7_sparklayer_sandbox::shopify::FakeMetafieldDefinition;
    let sb = sandbox().await;
    sb.shopify
        .set_metafield_definitions(vec![FakeMetafieldDefinition::customer(
            "cin7",
            "on_credit_hold",
            "On credit hold",
            "json",
        )]);
    let config = sb.config_toml(&tmp("state-e10.sqlite"), "");

    let out = run_sync(&config, &[]).await;
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&out);
    for part in ["cin7.on_credit_hold", "json", "boolean"] {
        assert!(line.contains(part), "{part}: {line}");
    }
    assert!(sb.shopify.customers().is_empty());
    assert_eq!(sb.shopify.stats().mutations, 0);

    let out = run_sync(&config, &["--check"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("Shopify: FAILED") && l.contains("cin7.on_credit_hold")),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_withholding_customer_data_stops_before_any_write_in_one_line() {
    use cin7_sparklayer_sandbox::shopify::{CustomerDataAccess, FakeCustomer};
    let sb = sandbox().await;
    // The merchant's own customer, and an app approved for customer data without the name,
    // email, phone and address fields (protected customer data level 1).
    let mut own = FakeCustomer::new("", Some("walk-in@shop.example".into()));
    own.first_name = Some("Walk".into());
    sb.shopify.seed_customer(own);
    sb.shopify
        .set_customer_data_access(CustomerDataAccess::NoProtectedFields);
    let config = sb.config_toml(&tmp("state-p.sqlite"), "");

    let out = run_sync(&config, &[]).await;
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&out);
    assert!(line.contains("protected customer data"), "{line}");
    assert!(line.contains("Name, Email, Phone and Address"), "{line}");
    assert!(line.contains("name, email, phone, address"), "{line}");
    assert_eq!(sb.shopify.stats().mutations, 0, "no Shopify write");
    assert_eq!(sb.shopify.customers().len(), 1);
    assert!(
        sb.sparklayer.price_lists().is_empty(),
        "no SparkLayer write"
    );

    let out = run_sync(&config, &["--check"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let shopify = stdout
        .lines()
        .find(|l| l.starts_with("Shopify: FAILED"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(shopify.contains("protected customer data"), "{shopify}");
    assert!(error_line(&out).contains("1 of 4 checks failed"));
}
