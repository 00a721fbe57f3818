//! Value rules every configuration section shares (SPEC §6): secrets given in the file or the
//! environment (the environment wins), and http(s) URLs. The sections themselves live with their
//! adapters; these helpers keep one copy of each rule and of its message.

use serde::{Deserialize, Deserializer};
use url::Url;

use super::ConfigError;
use crate::secret::Secret;

/// A secret the section needs: present and not blank.
///
/// # Errors
/// [`ConfigError::Missing`] naming `key` and the environment variable `env` that can provide it.
pub fn required_secret(
    value: &Option<Secret>,
    key: &'static str,
    env: &'static str,
) -> Result<Secret, ConfigError> {
    match value {
        Some(v) if !v.is_blank() => Ok(v.clone()),
        _ => Err(ConfigError::Missing { key, env }),
    }
}

/// Replaces `slot` with the environment variable `name` when it is set and not blank: the
/// environment wins over the file (SPEC §6). `env` is a lookup such as
/// `|k| std::env::var(k).ok()`.
pub fn secret_from_env(
    slot: &mut Option<Secret>,
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
) {
    if let Some(value) = env(name).filter(|v| !v.trim().is_empty()) {
        *slot = Some(Secret::new(value));
    }
}

/// What an http(s) URL key says when it is something else.
pub const NOT_AN_HTTP_URL: &str = "must be an http(s) URL";

/// Parses an http(s) URL (surrounding spaces ignored).
///
/// # Errors
/// [`NOT_AN_HTTP_URL`] when the text is no URL or another scheme; the text itself is never
/// repeated (a URL may carry credentials).
pub fn parse_http_url(text: &str) -> Result<Url, &'static str> {
    match Url::parse(text.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && !url.cannot_be_a_base() => Ok(url),
        _ => Err(NOT_AN_HTTP_URL),
    }
}

/// `#[serde(deserialize_with = "…::http_url")]`: a string holding an http(s) URL.
///
/// # Errors
/// The deserializer's error with [`NOT_AN_HTTP_URL`].
pub fn http_url<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Url, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_http_url(&text).map_err(serde::de::Error::custom)
}

/// `#[serde(default, deserialize_with = "…::optional_http_url")]`: an optional http(s) URL.
///
/// # Errors
/// As [`http_url`].
pub fn optional_http_url<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Url>, D::Error> {
    http_url(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_pass() {
        assert_eq!(
            parse_http_url(" https://app.sparklayer.io ").map(String::from),
            Ok("https://app.sparklayer.io/".to_owned())
        );
        assert!(parse_http_url("http://127.0.0.1:9/x/").is_ok());
        for bad in ["ftp://example.com", "not a url", "", "mailto:a@b.c"] {
            assert_eq!(parse_http_url(bad), Err(NOT_AN_HTTP_URL), "{bad}");
        }
    }

    #[test]
    fn the_environment_wins_unless_blank() {
        let mut slot = Some(Secret::new("file"));
        secret_from_env(&mut slot, &|_| Some("  ".into()), "X");
        assert_eq!(slot.as_ref().map(Secret::expose), Some("file"));
        secret_from_env(&mut slot, &|k| (k == "X").then(|| "env".into()), "X");
        assert_eq!(slot.as_ref().map(Secret::expose), Some("env"));
        assert!(required_secret(&Some(Secret::new(" ")), "a.b", "AB").is_err());
        assert!(required_secret(&slot, "a.b", "AB").is_ok());
    }
}
