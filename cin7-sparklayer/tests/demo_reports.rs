//! The demo's four JSON reports (full, incremental, no change, and the second configuration's
//! full run with contacts and currencies) compared with committed
//! snapshots: refactors must leave what users see unchanged, apart from times.
//!
//! After an intended change of the reports, refresh the snapshots with
//! `UPDATE_SNAPSHOTS=1 cargo test -p cin7-sparklayer --test demo_reports` and review the diff.

#[path = "../../examples/demo_scenario/mod.rs"]
mod demo_scenario;

use std::path::PathBuf;

use serde_json::Value;

/// Report fields that hold a time: replaced by a placeholder before comparing.
const TIME_FIELDS: [&str; 3] = ["started_at", "finished_at", "modified_since"];

fn normalised(report: &cin7_sparklayer::core::report::RunReport) -> Value {
    let mut value = serde_json::to_value(report).expect("a report serialises");
    if let Value::Object(map) = &mut value {
        for field in TIME_FIELDS {
            if let Some(v) = map.get_mut(field)
                && !v.is_null()
            {
                *v = Value::String("<time>".into());
            }
        }
    }
    value
}

fn snapshot_path(run: usize) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("demo_run_{run}.json"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_reports_match_their_snapshots() {
    let reports = demo_scenario::run(demo_scenario::DemoData::default())
        .await
        .expect("the demo runs");
    assert_eq!(reports.len(), 4);
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    for (i, report) in reports.iter().enumerate() {
        let path = snapshot_path(i + 1);
        let actual = serde_json::to_string_pretty(&normalised(report)).expect("JSON") + "\n";
        if update {
            std::fs::write(&path, &actual).expect("write the snapshot");
            continue;
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_SNAPSHOTS=1)", path.display()));
        if actual != expected {
            let first_difference = actual
                .lines()
                .zip(expected.lines())
                .enumerate()
                .find(|(_, (a, e))| a != e)
                .map(|(n, (a, e))| format!("line {}: got `{a}`, snapshot has `{e}`", n + 1))
                .unwrap_or_else(|| "one is a prefix of the other".into());
            panic!(
                "demo run {} differs from {}: {first_difference}",
                i + 1,
                path.display()
            );
        }
    }
}
