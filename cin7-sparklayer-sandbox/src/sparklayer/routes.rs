//! The fake's HTTP endpoints.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::store::{FakePriceList, Shared, SyncLogEntry, parse_rows, slug_problem};

type Ctx = State<Arc<Shared>>;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/auth/token", post(token))
        .route("/api/v1/customer-groups", get(groups))
        .route("/api/v2/price-lists", get(list_price_lists))
        .route("/api/v1/price-lists", post(create_price_list))
        .route("/api/v1/price-lists/{slug}", get(get_price_list))
        .route(
            "/api/v1/price-lists/{slug}/pricing",
            get(get_pricing).patch(patch_pricing),
        )
        .route(
            "/api/v1/sync-log/{integration}/{data_type}",
            put(put_sync_log).get(get_sync_log),
        )
        .with_state(shared)
}

/// An RFC 7807 problem response.
fn problem(status: StatusCode, detail: &str, errors: Value) -> Response {
    let body = json!({
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "errors": errors,
    });
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    resp
}

fn count(shared: &Shared, endpoint: &str, write: bool) {
    shared.with(|s| {
        *s.counts
            .per_endpoint
            .entry(endpoint.to_owned())
            .or_default() += 1;
        if write {
            s.counts.writes += 1;
        } else {
            s.counts.reads += 1;
        }
    });
}

/// Checks `Site-Id` and the bearer token, then draws a fault. `Some` is the response to send.
fn guard(shared: &Shared, headers: &HeaderMap, endpoint: &str, write: bool) -> Option<Response> {
    count(shared, endpoint, write);
    let site_ok = headers
        .get("site-id")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == shared.options.site_id);
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let now = Instant::now();
    let authorised = site_ok
        && token.is_some_and(|t| {
            shared.with(|s| s.tokens.get(t).is_some_and(|expires| now < *expires))
        });
    if !authorised {
        shared.with(|s| s.counts.unauthorized += 1);
        return Some(problem(
            StatusCode::UNAUTHORIZED,
            "invalid or expired access token",
            json!([]),
        ));
    }
    match shared.with(|s| s.draw_fault(write)) {
        None => None,
        Some((code, retry_after)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp = problem(status, "injected fault", json!([]));
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            Some(resp)
        }
    }
}

fn json_body(bytes: &Bytes) -> Result<Value, Box<Response>> {
    serde_json::from_slice(bytes).map_err(|e| {
        Box::new(problem(
            StatusCode::BAD_REQUEST,
            &format!("body is not valid JSON: {e}"),
            json!([]),
        ))
    })
}

async fn token(State(shared): Ctx, headers: HeaderMap, body: Bytes) -> Response {
    shared.with(|s| {
        s.counts.token += 1;
        *s.counts
            .per_endpoint
            .entry("POST /api/auth/token".into())
            .or_default() += 1;
    });
    let o = &shared.options;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return problem(
            StatusCode::BAD_REQUEST,
            "the token request must be a JSON body",
            json!([]),
        );
    }
    let site_ok = headers
        .get("site-id")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == o.site_id);
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default();
    if !site_ok
        || field("grant_type") != "client_credentials"
        || field("client_id") != o.client_id
        || field("client_secret") != o.client_secret
    {
        shared.with(|s| s.counts.unauthorized += 1);
        return problem(
            StatusCode::UNAUTHORIZED,
            "invalid client credentials",
            json!([]),
        );
    }
    let ttl = o.token_ttl;
    let token = shared.with(|s| {
        s.next_token += 1;
        let token = format!("fake-sl-token-{}", s.next_token);
        s.tokens.insert(token.clone(), Instant::now() + ttl);
        token
    });
    axum::Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
    }))
    .into_response()
}

async fn groups(State(shared): Ctx, headers: HeaderMap) -> Response {
    if let Some(r) = guard(&shared, &headers, "GET /api/v1/customer-groups", false) {
        return r;
    }
    let groups: Vec<Value> = shared
        .options
        .groups
        .iter()
        .map(|g| json!({"slug": g.slug, "name": g.name, "parent_slug": "base"}))
        .collect();
    axum::Json(groups).into_response()
}

