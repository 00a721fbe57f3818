//! The demo's scenario, shared by `examples/demo.rs` and the report snapshot test
//! (`cin7-sparklayer/tests/demo_reports.rs`): a full sync of the sandbox, a few Cin7 changes and
//! an incremental run, then a run with no change; then a second configuration that turns on
//! C16 (every contact a login) and P5 (every currency priced) on a sandbox with customers in
//! several currencies and with discounts (C17).

use cin7_sparklayer::core::report::{RunReport, render_table};
use cin7_sparklayer::{Config, RunOptions, SyncEngine, engine_from_config};
use std::collections::BTreeMap;
use std::path::PathBuf;

use cin7_sparklayer_sandbox::data::{CustomerCase, Dataset};
use cin7_sparklayer_sandbox::shopify::FakeShopifyOptions;
use cin7_sparklayer_sandbox::{Sandbox, SandboxOptions};
use rust_decimal::Decimal;

/// The data set the demo syncs (the `demo` example's flags).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DemoData {
    /// Customers in the generated data set.
    pub(crate) customers: usize,
    /// Products in the generated data set.
    pub(crate) products: usize,
    /// Seed of the generated data set.
    pub(crate) seed: u64,
}

impl Default for DemoData {
    fn default() -> Self {
        Self {
            customers: 300,
            products: 3000,
            seed: 42,
        }
    }
}

/// The demo's second configuration (SPEC §6): every other qualifying contact of a synced
/// customer becomes its own Shopify customer (C16); customers in every currency are synced
/// (C12), tier 5's prices are kept in USD, and base-currency tiers are converted for USD, NZD
/// and JPY customers at these rates (P5).
pub(crate) const ALL_OPTIONS_CONFIG: &str = r#"[customers]
contacts = "all"
currency = "all"

[pricing]
tier_currency = { "5" = "USD" }
exchange_rates = { USD = 0.65, NZD = 1.08, JPY = 97.5 }
"#;

/// The `nth` customer of `case` that the first run put into Shopify.
fn synced(sandbox: &Sandbox, dataset: &Dataset, case: CustomerCase, nth: usize) -> Option<String> {
    dataset
        .customers_of(case)
        .filter_map(|i| dataset.customer_id(i).map(str::to_owned))
        .filter(|id| {
            sandbox
                .cin7
                .customer(id)
                .and_then(|c| c["Contacts"][0]["Email"].as_str().map(str::to_owned))
                .is_some_and(|email| sandbox.shopify.customer_by_email(&email).is_some())
        })
        .nth(nth)
}

fn banner(title: &str) {
    println!("\n=== {title} ===");
}

fn summary(report: &RunReport) -> String {
    let get = |k: &str| report.customers.get(k).copied().unwrap_or(0);
    format!(
        "customers: {} created, {} updated, {} unchanged, {} skipped; price rows: {} written, {} removed; writes to Shopify + SparkLayer: {}",
        get("create"),
        get("update"),
        get("unchanged"),
        get("skip"),
        report.price_rows_written,
        report.price_rows_removed,
        report.sink_writes()
    )
}

