//! How requests are authenticated: a fixed access token, or tokens from the client credentials
//! grant of a Dev Dashboard app, cached and renewed before they expire (reference
//! `shopify-admin-api.md` §1.2: since 2026 new apps get tokens that last about 24 hours).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cin7_sparklayer_core::Secret;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, HeaderValue};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::ShopifyError;

/// Renew a granted token this long before it expires (or at half its life, if shorter).
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// Assumed lifetime when the grant does not say (`expires_in` is not confirmed by the docs).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Header value of a token, marked sensitive so it never shows in `Debug` or logs; `None` when
/// the token holds characters a header cannot carry.
pub(crate) fn token_header(token: &str) -> Option<HeaderValue> {
    let mut header = HeaderValue::from_str(token.trim()).ok()?;
    header.set_sensitive(true);
    Some(header)
}

/// The credentials of one client.
pub(crate) enum Auth {
    /// A token used as it is.
    Static(HeaderValue),
    /// Tokens from the client credentials grant.
    Granted(Box<Grant>),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Static(_) => "Auth::Static",
            Self::Granted(_) => "Auth::Granted",
        })
    }
}

/// The client credentials grant: `POST https://{shop}/admin/oauth/access_token`.
pub(crate) struct Grant {
    pub(crate) token_url: String,
    pub(crate) client_id: Secret,
    pub(crate) client_secret: Secret,
    cached: Mutex<Option<Cached>>,
    /// Tokens requested so far (each is one request, counted as a read).
    pub(crate) requests: AtomicU64,
}

struct Cached {
    header: HeaderValue,
    renew_at: Instant,
    generation: u64,
}

/// A token to send, and which grant it came from (to renew exactly that one on a 401).
pub(crate) struct Token {
    pub(crate) header: HeaderValue,
    pub(crate) generation: Option<u64>,
}

#[derive(Deserialize)]
struct GrantResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl Grant {
    pub(crate) fn new(token_url: String, client_id: Secret, client_secret: Secret) -> Self {
        Self {
            token_url,
            client_id,
            client_secret,
            cached: Mutex::new(None),
            requests: AtomicU64::new(0),
        }
    }
}

impl Auth {
    /// The token for the next request: the fixed one, the cached grant, or a new grant when
    /// none is cached, it is about to expire, or `stale` names the grant a 401 came back for.
    /// Concurrent callers wait for one grant request.
    pub(crate) async fn token(
        &self,
        http: &reqwest::Client,
        stale: Option<u64>,
    ) -> Result<Token, ShopifyError> {
        let grant = match self {
            Self::Static(header) => {
                return Ok(Token {
                    header: header.clone(),
                    generation: None,
                });
            }
            Self::Granted(grant) => grant,
        };
        let mut slot = grant.cached.lock().await;
        if let Some(c) = slot.as_ref()
            && Instant::now() < c.renew_at
            && stale != Some(c.generation)
        {
            return Ok(Token {
                header: c.header.clone(),
                generation: Some(c.generation),
            });
        }
        let (header, lifetime) = grant.request(http).await?;
        let generation = slot.as_ref().map_or(1, |c| c.generation + 1);
        let margin = RENEW_BEFORE.min(lifetime / 2);
        *slot = Some(Cached {
            header: header.clone(),
            renew_at: Instant::now() + lifetime.saturating_sub(margin),
            generation,
        });
        tracing::debug!(generation, "Shopify access token granted");
        Ok(Token {
            header,
            generation: Some(generation),
        })
    }

    /// Grant requests made (reads in the run report).
    pub(crate) fn grant_requests(&self) -> u64 {
        match self {
            Self::Static(_) => 0,
            Self::Granted(g) => g.requests.load(Ordering::Relaxed),
        }
    }
}

impl Grant {
    /// One grant request. A refusal (400, 401, 403) is fatal; anything else transient.
    async fn request(
        &self,
        http: &reqwest::Client,
    ) -> Result<(HeaderValue, Duration), ShopifyError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.expose().trim()),
            ("client_secret", self.client_secret.expose().trim()),
        ];
        let response = http
            .post(&self.token_url)
            .header(ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| ShopifyError::Network {
                attempts: 1,
                source: e.without_url(),
            })?;
        let status = response.status();
        if matches!(
            status,
            StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) {
            return Err(ShopifyError::GrantRefused {
                status: status.as_u16(),
            });
        }
        if !status.is_success() {
            return Err(ShopifyError::Server {
                status: status.as_u16(),
                attempts: 1,
            });
        }
        let bytes = response.bytes().await.map_err(|e| ShopifyError::Network {
            attempts: 1,
            source: e.without_url(),
        })?;
        let grant: GrantResponse = serde_json::from_slice(&bytes).map_err(|e| {
            ShopifyError::Decode(format!("access token response: {}", decode_reason(&e)))
        })?;
        if grant.access_token.trim().is_empty() {
            return Err(ShopifyError::Decode(
                "access token response: empty access_token".into(),
            ));
        }
        let lifetime = grant
            .expires_in
            .filter(|s| *s > 0)
            .map_or(DEFAULT_LIFETIME, Duration::from_secs);
        Ok((
            token_header(&grant.access_token).ok_or_else(|| {
                ShopifyError::Decode("access token response: not a valid header value".into())
            })?,
            lifetime,
        ))
    }
}

/// What is wrong with a grant response, without echoing the body (it would carry the token).
fn decode_reason(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "no access_token",
        serde_json::error::Category::Eof => "truncated",
    }
}
