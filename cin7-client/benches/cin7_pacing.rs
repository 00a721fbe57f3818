//! Pacing efficiency of the Cin7 client (E7) against the sandbox fake at a scaled limit.
//!
//! The fake allows `PER_MINUTE / 60` requests in any sliding 1-second window (the 60/min
//! limit scaled ×20 so a run takes about a second); the client is set to the same
//! `calls_per_minute`. Reported:
//! - wall time to read `PAGES` customer pages (criterion);
//! - efficiency = the time the limit's sustained rate needs for those requests
//!   (`(requests − 1) × 60 s / calls_per_minute`) ÷ the measured time; target ≥ 0.9;
//! - the number of 429/503 answers, which must be zero (the bench panics otherwise).
//!
//! The sustained rate is the fair yardstick: a sliding window would also let a client send a
//! full burst of N at the start, which saves at most one window per walk, and a client that
//! relies on it risks 2N in one window when it runs back to back (SPEC E7). Each sample
//! waits one quiet window first (not timed) so runs do not share a window.
//!
//! Run: `cargo bench -p cin7-client --bench cin7_pacing`.

use std::time::{Duration, Instant};

use cin7_client::Cin7Client;
use cin7_sparklayer_core::ports::{CustomerSource, FetchScope};
use cin7_sparklayer_sandbox::cin7::{FakeCin7, FakeCin7Options};
use cin7_sparklayer_sandbox::data::Dataset;
use criterion::{Criterion, criterion_group, criterion_main};
use futures::TryStreamExt;

const PAGES: usize = 20;
const PER_MINUTE: u32 = 1_200;
const WINDOW: Duration = Duration::from_secs(1);

fn client(fake: &FakeCin7) -> Cin7Client {
    Cin7Client::builder()
        .account_id(fake.account_id())
        .application_key(fake.application_key())
        .base_url(fake.base_url())
        .calls_per_minute(PER_MINUTE)
        .build()
        .expect("bench client")
}

/// One walk from a fresh client after a quiet window; returns (elapsed, requests).
async fn walk(fake: &FakeCin7) -> (Duration, u64) {
    tokio::time::sleep(WINDOW).await;
    let client = client(fake);
    let start = Instant::now();
    let n = client
        .customers(FetchScope::All)
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .expect("walk");
    let elapsed = start.elapsed();
    assert_eq!(n, PAGES * 100);
    (elapsed, CustomerSource::request_counts(&client).reads)
}

fn pacing(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let data = Dataset::generate(1, PAGES * 100, 0);
    let options = FakeCin7Options {
        calls_per_window: Some(PER_MINUTE / 60),
        window: WINDOW,
        ..FakeCin7Options::default()
    };
    let fake = rt.block_on(FakeCin7::start(&data, options)).expect("fake");

    let (elapsed, requests) = rt.block_on(walk(&fake));
    let sustained = Duration::from_secs(60).mul_f64((requests - 1) as f64 / f64::from(PER_MINUTE));
    println!(
        "cin7_pacing: {requests} requests ({PAGES} pages) at {PER_MINUTE}/min in {:.3} s; \
         sustained-rate minimum {:.3} s → efficiency {:.3}; 429/503 answers: {}",
        elapsed.as_secs_f64(),
        sustained.as_secs_f64(),
        sustained.as_secs_f64() / elapsed.as_secs_f64(),
        fake.stats().throttled,
    );

    let mut group = c.benchmark_group("cin7_pacing");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(20));
    group.bench_function(format!("{PAGES}_pages_at_{PER_MINUTE}_per_min"), |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| rt.block_on(walk(&fake)).0)
                .sum::<Duration>()
        })
    });
    group.finish();
    let throttled = fake.stats().throttled;
    assert_eq!(throttled, 0, "the fake throttled {throttled} requests");
}

criterion_group!(benches, pacing);
criterion_main!(benches);
