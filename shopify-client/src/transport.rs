//! The one GraphQL transport: POST `{query, variables}` with the access token, paced by the
//! cost bucket and retried on throttling, 5xx and network errors (E7).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cin7_sparklayer_core::ports::RequestCounts;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::auth::Auth;
use crate::document::{Document, OpKind};
use crate::error::ShopifyError;
use crate::retry::{Attempt, CostBucket, Decision, QueryCost, RetryPolicy, ThrottleStatus, decide};

/// Header carrying the token (marked sensitive).
const TOKEN_HEADER: &str = "X-Shopify-Access-Token";

/// One entry of a response's top-level `errors`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GqlError {
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) path: Option<Vec<Value>>,
    #[serde(default)]
    pub(crate) extensions: Option<GqlErrorExtensions>,
}

/// `errors[].extensions`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GqlErrorExtensions {
    #[serde(default)]
    pub(crate) code: Option<String>,
}

impl GqlError {
    fn code(&self) -> Option<&str> {
        self.extensions.as_ref()?.code.as_deref()
    }

    /// The top-level alias the error belongs to, if it has a path.
    pub(crate) fn alias(&self) -> Option<&str> {
        self.path.as_ref()?.first()?.as_str()
    }
}

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    errors: Option<Vec<GqlError>>,
    #[serde(default)]
    extensions: Option<Extensions>,
}

#[derive(Debug, Deserialize)]
struct Extensions {
    #[serde(default)]
    cost: Option<QueryCost>,
}

/// A document's answer: `data` by alias, and the field errors that came with it.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    pub(crate) data: Map<String, Value>,
    pub(crate) errors: Vec<GqlError>,
}

impl Answer {
    /// The value under `alias`, or `Value::Null`.
    pub(crate) fn get(&self, alias: &str) -> &Value {
        self.data.get(alias).unwrap_or(&Value::Null)
    }

    /// The first error reported on `alias`.
    pub(crate) fn error_for(&self, alias: &str) -> Option<&GqlError> {
        self.errors.iter().find(|e| e.alias() == Some(alias))
    }
}

#[derive(Debug, Default)]
struct Counters {
    reads: AtomicU64,
    writes: AtomicU64,
    throttled: AtomicU64,
    retried: AtomicU64,
    points: AtomicU64,
}

/// The HTTP side of the client. Shared by every clone of [`crate::ShopifyClient`].
pub(crate) struct Transport {
    http: reqwest::Client,
    endpoint: String,
    auth: Auth,
    policy: RetryPolicy,
    bucket: Mutex<CostBucket>,
    counters: Counters,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("endpoint", &self.endpoint)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

enum Failure {
    Retryable(Attempt, ShopifyError),
    Fatal(ShopifyError),
}

impl Transport {
    /// A transport posting to `endpoint`, authenticated by `auth`.
    pub(crate) fn new(
        http: reqwest::Client,
        endpoint: String,
        auth: Auth,
        policy: RetryPolicy,
    ) -> Self {
        Self {
            http,
            endpoint,
            auth,
            policy,
            bucket: Mutex::new(CostBucket::default()),
            counters: Counters::default(),
        }
    }

    /// The GraphQL URL.
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Requests so far (E9).
    pub(crate) fn counts(&self) -> RequestCounts {
        let c = &self.counters;
        RequestCounts {
            reads: c.reads.load(Ordering::Relaxed) + self.auth.grant_requests(),
            writes: c.writes.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
        }
    }

    /// Sum of `actualQueryCost` over every answered document.
    pub(crate) fn points_spent(&self) -> u64 {
        self.counters.points.load(Ordering::Relaxed)
    }

    /// The bucket size once known; documents are kept below it.
    pub(crate) fn bucket_maximum(&self) -> Option<f64> {
        self.lock_bucket().maximum()
    }

