//! Client settings: the builder, its documented defaults and the retry policy (E7, SPEC §6).

use std::time::Duration;

use cin7_sparklayer_core::Secret;
use cin7_sparklayer_http::{ClientOptions, RetryPolicy};

use crate::{BuildError, Cin7Client, Cin7Config};

/// Cin7 Core External API v2 base URL (SPEC §6 default).
pub const DEFAULT_BASE_URL: &str = "https://inventory.dearsystems.com/ExternalApi/v2/";

/// Cin7's retry policy (E7), the builder's default: 7 attempts; 5xx and network errors back off
/// from 500 ms to 30 s; a 429/503 without `Retry-After` waits 15 s doubling to 65 s (a full
/// rate-limit window plus margin, never shorter); a `Retry-After` is honoured up to 120 s.
pub const DEFAULT_RETRY_POLICY: RetryPolicy = RetryPolicy {
    max_attempts: 7,
    base_delay: Duration::from_millis(500),
    max_delay: Duration::from_secs(30),
    throttle_base_delay: Duration::from_secs(15),
    throttle_max_delay: Duration::from_secs(65),
    max_server_wait: Duration::from_secs(120),
};

/// Builds a [`Cin7Client`]. Defaults: base URL [`DEFAULT_BASE_URL`], page size 1000,
/// 60 calls per minute, [`ClientOptions::default`] (request timeout 60 s, connect timeout 10 s),
/// [`DEFAULT_RETRY_POLICY`], jitter from an OS-seeded RNG.
#[derive(Debug, Clone)]
pub struct Cin7ClientBuilder {
    pub(crate) account_id: Option<Secret>,
    pub(crate) application_key: Option<Secret>,
    pub(crate) base_url: String,
    pub(crate) page_size: u32,
    pub(crate) calls_per_minute: u32,
    pub(crate) options: ClientOptions,
    pub(crate) retry: RetryPolicy,
    pub(crate) jitter_seed: Option<u64>,
}

impl Default for Cin7ClientBuilder {
    fn default() -> Self {
        Self {
            account_id: None,
            application_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            page_size: 1000,
            calls_per_minute: 60,
            options: ClientOptions::default(),
            retry: DEFAULT_RETRY_POLICY,
            jitter_seed: None,
        }
    }
}

impl Cin7ClientBuilder {
    /// The account ID (`api-auth-accountid`).
    pub fn account_id(mut self, value: impl Into<Secret>) -> Self {
        self.account_id = Some(value.into());
        self
    }

    /// The application key (`api-auth-applicationkey`).
    pub fn application_key(mut self, value: impl Into<Secret>) -> Self {
        self.application_key = Some(value.into());
        self
    }

    /// The API base URL; a trailing `/` is added when missing (sandbox fakes, wiremock).
    pub fn base_url(mut self, value: impl Into<String>) -> Self {
        self.base_url = value.into();
        self
    }

    /// `Limit` sent with every list request, 1–1000. Cin7 may still send fewer rows (E8).
    pub fn page_size(mut self, value: u32) -> Self {
        self.page_size = value;
        self
    }

    /// At most this many requests in any sliding 60-second window, shared by every clone (E7).
    pub fn calls_per_minute(mut self, value: u32) -> Self {
        self.calls_per_minute = value;
        self
    }

    /// Whole-request timeout; `None` disables it (tests on tokio's paused clock need that,
    /// because a paused clock jumps over timers while a request waits on the network).
    pub fn request_timeout(mut self, value: Option<Duration>) -> Self {
        self.options.request_timeout = value;
        self
    }

    /// Connect timeout; `None` disables it.
    pub fn connect_timeout(mut self, value: Option<Duration>) -> Self {
        self.options.connect_timeout = value;
        self
    }

    /// How long an idle pooled connection is kept (default 90 s); `None` keeps it. Tests on
    /// tokio's paused clock set `None`: the idle timer is otherwise the next timer the clock
    /// jumps to while a request is in flight.
    pub fn pool_idle_timeout(mut self, value: Option<Duration>) -> Self {
        self.options.pool_idle_timeout = value;
        self
    }

    /// Timeouts and user agent of the connection pool, all at once.
    pub fn options(mut self, value: ClientOptions) -> Self {
        self.options = value;
        self
    }

    /// The retry policy (default [`DEFAULT_RETRY_POLICY`]).
    pub fn retry(mut self, value: RetryPolicy) -> Self {
        self.retry = value;
        self
    }

    /// Seeds the backoff jitter RNG, for reproducible tests.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// Takes account ID, key, base URL, page size and calls per minute from the `[cin7]` config.
    pub fn from_config(config: &Cin7Config) -> Self {
        let mut b = Self::default()
            .base_url(config.base_url.as_str())
            .page_size(config.page_size)
            .calls_per_minute(config.calls_per_minute);
        if let Some(id) = &config.account_id {
            b = b.account_id(id.clone());
        }
        if let Some(key) = &config.application_key {
            b = b.application_key(key.clone());
        }
        b
    }

    /// Validates the settings and creates the client.
    ///
    /// # Errors
    /// [`BuildError`] naming the missing secret, the bad URL or the out-of-range number.
    pub fn build(self) -> Result<Cin7Client, BuildError> {
        Cin7Client::from_builder(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_config_carries_the_settings() {
        let config: Cin7Config = toml::from_str(
            r#"
            account_id = "acc"
            application_key = "key"
            page_size = 250
            calls_per_minute = 30
            "#,
        )
        .unwrap();
        let b = Cin7ClientBuilder::from_config(&config);
        assert_eq!(b.page_size, 250);
        assert_eq!(b.calls_per_minute, 30);
        assert_eq!(b.base_url, DEFAULT_BASE_URL);
        assert_eq!(b.account_id.as_ref().map(Secret::expose), Some("acc"));
    }
}
