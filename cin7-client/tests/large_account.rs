//! 100,000 customers through the fake (ignored by default: it is a size check, not a unit test).
//! Run: `cargo test -p cin7-client --release --test large_account -- --ignored --nocapture`.

use std::time::Instant;

use cin7_client::Cin7Client;
use cin7_sparklayer_core::ports::{CustomerSource, FetchScope, Fetched};
use cin7_sparklayer_sandbox::cin7::{FakeCin7, FakeCin7Options};
use cin7_sparklayer_sandbox::data::{CustomerCase, Dataset};
use futures::TryStreamExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "size check; run in release"]
async fn walks_100k_customers_once_each() {
    let started = Instant::now();
    let data = Dataset::generate(100, 100_000, 1_000);
    let generated = started.elapsed();
    let fake = FakeCin7::start(&data, FakeCin7Options::unlimited())
        .await
        .unwrap();
    let client = Cin7Client::builder()
        .account_id(fake.account_id())
        .application_key(fake.application_key())
        .base_url(fake.base_url())
        .calls_per_minute(1_000_000)
        .build()
        .unwrap();
    let walk = Instant::now();
    let (records, malformed, ids) = client
        .customers(FetchScope::All)
        .try_fold(
            (0usize, 0usize, std::collections::HashSet::new()),
            |(r, m, mut ids), item| async move {
                Ok(match item {
                    Fetched::Record(c) => {
                        ids.insert(c.id);
                        (r + 1, m, ids)
                    }
                    Fetched::Malformed(_) => (r, m + 1, ids),
                    Fetched::Incomplete(short) => panic!("a complete walk: {short}"),
                })
            },
        )
        .await
        .unwrap();
    println!(
        "generated 100,000 customers in {:.2} s; walked {} pages in {:.2} s",
        generated.as_secs_f64(),
        fake.stats().customer_pages,
        walk.elapsed().as_secs_f64()
    );
    assert_eq!(records + malformed, 100_000);
    assert_eq!(ids.len(), records);
    assert_eq!(
        malformed,
        data.customers_of(CustomerCase::Malformed).count()
    );
}
