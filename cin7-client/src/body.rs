//! Reading a final answer: JSON only, never an HTML page or an `ErrorCode` body taken as data.

use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;

use crate::Cin7Error;

/// Why [`finish`] failed: the body could not be read (retryable), or it is a Cin7 error.
pub(crate) enum FinishError {
    Body(String),
    Cin7(Cin7Error),
}

/// Reads a final answer: 2xx JSON (not HTML, not an `ErrorCode` body), or the matching error.
pub(crate) async fn finish(path: &str, resp: reqwest::Response) -> Result<Value, FinishError> {
    let status = resp.status().as_u16();
    let is_html_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("text/html"));
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| FinishError::Body(e.without_url().to_string()))?;
    let err = |e: Cin7Error| Err(FinishError::Cin7(e));
    if status == 403 {
        return err(Cin7Error::BadCredentials);
    }
    let trimmed = bytes.trim_ascii_start();
    if is_html_type || trimmed.first() == Some(&b'<') {
        return err(Cin7Error::Html {
            path: path.to_owned(),
            status,
        });
    }
    let parsed: Result<Value, _> =
        serde_json::from_slice(&bytes).or_else(|e| salvage(&bytes).ok_or(e));
    if let Ok(value) = &parsed
        && let Some((code, message)) = error_model(value)
    {
        return err(Cin7Error::ErrorBody {
            path: path.to_owned(),
            status,
            code,
            message,
        });
    }
    if !(200..300).contains(&status) {
        return err(Cin7Error::Status {
            path: path.to_owned(),
            status,
            message: excerpt(&bytes),
        });
    }
    match parsed {
        Ok(v) => Ok(v),
        Err(e) if bytes.is_empty() => err(Cin7Error::Decode {
            path: path.to_owned(),
            message: format!("empty body ({e})"),
        }),
        Err(e) => err(Cin7Error::Decode {
            path: path.to_owned(),
            message: e.to_string(),
        }),
    }
}

/// Marker key of a row that serde_json refused on its own (a number beyond f64, nesting deeper
/// than 128, a lone surrogate): the row becomes a `malformed` skip, the page goes on (E3).
pub(crate) const UNPARSEABLE_ROW: &str = "__cin7_sparklayer_unparseable_row";

/// Re-reads a page whose whole body serde_json refused, one top-level value and one list row at
/// a time (raw values are skipped without being interpreted), so only the bad rows are lost.
/// `None` when even the envelope is not JSON.
fn salvage(bytes: &[u8]) -> Option<Value> {
    let top: BTreeMap<String, Box<RawValue>> = serde_json::from_slice(bytes).ok()?;
    let mut out = serde_json::Map::new();
    for (key, raw) in top {
        let value = match serde_json::from_str::<Value>(raw.get()) {
            Ok(v) => v,
            Err(_) => {
                let rows: Vec<Box<RawValue>> = serde_json::from_str(raw.get()).ok()?;
                Value::Array(
                    rows.iter()
                        .map(|row| {
                            serde_json::from_str::<Value>(row.get()).unwrap_or_else(|e| {
                                let mut m = serde_json::Map::new();
                                m.insert(UNPARSEABLE_ROW.into(), Value::String(e.to_string()));
                                Value::Object(m)
                            })
                        })
                        .collect(),
                )
            }
        };
        out.insert(key, value);
    }
    Some(Value::Object(out))
}

/// `{"ErrorCode": n, "Exception": "…"}`, bare or as the first item of an array.
fn error_model(value: &Value) -> Option<(i64, String)> {
    let obj = match value {
        Value::Object(o) => o,
        Value::Array(items) => items.first()?.as_object()?,
        _ => return None,
    };
    let code = obj.get("ErrorCode")?;
    let code = code
        .as_i64()
        .or_else(|| code.as_str().and_then(|s| s.trim().parse().ok()))
        .unwrap_or_default();
    let message = obj
        .get("Exception")
        .and_then(Value::as_str)
        .unwrap_or("(no message)")
        .to_owned();
    Some((code, message))
}

/// The first 200 characters of a body, on one line.
fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_error_models() {
        let one = serde_json::json!({"ErrorCode": 400, "Exception": "bad"});
        assert_eq!(error_model(&one), Some((400, "bad".to_owned())));
        let list = serde_json::json!([{"ErrorCode": "404", "Exception": "Category not found."}]);
        assert_eq!(
            error_model(&list),
            Some((404, "Category not found.".to_owned()))
        );
        assert_eq!(error_model(&serde_json::json!({"Total": 0})), None);
        assert_eq!(error_model(&serde_json::json!([])), None);
    }

    #[test]
    fn salvage_keeps_good_rows_and_marks_the_unreadable_one() {
        let page = br#"{"Total":3,"Page":1,"CustomerList":[{"ID":"a"},{"ID":"b","CreditLimit":1e400},{"ID":"c"}]}"#;
        assert!(serde_json::from_slice::<Value>(page).is_err());
        let v = super::salvage(page).expect("envelope is JSON");
        assert_eq!(v["Total"], 3);
        let rows = v["CustomerList"].as_array().expect("rows");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["ID"], "a");
        assert!(rows[1].get(super::UNPARSEABLE_ROW).is_some());
        assert_eq!(rows[2]["ID"], "c");
        assert!(super::salvage(b"<html>").is_none());
    }
}