/// Starts the fakes seeded with `dataset` and an engine on them with `extra` configuration and a
/// fresh state file `{name}-{pid}.sqlite` in the temp directory (returned, to remove).
async fn start(
    dataset: Dataset,
    extra: &str,
    name: &str,
) -> Result<(Sandbox, SyncEngine, PathBuf), String> {
    let sandbox = Sandbox::start_with(
        dataset,
        SandboxOptions {
            // Shopify's standard bucket (1,000 points) restoring 10× faster than the real
            // 100/s, so the first import takes seconds, not a minute. The pacing is the same.
            shopify: FakeShopifyOptions {
                restore_rate: 1000.0,
                ..FakeShopifyOptions::default()
            },
            ..SandboxOptions::default()
        },
    )
    .await
    .map_err(|e| format!("cannot start the sandbox fakes: {e}"))?;
    let state = std::env::temp_dir().join(format!("{name}-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&state);
    let toml = sandbox.config_toml(&state, extra);
    let config = Config::from_toml_str(&toml, |_| None).map_err(|e| e.to_string())?;
    let engine = engine_from_config(&config).map_err(|e| e.to_string())?;
    Ok((sandbox, engine, state))
}

/// Runs the three syncs, printing each report; returns them (full, incremental, no change).
pub(crate) async fn run(args: DemoData) -> Result<Vec<RunReport>, String> {
    let dataset = Dataset::generate(args.seed, args.customers, args.products);
    let (sandbox, engine, state) = start(dataset, "", "cin7-sparklayer-demo").await?;
    println!(
        "Sandbox: {} Cin7 customers, {} products, {} SparkLayer customer groups; state file {}",
        sandbox.cin7.customer_count(),
        sandbox.cin7.product_count(),
        sandbox.dataset.customer_groups.len(),
        state.display()
    );

    banner("Run 1: first sync (full)");
    let first = engine
        .run(RunOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", render_table(&first));
    println!("{}", summary(&first));

    banner("Changing records in Cin7");
    let d = &sandbox.dataset;
    if let Some(id) = synced(&sandbox, d, CustomerCase::Valid, 0) {
        sandbox.cin7.update_customer(&id, |c| {
            if let Some(a) = c["Addresses"].get_mut(0) {
                a["Line1"] = "500 Collins St".into();
            }
        });
        println!("  customer {id}: new address line");
    }
    if let Some(id) = synced(&sandbox, d, CustomerCase::Valid, 1) {
        sandbox.cin7.update_customer(&id, |c| {
            if let Some(contact) = c["Contacts"].get_mut(0) {
                contact["Email"] = "renamed.buyer@example.com".into();
            }
        });
        println!(
            "  customer {id}: email changed to renamed.buyer@example.com (same Shopify customer, E6)"
        );
    }
    if let Some(id) = synced(&sandbox, d, CustomerCase::Valid, 2) {
        sandbox
            .cin7
            .update_customer(&id, |c| c["Tags"] = "retail".into());
        println!("  customer {id}: b2b tag removed (on_leave = keep: left as it is, C14)");
    }
    for (n, sku) in d
        .products
        .iter()
        .filter_map(|p| {
            p["SKU"]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        })
        .take(2)
        .enumerate()
    {
        let price = Decimal::new(12_345 + n as i64, 2);
        if sandbox.cin7.set_product_price(&sku, 1, price) {
            println!("  product {sku}: tier 1 price now {price}");
        }
    }

    banner("Run 2: incremental, only the changes");
    let second = engine
        .run(RunOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", render_table(&second));
    println!("{}", summary(&second));

    banner("Run 3: nothing changed");
    let third = engine
        .run(RunOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", render_table(&third));
    println!("{}", summary(&third));

    println!(
        "\nShopify now holds {} customers ({} invites sent); SparkLayer holds {} price lists.",
        sandbox.shopify.customers().len(),
        sandbox.shopify.total_invites(),
        sandbox.sparklayer.price_lists().len()
    );
    let _ = std::fs::remove_file(&state);
    if third.sink_writes() != 0 {
        return Err(format!(
            "the no-change run made {} writes",
            third.sink_writes()
        ));
    }
    println!(
        "The no-change run made 0 writes to Shopify and SparkLayer (only the sync-log status update, E2)."
    );
    let fourth = run_all_options(args).await?;
    Ok(vec![first, second, third, fourth])
}

/// Run 4: [`ALL_OPTIONS_CONFIG`] on a fresh sandbox whose data set has customers in USD, NZD,
/// JPY and GBP (no rate) and discounts (C17); prints the report and the lists per currency.
async fn run_all_options(args: DemoData) -> Result<RunReport, String> {
    let dataset =
        Dataset::generate(args.seed, args.customers, args.products).with_currencies_and_discounts();
    let (sandbox, engine, state) =
        start(dataset, ALL_OPTIONS_CONFIG, "cin7-sparklayer-demo-all").await?;

    banner("Run 4: second configuration, contacts = \"all\" and every currency (C16, C17, P5)");
    println!("{}", ALL_OPTIONS_CONFIG.trim_end());
    let report = engine
        .run(RunOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&state);
    println!("{}", render_table(&report));
    println!("{}", summary(&report));
    let contacts = report.contacts.get("create").copied().unwrap_or(0);
    println!(
        "{contacts} contacts got a login of their own; Shopify now holds {} customers.",
        sandbox.shopify.customers().len()
    );
    let mut per_currency: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for list in sandbox.sparklayer.price_lists().into_values() {
        if list.slug.contains("-tier-") {
            per_currency
                .entry(list.currency_code)
                .or_default()
                .push(list.slug);
        }
    }
    for (currency, slugs) in &per_currency {
        println!("  {currency} tier lists: {}", slugs.join(", "));
    }
    Ok(report)
}