fn list_json(l: &FakePriceList) -> Value {
    json!({
        "slug": l.slug,
        "name": l.name,
        "currency_code": l.currency_code,
        "source": l.source,
        "tax_inclusive_display": false,
        "rules": [],
    })
}

async fn list_price_lists(
    State(shared): Ctx,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = guard(&shared, &headers, "GET /api/v2/price-lists", false) {
        return r;
    }
    let page = q
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let size = q
        .get("page_size")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(25);
    if !(1..=250).contains(&size) {
        return problem(
            StatusCode::BAD_REQUEST,
            "page_size must be between 1 and 250",
            json!([{"code": "invalid", "property": "page_size", "message": "must be between 1 and 250"}]),
        );
    }
    let (data, total) = shared.with(|s| {
        let data: Vec<Value> = s
            .lists
            .values()
            .skip((page - 1) * size)
            .take(size)
            .map(list_json)
            .collect();
        (data, s.lists.len())
    });
    let total_pages = total.div_ceil(size).max(1);
    axum::Json(json!({
        "data": data,
        "pagination": {"current_page": page, "page_size": size, "total_pages": total_pages, "total_items": total},
    }))
    .into_response()
}

async fn create_price_list(State(shared): Ctx, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = guard(&shared, &headers, "POST /api/v1/price-lists", true) {
        return r;
    }
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let field = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (slug, name, currency) = (field("slug"), field("name"), field("currency_code"));
    let source = body
        .get("source")
        .and_then(Value::as_str)
        .unwrap_or("custom")
        .to_owned();
    let invalid = |property: &str, message: &str| {
        problem(
            StatusCode::BAD_REQUEST,
            message,
            json!([{"code": "invalid", "property": property, "message": message}]),
        )
    };
    if let Some(msg) = slug_problem(&slug) {
        return invalid("slug", msg);
    }
    if name.trim().is_empty() || name.chars().count() > 64 {
        return invalid("name", "name is required and at most 64 characters");
    }
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return invalid("currency_code", "currency_code must be an ISO 4217 code");
    }
    if !matches!(source.as_str(), "integration" | "custom" | "platform") {
        return invalid("source", "source must be integration, custom or platform");
    }
    let list = FakePriceList::new(&slug, &name, &currency, &source);
    let created = shared.with(|s| {
        if s.lists.contains_key(&slug) {
            false
        } else {
            s.lists.insert(slug.clone(), list.clone());
            true
        }
    });
    if !created {
        return problem(
            StatusCode::BAD_REQUEST,
            "a price list with this slug already exists",
            json!([{"code": "resource-already-exists", "property": "slug", "message": "slug already in use"}]),
        );
    }
    (StatusCode::CREATED, axum::Json(list_json(&list))).into_response()
}

async fn get_price_list(
    State(shared): Ctx,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    if let Some(r) = guard(&shared, &headers, "GET /api/v1/price-lists/{slug}", false) {
        return r;
    }
    match shared.with(|s| s.lists.get(&slug).map(list_json)) {
        Some(v) => axum::Json(v).into_response(),
        None => problem(StatusCode::NOT_FOUND, "price list not found", json!([])),
    }
}

/// One entry per SKU and quantity break, ordered by SKU (reference §7.2).
#[derive(Serialize)]
struct PricingEntry<'a> {
    sku: &'a str,
    quantity: u32,
    #[serde(with = "rust_decimal::serde::float")]
    price: rust_decimal::Decimal,
}

async fn get_pricing(State(shared): Ctx, headers: HeaderMap, Path(slug): Path<String>) -> Response {
    if let Some(r) = guard(
        &shared,
        &headers,
        "GET /api/v1/price-lists/{slug}/pricing",
        false,
    ) {
        return r;
    }
    let body = shared.with(|s| {
        let list = s.lists.get(&slug)?;
        if list.prices.is_empty() {
            return Some(None);
        }
        let entries: Vec<PricingEntry<'_>> = list
            .prices
            .iter()
            .flat_map(|(sku, breaks)| {
                breaks.iter().map(move |b| PricingEntry {
                    sku,
                    quantity: b.quantity,
                    price: b.price,
                })
            })
            .collect();
        Some(Some(serde_json::to_vec(&entries).unwrap_or_default()))
    });
    match body {
        None => problem(StatusCode::NOT_FOUND, "price list not found", json!([])),
        Some(None) => StatusCode::NO_CONTENT.into_response(),
        Some(Some(bytes)) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
    }
}

