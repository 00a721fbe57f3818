//! The HTTP side: `POST /webhooks/cin7`, `GET /healthz`, `GET /metrics`.
//!
//! Webhook deliveries are only pointers (reference §7): the handler checks the bearer token in
//! constant time, reads the IDs, queues them (de-duplicated) and answers 200 at once; the worker
//! re-fetches the records from Cin7. Every refusal is a 4xx with a one-line JSON body and a log
//! line, and never touches the queue.
//!
//! The event type is taken from, in order: the `event` query parameter (register each webhook
//! with its own URL, e.g. `/webhooks/cin7?event=Customer/Updated`), the body's `EventType`
//! field (Cin7 sends it on `Sale/*` events), or the payload's list key (`CustomerDetailsList`,
//! `ProductDetailsList`).

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cin7_sparklayer_core::Secret;
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::queue::{IdKind, WorkQueue};
use super::status::Status;

/// The longest ID accepted (Cin7 IDs are GUIDs, 36 characters).
const MAX_ID_LEN: usize = 100;

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) token: Secret,
    pub(crate) queue: Arc<WorkQueue>,
    pub(crate) status: Arc<Status>,
    pub(crate) body_limit: usize,
}

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/webhooks/cin7", post(webhook))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn healthz(State(app): State<AppState>) -> Response {
    let health = app.status.health(app.queue.lengths());
    let code = if health.is_healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(health)).into_response()
}

async fn metrics(State(app): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, super::metrics::CONTENT_TYPE)],
        app.status.metrics(app.queue.lengths()),
    )
        .into_response()
}

/// A Cin7 event the daemon acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    CustomerUpdated,
    ProductUpdated,
}

impl Event {
    fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            n if n.eq_ignore_ascii_case("Customer/Updated") => Some(Self::CustomerUpdated),
            n if n.eq_ignore_ascii_case("Product/Updated") => Some(Self::ProductUpdated),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::CustomerUpdated => "Customer/Updated",
            Self::ProductUpdated => "Product/Updated",
        }
    }

    pub(crate) fn kind(self) -> IdKind {
        match self {
            Self::CustomerUpdated => IdKind::Customer,
            Self::ProductUpdated => IdKind::Product,
        }
    }

    fn list_key(self) -> &'static str {
        match self {
            Self::CustomerUpdated => "CustomerDetailsList",
            Self::ProductUpdated => "ProductDetailsList",
        }
    }
}

/// Why a delivery was refused: the status, the metric label and the message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) result: &'static str,
    pub(crate) message: String,
}

impl Refusal {
    pub(crate) fn new(
        status: StatusCode,
        result: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            result,
            message: message.into(),
        }
    }
}

/// Reads the event and the IDs from a delivery.
pub(crate) fn parse_delivery(
    event_param: Option<&str>,
    body: &[u8],
) -> Result<(Event, Vec<String>), Refusal> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            format!("the body is not JSON: {e}"),
        )
    })?;
    let Value::Object(map) = &value else {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            "the body is not a JSON object",
        ));
    };
    let named = event_param.map(str::to_owned).or_else(|| {
        map.get("EventType")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let event = match named {
        Some(name) => Event::parse(&name).ok_or_else(|| {
            let shown: String = name.chars().take(60).collect();
            Refusal::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_event",
                format!("event type {shown:?} is not handled (Customer/Updated, Product/Updated)"),
            )
        })?,
        None if map.contains_key("CustomerDetailsList") => Event::CustomerUpdated,
        None if map.contains_key("ProductDetailsList") => Event::ProductUpdated,
        None => {
            return Err(Refusal::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_event",
                "no event type: expected CustomerDetailsList or ProductDetailsList, an EventType, or ?event=",
            ));
        }
    };
    let ids = ids_of(event, map)?;
    Ok((event, ids))
}

fn ids_of(event: Event, map: &serde_json::Map<String, Value>) -> Result<Vec<String>, Refusal> {
    let malformed = |m: String| Refusal::new(StatusCode::BAD_REQUEST, "malformed", m);
    let key = event.list_key();
    let mut raw: Vec<&Value> = Vec::new();
    match map.get(key) {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                raw.push(
                    item.get("ID")
                        .ok_or_else(|| malformed(format!("{key}[{i}] has no ID")))?,
                );
            }
        }
        Some(_) => return Err(malformed(format!("{key} is not a list"))),
        // A single record named at the top level (`ProductID`, `CustomerID` or `ID`).
        None => {
            let single = match event {
                Event::CustomerUpdated => ["CustomerID", "ID"],
                Event::ProductUpdated => ["ProductID", "ID"],
            };
            if let Some(v) = single.iter().find_map(|k| map.get(*k)) {
                raw.push(v);
            }
        }
    }
    if raw.is_empty() {
        return Err(malformed(format!(
            "no record ID in the {} payload",
            event.name()
        )));
    }
    raw.into_iter()
        .map(|v| {
            let id = v.as_str().map(str::trim).unwrap_or_default();
            if id.is_empty() || id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
                Err(malformed(format!(
                    "{key}: an ID is not a non-empty string of at most {MAX_ID_LEN} characters"
                )))
            } else {
                Ok(id.to_owned())
            }
        })
        .collect()
}

