//! The tenants directory (issue 16 item 2): one `<tenant>.toml` per merchant, re-read without a
//! restart. Every `replicas.scan_every` the replica lists the directory and compares each file's
//! modification time and length with the last reading; only changed files are parsed again.
//!
//! Polling rather than the `notify` crate: one `readdir` and a `stat` per file every few seconds
//! costs nothing next to a sync, needs no new dependency, and sees every way operators deploy the
//! files (Kubernetes ConfigMaps swap a symlinked directory, network filesystems send no inotify
//! events) with one code path. A changed `*_file` secret is read when its tenant file changes
//! (touch it after rotating a secret).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::config::{OperatorConfig, TenantConfig, validate_tenant_id};

/// What tells a file changed: its modification time and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
}

/// A `*.toml` file of the directory.
#[derive(Debug, Clone)]
pub(crate) struct TenantFileEntry {
    pub(crate) path: PathBuf,
    pub(crate) stamp: FileStamp,
}

/// The `*.toml` files of `dir` by file stem (not yet checked as tenant IDs).
///
/// # Errors
/// The directory cannot be listed (the caller keeps its tenants and tries again).
pub(crate) fn scan(dir: &Path) -> std::io::Result<BTreeMap<String, TenantFileEntry>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        // Follows symlinks (ConfigMaps); a file that vanished meanwhile is left for the next scan.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let stamp = FileStamp {
            modified: meta.modified().ok(),
            len: meta.len(),
        };
        files.insert(stem, TenantFileEntry { path, stamp });
    }
    Ok(files)
}

/// Reads one tenant file: its ID checked, its sections parsed and validated against the
/// operator's configuration. The error is one line naming the file and what to fix.
pub(crate) fn load(
    stem: &str,
    path: &Path,
    operator: &OperatorConfig,
) -> Result<TenantConfig, String> {
    let shown = path.display();
    validate_tenant_id(stem).map_err(|e| format!("tenant file {shown}: {e}"))?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("tenant file {shown}: {e}"))?;
    TenantConfig::from_toml_str(&text, operator)
        .map_err(|e| format!("tenant file {shown}: {}", e.to_string().replace('\n', " ")))
}
