//! `[state]`: the state section of the configuration (SPEC §6), owned by this crate.

use std::path::{Path, PathBuf};

use cin7_sparklayer_core::{ConfigError, Secret};
use serde::Deserialize;

use crate::{SqliteStateStore, StateOpenError};

/// The state file used when the config names none.
pub const DEFAULT_STATE_PATH: &str = "cin7-sparklayer.sqlite";

/// The URL schemes `state.url` accepts.
const POSTGRES_SCHEMES: [&str; 2] = ["postgres://", "postgresql://"];

/// `[state]`: where the state lives (E2, E4, E5): an SQLite file (`path`, the default) or a
/// PostgreSQL database (`url = "postgres://user:password@host:port/database"`, issue 16), never
/// both. The URL is a [`Secret`]: its password never shows in `Debug` or errors.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawStateConfig")]
#[non_exhaustive]
pub struct StateConfig {
    /// `path` of the SQLite file, default [`DEFAULT_STATE_PATH`]. Unused when `url` is set.
    pub path: PathBuf,
    /// `url` of a PostgreSQL database; when set, the state lives there instead of in `path`.
    pub url: Option<Secret>,
}

/// Where a [`StateConfig`] puts the state. Exhaustive on purpose: a host that picks the store
/// must handle every kind.
#[derive(Debug, Clone, Copy)]
pub enum StateLocation<'a> {
    /// An SQLite file (`state.path`).
    Sqlite(&'a Path),
    /// A PostgreSQL database (`state.url`).
    Postgres(&'a Secret),
}

/// `[state]` as written: both keys optional, so that setting both can be refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStateConfig {
    path: Option<PathBuf>,
    url: Option<Secret>,
}

impl TryFrom<RawStateConfig> for StateConfig {
    type Error = &'static str;

    fn try_from(raw: RawStateConfig) -> Result<Self, Self::Error> {
        match raw {
            RawStateConfig {
                path: Some(_),
                url: Some(_),
            } => Err(
                "state.path and state.url are both set: keep state.path for an SQLite file \
                      or state.url for PostgreSQL",
            ),
            RawStateConfig { path, url } => Ok(Self {
                path: path.unwrap_or_else(default_path),
                url,
            }),
        }
    }
}

impl StateConfig {
    /// A section for the SQLite file at `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            url: None,
        }
    }

    /// A section for the PostgreSQL database at `url` (`postgres://…`).
    pub fn postgres(url: Secret) -> Self {
        Self {
            path: default_path(),
            url: Some(url),
        }
    }

    /// Where the state lives: `url` when set, else `path`.
    pub fn location(&self) -> StateLocation<'_> {
        match &self.url {
            Some(url) => StateLocation::Postgres(url),
            None => StateLocation::Sqlite(&self.path),
        }
    }

    /// Checks the section: `path` names a file, or `url` is a `postgres://` or
    /// `postgresql://` URL (checked in full when the store connects).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `state.path` or `state.url`, never showing the URL.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self.location() {
            StateLocation::Sqlite(path) if path.to_string_lossy().trim().is_empty() => {
                Err(ConfigError::invalid("state.path", "must not be empty"))
            }
            StateLocation::Sqlite(_) => Ok(()),
            StateLocation::Postgres(url) => {
                let url = url.expose().trim_start();
                let scheme_ok = POSTGRES_SCHEMES.iter().any(|scheme| {
                    url.get(..scheme.len())
                        .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
                });
                if scheme_ok {
                    Ok(())
                } else {
                    Err(ConfigError::invalid(
                        "state.url",
                        "must start with postgres:// or postgresql:// (for an SQLite file, set \
                         state.path instead)",
                    ))
                }
            }
        }
    }
}

impl Default for StateConfig {
    /// [`DEFAULT_STATE_PATH`].
    fn default() -> Self {
        Self::at(DEFAULT_STATE_PATH)
    }
}

fn default_path() -> PathBuf {
    PathBuf::from(DEFAULT_STATE_PATH)
}

impl SqliteStateStore {
    /// Opens the SQLite file the `[state]` section names ([`SqliteStateStore::open`]). The host
    /// chooses the store by [`StateConfig::location`]; this reads `path` only.
    ///
    /// # Errors
    /// As [`SqliteStateStore::open`].
    pub fn from_config(config: &StateConfig) -> Result<Self, StateOpenError> {
        Self::open(&config.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_defaults_and_must_not_be_blank() {
        assert_eq!(
            StateConfig::default().path,
            PathBuf::from(DEFAULT_STATE_PATH)
        );
        let err = StateConfig::at(" ").validate().unwrap_err().to_string();
        assert_eq!(err, "invalid state.path: must not be empty");
        StateConfig::at("/var/lib/sync/state.sqlite")
            .validate()
            .unwrap();
    }

    #[test]
    fn a_postgres_url_is_checked_without_showing_it() {
        let config = StateConfig::postgres(Secret::new("postgresql://u:pw@db/state"));
        config.validate().unwrap();
        assert!(matches!(config.location(), StateLocation::Postgres(_)));
        assert!(!format!("{config:?}").contains("pw@"), "{config:?}");
        for bad in [
            "mysql://u:s3cret@db/x",
            "s3cret",
            "",
            "postgres:/u:s3cret@db",
        ] {
            let err = StateConfig::postgres(Secret::new(bad))
                .validate()
                .unwrap_err()
                .to_string();
            assert_eq!(
                err,
                "invalid state.url: must start with postgres:// or postgresql:// (for an SQLite \
                 file, set state.path instead)"
            );
        }
    }

    #[test]
    fn path_and_url_are_exclusive() {
        let both: Result<StateConfig, _> =
            serde_json::from_str(r#"{"path": "s.sqlite", "url": "postgres://h/db"}"#);
        let err = both.unwrap_err().to_string();
        assert!(
            err.starts_with(
                "state.path and state.url are both set: keep state.path for an SQLite file or \
                 state.url for PostgreSQL"
            ),
            "{err}"
        );
        let url: StateConfig = serde_json::from_str(r#"{"url": "postgres://h/db"}"#).unwrap();
        assert!(matches!(url.location(), StateLocation::Postgres(_)));
        let path: StateConfig = serde_json::from_str(r#"{"path": "s.sqlite"}"#).unwrap();
        assert!(matches!(path.location(), StateLocation::Sqlite(p) if p == Path::new("s.sqlite")));
        let unknown: Result<StateConfig, _> = serde_json::from_str(r#"{"uri": "x"}"#);
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .contains("unknown field `uri`")
        );
    }

    #[test]
    fn from_config_opens_the_named_file() {
        let dir = std::env::temp_dir().join(format!("state-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.sqlite");
        let _ = std::fs::remove_file(&path);
        SqliteStateStore::from_config(&StateConfig::at(&path)).unwrap();
        assert!(path.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
