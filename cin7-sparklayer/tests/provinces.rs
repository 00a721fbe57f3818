//! C5 provinces end to end on the sandbox: Cin7 states that are subdivision names resolve to
//! their ISO 3166-2 codes, unknown ones are warned (`unknown_province`) and sent without a
//! province, and a province the shop refuses is dropped with `invalid_province` — never a
//! failed customer — and remembered, so an unchanged rerun writes nothing.

mod common;

use std::path::Path;

use cin7_sparklayer::core::report::RunReport;
use cin7_sparklayer::core::rules::province_code;
use cin7_sparklayer::{ModeRequest, RunOptions, SyncEngine};
use cin7_sparklayer_sandbox::cin7::FakeCin7Options;
use cin7_sparklayer_sandbox::data::CustomerCase;
use cin7_sparklayer_sandbox::shopify::{FakeCustomer, FakeShopifyOptions};
use cin7_sparklayer_sandbox::{Sandbox, SandboxOptions};
use common::{init_logs, state_path};

async fn sandbox() -> Sandbox {
    init_logs();
    Sandbox::start(SandboxOptions {
        seed: 11,
        customers: 150,
        products: 50,
        cin7: FakeCin7Options::unlimited(),
        calls_per_minute: 6000,
        shopify: FakeShopifyOptions {
            restore_rate: 20_000.0,
            // Perth's state: ISO lists AU-WA, this shop does not take it.
            refused_provinces: vec!["AU-WA".into()],
            ..FakeShopifyOptions::default()
        },
        ..SandboxOptions::default()
    })
    .await
    .expect("fakes start")
}

fn engine(sb: &Sandbox, state: &Path) -> SyncEngine {
    common::engine_at(sb, state, "")
}

fn full() -> RunOptions {
    RunOptions {
        mode: ModeRequest::Full,
        ..RunOptions::default()
    }
}

fn warned(r: &RunReport, reason: &str) -> u64 {
    r.warnings.get(reason).copied().unwrap_or(0)
}

fn with_city<'a>(customers: &'a [FakeCustomer], city: &str) -> Vec<&'a FakeCustomer> {
    customers
        .iter()
        .filter(|c| c.default_address().and_then(|a| a.city.as_deref()) == Some(city))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_resolve_unknown_states_are_warned_and_refused_provinces_dropped() {
    let sb = sandbox().await;
    let state = state_path("provinces");
    let e = engine(&sb, &state);
    let first = e.run(full()).await.unwrap();
    assert_eq!(
        first.failures,
        vec![],
        "never a failed customer for a province"
    );
    assert!(
        warned(&first, "unknown_province") >= 1,
        "{:?}",
        first.warnings
    );

    let customers = sb.shopify.customers();
    // Every province Shopify holds is a code of the address's country.
    for c in &customers {
        if let Some(a) = c.default_address()
            && let Some(code) = a.province_code.as_deref()
        {
            let country = a.country_code.as_deref().unwrap_or_default();
            assert_eq!(province_code(country, code).as_deref(), Some(code), "{a:?}");
        }
    }
    // State names became codes ("New South Wales" → NSW, "California" → CA, "Ontario" → ON).
    for (city, code) in [("Sydney", "NSW"), ("Cupertino", "CA"), ("Toronto", "ON")] {
        for c in with_city(&customers, city) {
            let a = c.default_address().unwrap();
            assert_eq!(a.province_code.as_deref(), Some(code), "{a:?}");
        }
    }
    // "Gondwana" named nothing: the address went without a province.
    let gondwana = with_city(&customers, "Pangaea");
    assert!(!gondwana.is_empty(), "the unknown-province case is synced");
    assert!(
        gondwana
            .iter()
            .all(|c| c.default_address().unwrap().province_code.is_none())
    );
    // The shop refused WA: Perth's customers are in Shopify without it, each warned once.
    let perth = with_city(&customers, "Perth");
    assert!(!perth.is_empty(), "the data set has Perth customers");
    assert!(
        perth
            .iter()
            .all(|c| c.default_address().unwrap().province_code.is_none())
    );
    assert_eq!(warned(&first, "invalid_province"), perth.len() as u64);

    // The refusal is remembered: a full rerun sees no change and writes nothing.
    let again = e.run(full()).await.unwrap();
    assert_eq!(again.sink_writes(), 0, "{:?}", again.requests);
    assert_eq!(warned(&again, "invalid_province"), 0);

    // A Perth customer moving to Victoria in Cin7 is written again, with its new province.
    let moved = sb
        .dataset
        .customers_of(CustomerCase::Valid)
        .filter_map(|i| sb.dataset.customer_id(i).map(str::to_owned))
        .find(|id| {
            sb.cin7
                .customer(id)
                .is_some_and(|c| c["Addresses"][0]["City"] == "Perth")
        })
        .expect("a valid Perth customer");
    sb.cin7.update_customer(&moved, |c| {
        c["Addresses"][0]["City"] = "Melbourne".into();
        c["Addresses"][0]["State"] = "Victoria".into();
    });
    let third = e.run(RunOptions::default()).await.unwrap();
    assert_eq!(
        third.customers.get("update").copied(),
        Some(1),
        "{:?}",
        third.customers
    );
    let melbourne = with_city(&sb.shopify.customers(), "Melbourne")
        .into_iter()
        .filter(|c| {
            c.metafield("cin7", "customer_id")
                .is_some_and(|m| m.value == moved)
        })
        .map(|c| c.default_address().unwrap().province_code.clone())
        .collect::<Vec<_>>();
    assert_eq!(melbourne, vec![Some("VIC".to_owned())]);
}
