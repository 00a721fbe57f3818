//! The client: shared state, the token cache and the one request loop every call goes through (E7).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, SystemTime};

use cin7_sparklayer_core::Secret;
use cin7_sparklayer_core::ports::RequestCounts;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use crate::error::{ErrorBody, SparkLayerError};
use crate::retry::{Decision, RetryPolicy, RetryReason, decide, parse_retry_after};

/// A SparkLayer API client. Cheap to clone: clones share the connection pool, the token cache,
/// the per-list write locks and the request counters.
///
/// Implements [`PriceListSink`] and [`CustomerGroupDirectory`]; see the crate docs.
///
/// [`PriceListSink`]: cin7_sparklayer_core::ports::PriceListSink
/// [`CustomerGroupDirectory`]: cin7_sparklayer_core::ports::CustomerGroupDirectory
#[derive(Clone)]
pub struct SparkLayerClient {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for SparkLayerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SparkLayerClient")
            .field("base_url", &self.inner.base_url.as_str())
            .field("site_id", &self.inner.site_id)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// What the builder hands over.
pub(crate) struct Parts {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    pub(crate) site_id: String,
    pub(crate) site_header: HeaderValue,
    pub(crate) client_id: Secret,
    pub(crate) client_secret: Secret,
    pub(crate) retry: RetryPolicy,
    pub(crate) renew_before: Duration,
    pub(crate) sync_log_integration: String,
}

pub(crate) struct Inner {
    http: reqwest::Client,
    base_url: Url,
    site_id: String,
    site_header: HeaderValue,
    client_id: Secret,
    client_secret: Secret,
    retry: RetryPolicy,
    renew_before: Duration,
    pub(crate) sync_log_integration: String,
    token: tokio::sync::Mutex<Option<CachedToken>>,
    token_generation: AtomicU64,
    list_locks: StdMutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    counters: Counters,
}

#[derive(Default)]
struct Counters {
    reads: AtomicU64,
    writes: AtomicU64,
    throttled: AtomicU64,
    retried: AtomicU64,
    tokens: AtomicU64,
}

struct CachedToken {
    value: Secret,
    /// When to stop using it: `expires_in` minus the renewal margin.
    renew_at: Instant,
    generation: u64,
}

/// Whether a request reads or writes, for [`RequestCounts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Read,
    Write,
}

/// One API call: method, path segments under the base URL, query and JSON body.
pub(crate) struct Call<'a> {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    pub(crate) path: &'a [&'a str],
    pub(crate) query: &'a [(&'a str, String)],
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) kind: Kind,
}