/// Constant-time check of `Authorization: Bearer <token>` (the length of the token may leak).
pub(crate) fn authorized(headers: &HeaderMap, token: &Secret) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return false;
    };
    let value = value.as_bytes();
    let Some(given) = value
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case(b"bearer "))
        .and(value.get(7..))
    else {
        return false;
    };
    bool::from(given.ct_eq(token.expose().as_bytes()))
}

#[derive(Debug, Deserialize)]
struct WebhookQuery {
    event: Option<String>,
}

async fn webhook(
    State(app): State<AppState>,
    Query(query): Query<WebhookQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let refuse = |r: Refusal| {
        tracing::warn!(
            status = r.status.as_u16(),
            result = r.result,
            "webhook refused: {}",
            r.message
        );
        app.status.webhook("unknown", r.result);
        (r.status, axum::Json(json!({ "error": r.message }))).into_response()
    };
    if !authorized(&headers, &app.token) {
        let mut response = refuse(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token",
        ));
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return response;
    }
    let bytes = match to_bytes(body, app.body_limit).await {
        Ok(b) => b,
        Err(_) => {
            return refuse(Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!(
                    "the body is larger than {} bytes (or was cut off)",
                    app.body_limit
                ),
            ));
        }
    };
    match parse_delivery(query.event.as_deref(), &bytes) {
        Ok((event, ids)) => {
            let received = ids.len();
            let added = app.queue.push(event.kind(), ids);
            app.status.webhook(event.name(), "accepted");
            tracing::info!(event = event.name(), received, added, "webhook queued");
            (
                StatusCode::OK,
                axum::Json(json!({ "queued": added, "received": received })),
            )
                .into_response()
        }
        Err(r) => refuse(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(param: Option<&str>, body: &str) -> (Event, Vec<String>) {
        parse_delivery(param, body.as_bytes()).unwrap_or_else(|r| panic!("{r:?}"))
    }

    fn refused(param: Option<&str>, body: &str) -> (u16, &'static str) {
        let r = parse_delivery(param, body.as_bytes()).expect_err("refused");
        (r.status.as_u16(), r.result)
    }

    #[test]
    fn customer_payloads() {
        let (e, ids) = ok(
            None,
            r#"{"CustomerDetailsList":[{"ID":"a-1","Name":"X"},{"ID":" b-2 "}]}"#,
        );
        assert_eq!(e, Event::CustomerUpdated);
        assert_eq!(ids, vec!["a-1", "b-2"]);
        let (e, _) = ok(
            None,
            r#"{"EventType":"Customer/Updated","CustomerDetailsList":[{"ID":"a"}]}"#,
        );
        assert_eq!(e, Event::CustomerUpdated);
        let (e, ids) = ok(Some("customer/updated"), r#"{"ID":"c"}"#);
        assert_eq!((e, ids), (Event::CustomerUpdated, vec!["c".to_owned()]));
    }

    #[test]
    fn product_payloads() {
        assert_eq!(
            ok(None, r#"{"ProductDetailsList":[{"ID":"p"}]}"#),
            (Event::ProductUpdated, vec!["p".to_owned()])
        );
        assert_eq!(
            ok(Some("Product/Updated"), r#"{"ProductID":"p2"}"#),
            (Event::ProductUpdated, vec!["p2".to_owned()])
        );
        assert_eq!(
            ok(None, r#"{"EventType":"Product/Updated","ID":"p3"}"#),
            (Event::ProductUpdated, vec!["p3".to_owned()])
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(refused(None, "{not json"), (400, "malformed"));
        assert_eq!(refused(None, "[1,2]"), (400, "malformed"));
        assert_eq!(
            refused(None, r#"{"CustomerDetailsList":{}}"#),
            (400, "malformed")
        );
        assert_eq!(
            refused(None, r#"{"CustomerDetailsList":[]}"#),
            (400, "malformed")
        );
        assert_eq!(
            refused(None, r#"{"CustomerDetailsList":[{"Name":"x"}]}"#),
            (400, "malformed")
        );
        assert_eq!(
            refused(None, r#"{"CustomerDetailsList":[{"ID":7}]}"#),
            (400, "malformed")
        );
        let long = format!(
            r#"{{"CustomerDetailsList":[{{"ID":"{}"}}]}}"#,
            "x".repeat(101)
        );
        assert_eq!(refused(None, &long), (400, "malformed"));
        assert_eq!(
            refused(None, r#"{"SaleID":"1","EventType":"Sale/OrderAuthorised"}"#),
            (422, "unknown_event")
        );
        assert_eq!(
            refused(Some("Supplier/Updated"), r#"{"ID":"1"}"#),
            (422, "unknown_event")
        );
        assert_eq!(refused(None, r#"{"Something":1}"#), (422, "unknown_event"));
    }

    #[test]
    fn bearer_check() {
        let token = Secret::new("s3cret-token");
        let mut h = HeaderMap::new();
        assert!(!authorized(&h, &token));
        for (value, want) in [
            ("Bearer s3cret-token", true),
            ("bearer s3cret-token", true),
            ("Bearer s3cret-toke", false),
            ("Bearer s3cret-token2", false),
            ("Basic s3cret-token", false),
            ("s3cret-token", false),
            ("Bearer ", false),
        ] {
            h.insert(header::AUTHORIZATION, value.parse().expect("header"));
            assert_eq!(authorized(&h, &token), want, "{value}");
        }
    }
}
