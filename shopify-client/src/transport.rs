//! The one GraphQL transport: POST `{query, variables}` with the access token, paced by the
//! cost bucket; Shopify's classifier turns each answer into an [`Outcome`] for the shared retry
//! loop (E7): throttling (`THROTTLED` on HTTP 200, or 429) waits what the bucket needs, 5xx and
//! network errors back off, and a mutation that may have run is not sent twice.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use cin7_sparklayer_core::ports::RequestCounts;
use cin7_sparklayer_http::{Attempt, Outcome, Request, Resend, Retrier, retry_after};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::auth::{Auth, Credential};
use crate::bucket::{CostBucket, QueryCost, ThrottleStatus, throttle_hint};
use crate::document::{Document, OpKind};
use crate::error::ShopifyError;

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

/// The HTTP side of the client. Shared by every clone of [`crate::ShopifyClient`].
pub(crate) struct Transport {
    http: reqwest::Client,
    endpoint: String,
    auth: Auth,
    /// Retries, throttle pauses and request counters (E7, E9); token grants go through it too.
    retrier: Retrier,
    bucket: Mutex<CostBucket>,
    /// Sum of `actualQueryCost` over every answered document.
    points: AtomicU64,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("endpoint", &self.endpoint)
            .field("policy", self.retrier.policy())
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport posting to `endpoint`, authenticated by `auth`.
    pub(crate) fn new(
        http: reqwest::Client,
        endpoint: String,
        auth: Auth,
        retrier: Retrier,
    ) -> Self {
        Self {
            http,
            endpoint,
            auth,
            retrier,
            bucket: Mutex::new(CostBucket::default()),
            points: AtomicU64::new(0),
        }
    }

    /// The GraphQL URL.
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Requests so far (E9); token grants count as reads.
    pub(crate) fn counts(&self) -> RequestCounts {
        self.retrier.counts()
    }

    /// Sum of `actualQueryCost` over every answered document.
    pub(crate) fn points_spent(&self) -> u64 {
        self.points.load(Ordering::Relaxed)
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

    /// Sends `doc`, pacing and retrying as E7 says. A mutation that is not idempotent is not
    /// sent again after a 5xx or a broken connection: Shopify may have run it, so the caller
    /// reads the state back instead (C13, E5).
    pub(crate) async fn execute(&self, doc: &Document) -> Result<Answer, ShopifyError> {
        let body = serde_json::json!({ "query": doc.query, "variables": doc.variables });
        let request = match doc.kind {
            OpKind::Query => Request::read("GraphQL query"),
            OpKind::Mutation if doc.idempotent => {
                Request::write("GraphQL mutation", Resend::Always)
            }
            OpKind::Mutation => Request::write("GraphQL mutation", Resend::OnlyIfNotRun),
        };
        self.retrier
            .run(request, |attempt| self.attempt(&body, doc, attempt))
            .await
    }

    /// One attempt: credential, pacing, the request, and its classification.
    async fn attempt(
        &self,
        body: &Value,
        doc: &Document,
        attempt: Attempt,
    ) -> Outcome<Answer, ShopifyError> {
        let credential = match self.auth.credential(&self.http, &self.retrier).await {
            Ok(credential) => credential,
            Err(e) => return Outcome::Aborted(e),
        };
        self.pace(doc.cost).await;
        let mut reported = None;
        let outcome = self
            .send_once(body, doc, &credential, attempt.number, &mut reported)
            .await;
        self.lock_bucket()
            .settle(doc.cost, reported.as_ref(), Instant::now());
        if let (Outcome::Unauthorized(_), Some(token)) = (&outcome, &credential.granted) {
            tracing::info!("Shopify refused the granted token; requesting a new one");
            self.auth.refused(token).await;
        }
        outcome
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

    /// One request; `reported` receives the bucket the answer reported, if any.
    async fn send_once(
        &self,
        body: &Value,
        doc: &Document,
        credential: &Credential,
        attempts: u32,
        reported: &mut Option<ThrottleStatus>,
    ) -> Outcome<Answer, ShopifyError> {
        let network = |e: reqwest::Error| ShopifyError::Network {
            attempts,
            source: e.without_url(),
        };
        let response = match self
            .http
            .post(&self.endpoint)
            .header(TOKEN_HEADER, credential.header.clone())
            .header(CONTENT_TYPE, "application/json")
            .json(body)
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) if e.is_connect() => return Outcome::NotSent(network(e)),
            Err(e) => return Outcome::Transient(network(e)),
        };
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            let error = ShopifyError::Unauthorized {
                status: status.as_u16(),
            };
            return match credential.granted {
                Some(_) => Outcome::Unauthorized(error),
                None => Outcome::Fatal(error),
            };
        }
        let header_wait = retry_after(response.headers());
        if status == StatusCode::TOO_MANY_REQUESTS {
            let error = ShopifyError::Throttled {
                attempts,
                retry_after: header_wait,
            };
            let wait = throttle_hint(doc.cost, None, header_wait);
            return Outcome::Throttled { error, wait };
        }
        if status.is_server_error() {
            return Outcome::Transient(ShopifyError::Server {
                status: status.as_u16(),
                attempts,
            });
        }
        if !status.is_success() {
            return Outcome::Fatal(ShopifyError::Status {
                status: status.as_u16(),
            });
        }
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return Outcome::Transient(network(e)),
        };
        let envelope: Envelope = match serde_json::from_slice(&bytes) {
            Ok(envelope) => envelope,
            Err(e) => {
                return Outcome::Fatal(ShopifyError::Decode(format!(
                    "expected a GraphQL JSON body: {e}"
                )));
            }
        };
        let cost = envelope.extensions.as_ref().and_then(|e| e.cost);
        *reported = cost.and_then(|c| c.throttle_status);
        self.interpret(envelope, cost, header_wait, doc, attempts)
    }

    fn interpret(
        &self,
        envelope: Envelope,
        cost: Option<QueryCost>,
        header_wait: Option<std::time::Duration>,
        doc: &Document,
        attempts: u32,
    ) -> Outcome<Answer, ShopifyError> {
        if let Some(points) = cost.and_then(|c| c.actual_query_cost) {
            self.points
                .fetch_add(points.max(0.0).round() as u64, Ordering::Relaxed);
        }
        let errors = envelope.errors.unwrap_or_default();
        if errors.iter().any(|e| e.code() == Some("THROTTLED")) {
            let requested = cost
                .and_then(|c| c.requested_query_cost)
                .unwrap_or(doc.cost);
            let bucket = cost.and_then(|c| c.throttle_status);
            let error = ShopifyError::Throttled {
                attempts,
                retry_after: bucket.map(|s| crate::bucket::bucket_wait(requested, &s)),
            };
            let wait = throttle_hint(requested, bucket.as_ref(), header_wait);
            return Outcome::Throttled { error, wait };
        }
        if let Some(withheld) = crate::protected::denial(&errors) {
            return Outcome::Fatal(withheld);
        }
        if let Some(denied) = errors.iter().find(|e| e.code() == Some("ACCESS_DENIED")) {
            return Outcome::Fatal(ShopifyError::AccessDenied {
                message: denied.message.clone(),
            });
        }
        match envelope.data {
            Some(Value::Object(data)) => Outcome::Done(Answer { data, errors }),
            _ if !errors.is_empty() => Outcome::Fatal(ShopifyError::GraphQl {
                message: errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            }),
            _ => Outcome::Fatal(ShopifyError::Decode(
                "response has neither data nor errors".into(),
            )),
        }
    }
}
