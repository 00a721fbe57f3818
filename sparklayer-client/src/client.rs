//! The client: shared state, the token cache and the one request path every call goes through
//! (E7): the shared retry loop of `cin7-sparklayer-http`, driven by SparkLayer's classifier.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use cin7_sparklayer_core::Secret;
use cin7_sparklayer_core::ports::RequestCounts;
use cin7_sparklayer_http::{
    Attempt, Grant, Outcome, Request, Resend, Retrier, Token, TokenCache, retry_after,
    sensitive_header,
};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use url::Url;

use crate::error::{ErrorBody, SparkLayerError};

/// Assumed token lifetime when SparkLayer's answer has no `expires_in`.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

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
            .field("retry", self.inner.retrier.policy())
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
    pub(crate) retrier: Retrier,
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
    /// Retries, throttle pauses and request counters (E7, E9).
    retrier: Retrier,
    pub(crate) sync_log_integration: String,
    tokens: TokenCache,
    /// Token requests sent (each also counted as a read).
    token_requests: AtomicU64,
    list_locks: StdMutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
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
                retrier: p.retrier,
                sync_log_integration: p.sync_log_integration,
                tokens: TokenCache::new(p.renew_before, DEFAULT_TOKEN_LIFETIME),
                token_requests: AtomicU64::new(0),
                list_locks: StdMutex::new(HashMap::new()),
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
        self.inner.retrier.counts()
    }

    /// Token requests made so far (each is also counted in [`RequestCounts::reads`]).
    pub fn token_requests(&self) -> u64 {
        self.inner.token_requests.load(Ordering::Relaxed)
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

    /// The cached token, or a new one (`POST /api/auth/token`) when none is cached or it is due.
    async fn token(&self) -> Result<Token, SparkLayerError> {
        self.inner.tokens.get(|| self.fetch_token()).await
    }

    /// `POST /api/auth/token` with a JSON body and the `Site-Id` header (reference §2),
    /// retried like any read; 400, 401 and 403 are final.
    async fn fetch_token(&self) -> Result<Grant, SparkLayerError> {
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
        let send = |attempt: Attempt| {
            self.inner.token_requests.fetch_add(1, Ordering::Relaxed);
            let sent = self
                .inner
                .http
                .post(url.clone())
                .header("Site-Id", self.inner.site_header.clone())
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone())
                .send();
            async move {
                match read(sent.await).await {
                    Ok(reply) => token_outcome(reply, attempt.number),
                    Err(e) => network_outcome(OP, attempt.number, e),
                }
            }
        };
        self.inner.retrier.run(Request::read(OP), send).await
    }

    /// Sends a call with auth, retries (E7) and one token renewal on 401. Returns every final
    /// answer that is not transient: 2xx, 404 and other 4xx, for the caller to interpret.
    /// Every SparkLayer write sets state (a list, a SKU's prices), so it may be sent again.
    pub(crate) async fn execute(&self, call: &Call<'_>) -> Result<Reply, SparkLayerError> {
        let url = self.url(call.path);
        let request = match call.kind {
            Kind::Read => Request::read(call.operation),
            Kind::Write => Request::write(call.operation, Resend::Always),
        };
        self.inner
            .retrier
            .run(request, |attempt| self.attempt(call, &url, attempt))
            .await
    }

    /// One attempt of `call`: token, request, classification.
    async fn attempt(
        &self,
        call: &Call<'_>,
        url: &Url,
        attempt: Attempt,
    ) -> Outcome<Reply, SparkLayerError> {
        let token = match self.token().await {
            Ok(token) => token,
            Err(e) => return Outcome::Aborted(e),
        };
        let Some(auth) = sensitive_header(&format!("Bearer {}", token.secret().expose())) else {
            return Outcome::Aborted(SparkLayerError::Protocol {
                operation: "get access token",
                message: "access_token is not a valid header value".into(),
            });
        };
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
        let reply = match read(req.send().await).await {
            Ok(reply) => reply,
            Err(e) => return network_outcome(call.operation, attempt.number, e),
        };
        if reply.status == StatusCode::UNAUTHORIZED {
            self.inner.tokens.invalidate(&token).await;
            return Outcome::Unauthorized(SparkLayerError::Unauthenticated { status: 401 });
        }
        classify(call.operation, attempt.number, reply)
    }
}

/// A final answer with its `Retry-After`, or the transport error.
struct Answer {
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

/// The status, `Retry-After` and body of a response, or the transport error.
async fn read(sent: Result<reqwest::Response, reqwest::Error>) -> Result<Answer, reqwest::Error> {
    let resp = sent?;
    let status = resp.status();
    let retry_after = retry_after(resp.headers());
    let body = resp.bytes().await?.to_vec();
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

/// SparkLayer's classifier (E7, reference §4): 429 and 503 are throttling (`Retry-After`
/// honoured), 409 "concurrent update" did not run, other 5xx and 408 are transient; every other
/// answer is final for the caller to read.
fn classify(
    operation: &'static str,
    attempts: u32,
    answer: Answer,
) -> Outcome<Reply, SparkLayerError> {
    let code = answer.status.as_u16();
    if !(matches!(code, 408 | 409 | 429) || (500..=599).contains(&code)) {
        return Outcome::Done(Reply {
            status: answer.status,
            body: answer.body,
        });
    }
    let summary = ErrorBody::parse(&answer.body).summary();
    let error = give_up_error(operation, code, answer.retry_after, attempts, summary);
    match code {
        429 | 503 => Outcome::Throttled {
            error,
            wait: answer.retry_after,
        },
        409 => Outcome::NotSent(error),
        _ => Outcome::Transient(error),
    }
}

/// The token endpoint's classifier: a token, a refusal (400/401/403, final), or as [`classify`].
fn token_outcome(answer: Answer, attempts: u32) -> Outcome<Grant, SparkLayerError> {
    const OP: &str = "get access token";
    let code = answer.status.as_u16();
    if matches!(code, 400 | 401 | 403) {
        return Outcome::Fatal(SparkLayerError::Unauthenticated { status: code });
    }
    let reply = match classify(OP, attempts, answer) {
        Outcome::Done(reply) if reply.status.is_success() => reply,
        Outcome::Done(reply) => return Outcome::Fatal(reply.into_error(OP, || "token".into())),
        Outcome::Throttled { error, wait } => return Outcome::Throttled { error, wait },
        Outcome::NotSent(e) => return Outcome::NotSent(e),
        Outcome::Transient(e) => return Outcome::Transient(e),
        Outcome::Fatal(e) | Outcome::Aborted(e) | Outcome::Unauthorized(e) => {
            return Outcome::Fatal(e);
        }
    };
    let t: TokenResponse = match reply.json(OP) {
        Ok(t) => t,
        Err(e) => return Outcome::Fatal(e),
    };
    if t.access_token.is_empty() {
        return Outcome::Fatal(SparkLayerError::Protocol {
            operation: OP,
            message: "empty access_token".into(),
        });
    }
    Outcome::Done(Grant {
        token: Secret::new(t.access_token),
        lifetime: t.expires_in.map(Duration::from_secs),
    })
}

/// A request that got no answer: a refused connection was not sent; anything else may have run.
fn network_outcome<T>(
    operation: &'static str,
    attempts: u32,
    e: reqwest::Error,
) -> Outcome<T, SparkLayerError> {
    let refused = e.is_connect();
    let error = SparkLayerError::Network {
        operation,
        attempts,
        source: e.without_url(),
    };
    if refused {
        Outcome::NotSent(error)
    } else {
        Outcome::Transient(error)
    }
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
