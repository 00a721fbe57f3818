//! Hostile Cin7 input through the whole sync (issue 7, item 2): missing fields, wrong types,
//! nulls, 100 KB strings, unicode, huge numbers, duplicate IDs, rows that are not objects and
//! pages that are not JSON, served byte for byte by a small Cin7 stand-in on loopback (the
//! sandbox fake would re-stamp `LastModifiedOn` and replace rows sharing an ID) to the real
//! `Cin7Client`, the engine, and the sandbox's Shopify and SparkLayer fakes.
//!
//! What it proves: never a panic; each bad record becomes a skip with a reason (`malformed`
//! with its ID when one can be read, or the rule's reason), and the good records around it,
//! in the same pages, still sync exactly as they do without the bad ones. A page that is not
//! JSON at all stops the run with a one-line error before anything is written (the next run
//! reads it again). A proptest mutates a valid customer at random and checks the same.
//!
//! The corpus is committed in `tests/fixtures/bad-input/` (format in `customers.json`).
//!
//! `cargo test -p cin7-sparklayer --test bad_input -- --nocapture` (prints every case's outcome;
//! `PROPTEST_CASES=500` for a longer fuzz).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use cin7_sparklayer::core::RunError;
use cin7_sparklayer::core::memory::{MemoryPriceLists, MemoryShopify, MemoryState};
use cin7_sparklayer::core::report::{RecordKind, RunReport, SkipReason};
use cin7_sparklayer::{Config, EngineSettings, Ports, RunOptions, SyncEngine, engine_from_config};
use cin7_sparklayer_sandbox::cin7::FakeCin7Options;
use cin7_sparklayer_sandbox::data::Dataset;
use cin7_sparklayer_sandbox::shopify::FakeShopifyOptions;
use cin7_sparklayer_sandbox::{Sandbox, SandboxOptions};
use proptest::prelude::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// The corpus

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bad-input")
        .join(name)
}

fn read_fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// Expands `<<repeat:TEXT:N>>` inside strings and `"<<rows:N>>"` (customer-specific price rows).
fn expand(v: &mut Value) {
    match v {
        Value::String(s) if s.starts_with("<<rows:") => {
            let n: usize = s
                .trim_start_matches("<<rows:")
                .trim_end_matches(">>")
                .parse()
                .expect("rows count");
            *v = Value::Array(
                (0..n)
                    .map(|i| json!({"ProductSKU": format!("BAD-ROW-{i}"), "Price": i + 1}))
                    .collect(),
            );
        }
        Value::String(s) => {
            while let Some(start) = s.find("<<repeat:") {
                let end = s[start..].find(">>").expect("closed placeholder") + start;
                let inner = &s[start + "<<repeat:".len()..end];
                let (text, n) = inner.rsplit_once(':').expect("TEXT:N");
                let n: usize = n.parse().expect("repeat count");
                let expanded = text.repeat(n);
                s.replace_range(start..end + 2, &expanded);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(expand),
        Value::Object(map) => map.values_mut().for_each(expand),
        _ => {}
    }
}

/// Sets `pointer` in `v` (an object key is inserted, an array index replaced).
fn set_pointer(v: &mut Value, pointer: &str, new: Value) {
    let (parent, last) = pointer.rsplit_once('/').expect("a JSON pointer");
    match v.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(last.to_owned(), new);
        }
        Some(Value::Array(items)) => {
            let i: usize = last.parse().expect("index");
            items[i] = new;
        }
        _ => panic!("fixture pointer {pointer} has no parent"),
    }
}

fn remove_pointer(v: &mut Value, pointer: &str) {
    let (parent, last) = pointer.rsplit_once('/').expect("a JSON pointer");
    if let Some(Value::Object(map)) = v.pointer_mut(parent) {
        map.remove(last);
    }
}

