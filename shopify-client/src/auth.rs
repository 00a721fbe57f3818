//! How requests are authenticated: a fixed access token, or tokens from the client credentials
//! grant of a Dev Dashboard app, cached and renewed before they expire (reference
//! `shopify-admin-api.md` §1.2: since 2026 new apps get tokens that last about 24 hours). The
//! cache and the retries are the shared ones of `cin7-sparklayer-http`.

use std::time::Duration;

use cin7_sparklayer_core::Secret;
use cin7_sparklayer_http::{
    Attempt, Grant, Outcome, Request, Retrier, Token, TokenCache, sensitive_header,
};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, HeaderValue};
use serde::Deserialize;

use crate::error::ShopifyError;

/// Renew a granted token this long before it expires (or at half its life, if shorter).
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// Assumed lifetime when the grant does not say (`expires_in` is not confirmed by the docs).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The credentials of one client.
pub(crate) enum Auth {
    /// A token used as it is.
    Static(HeaderValue),
    /// Tokens from the client credentials grant.
    Granted(Box<ClientCredentials>),
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
pub(crate) struct ClientCredentials {
    token_url: String,
    client_id: Secret,
    client_secret: Secret,
    cache: TokenCache,
}

/// The token header for the next request, and the grant it came from (to drop exactly that one
/// on a 401).
pub(crate) struct Credential {
    pub(crate) header: HeaderValue,
    pub(crate) granted: Option<Token>,
}

#[derive(Deserialize)]
struct GrantResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl ClientCredentials {
    pub(crate) fn new(token_url: String, client_id: Secret, client_secret: Secret) -> Self {
        Self {
            token_url,
            client_id,
            client_secret,
            cache: TokenCache::new(RENEW_BEFORE, DEFAULT_LIFETIME),
        }
    }
}

impl Auth {
    /// The header for the next request: the fixed token, or the cached grant (a new one when
    /// none is cached or it is due). Concurrent callers wait for one grant request.
    pub(crate) async fn credential(
        &self,
        http: &reqwest::Client,
        retrier: &Retrier,
    ) -> Result<Credential, ShopifyError> {
        let grant = match self {
            Self::Static(header) => {
                return Ok(Credential {
                    header: header.clone(),
                    granted: None,
                });
            }
            Self::Granted(grant) => grant,
        };
        let token = grant.cache.get(|| grant.request(http, retrier)).await?;
        let header = sensitive_header(token.secret().expose()).ok_or_else(|| {
            ShopifyError::Decode("access token response: not a valid header value".into())
        })?;
        Ok(Credential {
            header,
            granted: Some(token),
        })
    }

    /// Drops a granted token Shopify refused, so the next request asks for a new one.
    pub(crate) async fn refused(&self, token: &Token) {
        if let Self::Granted(grant) = self {
            grant.cache.invalidate(token).await;
        }
    }
}

impl ClientCredentials {
    /// The grant, retried like any read; a refusal (400, 401, 403) is final.
    async fn request(
        &self,
        http: &reqwest::Client,
        retrier: &Retrier,
    ) -> Result<Grant, ShopifyError> {
        let send = |attempt: Attempt| self.request_once(http, attempt.number);
        retrier.run(Request::read("access token grant"), send).await
    }

    async fn request_once(
        &self,
        http: &reqwest::Client,
        attempts: u32,
    ) -> Outcome<Grant, ShopifyError> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.expose().trim()),
            ("client_secret", self.client_secret.expose().trim()),
        ];
        let network = |e: reqwest::Error| ShopifyError::Network {
            attempts,
            source: e.without_url(),
        };
        let response = match http
            .post(&self.token_url)
            .header(ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) if e.is_connect() => return Outcome::NotSent(network(e)),
            Err(e) => return Outcome::Transient(network(e)),
        };
        let status = response.status();
        if matches!(
            status,
            StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) {
            return Outcome::Fatal(ShopifyError::GrantRefused {
                status: status.as_u16(),
            });
        }
        if !status.is_success() {
            // Nothing was granted: asking again does no harm.
            return Outcome::NotSent(ShopifyError::Server {
                status: status.as_u16(),
                attempts,
            });
        }
        match response.bytes().await {
            Ok(bytes) => decode_grant(&bytes).map_or_else(Outcome::Fatal, Outcome::Done),
            Err(e) => Outcome::Transient(network(e)),
        }
    }
}

/// The grant's JSON, without echoing the body in errors (it would carry the token).
fn decode_grant(bytes: &[u8]) -> Result<Grant, ShopifyError> {
    let grant: GrantResponse = serde_json::from_slice(bytes).map_err(|e| {
        ShopifyError::Decode(format!("access token response: {}", decode_reason(&e)))
    })?;
    if grant.access_token.trim().is_empty() {
        return Err(ShopifyError::Decode(
            "access token response: empty access_token".into(),
        ));
    }
    Ok(Grant {
        token: Secret::new(grant.access_token),
        lifetime: grant.expires_in.map(Duration::from_secs),
    })
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
