//! The HTTP core: auth headers, pacing (E7), retries, body checks; shared by every clone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use cin7_sparklayer_core::ports::RequestCounts;
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue, RETRY_AFTER};
use serde_json::Value;

use crate::body::{FinishError, finish};
use crate::config::{Cin7ClientBuilder, RetryPolicy};
use crate::retry::{Attempt, Decision, RetryKind, decide, parse_retry_after};
use crate::{BuildError, Cin7Error};

/// A governor clock on tokio's time, so pacing follows `tokio::time::pause` in tests.
#[derive(Debug, Clone)]
struct TokioClock {
    start: tokio::time::Instant,
}

impl Clock for TokioClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        tokio::time::Instant::now().saturating_duration_since(self.start)
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>;

/// Cumulative request counters (E9).
#[derive(Debug, Default)]
struct Counters {
    reads: AtomicU64,
    writes: AtomicU64,
    throttled: AtomicU64,
    retried: AtomicU64,
}

struct Inner {
    http: reqwest::Client,
    base_url: url::Url,
    page_size: u32,
    calls_per_minute: u32,
    retry: RetryPolicy,
    clock: TokioClock,
    limiter: Limiter,
    /// Set after a throttle answer: no clone sends before this instant.
    blocked_until: Mutex<Option<tokio::time::Instant>>,
    counters: Counters,
    rng: Mutex<StdRng>,
}

/// Cin7 Core External API v2 client. Cheap to clone: clones share the HTTP pool, the rate
/// limiter and the request counters.
///
/// Implements [`CustomerSource`](cin7_sparklayer_core::ports::CustomerSource) and
/// [`PricingSource`](cin7_sparklayer_core::ports::PricingSource).
#[derive(Clone)]
pub struct Cin7Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Cin7Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cin7Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("page_size", &self.inner.page_size)
            .field("calls_per_minute", &self.inner.calls_per_minute)
            .field("requests", &self.request_counts())
            .finish_non_exhaustive()
    }
}

impl Cin7Client {
    /// A builder with the documented defaults.
    pub fn builder() -> Cin7ClientBuilder {
        Cin7ClientBuilder::default()
    }

    /// A client from the `[cin7]` section of the configuration (SPEC §6), with the builder's
    /// defaults for everything the config does not set.
    ///
    /// # Errors
    /// [`BuildError`] when a secret is missing or a value is out of range.
    pub fn from_config(config: &crate::Cin7Config) -> Result<Self, BuildError> {
        Cin7ClientBuilder::from_config(config).build()
    }

