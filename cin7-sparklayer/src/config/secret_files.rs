//! Secrets from files (issue 16, mounted secrets): every secret key `k` of a section may be
//! written `k_file = "/run/secrets/…"` instead; the file's content (a trailing newline trimmed)
//! becomes the value. Applied once, on the parsed document, before the sections read it, for
//! every secret key the facade knows ([`super::SECRET_ENV_VARS`], `state.url`, a tenant's
//! `webhook.token`). The value never appears in an error: only the key and the path do.

use std::borrow::Cow;
use std::path::Path;

use cin7_sparklayer_core::ConfigError;

/// The suffix that names a secret's file.
pub const FILE_SUFFIX: &str = "_file";

/// `text` with each `section.key_file` of `keys` replaced by `section.key = <file content>`;
/// the text itself (unchanged, not re-parsed) when it names no `_file` key at all.
///
/// # Errors
/// [`ConfigError::Parse`] for invalid TOML; [`ConfigError::Rejected`] naming `section.key_file`
/// when its file cannot be read, is empty, or the key is also given as a value.
pub fn expand<'a>(text: &'a str, keys: &[&str]) -> Result<Cow<'a, str>, ConfigError> {
    if !text.contains(FILE_SUFFIX) {
        return Ok(Cow::Borrowed(text));
    }
    let mut document: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::Parse(super::one_line(&e.to_string())))?;
    let mut changed = false;
    for full in keys {
        let Some((section, key)) = full.split_once('.') else {
            continue;
        };
        let Some(toml::Value::Table(table)) = document.get_mut(section) else {
            continue;
        };
        changed |= expand_key(table, section, key)?;
    }
    if !changed {
        return Ok(Cow::Borrowed(text));
    }
    toml::to_string(&document)
        .map(Cow::Owned)
        .map_err(|e| ConfigError::Parse(e.to_string()))
}

/// Replaces `key_file` in one section's table by `key`; whether it was there.
fn expand_key(table: &mut toml::Table, section: &str, key: &str) -> Result<bool, ConfigError> {
    let file_key = format!("{key}{FILE_SUFFIX}");
    let Some(path) = table.remove(&file_key) else {
        return Ok(false);
    };
    let rejected = |message: String| ConfigError::Rejected {
        key: format!("{section}.{file_key}"),
        message,
    };
    if table.contains_key(key) {
        return Err(rejected(format!(
            "{section}.{key} is set too: give the value or its file, not both"
        )));
    }
    let toml::Value::String(path) = path else {
        return Err(rejected("must be a file path (a string)".to_owned()));
    };
    let value = read_secret(Path::new(&path)).map_err(rejected)?;
    table.insert(key.to_owned(), toml::Value::String(value));
    Ok(true)
}

/// The secret in `path`, without its trailing line break.
fn read_secret(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let value = text.trim_end_matches(['\n', '\r']);
    if value.trim().is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, content: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("secret-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, content).expect("write");
        path
    }

    #[test]
    fn a_file_key_becomes_the_value_and_others_stay() {
        let path = temp("key", "s3cret-from-file\n");
        let text = format!(
            "[cin7]\naccount_id = \"acc\"\napplication_key_file = {:?}\n",
            path.display().to_string()
        );
        let out = expand(&text, &["cin7.application_key"]).expect("expanded");
        let table: toml::Table = out.parse().expect("toml");
        assert_eq!(
            table["cin7"]["application_key"].as_str(),
            Some("s3cret-from-file")
        );
        assert_eq!(table["cin7"]["account_id"].as_str(), Some("acc"));
        assert!(table["cin7"].get("application_key_file").is_none());
    }

    #[test]
    fn text_without_file_keys_is_untouched() {
        let text = "[cin7]\n# a comment\naccount_id = \"acc\"\n";
        assert!(matches!(expand(text, &["cin7.account_id"]), Ok(Cow::Borrowed(t)) if t == text));
    }

    #[test]
    fn problems_name_the_file_key_never_the_value() {
        let path = temp("both", "s3cret-both");
        let both = format!(
            "[cin7]\napplication_key = \"x\"\napplication_key_file = {:?}\n",
            path.display().to_string()
        );
        let err = expand(&both, &["cin7.application_key"]).expect_err("both");
        assert!(
            err.to_string()
                .starts_with("invalid cin7.application_key_file: "),
            "{err}"
        );
        let missing = "[cin7]\napplication_key_file = \"/nonexistent/cin7-key\"\n";
        let err = expand(missing, &["cin7.application_key"]).expect_err("missing");
        assert!(
            err.to_string()
                .contains("cannot read /nonexistent/cin7-key"),
            "{err}"
        );
        let empty = temp("empty", "\n");
        let text = format!(
            "[webhook]\ntoken_file = {:?}\n",
            empty.display().to_string()
        );
        let err = expand(&text, &["webhook.token"]).expect_err("empty");
        assert!(err.to_string().contains("is empty"), "{err}");
        assert!(!format!("{err:?}").contains("s3cret"));
    }
}
