//! A multi-tenant replica's routes (issue 16 items 4 and 5): `POST /webhooks/cin7/{tenant}`,
//! `GET /healthz`, `GET /metrics`. Any replica accepts any tenant's webhook: the delivery is
//! checked as the single-merchant daemon checks it (the tenant's own bearer token in constant
//! time, the same parsing and refusals), stored in the [`WebhookInbox`] and only then answered
//! 200, so a replica that dies afterwards loses nothing; the tenant's lease holder syncs it.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use super::Shared;
use crate::daemon::http::{Refusal, authorized, parse_delivery};
use crate::daemon::queue::IdKind;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/webhooks/cin7/{tenant}", post(webhook))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(shared)
}

async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    let health = shared.health();
    let code = if health.status == "ok" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(health)).into_response()
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    (
        [(header::CONTENT_TYPE, crate::daemon::metrics::CONTENT_TYPE)],
        shared.metrics.encode(),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct WebhookQuery {
    event: Option<String>,
}

fn refuse(shared: &Shared, tenant: &str, r: Refusal) -> Response {
    tracing::warn!(
        tenant,
        status = r.status.as_u16(),
        result = r.result,
        "webhook refused: {}",
        r.message
    );
    shared.metrics.webhook(tenant, r.result);
    let mut response = (r.status, axum::Json(json!({ "error": r.message }))).into_response();
    if r.status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

async fn webhook(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Query(query): Query<WebhookQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(token) = shared.token(&tenant) else {
        // Not counted per tenant: an unknown name would add a label per guess.
        tracing::warn!(status = 404, "webhook refused: no such tenant");
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "error": "no such tenant" })),
        )
            .into_response();
    };
    if !authorized(&headers, &token) {
        let r = Refusal::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token",
        );
        return refuse(&shared, &tenant, r);
    }
    let Ok(bytes) = to_bytes(body, shared.body_limit).await else {
        let message = format!(
            "the body is larger than {} bytes (or was cut off)",
            shared.body_limit
        );
        return refuse(
            &shared,
            &tenant,
            Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message),
        );
    };
    let (event, ids) = match parse_delivery(query.event.as_deref(), &bytes) {
        Ok(parsed) => parsed,
        Err(r) => return refuse(&shared, &tenant, r),
    };
    let received = ids.len();
    let (customers, products) = match event.kind() {
        IdKind::Customer => (ids, Vec::new()),
        IdKind::Product => (Vec::new(), ids),
    };
    if let Err(e) = shared.inbox.push(&tenant, &customers, &products).await {
        tracing::error!(tenant, error = %e, "cannot store the webhook delivery: answering 503 so Cin7 retries");
        shared.metrics.webhook(&tenant, "unavailable");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "error": "the webhook inbox is unavailable; retry" })),
        )
            .into_response();
    }
    shared.metrics.webhook(&tenant, "accepted");
    tracing::info!(
        tenant,
        event = event.name(),
        received,
        "webhook stored for the tenant's lease holder"
    );
    (StatusCode::OK, axum::Json(json!({ "stored": received }))).into_response()
}