    pub(crate) fn from_builder(b: Cin7ClientBuilder) -> Result<Self, BuildError> {
        let account_id = b
            .account_id
            .filter(|s| !s.is_blank())
            .ok_or(BuildError::MissingAccountId)?;
        let key = b
            .application_key
            .filter(|s| !s.is_blank())
            .ok_or(BuildError::MissingApplicationKey)?;
        let base_url = parse_base_url(&b.base_url)?;
        if !(1..=1000).contains(&b.page_size) {
            return Err(BuildError::OutOfRange {
                setting: "page_size",
                expected: "1–1000",
                value: b.page_size.into(),
            });
        }
        let per_minute =
            std::num::NonZeroU32::new(b.calls_per_minute).ok_or(BuildError::OutOfRange {
                setting: "calls_per_minute",
                expected: "at least 1",
                value: 0,
            })?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            "api-auth-accountid",
            sensitive(account_id.expose(), "account ID")?,
        );
        headers.insert(
            "api-auth-applicationkey",
            sensitive(key.expose(), "application key")?,
        );
        let mut http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("cin7-sparklayer/", env!("CARGO_PKG_VERSION")))
            .pool_idle_timeout(b.pool_idle_timeout);
        if let Some(t) = b.request_timeout {
            http = http.timeout(t);
        }
        if let Some(t) = b.connect_timeout {
            http = http.connect_timeout(t);
        }
        let http = http.build().map_err(BuildError::Http)?;
        // Burst 1, one cell every 60 s / N: no 60-second window can hold more than N requests
        // (a full burst of N would allow 2N, SPEC E7).
        let quota = Quota::per_minute(per_minute).allow_burst(std::num::NonZeroU32::MIN);
        let clock = TokioClock {
            start: tokio::time::Instant::now(),
        };
        let limiter = RateLimiter::direct_with_clock(quota, clock.clone());
        let rng = match b.jitter_seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base_url,
                page_size: b.page_size,
                calls_per_minute: b.calls_per_minute,
                retry: b.retry,
                clock,
                limiter,
                blocked_until: Mutex::new(None),
                counters: Counters::default(),
                rng: Mutex::new(rng),
            }),
        })
    }

    /// Requests made so far by this client and its clones: GETs are reads, webhook
    /// registrations (POST/PUT) writes;
    /// `throttled` counts 429/503 answers, `retried` other retried failures (E9).
    pub fn request_counts(&self) -> RequestCounts {
        let c = &self.inner.counters;
        RequestCounts {
            reads: c.reads.load(Ordering::Relaxed),
            writes: c.writes.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
        }
    }

    /// The `Limit` sent with list requests.
    pub fn page_size(&self) -> u32 {
        self.inner.page_size
    }

    /// The pacing limit (requests per sliding minute, E7).
    pub fn calls_per_minute(&self) -> u32 {
        self.inner.calls_per_minute
    }

    /// `GET {base}{path}?{query}` with pacing and retries (E7); the body as JSON, checked
    /// for HTML and `ErrorCode` bodies.
    ///
    /// # Errors
    /// [`Cin7Error`] after the retries the policy allows.
    pub async fn get_json(&self, path: &str, query: &[(&str, String)]) -> Result<Value, Cin7Error> {
        self.send_json(Method::GET, path, query, None).await
    }

    /// `POST`/`PUT {base}{path}` with a JSON body, paced like reads. Retried only when Cin7
    /// throttles it (429/503: it did not run); a 5xx or a network error is returned at once,
    /// since Cin7 may have run it (the caller reads back before trying again).
    ///
    /// # Errors
    /// [`Cin7Error`] as for [`Self::get_json`].
    pub async fn write_json(
        &self,
        method: Method,
        path: &str,
        body: &Value,
    ) -> Result<Value, Cin7Error> {
        self.send_json(method, path, &[], Some(body)).await
    }

    async fn send_json(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, Cin7Error> {
        let write = method != Method::GET;
        let url = self
            .inner
            .base_url
            .join(path)
            .map_err(|e| Cin7Error::Decode {
                path: path.to_owned(),
                message: format!("bad endpoint path: {e}"),
            })?;
        let mut retries = 0u32;
        loop {
            self.pace().await;
            let counter = if write {
                &self.inner.counters.writes
            } else {
                &self.inner.counters.reads
            };
            counter.fetch_add(1, Ordering::Relaxed);
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .query(query);
            if let Some(body) = body {
                request = request.json(body);
            }
            let sent = request.send().await;
            let attempt = match &sent {
                Ok(resp) => Attempt::Status {
                    status: resp.status().as_u16(),
                    retry_after: resp
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now())),
                },
                Err(e) if e.is_timeout() => Attempt::Timeout,
                Err(_) => Attempt::Network,
            };
            let jitter = self.jitter();
            let decision = match decide(&self.inner.retry, attempt, retries, jitter) {
                // A write that may have run is not sent twice.
                Decision::Retry {
                    kind: RetryKind::Transient,
                    ..
                } if write => Decision::GiveUp {
                    kind: RetryKind::Transient,
                },
                other => other,
            };
            match decision {
                Decision::Done => match sent {
                    Ok(resp) => match finish(path, resp).await {
                        Ok(v) => return Ok(v),
                        Err(FinishError::Cin7(e)) => return Err(e),
                        // A body cut off mid-read is a network failure: retry it too.
                        Err(FinishError::Body(message)) => {
                            if write || retries >= self.inner.retry.max_retries {
                                return Err(Cin7Error::Network {
                                    path: path.to_owned(),
                                    attempts: retries + 1,
                                    message,
                                });
                            }
                            let wait = self.transient_wait(retries);
                            self.note_retry(path, RetryKind::Transient, wait, retries, "body read");
                            tokio::time::sleep(wait).await;
                        }
                    },
                    // `decide` never says Done for a transport error; keep it an error anyway.
                    Err(e) => {
                        return Err(Cin7Error::Network {
                            path: path.to_owned(),
                            attempts: retries + 1,
                            message: e.without_url().to_string(),
                        });
                    }
                },
                Decision::Retry { wait, kind } => {
                    let what = match &sent {
                        Ok(r) => format!("HTTP {}", r.status().as_u16()),
                        Err(e) if e.is_timeout() => "timeout".to_owned(),
                        Err(_) => "connection error".to_owned(),
                    };
                    drop(sent);
                    if kind == RetryKind::Throttled {
                        self.block_for(wait);
                    }
                    self.note_retry(path, kind, wait, retries, &what);
                    tokio::time::sleep(wait).await;
                }
                Decision::GiveUp { kind } => {
                    let attempts = retries + 1;
                    if kind == RetryKind::Throttled {
                        self.inner
                            .counters
                            .throttled
                            .fetch_add(1, Ordering::Relaxed);
                    }
                    return Err(give_up(path, kind, attempt, sent, attempts));
                }
            }
            retries += 1;
        }
    }

    /// Waits for a throttle pause set by any clone, then for the shared limiter.
    async fn pace(&self) {
        loop {
            let until = *lock(&self.inner.blocked_until);
            if let Some(until) = until
                && until > tokio::time::Instant::now()
            {
                tokio::time::sleep_until(until).await;
                continue;
            }
            match self.inner.limiter.check() {
                Ok(()) => return,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(self.inner.clock.now());
                    tokio::time::sleep(wait.max(Duration::from_micros(1))).await;
                }
            }
        }
    }

    fn block_for(&self, wait: Duration) {
        let until = tokio::time::Instant::now() + wait;
        let mut blocked = lock(&self.inner.blocked_until);
        if blocked.is_none_or(|b| b < until) {
            *blocked = Some(until);
        }
    }

    fn jitter(&self) -> f64 {
        lock(&self.inner.rng).random::<f64>()
    }

    fn transient_wait(&self, retries: u32) -> Duration {
        match decide(&self.inner.retry, Attempt::Network, retries, self.jitter()) {
            Decision::Retry { wait, .. } => wait,
            _ => self.inner.retry.initial_backoff,
        }
    }

    fn note_retry(&self, path: &str, kind: RetryKind, wait: Duration, retries: u32, what: &str) {
        let counter = match kind {
            RetryKind::Throttled => &self.inner.counters.throttled,
            RetryKind::Transient => &self.inner.counters.retried,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            target: "cin7_client",
            path,
            what,
            attempt = retries + 1,
            max_retries = self.inner.retry.max_retries,
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "Cin7 request failed; backing off"
        );
    }
}