    fn lock_bucket(&self) -> std::sync::MutexGuard<'_, CostBucket> {
        // A poisoned lock only means another task panicked mid-update of plain numbers.
        self.bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sends `doc`, pacing and retrying as E7 says.
    pub(crate) async fn execute(&self, doc: &Document) -> Result<Answer, ShopifyError> {
        let body = serde_json::json!({ "query": doc.query, "variables": doc.variables });
        let mut attempt = 0u32;
        let mut stale = None;
        loop {
            attempt += 1;
            let token = match self.auth.token(&self.http, stale).await {
                Ok(token) => token,
                Err(e) => match self.grant_failed(e, attempt).await {
                    Some(fatal) => return Err(fatal),
                    None => continue,
                },
            };
            self.pace(doc.cost).await;
            let mut reported = None;
            let sent = self
                .send_once(&body, doc, &token.header, &mut reported)
                .await;
            self.lock_bucket()
                .settle(doc.cost, reported.as_ref(), Instant::now());
            let failure = match sent {
                Ok(answer) => {
                    self.count_final(doc.kind);
                    return Ok(answer);
                }
                // A granted token Shopify no longer takes (expired early, rotated): renew it
                // once and send again; the document did not run.
                Err(Failure::Fatal(ShopifyError::Unauthorized { .. }))
                    if token.generation.is_some() && stale.is_none() =>
                {
                    tracing::info!("Shopify refused the granted token; requesting a new one");
                    stale = token.generation;
                    continue;
                }
                Err(Failure::Fatal(e)) => {
                    self.count_final(doc.kind);
                    return Err(e);
                }
                Err(Failure::Retryable(what, e)) => (what, e),
            };
            let (what, error) = failure;
            let ambiguous = matches!(what, Attempt::ServerError(_) | Attempt::Network);
            let decision = if ambiguous && !doc.idempotent {
                // Shopify may have run it: the caller reads the state back instead (C13, E5).
                Decision::GiveUp
            } else {
                decide(&what, attempt, &self.policy, rand::random::<f64>())
            };
            match decision {
                Decision::GiveUp => {
                    self.count_final(doc.kind);
                    return Err(with_attempts(error, attempt));
                }
                Decision::RetryAfter(wait) => {
                    let counter = if matches!(what, Attempt::Throttled { .. }) {
                        &self.counters.throttled
                    } else {
                        &self.counters.retried
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(
                        attempt,
                        max = self.policy.max_attempts,
                        wait_ms = wait.as_millis() as u64,
                        reason = %error,
                        "Shopify request retried"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    fn count_final(&self, kind: OpKind) {
        let c = match kind {
            OpKind::Query => &self.counters.reads,
            OpKind::Mutation => &self.counters.writes,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// A failed token grant: `Some(error)` ends the call (refused, or out of attempts);
    /// `None` after waiting out a transient failure (the document was not sent, so it may be
    /// retried whatever its idempotency).
    async fn grant_failed(&self, error: ShopifyError, attempt: u32) -> Option<ShopifyError> {
        let what = match &error {
            ShopifyError::Network { .. } => Attempt::Network,
            ShopifyError::Server { status, .. } => Attempt::ServerError(*status),
            _ => return Some(error),
        };
        match decide(&what, attempt, &self.policy, rand::random::<f64>()) {
            Decision::GiveUp => Some(with_attempts(error, attempt)),
            Decision::RetryAfter(wait) => {
                self.counters.retried.fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    reason = %error,
                    "Shopify token request retried"
                );
                tokio::time::sleep(wait).await;
                None
            }
        }
    }

    /// Waits until the bucket holds `cost` points, then reserves them.
    async fn pace(&self, cost: f64) {
        loop {
            let wait = {
                let mut bucket = self.lock_bucket();
                let now = Instant::now();
                let wait = bucket.wait_before(cost, now);
                if wait.is_zero() {
                    bucket.reserve(cost, now);
                    return;
                }
                wait
            };
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                cost,
                "pacing by Shopify's cost bucket"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt; `reported` receives the bucket the answer reported, if any.
    async fn send_once(
        &self,
        body: &Value,
        doc: &Document,
        token: &HeaderValue,
        reported: &mut Option<ThrottleStatus>,
    ) -> Result<Answer, Failure> {
        let mut token = token.clone();
        token.set_sensitive(true);
        let response = self
            .http
            .post(&self.endpoint)
            .header(TOKEN_HEADER, token)
            .header(CONTENT_TYPE, "application/json")
            .json(body)
            .send()
            .await
            .map_err(|e| {
                Failure::Retryable(
                    Attempt::Network,
                    ShopifyError::Network {
                        attempts: 0,
                        source: e.without_url(),
                    },
                )
            })?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(Failure::Fatal(ShopifyError::Unauthorized {
                status: status.as_u16(),
            }));
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(Failure::Retryable(
                Attempt::Throttled {
                    requested: doc.cost,
                    status: None,
                    retry_after,
                },
                ShopifyError::Throttled {
                    attempts: 0,
                    retry_after,
                },
            ));
        }
        if status.is_server_error() {
            return Err(Failure::Retryable(
                Attempt::ServerError(status.as_u16()),
                ShopifyError::Server {
                    status: status.as_u16(),
                    attempts: 0,
                },
            ));
        }
        if !status.is_success() {
            return Err(Failure::Fatal(ShopifyError::Status {
                status: status.as_u16(),
            }));
        }
        let bytes = response.bytes().await.map_err(|e| {
            Failure::Retryable(
                Attempt::Network,
                ShopifyError::Network {
                    attempts: 0,
                    source: e.without_url(),
                },
            )
        })?;
        let envelope: Envelope = serde_json::from_slice(&bytes).map_err(|e| {
            Failure::Fatal(ShopifyError::Decode(format!(
                "expected a GraphQL JSON body: {e}"
            )))
        })?;
        let cost = envelope.extensions.as_ref().and_then(|e| e.cost);
        *reported = cost.and_then(|c| c.throttle_status);
        self.interpret(envelope, cost, retry_after, doc)
    }

    fn interpret(
        &self,
        envelope: Envelope,
        cost: Option<QueryCost>,
        header_retry_after: Option<Duration>,
        doc: &Document,
    ) -> Result<Answer, Failure> {
        let actual_cost = cost.and_then(|c| c.actual_query_cost);
        if let Some(points) = actual_cost {
            self.counters
                .points
                .fetch_add(points.max(0.0).round() as u64, Ordering::Relaxed);
        }
        let errors = envelope.errors.unwrap_or_default();
        if errors.iter().any(|e| e.code() == Some("THROTTLED")) {
            let requested = cost
                .and_then(|c| c.requested_query_cost)
                .unwrap_or(doc.cost);
            let retry_after = cost
                .and_then(|c| c.throttle_status)
                .map(|s| crate::retry::bucket_wait(requested, &s));
            return Err(Failure::Retryable(
                Attempt::Throttled {
                    requested,
                    status: cost.and_then(|c| c.throttle_status),
                    retry_after: header_retry_after,
                },
                ShopifyError::Throttled {
                    attempts: 0,
                    retry_after,
                },
            ));
        }
        if let Some(withheld) = crate::protected::denial(&errors) {
            return Err(Failure::Fatal(withheld));
        }
        if let Some(denied) = errors.iter().find(|e| e.code() == Some("ACCESS_DENIED")) {
            return Err(Failure::Fatal(ShopifyError::AccessDenied {
                message: denied.message.clone(),
            }));
        }
        match envelope.data {
            Some(Value::Object(data)) => Ok(Answer { data, errors }),
            _ if !errors.is_empty() => Err(Failure::Fatal(ShopifyError::GraphQl {
                message: errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            })),
            _ => Err(Failure::Fatal(ShopifyError::Decode(
                "response has neither data nor errors".into(),
            ))),
        }
    }
}

/// Fills in the attempt count of a final error.
fn with_attempts(e: ShopifyError, n: u32) -> ShopifyError {
    match e {
        ShopifyError::Throttled { retry_after, .. } => ShopifyError::Throttled {
            attempts: n,
            retry_after,
        },
        ShopifyError::Server { status, .. } => ShopifyError::Server {
            status,
            attempts: n,
        },
        ShopifyError::Network { source, .. } => ShopifyError::Network {
            attempts: n,
            source,
        },
        other => other,
    }
}