/// The ID the client can read from a row (a non-blank string or a number).
fn readable_id(row: &Value) -> Option<String> {
    match row.get("ID")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[derive(Debug, Clone)]
struct Case {
    name: String,
    expect: String,
    row: Value,
    /// Customers: the default contact's email; products: the SKU.
    key: Option<String>,
}

impl Case {
    fn id(&self) -> Option<String> {
        readable_id(&self.row)
    }
}

/// Loads a corpus file: `customers.json` or `products.json`.
fn corpus(file: &str, customers: bool) -> Vec<Case> {
    let doc = read_fixture(file);
    let base = doc["base"].clone();
    doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut row = match c.get("record") {
                Some(r) => r.clone(),
                None => {
                    let mut row = base.clone();
                    if customers {
                        row["ID"] = json!(format!("bad-c-{i}"));
                        row["Contacts"][0]["Email"] =
                            json!(format!("bad{i}@bad-input.example.com"));
                    } else {
                        row["ID"] = json!(format!("bad-p-{i}"));
                        row["SKU"] = json!(format!("BAD-P-{i}"));
                    }
                    for p in c["remove"].as_array().into_iter().flatten() {
                        remove_pointer(&mut row, p.as_str().expect("pointer"));
                    }
                    for (p, v) in c["set"].as_object().into_iter().flatten() {
                        set_pointer(&mut row, p, v.clone());
                    }
                    row
                }
            };
            expand(&mut row);
            let key = if customers {
                row.pointer("/Contacts/0/Email")
                    .and_then(Value::as_str)
                    .map(|e| e.trim().to_lowercase())
            } else {
                row.get("SKU").and_then(Value::as_str).map(str::to_owned)
            };
            Case {
                name: c["name"].as_str().expect("name").to_owned(),
                expect: c["expect"].as_str().expect("expect").to_owned(),
                row,
                key,
            }
        })
        .collect()
}

/// A valid customer (the corpus base) with its own ID and email.
fn good_customer(id: &str, email: &str) -> Value {
    let mut row = read_fixture("customers.json")["base"].clone();
    row["ID"] = json!(id);
    row["Name"] = json!(format!("Good neighbour {id}"));
    row["Contacts"][0]["Email"] = json!(email);
    row
}

// ---------------------------------------------------------------------------------------------
// A Cin7 stand-in serving raw page bodies

#[derive(Debug, Default)]
struct Pages {
    customers: Vec<String>,
    products: Vec<String>,
}

#[derive(Debug)]
struct StandIn {
    pages: Mutex<Pages>,
    me: String,
    tiers: String,
}

