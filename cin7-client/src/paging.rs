//! Lazy paging over Cin7 list endpoints (E8), one page in memory at a time.
//!
//! The walk ends on an empty page, or when the rows received reach the latest `Total`. A page
//! shorter than `Limit` never ends it on its own: Cin7 caps customer pages at 100 whatever
//! `Limit` says, so customer walks ask for at most 100 rows a page (the page offsets then
//! match the rows served). A page that repeats the previous one (same IDs) ends the stream
//! with a paging error instead of looping forever.
//!
//! Cin7 does not document its page order: a record modified during a walk can move between
//! pages, so a row may come twice and another not at all. The walk does not de-duplicate rows
//! (the engine does), but it counts the distinct IDs it served (a hash of each, 8 bytes a row):
//! a walk that ends with fewer of them than `Total` ends with [`Fetched::Incomplete`], and the
//! engine then treats no record as gone on the strength of that read.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::{Fetched, IncompleteRead, MalformedRecord, RecordStream};
use futures::{StreamExt, TryStreamExt, stream};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Cin7Client, Cin7Error};

/// A paged list endpoint: its path, the envelope key holding the rows, and the largest
/// `Limit` worth asking for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListEndpoint {
    pub(crate) path: &'static str,
    pub(crate) list_key: &'static str,
    /// Cin7 serves at most this many rows a page here, whatever `Limit` says (E8).
    pub(crate) max_limit: u32,
}

impl ListEndpoint {
    /// The `Limit` sent: the client's page size, capped at what the endpoint serves.
    pub(crate) fn limit(&self, page_size: u32) -> u32 {
        page_size.min(self.max_limit)
    }
}

/// `GET customer` → `CustomerList`, pages of at most 100 rows (reference §2).
pub(crate) const CUSTOMERS: ListEndpoint = ListEndpoint {
    path: "customer",
    list_key: "CustomerList",
    max_limit: 100,
};

/// `GET product` → `Products`, pages of up to the documented 1000 rows.
pub(crate) const PRODUCTS: ListEndpoint = ListEndpoint {
    path: "product",
    list_key: "Products",
    max_limit: 1000,
};

#[derive(Debug)]
struct WalkState {
    page: u32,
    received: u64,
    /// Hashes of the IDs served so far (rows without an ID are counted in `anonymous`).
    distinct: HashSet<u64>,
    anonymous: u64,
    /// The latest `Total`.
    total: Option<u64>,
    last_fingerprint: Option<u64>,
    done: bool,
}

impl WalkState {
    /// Counts a page's rows by ID.
    fn count(&mut self, items: &[Value]) {
        self.received += items.len() as u64;
        for v in items {
            match row_id(v) {
                Some(id) => {
                    self.distinct.insert(hash_of(&id));
                }
                None => self.anonymous += 1,
            }
        }
    }

    /// The last item of a finished walk that served fewer distinct rows than `Total` (E8).
    fn shortfall<T>(&self) -> Option<Result<Fetched<T>, PortError>> {
        let received = self.distinct.len() as u64 + self.anonymous;
        self.total
            .filter(|expected| received < *expected)
            .map(|expected| Ok(Fetched::Incomplete(IncompleteRead { expected, received })))
    }
}

