//! `[state]`: the state section of the configuration (SPEC §6), owned by this crate.

use std::path::PathBuf;

use cin7_sparklayer_core::ConfigError;
use serde::Deserialize;

use crate::{SqliteStateStore, StateOpenError};

/// The state file used when the config names none.
pub const DEFAULT_STATE_PATH: &str = "cin7-sparklayer.sqlite";

/// `[state]`: where the state lives (E2, E4, E5). Today a SQLite file (`path`); the section is
/// `non_exhaustive` so another store (e.g. a `url`) can be added without breaking hosts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct StateConfig {
    /// `path` of the SQLite file, default [`DEFAULT_STATE_PATH`].
    #[serde(default = "default_path")]
    pub path: PathBuf,
}

impl StateConfig {
    /// A section for the SQLite file at `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Checks the section: `path` names a file.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `state.path`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.path.to_string_lossy().trim().is_empty() {
            return Err(ConfigError::invalid("state.path", "must not be empty"));
        }
        Ok(())
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
    /// Opens the store the `[state]` section names ([`SqliteStateStore::open`]).
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
