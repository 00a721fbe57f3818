//! The fake's state: tokens, lists, sync logs, counters, faults, and its validation rules.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;
use std::sync::Mutex;

use cin7_sparklayer_core::model::PriceBreak;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;

use super::{FakeSparkLayerOptions, Faults};

/// A price list as the fake stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FakePriceList {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// ISO 4217 code.
    pub currency_code: String,
    /// `integration`, `custom` or `platform`.
    pub source: String,
    /// SKU → price breaks, sorted by quantity.
    pub prices: BTreeMap<String, Vec<PriceBreak>>,
}

impl FakePriceList {
    /// An empty list.
    pub fn new(slug: &str, name: &str, currency_code: &str, source: &str) -> Self {
        Self {
            slug: slug.into(),
            name: name.into(),
            currency_code: currency_code.into(),
            source: source.into(),
            prices: BTreeMap::new(),
        }
    }
}

/// The last full-sync record PUT for one integration and data type.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncLogEntry {
    /// The body as received (`started_full_sync`, `last_full_sync`, `last_full_sync_succeeded`, `errors`).
    pub body: Value,
    /// How many PUTs were received for this key.
    pub puts: u64,
}

/// Request counters of the fake.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FakeCounts {
    /// `POST /api/auth/token` requests.
    pub token: u64,
    /// Other GET requests.
    pub reads: u64,
    /// POST, PATCH and PUT requests (token requests excluded).
    pub writes: u64,
    /// Requests answered 401.
    pub unauthorized: u64,
    /// Requests answered by fault injection (5xx, 429, 409 by chance).
    pub faults: u64,
    /// Requests answered 409 because the list was being written.
    pub conflicts: u64,
    /// SKU rows received in successful PATCHes.
    pub rows_patched: u64,
    /// Requests per endpoint, e.g. `PATCH /api/v1/price-lists/{slug}/pricing`.
    pub per_endpoint: BTreeMap<String, u64>,
}

pub(super) struct State {
    pub(super) tokens: HashMap<String, Instant>,
    pub(super) next_token: u64,
    pub(super) lists: BTreeMap<String, FakePriceList>,
    pub(super) sync_logs: BTreeMap<(String, String), SyncLogEntry>,
    pub(super) counts: FakeCounts,
    pub(super) writing: HashSet<String>,
    faults: Faults,
    rng: StdRng,
}

impl State {
    pub(super) fn set_faults(&mut self, faults: Faults) {
        self.rng = StdRng::seed_from_u64(faults.seed);
        self.faults = faults;
    }

    /// Draws the fault for one request, if any: a status and, for 429, a `Retry-After`.
    pub(super) fn draw_fault(&mut self, write: bool) -> Option<(u16, Option<u64>)> {
        let f = &self.faults;
        if f.server_error_rate <= 0.0 && f.throttle_rate <= 0.0 && f.conflict_rate <= 0.0 {
            return None;
        }
        let x: f64 = self.rng.random();
        let f = &self.faults;
        let fault = if x < f.server_error_rate {
            Some(([500, 502, 503][self.rng.random_range(0..3)], None))
        } else if x < f.server_error_rate + f.throttle_rate {
            Some((429, Some(f.retry_after_secs)))
        } else if write && x < f.server_error_rate + f.throttle_rate + f.conflict_rate {
            Some((409, None))
        } else {
            None
        };
        if fault.is_some() {
            self.counts.faults += 1;
        }
        fault
    }
}

#[derive(Debug)]
pub(super) struct Shared {
    pub(super) options: FakeSparkLayerOptions,
    state: Mutex<State>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("lists", &self.lists.len())
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(super) fn new(options: FakeSparkLayerOptions) -> Self {
        let lists = options
            .price_lists
            .iter()
            .map(|l| (l.slug.clone(), l.clone()))
            .collect();
        let state = State {
            tokens: HashMap::new(),
            next_token: 0,
            lists,
            sync_logs: BTreeMap::new(),
            counts: FakeCounts::default(),
            writing: HashSet::new(),
            rng: StdRng::seed_from_u64(options.faults.seed),
            faults: options.faults.clone(),
        };
        Self {
            options,
            state: Mutex::new(state),
        }
    }

    /// Runs `f` on the state under its lock (never held across an await).
    pub(super) fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

/// One `{line, field, message}` item of a pricing 400.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct LineError {
    pub(super) line: usize,
    pub(super) field: String,
    pub(super) message: String,
}

/// A validated PATCH row.
pub(super) type ParsedRow = (String, Vec<PriceBreak>);

