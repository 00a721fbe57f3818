//! The HTTP core: auth headers, pacing (E7), retries, body checks; shared by every clone.

use std::sync::Arc;
use std::time::Duration;

use cin7_sparklayer_core::ports::RequestCounts;
use cin7_sparklayer_http::{
    Attempt, Jitter, Outcome, Request, Resend, Retrier, retry_after, sensitive_header,
};
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use serde_json::Value;

use crate::body::{FinishError, finish};
use crate::config::Cin7ClientBuilder;
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

struct Inner {
    http: reqwest::Client,
    base_url: url::Url,
    page_size: u32,
    calls_per_minute: u32,
    clock: TokioClock,
    limiter: Limiter,
    /// Retries, throttle pauses and request counters, shared by every clone (E7, E9).
    retrier: Retrier,
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
        let http = b
            .options
            .builder(cin7_sparklayer_http::USER_AGENT)
            .default_headers(headers)
            .build()
            .map_err(BuildError::Http)?;
        // Burst 1, one cell every 60 s / N: no 60-second window can hold more than N requests
        // (a full burst of N would allow 2N, SPEC E7).
        let quota = Quota::per_minute(per_minute).allow_burst(std::num::NonZeroU32::MIN);
        let clock = TokioClock {
            start: tokio::time::Instant::now(),
        };
        let limiter = RateLimiter::direct_with_clock(quota, clock.clone());
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base_url,
                page_size: b.page_size,
                calls_per_minute: b.calls_per_minute,
                clock,
                limiter,
                retrier: Retrier::new("Cin7", b.retry, Jitter::from_seed(b.jitter_seed)),
            }),
        })
    }

    /// Requests made so far by this client and its clones: GETs are reads, webhook
    /// registrations (POST/PUT) writes;
    /// `throttled` counts 429/503 answers, `retried` other retried failures (E9).
    pub fn request_counts(&self) -> RequestCounts {
        self.inner.retrier.counts()
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
        let url = self
            .inner
            .base_url
            .join(path)
            .map_err(|e| Cin7Error::Decode {
                path: path.to_owned(),
                message: format!("bad endpoint path: {e}"),
            })?;
        // A write that may have run is not sent twice: the caller reads back instead.
        let request = if method == Method::GET {
            Request::read(path)
        } else {
            Request::write(path, Resend::OnlyIfNotRun)
        };
        let send = |attempt: Attempt| {
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .query(query);
            if let Some(body) = body {
                request = request.json(body);
            }
            async move {
                self.pace().await;
                classify(path, attempt.number, request.send().await).await
            }
        };
        self.inner.retrier.run(request, send).await
    }

    /// Waits for the shared limiter (throttle pauses are the retrier's).
    async fn pace(&self) {
        while let Err(not_until) = self.inner.limiter.check() {
            let wait = not_until.wait_time_from(self.inner.clock.now());
            tokio::time::sleep(wait.max(Duration::from_micros(1))).await;
        }
    }
}

/// Cin7's classifier (E7): 429 and 503 are throttling, 500/502/504 and timeouts transient (the
/// request may have run), a refused connection not sent; everything else is a final answer,
/// read by [`finish`] (HTML and `ErrorCode` bodies are errors, a body cut off mid-read transient).
async fn classify(
    path: &str,
    attempts: u32,
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Outcome<Value, Cin7Error> {
    let network = |message: String| Cin7Error::Network {
        path: path.to_owned(),
        attempts,
        message,
    };
    let response = match sent {
        Ok(response) => response,
        Err(e) if e.is_connect() => return Outcome::NotSent(network(e.without_url().to_string())),
        Err(e) => return Outcome::Transient(network(e.without_url().to_string())),
    };
    let status = response.status().as_u16();
    match status {
        429 | 503 => {
            let wait = retry_after(response.headers());
            let error = Cin7Error::Throttled {
                path: path.to_owned(),
                status,
                attempts,
                retry_after: wait,
            };
            Outcome::Throttled { error, wait }
        }
        500 | 502 | 504 => Outcome::Transient(Cin7Error::Server {
            path: path.to_owned(),
            status,
            attempts,
        }),
        _ => match finish(path, response).await {
            Ok(value) => Outcome::Done(value),
            Err(FinishError::Cin7(e)) => Outcome::Fatal(e),
            Err(FinishError::Body(message)) => Outcome::Transient(network(message)),
        },
    }
}

fn sensitive(value: &str, which: &'static str) -> Result<HeaderValue, BuildError> {
    sensitive_header(value).ok_or(BuildError::InvalidCredential { which })
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
