//! The incremental cursor (E4): only successful, non-dry runs move it; last_full_run follows
//! full runs only (mirrors the SQLite store's tests).

use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_core::report::RunMode;

use crate::common::{self, at, report};

#[tokio::test]
async fn only_successful_real_runs_move_the_cursor() {
    let Some(db) = common::database() else { return };
    let state = db.store("cursor").await;
    let cursor = || async { state.last_successful_run().await.expect("cursor") };
    state
        .record_run(&report(RunMode::Full, false, at(0), 1))
        .await
        .expect("record failed run");
    assert_eq!(cursor().await, None, "failures do not count");

    state
        .record_run(&report(RunMode::Full, false, at(100), 0))
        .await
        .expect("record ok run");
    assert_eq!(cursor().await, Some(at(100)));

    state
        .record_run(&report(RunMode::Incremental, true, at(200), 0))
        .await
        .expect("record dry run");
    state
        .record_run(&report(RunMode::Incremental, false, at(300), 2))
        .await
        .expect("record failed run");
    assert_eq!(
        cursor().await,
        Some(at(100)),
        "a dry run and a run with failures leave the cursor"
    );

    state
        .record_run(&report(RunMode::Incremental, false, at(400), 0))
        .await
        .expect("record ok run");
    assert_eq!(cursor().await, Some(at(400)));

    state
        .record_run(&report(RunMode::Records, false, at(500), 0))
        .await
        .expect("record webhook run");
    assert_eq!(
        cursor().await,
        Some(at(400)),
        "a run over named records (webhooks) leaves the cursor"
    );
    assert_eq!(
        state.last_full_run().await.expect("last full"),
        Some(at(100)),
        "the last successful full run"
    );
}

#[tokio::test]
async fn the_cursor_is_the_latest_start_and_never_moves_back() {
    let Some(db) = common::database() else { return };
    let state = db.store("latest").await;
    state
        .record_run(&report(RunMode::Incremental, false, at(500), 0))
        .await
        .expect("record");
    // A long full run that started earlier finishes (and is recorded) later.
    state
        .record_run(&report(RunMode::Full, false, at(10), 0))
        .await
        .expect("record");
    assert_eq!(
        state.last_successful_run().await.expect("cursor"),
        Some(at(500))
    );
    assert_eq!(
        state.last_full_run().await.expect("last full"),
        Some(at(10))
    );
}

#[tokio::test]
async fn the_cursor_keeps_nanosecond_precision_in_utc() {
    let Some(db) = common::database() else { return };
    let state = db.store("nanos").await;
    let started = at(42) + chrono::Duration::nanoseconds(123_456_789);
    state
        .record_run(&report(RunMode::Full, false, started, 0))
        .await
        .expect("record");
    // A second run 1 ns later: exact ordering, not microseconds.
    let later = started + chrono::Duration::nanoseconds(1);
    state
        .record_run(&report(RunMode::Incremental, false, later, 0))
        .await
        .expect("record");
    assert_eq!(
        state.last_successful_run().await.expect("cursor"),
        Some(later)
    );
    assert_eq!(
        state.last_full_run().await.expect("last full"),
        Some(started)
    );
}
