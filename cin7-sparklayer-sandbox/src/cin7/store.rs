//! The fake's records, with what filtering needs (ID, `LastModifiedOn`, status) kept beside
//! each raw record so a page of 100,000 customers is a cheap scan.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

use crate::data::Dataset;

/// One raw record and its filter keys.
#[derive(Debug, Clone)]
struct Row {
    /// Lower-cased `ID` (string or number), if readable.
    key: Option<String>,
    modified: Option<DateTime<Utc>>,
    active: bool,
    value: Value,
}

impl Row {
    fn new(value: Value) -> Self {
        let key = match value.get("ID") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_ascii_lowercase()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let modified = value
            .get("LastModifiedOn")
            .and_then(Value::as_str)
            .and_then(parse_date);
        let active = value
            .get("Status")
            .and_then(Value::as_str)
            .is_some_and(|s| s.trim().eq_ignore_ascii_case("active"));
        Self {
            key,
            modified,
            active,
            value,
        }
    }
}

/// Which rows a list request wants.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub(crate) id: Option<String>,
    pub(crate) since: Option<DateTime<Utc>>,
    pub(crate) include_deprecated: bool,
}

/// An ordered table of records with an ID index.
#[derive(Debug, Default)]
pub(crate) struct Table {
    rows: Vec<Row>,
    index: HashMap<String, usize>,
}

impl Table {
    fn new(values: &[Value]) -> Self {
        let mut t = Self::default();
        for v in values {
            t.push(Row::new(v.clone()));
        }
        t
    }

    fn push(&mut self, row: Row) {
        if let Some(k) = &row.key {
            self.index.insert(k.clone(), self.rows.len());
        }
        self.rows.push(row);
    }

    fn reindex(&mut self) {
        self.index = self
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.key.clone().map(|k| (k, i)))
            .collect();
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Value> {
        let i = *self.index.get(&id.trim().to_ascii_lowercase())?;
        Some(&self.rows[i].value)
    }

    /// Applies `change`, then stamps `LastModifiedOn` with `now`.
    pub(crate) fn update(
        &mut self,
        id: &str,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut Value),
    ) -> bool {
        let Some(&i) = self.index.get(&id.trim().to_ascii_lowercase()) else {
            return false;
        };
        let mut value = std::mem::take(&mut self.rows[i].value);
        change(&mut value);
        stamp(&mut value, now);
        let row = Row::new(value);
        let moved = row.key != self.rows[i].key;
        self.rows[i] = row;
        if moved {
            self.reindex();
        }
        true
    }

    /// Replaces the record with the same ID, or appends it.
    pub(crate) fn upsert(&mut self, mut value: Value, now: DateTime<Utc>) {
        stamp(&mut value, now);
        let row = Row::new(value);
        match row.key.as_ref().and_then(|k| self.index.get(k)).copied() {
            Some(i) => self.rows[i] = row,
            None => self.push(row),
        }
    }

    pub(crate) fn remove(&mut self, id: &str) -> bool {
        let Some(i) = self.index.get(&id.trim().to_ascii_lowercase()).copied() else {
            return false;
        };
        self.rows.remove(i);
        self.reindex();
        true
    }

    /// The ID of the first record whose `SKU` is exactly `sku`.
    pub(crate) fn id_by_sku(&self, sku: &str) -> Option<String> {
        self.rows
            .iter()
            .find(|r| r.value.get("SKU").and_then(Value::as_str) == Some(sku))
            .and_then(|r| r.value.get("ID").and_then(Value::as_str).map(str::to_owned))
    }

    /// `Total` of the rows matching `filter`, and the rows of page `page` (1-based) of `limit`.
    pub(crate) fn page(&self, filter: &Filter, page: usize, limit: usize) -> (usize, Vec<Value>) {
        let skip = page.saturating_sub(1).saturating_mul(limit);
        let mut total = 0usize;
        let mut out = Vec::new();
        for row in &self.rows {
            if !filter.include_deprecated && !row.active {
                continue;
            }
            if let Some(id) = &filter.id
                && row.key.as_deref() != Some(id.as_str())
            {
                continue;
            }
            if let Some(since) = filter.since
                && row.modified.is_none_or(|m| m < since)
            {
                continue;
            }
            if total >= skip && out.len() < limit {
                out.push(row.value.clone());
            }
            total += 1;
        }
        (total, out)
    }
}

/// Everything the fake serves, plus its rate-limit log and fault RNG.
#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) me: Value,
    pub(crate) price_tiers: Value,
    pub(crate) customers: Table,
    pub(crate) products: Table,
    last_tick: DateTime<Utc>,
    pub(crate) rng: StdRng,
    /// Instants of admitted requests in the current window.
    pub(crate) window: VecDeque<tokio::time::Instant>,
    /// For [`super::ThrottleStatus::Alternate`].
    pub(crate) throttle_flip: bool,
    /// Registered webhooks (`/webhooks`), as Cin7 returns them.
    pub(crate) webhooks: Vec<Value>,
}

impl Store {
    pub(crate) fn new(d: &Dataset, seed: u64) -> Self {
        Self {
            me: d.me(),
            price_tiers: d.price_tiers_body(),
            customers: Table::new(&d.customers),
            products: Table::new(&d.products),
            last_tick: DateTime::<Utc>::MIN_UTC,
            rng: StdRng::seed_from_u64(seed),
            window: VecDeque::new(),
            throttle_flip: false,
            webhooks: Vec::new(),
        }
    }

    /// "Now" for a mutation: the wall clock, strictly after the previous tick (1 ms steps).
    pub(crate) fn tick(&mut self) -> DateTime<Utc> {
        let now = Utc::now().max(self.last_tick + chrono::Duration::milliseconds(1));
        self.last_tick = now;
        now
    }
}

fn stamp(value: &mut Value, now: DateTime<Utc>) {
    if let Some(obj) = value.as_object_mut() {
        obj.insert(
            "LastModifiedOn".to_owned(),
            Value::String(now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        );
    }
}

/// Parses Cin7 dates leniently: 0–7 fractional digits, optional `Z`, no zone = UTC.
pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    let t = t.strip_suffix(['Z', 'z']).unwrap_or(t);
    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
        .or_else(|| {
            DateTime::parse_from_rfc3339(text.trim())
                .ok()
                .map(|d| d.with_timezone(&Utc))
        })
}
