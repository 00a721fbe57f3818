//! The incremental cursor (E4): only successful, non-dry runs move it.

mod common;

use cin7_sparklayer_core::ports::StateStore;
use cin7_sparklayer_core::report::RunMode;
use cin7_sparklayer_state::SqliteStateStore;
use common::{at, report};

#[tokio::test]
async fn only_successful_real_runs_move_the_cursor() {
    let state = SqliteStateStore::open_in_memory().expect("store");
    state
        .record_run(&report(RunMode::Full, false, at(0), 1))
        .await
        .expect("record failed run");
    assert_eq!(
        state.last_successful_run().await.expect("cursor"),
        None,
        "failures do not count"
    );

    state
        .record_run(&report(RunMode::Full, false, at(100), 0))
        .await
        .expect("record ok run");
    assert_eq!(
        state.last_successful_run().await.expect("cursor"),
        Some(at(100))
    );

    state
        .record_run(&report(RunMode::Incremental, true, at(200), 0))
        .await
        .expect("record dry run");
    state
        .record_run(&report(RunMode::Incremental, false, at(300), 2))
        .await
        .expect("record failed run");
    assert_eq!(
        state.last_successful_run().await.expect("cursor"),
        Some(at(100)),
        "a dry run and a run with failures leave the cursor"
    );

    state
        .record_run(&report(RunMode::Incremental, false, at(400), 0))
        .await
        .expect("record ok run");
    assert_eq!(
        state.last_successful_run().await.expect("cursor"),
        Some(at(400))
    );

    state
        .record_run(&report(RunMode::Records, false, at(500), 0))
        .await
        .expect("record webhook run");
    assert_eq!(
        state.last_successful_run().await.expect("cursor"),
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
    let state = SqliteStateStore::open_in_memory().expect("store");
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
}

#[tokio::test]
async fn the_cursor_keeps_sub_second_precision_in_utc() {
    let state = SqliteStateStore::open_in_memory().expect("store");
    let started = at(42) + chrono::Duration::nanoseconds(123_456_789);
    state
        .record_run(&report(RunMode::Full, false, started, 0))
        .await
        .expect("record");
    assert_eq!(
        state.last_successful_run().await.expect("cursor"),
        Some(started)
    );
}
