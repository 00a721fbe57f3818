//! HTTP handling of the fake: auth, rate limit, faults, routing (case-insensitive).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::{Value, json};

use super::store::{Filter, Store, parse_date};
use super::{FakeCin7Options, Shared, ThrottleStatus, lock};

/// The API's path prefix, matched case-insensitively.
const PREFIX: &str = "/externalapi/v2/";

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    let c = &shared.counters;
    c.requests.fetch_add(1, Ordering::Relaxed);
    let options = lock(&shared.options).clone();
    if !authenticated(&headers, &options) {
        c.unauthorized.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::FORBIDDEN, "Incorrect credentials!").into_response();
    }
    if let Some(refused) = admit(&shared, &options) {
        return refused;
    }
    let path = uri.path().to_ascii_lowercase();
    let Some(endpoint) = path.strip_prefix(PREFIX).map(|p| p.trim_end_matches('/')) else {
        return not_found_page();
    };
    match endpoint {
        "webhooks" => webhooks(&shared, &method, &body),
        "me" | "ref/pricetier" | "customer" | "product" if method != Method::GET => (
            StatusCode::METHOD_NOT_ALLOWED,
            axum::Json(json!([{"ErrorCode": 405, "Exception": "The method used is not allowed"}])),
        )
            .into_response(),
        "me" | "ref/pricetier" | "customer" | "product" => {
            let body = read(&shared, &options, endpoint, &Params::new(query));
            axum::Json::<Value>(body).into_response()
        }
        _ => not_found_page(),
    }
}

/// Both of Cin7's auth headers carry the configured values.
fn authenticated(headers: &HeaderMap, options: &FakeCin7Options) -> bool {
    let header_is = |name: &str, want: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == want)
    };
    header_is("api-auth-accountid", &options.account_id)
        && header_is("api-auth-applicationkey", &options.application_key)
}