/// A final answer: a success, or a status the caller interprets (404, other 4xx).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// The error this non-success reply stands for.
    pub(crate) fn into_error(
        self,
        operation: &'static str,
        what: impl FnOnce() -> String,
    ) -> SparkLayerError {
        if self.status == StatusCode::NOT_FOUND {
            return SparkLayerError::NotFound {
                operation,
                what: what(),
            };
        }
        SparkLayerError::Rejected {
            operation,
            status: self.status.as_u16(),
            body: ErrorBody::parse(&self.body),
        }
    }

    /// Decodes a JSON success body, naming the path of a field that does not parse.
    pub(crate) fn json<T: for<'de> Deserialize<'de>>(
        &self,
        operation: &'static str,
    ) -> Result<T, SparkLayerError> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|e| SparkLayerError::Protocol {
            operation,
            message: format!("{} at {}", e.inner(), e.path()),
        })
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl SparkLayerClient {
    pub(crate) fn from_parts(p: Parts) -> Self {
        Self {
            inner: Arc::new(Inner {
                http: p.http,
                base_url: p.base_url,
                site_id: p.site_id,
                site_header: p.site_header,
                client_id: p.client_id,
                client_secret: p.client_secret,
                retry: p.retry,
                renew_before: p.renew_before,
                sync_log_integration: p.sync_log_integration,
                token: tokio::sync::Mutex::new(None),
                token_generation: AtomicU64::new(0),
                list_locks: StdMutex::new(HashMap::new()),
                counters: Counters::default(),
            }),
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// The Site ID.
    pub fn site_id(&self) -> &str {
        &self.inner.site_id
    }

    /// Requests made so far by this client and its clones (E9). Token requests
    /// (`POST /api/auth/token`) count as reads; [`SparkLayerClient::token_requests`] gives them apart.
    pub fn counts(&self) -> RequestCounts {
        let c = &self.inner.counters;
        RequestCounts {
            reads: c.reads.load(Ordering::Relaxed),
            writes: c.writes.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
        }
    }

    /// Token requests made so far (each is also counted in [`RequestCounts::reads`]).
    pub fn token_requests(&self) -> u64 {
        self.inner.counters.tokens.load(Ordering::Relaxed)
    }

    /// The lock serialising writes to one price list (P3: SparkLayer answers 409 otherwise).
    pub(crate) fn list_lock(&self, slug: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = match self.inner.list_locks.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(slug.to_owned()).or_default().clone()
    }

    fn url(&self, path: &[&str]) -> Url {
        let mut url = self.inner.base_url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(path);
        }
        url
    }

    /// A valid token: the cached one, or a new one when none is cached, it is about to
    /// expire, or `stale` names the generation a 401 came back for.
    async fn token(&self, stale: Option<u64>) -> Result<(Secret, u64), SparkLayerError> {
        let mut slot = self.inner.token.lock().await;
        if let Some(t) = slot.as_ref() {
            let fresh = Instant::now() < t.renew_at;
            if fresh && stale != Some(t.generation) {
                return Ok((t.value.clone(), t.generation));
            }
        }
        let (value, expires_in) = self.fetch_token().await?;
        let margin = self.inner.renew_before.min(expires_in / 2);
        let generation = self.inner.token_generation.fetch_add(1, Ordering::Relaxed) + 1;
        *slot = Some(CachedToken {
            value: value.clone(),
            renew_at: Instant::now() + expires_in.saturating_sub(margin),
            generation,
        });
        Ok((value, generation))
    }

    /// `POST /api/auth/token` with a JSON body and the `Site-Id` header (reference §2).
    async fn fetch_token(&self) -> Result<(Secret, Duration), SparkLayerError> {
        const OP: &str = "get access token";
        let body = serde_json::json!({
            "grant_type": "client_credentials",
            "client_id": self.inner.client_id.expose(),
            "client_secret": self.inner.client_secret.expose(),
        });
        let body = serde_json::to_vec(&body).map_err(|e| SparkLayerError::Protocol {
            operation: OP,
            message: e.to_string(),
        })?;
        let url = self.url(&["api", "auth", "token"]);
        let mut retries = 0;
        loop {
            self.inner.counters.reads.fetch_add(1, Ordering::Relaxed);
            self.inner.counters.tokens.fetch_add(1, Ordering::Relaxed);
            let sent = self
                .inner
                .http
                .post(url.clone())
                .header("Site-Id", self.inner.site_header.clone())
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone())
                .send()
                .await;
            let (status, retry_after, bytes) = match read(sent).await {
                Ok(r) => r,
                Err(e) => {
                    self.backoff_or(OP, None, None, &mut retries, |attempts| {
                        SparkLayerError::Network {
                            operation: OP,
                            attempts,
                            source: e.without_url(),
                        }
                    })
                    .await?;
                    continue;
                }
            };
            if status.is_success() {
                let reply = Reply {
                    status,
                    body: bytes,
                };
                let t: TokenResponse = reply.json(OP)?;
                if t.access_token.is_empty() {
                    return Err(SparkLayerError::Protocol {
                        operation: OP,
                        message: "empty access_token".into(),
                    });
                }
                let ttl = Duration::from_secs(t.expires_in.unwrap_or(3600));
                return Ok((Secret::new(t.access_token), ttl));
            }
            if matches!(status.as_u16(), 400 | 401 | 403) {
                return Err(SparkLayerError::Unauthenticated {
                    status: status.as_u16(),
                });
            }
            let summary = ErrorBody::parse(&bytes).summary();
            let code = status.as_u16();
            self.backoff_or(OP, Some(code), retry_after, &mut retries, |attempts| {
                give_up_error(OP, code, retry_after, attempts, summary)
            })
            .await?;
        }
    }

    /// Sends a call with auth, retries (E7) and one token renewal on 401. Returns every final
    /// answer that is not transient: 2xx, 404 and other 4xx, for the caller to interpret.
    pub(crate) async fn execute(&self, call: &Call<'_>) -> Result<Reply, SparkLayerError> {
        let url = self.url(call.path);
        let mut retries = 0;
        let mut renewed = false;
        let mut stale = None;
        loop {
            let (token, generation) = self.token(stale).await?;
            let mut auth =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    SparkLayerError::Protocol {
                        operation: "get access token",
                        message: "access_token is not a valid header value".into(),
                    }
                })?;
            auth.set_sensitive(true);
            let mut req = self
                .inner
                .http
                .request(call.method.clone(), url.clone())
                .header(AUTHORIZATION, auth)
                .header("Site-Id", self.inner.site_header.clone());
            if !call.query.is_empty() {
                req = req.query(call.query);
            }
            if let Some(body) = &call.body {
                req = req
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            match call.kind {
                Kind::Read => &self.inner.counters.reads,
                Kind::Write => &self.inner.counters.writes,
            }
            .fetch_add(1, Ordering::Relaxed);
            let (status, retry_after, bytes) = match read(req.send().await).await {
                Ok(r) => r,
                Err(e) => {
                    let op = call.operation;
                    self.backoff_or(op, None, None, &mut retries, |attempts| {
                        SparkLayerError::Network {
                            operation: op,
                            attempts,
                            source: e.without_url(),
                        }
                    })
                    .await?;
                    continue;
                }
            };
            let code = status.as_u16();
            if code == 401 {
                if renewed {
                    return Err(SparkLayerError::Unauthenticated { status: 401 });
                }
                tracing::debug!(
                    operation = call.operation,
                    "401: renewing the access token once"
                );
                renewed = true;
                stale = Some(generation);
                continue;
            }
            if crate::retry::is_transient(code) {
                let summary = ErrorBody::parse(&bytes).summary();
                let op = call.operation;
                self.backoff_or(op, Some(code), retry_after, &mut retries, |attempts| {
                    give_up_error(op, code, retry_after, attempts, summary)
                })
                .await?;
                continue;
            }
            return Ok(Reply {
                status,
                body: bytes,
            });
        }
    }

    /// Sleeps before the next retry, or returns the error `give_up` builds when none is left.
    async fn backoff_or(
        &self,
        operation: &'static str,
        status: Option<u16>,
        retry_after: Option<Duration>,
        retries: &mut u32,
        give_up: impl FnOnce(u32) -> SparkLayerError,
    ) -> Result<(), SparkLayerError> {
        let jitter: f64 = rand::random();
        match decide(&self.inner.retry, status, retry_after, *retries, jitter) {
            Decision::GiveUp => Err(give_up(*retries + 1)),
            Decision::Retry { delay, reason } => {
                *retries += 1;
                let counter = match reason {
                    RetryReason::Throttled => &self.inner.counters.throttled,
                    _ => &self.inner.counters.retried,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    operation,
                    status,
                    ?reason,
                    attempt = *retries,
                    max = self.inner.retry.max_retries,
                    delay_ms = delay.as_millis() as u64,
                    "SparkLayer: retrying"
                );
                tokio::time::sleep(delay).await;
                Ok(())
            }
        }
    }
}

/// The status, `Retry-After` and body of a response, or the transport error.
async fn read(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<(StatusCode, Option<Duration>, Vec<u8>), reqwest::Error> {
    let resp = sent?;
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    let body = resp.bytes().await?.to_vec();
    Ok((status, retry_after, body))
}

/// The error for a transient status whose retries ran out.
fn give_up_error(
    operation: &'static str,
    status: u16,
    retry_after: Option<Duration>,
    attempts: u32,
    summary: String,
) -> SparkLayerError {
    match status {
        429 => SparkLayerError::RateLimited {
            operation,
            retry_after,
            attempts,
        },
        409 => SparkLayerError::Conflict {
            operation,
            attempts,
        },
        _ => SparkLayerError::Server {
            operation,
            status,
            attempts,
            summary,
        },
    }
}