/// Walks every page of `endpoint` with `query` (plus `Page` and `Limit`), parsing each row on
/// its own: a row that does not parse as `W` becomes [`Fetched::Malformed`].
pub(crate) fn walk<W, T>(
    client: Cin7Client,
    endpoint: ListEndpoint,
    query: Vec<(&'static str, String)>,
    convert: fn(W) -> T,
) -> RecordStream<T>
where
    W: DeserializeOwned + Send + 'static,
    T: Send + 'static,
{
    let state = WalkState {
        page: 1,
        received: 0,
        distinct: HashSet::new(),
        anonymous: 0,
        total: None,
        last_fingerprint: None,
        done: false,
    };
    stream::try_unfold(state, move |mut st| {
        let client = client.clone();
        let query = query.clone();
        async move {
            if st.done {
                return Ok::<_, PortError>(None);
            }
            let mut q = query;
            q.push(("Page", st.page.to_string()));
            q.push(("Limit", endpoint.limit(client.page_size()).to_string()));
            let body = client.get_json(endpoint.path, &q).await?;
            let (total, items) = envelope(endpoint, body)?;
            if total.is_some() {
                st.total = total;
            }
            if items.is_empty() {
                st.done = true;
                let last: Vec<_> = st.shortfall().into_iter().collect();
                return Ok(Some((stream::iter(last), st)));
            }
            let fingerprint = fingerprint(&items);
            if st.last_fingerprint == Some(fingerprint) {
                return Err(Cin7Error::Paging {
                    path: endpoint.path.to_owned(),
                    message: format!(
                        "page {} repeats page {} (after {} rows, Total {})",
                        st.page,
                        st.page - 1,
                        st.received,
                        total.map_or_else(|| "absent".to_owned(), |t| t.to_string())
                    ),
                }
                .into());
            }
            st.last_fingerprint = Some(fingerprint);
            st.count(&items);
            let page = st.page;
            let mut rows: Vec<Result<Fetched<T>, PortError>> = items
                .into_iter()
                .enumerate()
                .map(|(i, v)| Ok(parse_row(endpoint, page, i, v, convert)))
                .collect();
            if total.is_some_and(|t| st.received >= t) {
                st.done = true;
                rows.extend(st.shortfall());
            }
            st.page += 1;
            Ok(Some((stream::iter(rows), st)))
        }
    })
    .try_flatten()
    .boxed()
}

/// Ends a stream after its first error (the [`RecordStream`] contract), for chained walks.
/// The flag is checked before polling again, so no request follows the error.
pub(crate) fn stop_after_error<T: Send + 'static>(s: RecordStream<T>) -> RecordStream<T> {
    stream::unfold((s, false), |(mut s, failed)| async move {
        if failed {
            return None;
        }
        let item = s.next().await?;
        let failed = item.is_err();
        Some((item, (s, failed)))
    })
    .boxed()
}

/// `{Total, Page, <list_key>: [...]}` → (`Total`, rows).
fn envelope(endpoint: ListEndpoint, body: Value) -> Result<(Option<u64>, Vec<Value>), Cin7Error> {
    let decode = |message: String| Cin7Error::Decode {
        path: endpoint.path.to_owned(),
        message,
    };
    let Value::Object(mut obj) = body else {
        return Err(decode(format!(
            "expected an object with `{}`, got another JSON value",
            endpoint.list_key
        )));
    };
    let total = match obj.get("Total") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            crate::wire::lenient::integer(v.clone())
                .map_err(|e| decode(format!("Total: {e}")))?
                .unwrap_or(0),
        ),
    };
    let items = match obj.remove(endpoint.list_key) {
        Some(Value::Array(items)) => items,
        Some(Value::Null) => Vec::new(),
        None if total.is_some() => Vec::new(),
        None => {
            return Err(decode(format!(
                "the answer has neither `{}` nor `Total`",
                endpoint.list_key
            )));
        }
        Some(_) => return Err(decode(format!("`{}` is not a list", endpoint.list_key))),
    };
    Ok((total, items))
}

fn row_id(value: &Value) -> Option<String> {
    match value.get("ID")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn hash_of(id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

fn fingerprint(items: &[Value]) -> u64 {
    let mut h = DefaultHasher::new();
    items.len().hash(&mut h);
    for (i, v) in items.iter().enumerate() {
        match row_id(v) {
            Some(id) => id.hash(&mut h),
            None => i.hash(&mut h),
        }
    }
    h.finish()
}

fn parse_row<W: DeserializeOwned, T>(
    endpoint: ListEndpoint,
    page: u32,
    index: usize,
    value: Value,
    convert: fn(W) -> T,
) -> Fetched<T> {
    let id = row_id(&value);
    let at = format!("{}[{index}]", endpoint.list_key);
    if let Some(reason) = value.get(crate::body::UNPARSEABLE_ROW) {
        return Fetched::Malformed(MalformedRecord {
            id: None,
            field: Some(at),
            reason: format!(
                "row is not readable JSON: {} (page {page})",
                reason.as_str().unwrap_or_default()
            ),
        });
    }
    if id.is_none() && matches!(value.get("ID"), Some(Value::String(_))) {
        return Fetched::Malformed(MalformedRecord {
            id: None,
            field: Some(format!("{at}.ID")),
            reason: format!("empty ID (page {page})"),
        });
    }
    match serde_path_to_error::deserialize::<_, W>(value) {
        Ok(w) => Fetched::Record(convert(w)),
        Err(e) => {
            let path = e.path().to_string();
            let field = if path == "." {
                at
            } else {
                format!("{at}.{path}")
            };
            Fetched::Malformed(MalformedRecord {
                id,
                field: Some(field),
                reason: format!("{} (page {page})", e.inner()),
            })
        }
    }
}