/// Clears a list's "write in progress" flag however the handler ends.
struct WriteFlag {
    shared: Arc<Shared>,
    slug: String,
}

impl Drop for WriteFlag {
    fn drop(&mut self) {
        self.shared.with(|s| s.writing.remove(&self.slug));
    }
}

async fn patch_pricing(
    State(shared): Ctx,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(r) = guard(
        &shared,
        &headers,
        "PATCH /api/v1/price-lists/{slug}/pricing",
        true,
    ) {
        return r;
    }
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    enum Start {
        Missing,
        Busy,
        Go,
    }
    let start = shared.with(|s| {
        if !s.lists.contains_key(&slug) {
            Start::Missing
        } else if !s.writing.insert(slug.clone()) {
            s.counts.conflicts += 1;
            Start::Busy
        } else {
            Start::Go
        }
    });
    match start {
        Start::Missing => return problem(StatusCode::NOT_FOUND, "price list not found", json!([])),
        Start::Busy => {
            return problem(
                StatusCode::CONFLICT,
                "another update to this price list is in progress",
                json!([]),
            );
        }
        Start::Go => {}
    }
    let _flag = WriteFlag {
        shared: shared.clone(),
        slug: slug.clone(),
    };
    let hold = shared.options.write_hold;
    if hold.is_zero() {
        tokio::task::yield_now().await;
    } else {
        tokio::time::sleep(hold).await;
    }
    let rows = match parse_rows(&body) {
        Ok(rows) => rows,
        Err(errors) => return (StatusCode::BAD_REQUEST, axum::Json(errors)).into_response(),
    };
    let n = rows.len();
    let applied = shared.with(|s| {
        let list = s.lists.get_mut(&slug)?;
        for (sku, breaks) in rows {
            if breaks.is_empty() {
                list.prices.remove(&sku);
            } else {
                list.prices.insert(sku, breaks);
            }
        }
        s.counts.rows_patched += n as u64;
        Some(())
    });
    match applied {
        Some(()) => axum::Json(json!({"updated": n})).into_response(),
        None => problem(StatusCode::NOT_FOUND, "price list not found", json!([])),
    }
}

async fn put_sync_log(
    State(shared): Ctx,
    headers: HeaderMap,
    Path((integration, data_type)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if let Some(r) = guard(
        &shared,
        &headers,
        "PUT /api/v1/sync-log/{integration}/{data_type}",
        true,
    ) {
        return r;
    }
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    if !body.is_object() {
        return problem(StatusCode::BAD_REQUEST, "expected a JSON object", json!([]));
    }
    let errors = body
        .get("errors")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if errors.len() > 5000 {
        return problem(StatusCode::BAD_REQUEST, "at most 5000 errors", json!([]));
    }
    let mut ids = std::collections::HashSet::new();
    for e in &errors {
        let id = e
            .get("external_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if id.is_empty() || !ids.insert(id.to_owned()) {
            return problem(
                StatusCode::BAD_REQUEST,
                "each error needs an external_id unique within the request",
                json!([{"code": "invalid", "property": "errors.external_id", "message": id}]),
            );
        }
    }
    shared.with(|s| {
        let entry = s
            .sync_logs
            .entry((integration, data_type))
            .or_insert_with(|| SyncLogEntry {
                body: Value::Null,
                puts: 0,
            });
        entry.body = body.clone();
        entry.puts += 1;
    });
    axum::Json(body).into_response()
}

async fn get_sync_log(
    State(shared): Ctx,
    headers: HeaderMap,
    Path((integration, data_type)): Path<(String, String)>,
) -> Response {
    if let Some(r) = guard(
        &shared,
        &headers,
        "GET /api/v1/sync-log/{integration}/{data_type}",
        false,
    ) {
        return r;
    }
    match shared.with(|s| {
        s.sync_logs
            .get(&(integration, data_type))
            .map(|e| e.body.clone())
    }) {
        Some(body) => axum::Json(body).into_response(),
        None => problem(StatusCode::NOT_FOUND, "no full sync recorded", json!([])),
    }
}