/// Validates a PATCH body: an array of `{sku, pricing: [{quantity, price}]}`. Lines are 1-based.
/// Rules: `sku` a non-empty string; `pricing` an array (empty removes); `quantity` an integer
/// ≥ 1 (default 1); `price` a number ≥ 0.
pub(super) fn parse_rows(body: &Value) -> Result<Vec<ParsedRow>, Vec<LineError>> {
    let Some(items) = body.as_array() else {
        return Err(vec![LineError {
            line: 0,
            field: "body".into(),
            message: "expected a JSON array of rows".into(),
        }]);
    };
    let mut rows = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let line = i + 1;
        let mut err = |field: &str, message: String| {
            errors.push(LineError {
                line,
                field: field.into(),
                message,
            });
        };
        let sku = match item.get("sku").and_then(Value::as_str).map(str::trim) {
            Some(s) if !s.is_empty() => s.to_owned(),
            _ => {
                err("sku", "sku is required".into());
                continue;
            }
        };
        let Some(pricing) = item.get("pricing").and_then(Value::as_array) else {
            err("pricing", format!("pricing must be an array (SKU {sku})"));
            continue;
        };
        let mut breaks = Vec::with_capacity(pricing.len());
        let mut ok = true;
        for b in pricing {
            let quantity = match b.get("quantity") {
                None | Some(Value::Null) => Some(1),
                Some(q) => q
                    .as_u64()
                    .filter(|q| *q >= 1)
                    .and_then(|q| u32::try_from(q).ok()),
            };
            let Some(quantity) = quantity else {
                err(
                    "quantity",
                    format!("quantity must be a whole number of at least 1 (SKU {sku})"),
                );
                ok = false;
                continue;
            };
            let price = b.get("price").and_then(decimal);
            match price {
                Some(p) if p >= Decimal::ZERO => breaks.push(PriceBreak { quantity, price: p }),
                Some(_) => {
                    err("price", format!("price must not be negative (SKU {sku})"));
                    ok = false;
                }
                None => {
                    err("price", format!("price must be a number (SKU {sku})"));
                    ok = false;
                }
            }
        }
        if ok {
            breaks.sort_by_key(|b| b.quantity);
            rows.push((sku, breaks));
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// A JSON number as a decimal, through its shortest `f64` text (exact up to 15 significant digits).
fn decimal(v: &Value) -> Option<Decimal> {
    let n = v.as_number()?;
    let text = n.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

/// Slug rule: 1–30 characters of `a-z`, `0-9`, `-`, `_`.
pub(super) fn slug_problem(slug: &str) -> Option<&'static str> {
    if slug.is_empty() {
        Some("slug is required")
    } else if slug.chars().count() > 30 {
        Some("slug must be at most 30 characters")
    } else if !slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        Some("slug may contain only a-z, 0-9, '-' and '_'")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_validate_with_one_based_lines() {
        let body = json!([
            {"sku": "A", "pricing": [{"quantity": 1, "price": 10.40}]},
            {"sku": "", "pricing": []},
            {"sku": "C", "pricing": [{"quantity": 1, "price": -1}]},
            {"sku": "D", "pricing": []}
        ]);
        let errors = parse_rows(&body).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!((errors[0].line, errors[0].field.as_str()), (2, "sku"));
        assert_eq!((errors[1].line, errors[1].field.as_str()), (3, "price"));
        assert!(errors[1].message.contains("SKU C"));
    }

    #[test]
    fn prices_are_exact() {
        let body: Value = serde_json::from_str(
            r#"[{"sku":"A","pricing":[{"quantity":5,"price":123456.7891},{"price":1}]}]"#,
        )
        .unwrap();
        let rows = parse_rows(&body).unwrap();
        assert_eq!(rows[0].1[0].quantity, 1);
        assert_eq!(rows[0].1[1].price.to_string(), "123456.7891");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug_problem("cin7-tier-1"), None);
        assert!(slug_problem(&"x".repeat(31)).is_some());
        assert!(slug_problem("Bad Slug").is_some());
        assert!(slug_problem("").is_some());
    }

    #[test]
    fn faults_are_seeded() {
        let draw = |seed| {
            let mut s = Shared::new(FakeSparkLayerOptions {
                faults: Faults {
                    seed,
                    server_error_rate: 0.3,
                    throttle_rate: 0.2,
                    conflict_rate: 0.2,
                    ..Faults::default()
                },
                ..FakeSparkLayerOptions::default()
            });
            let s = &mut s;
            (0..50)
                .map(|_| s.with(|st| st.draw_fault(true)))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert!(draw(1).iter().any(Option::is_some));
        assert!(draw(1).iter().any(Option::is_none));
    }
}