async fn serve(
    State(s): State<Arc<StandIn>>,
    uri: Uri,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let path = uri.path().to_ascii_lowercase();
    let page: usize = query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("page"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1);
    let body = {
        let pages = s.pages.lock().expect("pages");
        let pick = |list: &Vec<String>, key: &str| {
            list.get(page.saturating_sub(1))
                .cloned()
                .unwrap_or_else(|| json!({"Total": null, "Page": page, key: []}).to_string())
        };
        if path.ends_with("/me") {
            s.me.clone()
        } else if path.ends_with("/ref/pricetier") {
            s.tiers.clone()
        } else if path.ends_with("/customer") {
            pick(&pages.customers, "CustomerList")
        } else if path.ends_with("/product") {
            pick(&pages.products, "Products")
        } else {
            return (StatusCode::NOT_FOUND, "no such endpoint").into_response();
        }
    };
    let kind = if body.trim_start().starts_with('<') {
        "text/html; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, kind)], body).into_response()
}

/// Starts the stand-in on loopback; returns it and its `cin7.base_url`.
async fn stand_in(dataset: &Dataset) -> (Arc<StandIn>, String) {
    let s = Arc::new(StandIn {
        pages: Mutex::new(Pages::default()),
        me: dataset.me().to_string(),
        tiers: dataset.price_tiers_body().to_string(),
    });
    let app = axum::Router::new().fallback(serve).with_state(s.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (s, format!("http://{addr}/ExternalApi/v2/"))
}

/// Rows as Cin7 pages of `per_page` with a correct `Total`.
fn paged(rows: &[Value], key: &str, per_page: usize) -> Vec<String> {
    rows.chunks(per_page)
        .enumerate()
        .map(|(i, chunk)| json!({"Total": rows.len(), "Page": i + 1, key: chunk}).to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Runs against the sandbox's Shopify and SparkLayer fakes

static NEXT: AtomicU64 = AtomicU64::new(0);

fn state_path(name: &str) -> PathBuf {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "bad-input-{name}-{}-{n}.sqlite",
        std::process::id()
    ));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
    p
}

const SEED: u64 = 21;

/// Shopify and SparkLayer fakes (the sandbox's Cin7 fake is not used) and the stand-in.
async fn world(customers: usize, products: usize) -> (Sandbox, Arc<StandIn>, String) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let sb = Sandbox::start(SandboxOptions {
        seed: SEED,
        customers,
        products,
        cin7: FakeCin7Options::unlimited(),
        calls_per_minute: 6000,
        shopify: FakeShopifyOptions {
            restore_rate: 50_000.0,
            ..FakeShopifyOptions::default()
        },
        ..SandboxOptions::default()
    })
    .await
    .expect("fakes start");
    let (s, url) = stand_in(&sb.dataset).await;
    (sb, s, url)
}

fn engine(sb: &Sandbox, cin7_url: &str, name: &str) -> SyncEngine {
    let text = sb
        .config_toml(&state_path(name), "[pricing]\ntiers = \"all\"\n")
        .replace(&sb.cin7.base_url(), cin7_url);
    let config = Config::from_toml_str(&text, |_| None).expect("config");
    engine_from_config(&config).expect("engine")
}

/// Shopify customers by email (IDs blanked) and price lists' prices, to compare runs.
fn snapshot(
    sb: &Sandbox,
) -> (
    BTreeMap<String, String>,
    BTreeMap<String, BTreeMap<String, String>>,
) {
    let customers = sb
        .shopify
        .customers()
        .into_iter()
        .map(|mut c| {
            let email = c.email.clone().unwrap_or_default().to_lowercase();
            c.id = String::new();
            for a in &mut c.addresses {
                a.id = String::new();
            }
            c.tags.sort();
            c.metafields
                .sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            (email, format!("{c:?}"))
        })
        .collect();
    let lists = sb
        .sparklayer
        .price_lists()
        .into_iter()
        .map(|(slug, l)| {
            let prices = l
                .prices
                .into_iter()
                .map(|(sku, p)| (sku, format!("{p:?}")))
                .collect();
            (slug, prices)
        })
        .collect();
    (customers, lists)
}

fn skips_of<'a>(r: &'a RunReport, kind: RecordKind, id: Option<&str>) -> Vec<&'a str> {
    r.skipped
        .iter()
        .filter(|s| s.kind == kind && s.id.as_deref() == id)
        .map(|s| s.reason.as_str())
        .collect()
}

