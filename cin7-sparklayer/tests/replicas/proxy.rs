//! A recording reverse proxy, one per replica: each replica's tenant files point its three APIs
//! at `http://<its proxy>/<tenant>/<service>/…`, which forwards to that tenant's fake and notes
//! (tenant, replica, start, end, write?) for every request, so the test knows who wrote what
//! when without the daemon having to say who it is.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// One request a replica sent for a tenant.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) tenant: String,
    pub(crate) replica: String,
    pub(crate) service: String,
    pub(crate) write: bool,
    pub(crate) start: Instant,
    /// When the fake's answer came back (or the replica hung up).
    pub(crate) end: Instant,
}

/// Every request every proxy saw.
#[derive(Debug, Default)]
pub(crate) struct Log {
    seen: Mutex<Vec<Seen>>,
}

impl Log {
    pub(crate) fn all(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}

/// The fakes' addresses by tenant, then service (`cin7`, `shopify`, `sparklayer`).
pub(crate) type Routes = BTreeMap<String, BTreeMap<&'static str, SocketAddr>>;

struct Proxy {
    replica: String,
    routes: Routes,
    log: Arc<Log>,
    http: reqwest::Client,
    /// Added to every request, so a run of a small tenant lasts long enough to be cut.
    delay: Duration,
}

/// Notes the request when dropped: at the answer, or when the replica was killed mid-request.
struct Note {
    seen: Option<Seen>,
    log: Arc<Log>,
}

impl Drop for Note {
    fn drop(&mut self) {
        if let Some(mut seen) = self.seen.take() {
            seen.end = Instant::now();
            self.log.seen.lock().expect("log").push(seen);
        }
    }
}

/// Starts `replica`'s proxy on loopback; returns its base URL.
pub(crate) async fn start(replica: &str, routes: Routes, log: Arc<Log>, delay: Duration) -> String {
    let proxy = Arc::new(Proxy {
        replica: replica.to_owned(),
        routes,
        log,
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
        delay,
    });
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// Whether a request changes the fake: a GraphQL mutation, or a SparkLayer write other than
/// asking for a token. Cin7 is only read.
fn is_write(service: &str, method: &str, path: &str, body: &[u8]) -> bool {
    match service {
        "shopify" => String::from_utf8_lossy(body).contains("mutation"),
        "sparklayer" => method != "GET" && !path.contains("/auth/"),
        _ => false,
    }
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let start = Instant::now();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let mut segments = path.trim_start_matches('/').splitn(3, '/');
    let (tenant, service) = (segments.next().unwrap_or(""), segments.next().unwrap_or(""));
    let rest = segments.next().unwrap_or("");
    let Some(addr) = proxy.routes.get(tenant).and_then(|r| r.get(service)) else {
        return (StatusCode::NOT_FOUND, format!("no route for {path}")).into_response();
    };
    let Ok(body) = to_bytes(body, 64 * 1024 * 1024).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let query = parts
        .uri
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let _note = Note {
        seen: Some(Seen {
            tenant: tenant.to_owned(),
            replica: proxy.replica.clone(),
            service: service.to_owned(),
            write: is_write(service, parts.method.as_str(), rest, &body),
            start,
            end: start,
        }),
        log: proxy.log.clone(),
    };
    tokio::time::sleep(proxy.delay).await;
    let mut upstream = proxy
        .http
        .request(parts.method.clone(), format!("http://{addr}/{rest}{query}"));
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    match upstream.body(body).send().await {
        Ok(answer) => {
            let status = answer.status();
            let mut headers = HeaderMap::new();
            for (name, value) in answer.headers() {
                if name != "content-length" && name != "transfer-encoding" {
                    headers.insert(name, value.clone());
                }
            }
            let bytes = answer.bytes().await.unwrap_or_default();
            (status, headers, Body::from(bytes)).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}