fn give_up(
    path: &str,
    kind: RetryKind,
    attempt: Attempt,
    sent: Result<reqwest::Response, reqwest::Error>,
    attempts: u32,
) -> Cin7Error {
    let path = path.to_owned();
    match (attempt, sent) {
        (
            Attempt::Status {
                status,
                retry_after,
            },
            _,
        ) if kind == RetryKind::Throttled => Cin7Error::Throttled {
            path,
            status,
            attempts,
            retry_after,
        },
        (Attempt::Status { status, .. }, _) => Cin7Error::Server {
            path,
            status,
            attempts,
        },
        (_, Err(e)) => Cin7Error::Network {
            path,
            attempts,
            message: e.without_url().to_string(),
        },
        (_, Ok(_)) => Cin7Error::Network {
            path,
            attempts,
            message: "no answer".to_owned(),
        },
    }
}

/// Locks a mutex, recovering from poisoning (the guarded values stay valid on panic).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn sensitive(value: &str, which: &'static str) -> Result<HeaderValue, BuildError> {
    let mut v =
        HeaderValue::from_str(value.trim()).map_err(|_| BuildError::InvalidCredential { which })?;
    v.set_sensitive(true);
    Ok(v)
}

fn parse_base_url(raw: &str) -> Result<url::Url, BuildError> {
    let mut text = raw.trim().to_owned();
    if !text.ends_with('/') {
        text.push('/');
    }
    let url = url::Url::parse(&text).map_err(|e| BuildError::InvalidBaseUrl {
        url: raw.to_owned(),
        reason: e.to_string(),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BuildError::InvalidBaseUrl {
            url: "(redacted: contains credentials)".to_owned(),
            reason: "must not carry credentials; use account_id and application_key".to_owned(),
        });
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(BuildError::InvalidBaseUrl {
            url: raw.to_owned(),
            reason: "must be http or https".to_owned(),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_gets_a_trailing_slash_and_rejects_credentials() {
        let url = parse_base_url("http://127.0.0.1:9/ExternalApi/v2").unwrap();
        assert_eq!(
            url.join("customer").unwrap().path(),
            "/ExternalApi/v2/customer"
        );
        let err = parse_base_url("https://user:pw@example.com/").unwrap_err();
        assert!(!err.to_string().contains("pw"));
        assert!(parse_base_url("ftp://example.com").is_err());
    }
}