/// The rate limit (a sliding window of admitted requests), then the injected faults: the
/// answer that refuses the request, or `None` to serve it.
fn admit(shared: &Shared, options: &FakeCin7Options) -> Option<Response> {
    let c = &shared.counters;
    let mut store = lock(&shared.store);
    let throttled = over_limit(&mut store, options)
        || (options.throttle_rate > 0.0
            && store.rng.random_bool(options.throttle_rate.clamp(0.0, 1.0)));
    if throttled {
        store.throttle_flip = !store.throttle_flip;
        let status = match options.throttle_status {
            ThrottleStatus::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ThrottleStatus::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ThrottleStatus::Alternate if store.throttle_flip => StatusCode::TOO_MANY_REQUESTS,
            ThrottleStatus::Alternate => StatusCode::SERVICE_UNAVAILABLE,
        };
        c.throttled.fetch_add(1, Ordering::Relaxed);
        return Some(throttled_answer(status, options));
    }
    if options.fault_rate > 0.0 && store.rng.random_bool(options.fault_rate.clamp(0.0, 1.0)) {
        c.faults.fetch_add(1, Ordering::Relaxed);
        let body = json!({"ErrorCode": 500, "Exception": "Injected fault"});
        return Some((StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response());
    }
    None
}

/// Whether the sliding window is full; admits the request into it when not.
fn over_limit(store: &mut Store, options: &FakeCin7Options) -> bool {
    let Some(limit) = options.calls_per_window else {
        return false;
    };
    let now = tokio::time::Instant::now();
    while store
        .window
        .front()
        .is_some_and(|t| now.duration_since(*t) >= options.window)
    {
        store.window.pop_front();
    }
    if store.window.len() >= limit as usize {
        return true;
    }
    store.window.push_back(now);
    false
}

/// Cin7's throttling answer: its text, and `Retry-After` when the options set one.
fn throttled_answer(status: StatusCode, options: &FakeCin7Options) -> Response {
    let limit = options.calls_per_window.unwrap_or(60);
    let mut resp = (
        status,
        format!("You reached {limit} calls per minute API limit."),
    )
        .into_response();
    if let Some(after) = options.retry_after
        && let Ok(v) = HeaderValue::from_str(&after.as_secs().max(1).to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// The body of a `GET` on one of the read endpoints.
fn read(shared: &Shared, options: &FakeCin7Options, endpoint: &str, q: &Params) -> Value {
    let c = &shared.counters;
    let store = lock(&shared.store);
    match endpoint {
        "me" => store.me.clone(),
        "ref/pricetier" => store.price_tiers.clone(),
        "customer" => {
            c.customer_pages.fetch_add(1, Ordering::Relaxed);
            let limit = q.limit().min(options.customer_page_cap.max(1));
            let (total, mut rows) = store.customers.page(&q.filter(), q.page(), limit);
            let total = total + q.surplus(options.customer_total_surplus);
            if !q.flag("includeproductprices") {
                for r in &mut rows {
                    if let Some(o) = r.as_object_mut() {
                        o.remove("ProductPrices");
                    }
                }
            }
            json!({"Total": total, "Page": q.page(), "CustomerList": rows})
        }
        _ => {
            c.product_pages.fetch_add(1, Ordering::Relaxed);
            let (total, rows) = store.products.page(&q.filter(), q.page(), q.limit());
            let total = total + q.surplus(options.product_total_surplus);
            json!({"Total": total, "Page": q.page(), "Products": rows})
        }
    }
}

/// `GET/POST/PUT /webhooks` (reference §7): the list, a new webhook, or an update by `ID`; each
/// answered `{"Webhooks": [...]}`. The four required fields are checked on writes.
fn webhooks(shared: &Shared, method: &Method, body: &[u8]) -> Response {
    let mut store = lock(&shared.store);
    if *method == Method::GET {
        return axum::Json(json!({ "Webhooks": store.webhooks })).into_response();
    }
    let bad = |message: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!([{ "ErrorCode": 400, "Exception": message }])),
        )
            .into_response()
    };
    let Ok(Value::Object(mut hook)) = serde_json::from_slice::<Value>(body) else {
        return bad("The request body is not a JSON object");
    };
    for required in [
        "Type",
        "IsActive",
        "ExternalURL",
        "ExternalAuthorizationType",
    ] {
        if hook.get(required).is_none_or(Value::is_null) {
            return bad(&format!("{required} is required"));
        }
    }
    if *method == Method::POST {
        let n = store.webhooks.len() + 1;
        hook.insert(
            "ID".into(),
            json!(format!("00000000-0000-4000-8000-{n:012}")),
        );
        let same_type = store
            .webhooks
            .iter()
            .filter(|w| w["Type"] == hook["Type"])
            .count();
        if same_type >= 5 {
            return bad("There is a limit of 5 webhooks of the same type");
        }
        store.webhooks.push(Value::Object(hook.clone()));
        return axum::Json(json!({ "Webhooks": [hook] })).into_response();
    }
    if *method == Method::PUT {
        let id = hook.get("ID").cloned().unwrap_or(Value::Null);
        return match store.webhooks.iter_mut().find(|w| w["ID"] == id) {
            Some(existing) => {
                *existing = Value::Object(hook.clone());
                axum::Json(json!({ "Webhooks": [hook] })).into_response()
            }
            None => bad("Webhook not found"),
        };
    }
    (
        StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(json!([{"ErrorCode": 405, "Exception": "The method used is not allowed"}])),
    )
        .into_response()
}

/// Cin7's answer to a wrong path: an HTML page with HTTP 200 (reference §1).
fn not_found_page() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><head><title>Page not found</title></head><body><h1>Page not found</h1></body></html>",
    )
        .into_response()
}

/// Query parameters with case-insensitive keys (`Page` and `page` both work).
struct Params(Vec<(String, String)>);

impl Params {
    fn new(raw: Vec<(String, String)>) -> Self {
        Self(
            raw.into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim())
    }

    fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    fn page(&self) -> usize {
        self.get("page")
            .and_then(|v| v.parse().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }

    /// `Limit`, default 100, clamped to 1–1000.
    fn limit(&self) -> usize {
        self.get("limit")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(100)
            .clamp(1, 1000)
    }

    /// The rows `Total` claims beyond those served: none for a request by `ID`.
    fn surplus(&self, surplus: usize) -> usize {
        if self.get("id").is_some_and(|v| !v.is_empty()) {
            0
        } else {
            surplus
        }
    }

    fn filter(&self) -> Filter {
        Filter {
            id: self
                .get("id")
                .filter(|v| !v.is_empty())
                .map(str::to_ascii_lowercase),
            since: self.get("modifiedsince").and_then(parse_date),
            include_deprecated: self.flag("includedeprecated"),
        }
    }
}
