//! The `--json` report file (E9) of the binaries, opened before the run (E11): a path that
//! cannot be created or written stops the run before it writes anything anywhere.

use std::fs::{File, OpenOptions};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

/// Why the report file cannot be used: one line naming the path (exit status 1).
#[derive(Debug, thiserror::Error)]
#[error("cannot write the JSON report to {}: {source}", path.display())]
pub struct ReportFileError {
    /// The path given with `--json`.
    path: PathBuf,
    /// What the operating system said.
    #[source]
    source: std::io::Error,
}

impl ReportFileError {
    /// The path given with `--json`.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A report file opened for writing (E11). Its directory is created when missing; an existing
/// file keeps its content until [`ReportFile::write`]. A file this opened created and that was
/// never written is removed on drop, so a run that could not finish leaves no empty report.
#[derive(Debug)]
pub struct ReportFile {
    path: PathBuf,
    file: File,
    created: bool,
    written: bool,
}

impl ReportFile {
    /// Creates `path`'s missing directories and opens it for writing, without truncating.
    ///
    /// # Errors
    /// [`ReportFileError`] naming `path` when a directory cannot be created (a regular file in
    /// the way, no permission) or the file cannot be opened for writing.
    pub fn open(path: &Path) -> Result<Self, ReportFileError> {
        let fail = |source| ReportFileError {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let created = !path.exists();
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(fail)?;
        Ok(Self {
            path: path.to_owned(),
            file,
            created,
            written: false,
        })
    }

    /// Replaces the file's content with `json`.
    ///
    /// # Errors
    /// [`ReportFileError`] naming the path (e.g. the disk is full).
    pub fn write(mut self, json: &str) -> Result<(), ReportFileError> {
        self.written = true;
        let result = self
            .file
            .set_len(0)
            .and_then(|()| self.file.rewind())
            .and_then(|()| self.file.write_all(json.as_bytes()))
            .and_then(|()| self.file.flush());
        result.map_err(|source| ReportFileError {
            path: self.path.clone(),
            source,
        })
    }
}

impl Drop for ReportFile {
    fn drop(&mut self) {
        if self.created && !self.written {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("report-file-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_nested_missing_directory_is_created_and_the_report_replaces_old_content() {
        let root = dir("nested");
        let path = root.join("a/b/report.json");
        ReportFile::open(&path)
            .expect("E11: created")
            .write("{\"first\": true, \"longer\": 1}")
            .expect("write");
        ReportFile::open(&path)
            .expect("reopen")
            .write("{}")
            .expect("write");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "{}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn an_unwritten_new_file_is_removed_and_an_old_one_kept() {
        let root = dir("unwritten");
        let path = root.join("report.json");
        drop(ReportFile::open(&path).expect("open"));
        assert!(!path.exists(), "no empty report left behind");
        std::fs::write(&path, "old").expect("write");
        drop(ReportFile::open(&path).expect("open"));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "old");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_path_under_a_regular_file_names_the_path() {
        let root = dir("under-file");
        std::fs::create_dir_all(&root).expect("mkdir");
        let plain = root.join("plain.txt");
        std::fs::write(&plain, "x").expect("write");
        let path = plain.join("report.json");
        let err = ReportFile::open(&path).expect_err("a file is in the way");
        assert_eq!(err.path(), path);
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(!message.contains('\n'), "{message}");
        let _ = std::fs::remove_dir_all(&root);
    }
}
