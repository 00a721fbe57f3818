//! [`ClientOptions`]: the settings of the HTTP connection pool under a client.

use std::time::Duration;

use reqwest::header::HeaderValue;

/// Timeouts and identity of a client's connection pool. [`Default`]: request timeout 60 s,
/// connect timeout 10 s, idle connections kept 90 s, the client's own user agent
/// (`cin7-sparklayer/<version>` and the client's name).
///
/// Tests on tokio's paused clock set the timeouts to `None`: reqwest's timers would otherwise
/// fire as soon as the clock jumps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Whole-request timeout (`None`: none).
    pub request_timeout: Option<Duration>,
    /// Connect timeout (`None`: none).
    pub connect_timeout: Option<Duration>,
    /// How long an idle pooled connection is kept (`None`: forever).
    pub pool_idle_timeout: Option<Duration>,
    /// The `User-Agent` header; `None`: the client's own.
    pub user_agent: Option<String>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            request_timeout: Some(Duration::from_secs(60)),
            connect_timeout: Some(Duration::from_secs(10)),
            pool_idle_timeout: Some(Duration::from_secs(90)),
            user_agent: None,
        }
    }
}

/// The user agent of a client that names none of its own: `cin7-sparklayer/<version>`.
pub const USER_AGENT: &str = concat!("cin7-sparklayer/", env!("CARGO_PKG_VERSION"));

/// The HTTP client could not be built from the options.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {source}")]
pub struct OptionsError {
    #[source]
    source: reqwest::Error,
}

impl ClientOptions {
    /// No timers at all: for tests on tokio's paused clock.
    pub fn without_timeouts() -> Self {
        Self {
            request_timeout: None,
            connect_timeout: None,
            pool_idle_timeout: None,
            user_agent: None,
        }
    }

    /// A reqwest client (rustls) with these options.
    ///
    /// # Errors
    /// [`OptionsError`] when the TLS backend cannot start or the user agent is not a valid header.
    pub fn build(&self, default_user_agent: &str) -> Result<reqwest::Client, OptionsError> {
        self.builder(default_user_agent)
            .build()
            .map_err(|source| OptionsError { source })
    }

    /// A reqwest builder with these options, for a client that adds its own (default headers);
    /// `default_user_agent` unless the options name one.
    pub fn builder(&self, default_user_agent: &str) -> reqwest::ClientBuilder {
        let mut builder = reqwest::Client::builder()
            .user_agent(self.user_agent.as_deref().unwrap_or(default_user_agent))
            .pool_idle_timeout(self.pool_idle_timeout);
        if let Some(t) = self.request_timeout {
            builder = builder.timeout(t);
        }
        if let Some(t) = self.connect_timeout {
            builder = builder.connect_timeout(t);
        }
        builder
    }
}

/// A header value for a secret (token, key), marked sensitive so it never shows in `Debug`
/// or logs; `None` when the value holds characters a header cannot carry.
pub fn sensitive_header(value: &str) -> Option<HeaderValue> {
    let mut header = HeaderValue::from_str(value.trim()).ok()?;
    header.set_sensitive(true);
    Some(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_headers_hide_their_value_and_refuse_newlines() {
        let h = sensitive_header(" tok ").expect("valid");
        assert!(h.is_sensitive());
        assert_eq!(h.to_str().ok(), Some("tok"));
        assert!(!format!("{h:?}").contains("tok"));
        assert!(sensitive_header("a\nb").is_none());
    }

    #[test]
    fn default_options_build() {
        assert!(USER_AGENT.starts_with("cin7-sparklayer/"));
        ClientOptions::default().build(USER_AGENT).expect("client");
        ClientOptions::without_timeouts()
            .build(USER_AGENT)
            .expect("client");
    }
}