fn short(s: &str) -> String {
    if s.len() > 160 {
        let mut end = 160;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes)", &s[..end], s.len())
    } else {
        s.to_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// The corpus, through the whole sync

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_corpus_is_skipped_record_by_record_and_good_neighbours_sync() {
    const CUSTOMERS: usize = 40;
    const PRODUCTS: usize = 60;
    let customer_cases = corpus("customers.json", true);
    let product_cases = corpus("products.json", false);

    // Reference: the generated account alone.
    let (reference, ref_pages, ref_url) = world(CUSTOMERS, PRODUCTS).await;
    {
        let mut p = ref_pages.pages.lock().expect("pages");
        p.customers = paged(&reference.dataset.customers, "CustomerList", 100);
        p.products = paged(&reference.dataset.products, "Products", 1000);
    }
    let r = engine(&reference, &ref_url, "ref")
        .run(RunOptions::default())
        .await
        .expect("reference run");
    assert_eq!(r.failures, vec![], "{:#?}", r.failures);
    let want = snapshot(&reference);
    assert!(want.0.len() > 10 && !want.1.is_empty());

    // The same account with the corpus interleaved into its pages.
    let (sb, pages, url) = world(CUSTOMERS, PRODUCTS).await;
    let interleave = |good: &[Value], bad: Vec<Value>| {
        let mut rows = Vec::new();
        let mut bad = bad.into_iter();
        for g in good {
            rows.push(g.clone());
            if let Some(b) = bad.next() {
                rows.push(b);
            }
        }
        rows.extend(bad);
        rows
    };
    {
        let mut p = pages.pages.lock().expect("pages");
        p.customers = paged(
            &interleave(
                &sb.dataset.customers,
                customer_cases.iter().map(|c| c.row.clone()).collect(),
            ),
            "CustomerList",
            100,
        );
        p.products = paged(
            &interleave(
                &sb.dataset.products,
                product_cases.iter().map(|c| c.row.clone()).collect(),
            ),
            "Products",
            50,
        );
    }
    let report = engine(&sb, &url, "corpus")
        .run(RunOptions::default())
        .await
        .expect("the run completes");
    let got = snapshot(&sb);

    // Good neighbours: exactly as without the corpus.
    for (email, c) in &want.0 {
        assert_eq!(got.0.get(email), Some(c), "good customer {email}");
    }
    for (slug, prices) in &want.1 {
        let list = got.1.get(slug).unwrap_or_else(|| panic!("list {slug}"));
        for (sku, p) in prices {
            assert_eq!(list.get(sku), Some(p), "{slug}/{sku}");
        }
    }

    // Each bad customer: the expected outcome, never an unexplained one.
    let anonymous_malformed = skips_of(&report, RecordKind::Customer, None)
        .iter()
        .filter(|r| **r == "malformed")
        .count();
    let mut expected_anonymous = 0;
    let mut problems = Vec::new();
    for c in &customer_cases {
        let id = c.id();
        let skips = id
            .as_deref()
            .map(|id| skips_of(&report, RecordKind::Customer, Some(id)))
            .unwrap_or_default();
        let failures: Vec<String> = report
            .failures
            .iter()
            .filter(|f| f.kind == RecordKind::Customer && Some(&f.id) == id.as_ref())
            .map(|f| format!("{}: {}", f.step, short(&f.message)))
            .collect();
        let synced = c
            .key
            .as_deref()
            .is_some_and(|e| sb.shopify.customer_by_email(e).is_some());
        let outcome = if synced {
            "synced".to_owned()
        } else if let Some(r) = skips.first() {
            format!("skip:{r}")
        } else if !failures.is_empty() {
            format!("failed: {failures:?}")
        } else if id.is_none() {
            "malformed without ID (counted)".to_owned()
        } else {
            "NOT ACCOUNTED FOR".to_owned()
        };
        println!(
            "customer {:<45} expect {:<28} got {}",
            c.name,
            c.expect,
            short(&outcome)
        );
        let ok = match c.expect.as_str() {
            "malformed" if id.is_none() => {
                expected_anonymous += 1;
                !synced
            }
            "malformed" => skips.contains(&"malformed"),
            "synced" => synced && failures.is_empty(),
            "any" => outcome != "NOT ACCOUNTED FOR",
            e => e
                .strip_prefix("skip:")
                .is_some_and(|reason| skips.contains(&reason)),
        };
        if !ok {
            problems.push(format!(
                "customer {:?}: expected {}, got {outcome}",
                c.name, c.expect
            ));
        }
        if !failures.is_empty() && c.expect != "any" {
            problems.push(format!("customer {:?} failed: {failures:?}", c.name));
        }
    }
    assert!(
        anonymous_malformed >= expected_anonymous,
        "{anonymous_malformed} malformed rows without ID reported, {expected_anonymous} expected"
    );

    // Each bad product.
    let tier1 = got.1.get("cin7-tier-1").cloned().unwrap_or_default();
    for c in &product_cases {
        let id = c.id();
        let skips = id
            .as_deref()
            .map(|id| skips_of(&report, RecordKind::Product, Some(id)))
            .unwrap_or_default();
        let listed: Vec<&String> = c
            .key
            .as_deref()
            .map(|sku| {
                got.1
                    .iter()
                    .filter(|(_, prices)| prices.contains_key(sku))
                    .map(|(slug, _)| slug)
                    .collect()
            })
            .unwrap_or_default();
        let on_tier1 = c.key.as_deref().is_some_and(|sku| tier1.contains_key(sku));
        let outcome = if skips.contains(&"malformed") {
            "malformed".to_owned()
        } else if on_tier1 {
            "synced".to_owned()
        } else if listed.is_empty() {
            "absent".to_owned()
        } else {
            format!("on {listed:?}")
        };
        println!(
            "product  {:<45} expect {:<28} got {}",
            c.name,
            c.expect,
            short(&outcome)
        );
        let ok = match c.expect.as_str() {
            "malformed" if id.is_none() => !on_tier1,
            "any" => true,
            e => outcome == e,
        };
        if !ok {
            problems.push(format!(
                "product {:?}: expected {}, got {outcome}",
                c.name, c.expect
            ));
        }
    }
    println!(
        "report: customers {:?}, skips {:?}, warnings {:?}, failures {}",
        report.customers,
        report.skip_reasons,
        report.warnings,
        report.failures.len()
    );
    for f in &report.failures {
        println!(
            "failure: {:?} {} {}: {}",
            f.kind,
            short(&f.id),
            f.step,
            short(&f.message)
        );
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        report.warnings.contains_key("negative_price"),
        "{:?}",
        report.warnings
    );

    // Every malformed skip names the field or the reason.
    for s in report
        .skipped
        .iter()
        .filter(|s| s.reason == SkipReason::Malformed)
    {
        assert!(s.detail.as_deref().is_some_and(|d| !d.is_empty()), "{s:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Page-level damage

enum PageExpect {
    /// The run completes: these good IDs are synced, at least `malformed` rows are skipped.
    Completes {
        synced: Vec<&'static str>,
        malformed: usize,
    },
    /// The run stops with a one-line error and writes nothing.
    Stops,
}

fn good_row(n: u32) -> Value {
    good_customer(
        &format!("page-good-{n}"),
        &format!("page.good.{n}@bad-input.example.com"),
    )
}

fn email(n: u32) -> String {
    format!("page.good.{n}@bad-input.example.com")
}

/// Replaces `"<<good:N>>"` in a page fixture with good customer N.
fn page_fixture(name: &str) -> String {
    let mut text = std::fs::read_to_string(fixture(&format!("pages/{name}"))).expect("page");
    for n in 1..=9 {
        let placeholder = format!("\"<<good:{n}>>\"");
        if text.contains(&placeholder) {
            text = text.replace(&placeholder, &good_row(n).to_string());
        }
    }
    text
}

fn page_cases() -> Vec<(&'static str, Vec<String>, PageExpect)> {
    let one = |name: &str| vec![page_fixture(name)];
    // Good customer 1 twice (the later `LastModifiedOn` with a new email) and customer 2.
    let mut moved = good_row(1);
    moved["Contacts"][0]["Email"] = json!("page.good.1.moved@bad-input.example.com");
    moved["LastModifiedOn"] = json!("2025-07-01T00:00:00Z");
    let dup = json!({"Total": 3, "Page": 1, "CustomerList": [good_row(1), good_row(2), moved]});
    vec![
        (
            "duplicate IDs in a page",
            vec![dup.to_string()],
            PageExpect::Completes {
                synced: vec!["page-good-2"],
                malformed: 0,
            },
        ),
        (
            "rows that are not objects",
            one("non-object-rows.json"),
            PageExpect::Completes {
                synced: vec!["page-good-1", "page-good-2"],
                malformed: 5,
            },
        ),
        (
            "a short first page, then an HTML page",
            vec![
                page_fixture("first-of-two.json"),
                page_fixture("not-json.html"),
            ],
            PageExpect::Stops,
        ),
        ("truncated JSON", one("truncated.json"), PageExpect::Stops),
        ("an empty body", vec![String::new()], PageExpect::Stops),
        (
            "`Total` not a number",
            one("total-not-a-number.json"),
            PageExpect::Stops,
        ),
        (
            "`CustomerList` not a list",
            one("list-not-an-array.json"),
            PageExpect::Stops,
        ),
        (
            "an ErrorCode body with HTTP 200",
            one("error-code-on-200.json"),
            PageExpect::Stops,
        ),
    ]
}

async fn run_pages(pages: Vec<String>) -> (Sandbox, Result<RunReport, RunError>) {
    let (sb, s, url) = world(0, 0).await;
    s.pages.lock().expect("pages").customers = pages;
    let r = engine(&sb, &url, "pages").run(RunOptions::default()).await;
    (sb, r)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_pages_never_panic_and_never_write_half_a_page() {
    for (name, pages, expect) in page_cases() {
        let (sb, result) = run_pages(pages).await;
        match (expect, result) {
            (PageExpect::Completes { synced, malformed }, Ok(r)) => {
                println!(
                    "{name}: completes, customers {:?}, skips {:?}",
                    r.customers, r.skip_reasons
                );
                assert_eq!(r.failures, vec![], "{name}");
                for id in synced {
                    let n: u32 = id.trim_start_matches("page-good-").parse().expect("n");
                    assert!(
                        sb.shopify.customer_by_email(&email(n)).is_some(),
                        "{name}: {id} synced"
                    );
                }
                let m = r.skip_reasons.get("malformed").copied().unwrap_or(0);
                assert!(m >= malformed as u64, "{name}: {m} malformed skips");
            }
            (PageExpect::Stops, Err(e)) => {
                let line = e.to_string();
                println!("{name}: stops: {line}");
                assert!(!line.is_empty() && !line.contains('\n'), "{name}: {line:?}");
                assert!(sb.shopify.customers().is_empty(), "{name}: nothing written");
                assert!(sb.sparklayer.price_lists().is_empty(), "{name}");
            }
            (PageExpect::Completes { .. }, Err(e)) => panic!("{name}: the run stopped: {e}"),
            (PageExpect::Stops, Ok(r)) => panic!(
                "{name}: the run completed: {:?} {:?}",
                r.customers, r.skip_reasons
            ),
        }
    }
    // Duplicate IDs: one Shopify customer, the later record's email.
    let dup = &page_cases()[0].1;
    let (sb, r) = run_pages(dup.clone()).await;
    r.expect("run");
    assert!(
        sb.shopify
            .customer_by_email("page.good.1.moved@bad-input.example.com")
            .is_some()
    );
    assert!(sb.shopify.customer_by_email(&email(1)).is_none());
    assert_eq!(sb.shopify.customers().len(), 2);
}

/// One row the JSON parser refuses as a whole (a number beyond `f64`, nesting deeper than
/// serde_json's 128 levels, a lone UTF-16 surrogate escape) should cost that row only, as
/// E3 asks, not the page and the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_unparseable_row_costs_that_row_only() {
    for name in [
        "huge-number.json",
        "deep-nesting.json",
        "lone-surrogate.json",
    ] {
        let (sb, result) = run_pages(vec![page_fixture(name)]).await;
        let r = result.unwrap_or_else(|e| panic!("{name}: the run stopped: {e}"));
        assert!(sb.shopify.customer_by_email(&email(1)).is_some(), "{name}");
        assert!(sb.shopify.customer_by_email(&email(2)).is_some(), "{name}");
        assert_eq!(r.skip_reasons.get("malformed"), Some(&1), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Fuzzing: random mutations of a valid customer between two good ones

struct Fuzz {
    runtime: tokio::runtime::Runtime,
    stand_in: Arc<StandIn>,
    url: String,
    groups: Vec<cin7_sparklayer::core::model::CustomerGroup>,
}

fn fuzz() -> &'static Fuzz {
    static FUZZ: OnceLock<Fuzz> = OnceLock::new();
    FUZZ.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dataset = Dataset::generate(SEED, 0, 0);
        let (stand_in, url) = runtime.block_on(stand_in(&dataset));
        Fuzz {
            runtime,
            stand_in,
            url,
            groups: dataset.customer_groups,
        }
    })
}

/// The engine over the real Cin7 client (pointed at the stand-in) and in-memory sinks.
fn fuzz_engine(f: &Fuzz) -> (SyncEngine, Arc<MemoryShopify>) {
    let text = format!(
        r#"[cin7]
account_id = "a"
application_key = "k"
base_url = "{}"
calls_per_minute = 10000

[shopify]
shop = "fuzz.myshopify.com"
access_token = "t"

[sparklayer]
site_id = "fuzz"
client_id = "c"
client_secret = "s"
"#,
        f.url
    );
    let config = Config::from_toml_str(&text, |_| None).expect("config");
    let cin7 = Arc::new(
        cin7_sparklayer::cin7_client::Cin7Client::from_config(&config.cin7).expect("client"),
    );
    let shopify = Arc::new(MemoryShopify::new());
    let lists = Arc::new(MemoryPriceLists::new(f.groups.clone()));
    let ports = Ports {
        customers: cin7.clone(),
        products: cin7,
        shopify: shopify.clone(),
        price_lists: lists.clone(),
        groups: lists,
        state: Arc::new(MemoryState::new()),
    };
    (
        SyncEngine::new(ports, EngineSettings::from_config(&config)),
        shopify,
    )
}

/// Arbitrary JSON: scalars (unicode and long strings, extreme numbers), small arrays and objects.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        ("[a-z0-9 ,@.]{1,8}", 1usize..4000).prop_map(|(s, n)| Value::String(s.repeat(n))),
        prop_oneof![
            Just("true"),
            Just("Active"),
            Just("Deprecated"),
            Just("b2b"),
            Just(""),
            Just("1e400"),
            Just("-0"),
            Just("2025-13-45T25:61:61Z"),
            Just("x@y.z"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[A-Za-z]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Where a mutation lands.
const PATHS: &[&str] = &[
    "/ID",
    "/Name",
    "/Currency",
    "/TaxRule",
    "/PriceTier",
    "/Tags",
    "/Status",
    "/CreditLimit",
    "/IsOnCreditHold",
    "/LastModifiedOn",
    "/Addresses",
    "/Addresses/0",
    "/Addresses/0/Country",
    "/Addresses/0/State",
    "/Addresses/0/Type",
    "/Addresses/0/DefaultForType",
    "/Contacts",
    "/Contacts/0",
    "/Contacts/0/Email",
    "/Contacts/0/Name",
    "/Contacts/0/Phone",
    "/Contacts/0/Default",
    "/ProductPrices",
    "/Unknown",
];

#[derive(Debug, Clone)]
enum Mutation {
    Remove(usize),
    Set(usize, Value),
    Whole(Value),
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (0..PATHS.len()).prop_map(Mutation::Remove),
        8 => (0..PATHS.len(), arb_json()).prop_map(|(p, v)| Mutation::Set(p, v)),
        1 => arb_json().prop_map(Mutation::Whole),
    ]
}

fn mutate(mut row: Value, mutations: &[Mutation]) -> Value {
    for m in mutations {
        match m {
            Mutation::Remove(p) => remove_pointer(&mut row, PATHS[*p]),
            Mutation::Set(p, v) => {
                let (parent, last) = PATHS[*p].rsplit_once('/').expect("pointer");
                match row.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.insert(last.to_owned(), v.clone());
                    }
                    Some(Value::Array(items)) => {
                        if let Some(slot) =
                            last.parse::<usize>().ok().and_then(|i| items.get_mut(i))
                        {
                            *slot = v.clone();
                        }
                    }
                    _ => {}
                }
            }
            Mutation::Whole(v) => row = v.clone(),
        }
    }
    row
}

fn outcome_total(r: &RunReport) -> u64 {
    r.customers.values().sum()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Client + engine never panic on a mutated customer; its neighbours on the page sync,
    /// and it is itself synced, skipped with a reason, or failed with a message.
    #[test]
    fn a_mutated_customer_never_panics_and_its_neighbours_sync(
        mutations in prop::collection::vec(arb_mutation(), 1..4)
    ) {
        let f = fuzz();
        let first = good_customer("fuzz-good-1", "fuzz.good.1@example.com");
        let last = good_customer("fuzz-good-2", "fuzz.good.2@example.com");
        let bad = mutate(good_customer("fuzz-bad", "fuzz.bad@example.com"), &mutations);
        let page = json!({"Total": 3, "Page": 1, "CustomerList": [first, bad, last]});
        f.stand_in.pages.lock().expect("pages").customers = vec![page.to_string()];
        let (engine, shopify) = fuzz_engine(f);
        let report = f
            .runtime
            .block_on(engine.run(RunOptions::default()))
            .map_err(|e: RunError| TestCaseError::fail(format!("run stopped: {e}")))?;
        let emails: Vec<String> = shopify.customers().into_iter().map(|c| c.email).collect();
        for good in ["fuzz.good.1@example.com", "fuzz.good.2@example.com"] {
            prop_assert!(emails.iter().any(|e| e == good), "{} not synced: {:?}", good, report.customers);
        }
        prop_assert!(
            !report.failures.iter().any(|f| f.id.starts_with("fuzz-good")),
            "{:?}", report.failures
        );
        // Every row is accounted for: synced, skipped with a reason (a `SkipReason`), or failed.
        prop_assert_eq!(outcome_total(&report), 3, "{:?} {:?}", report.customers, report.skipped);
    }
}
