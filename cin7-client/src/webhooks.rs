//! Registering the daemon's webhooks with Cin7 (reference `cin7-core-api.md` §7): `GET /webhooks`,
//! then `POST` the missing ones and `PUT` the ones Cin7 deactivated (it does so after six failed
//! deliveries) or that carry another token. Idempotent: a second call writes nothing.

use cin7_sparklayer_core::Secret;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{Cin7Client, Cin7Error};

/// The events the sync listens to (SPEC §5: `daemon`).
pub const SYNC_WEBHOOK_TYPES: [&str; 2] = ["Customer/Updated", "Product/Updated"];

/// One webhook the sync wants: an event type and the URL Cin7 should post it to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    /// The event, e.g. `Customer/Updated`.
    pub kind: String,
    /// Where Cin7 delivers it.
    pub url: String,
}

/// What [`Cin7Client::ensure_webhooks`] did for one event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookAction {
    /// Already registered, active, with this URL and token.
    Unchanged,
    /// Registered now.
    Created,
    /// Re-activated or given the current token.
    Updated,
}

/// One registered webhook as `GET /webhooks` lists it (fields the sync reads).
#[derive(Debug, Deserialize)]
struct Registered {
    #[serde(rename = "ID")]
    id: Option<String>,
    #[serde(rename = "Type")]
    kind: Option<String>,
    #[serde(rename = "IsActive", default)]
    active: bool,
    #[serde(rename = "ExternalURL")]
    url: Option<String>,
    #[serde(rename = "ExternalAuthorizationType")]
    auth: Option<String>,
    #[serde(rename = "ExternalBearerToken")]
    token: Option<String>,
}

impl Registered {
    /// Same event, and the same endpoint ignoring the query: a webhook registered by hand at
    /// the same path is taken over rather than duplicated.
    fn matches(&self, target: &WebhookTarget) -> bool {
        self.kind.as_deref() == Some(target.kind.as_str())
            && self
                .url
                .as_deref()
                .is_some_and(|u| endpoint(u) == endpoint(&target.url))
    }

    fn up_to_date(&self, target: &WebhookTarget, token: &Secret) -> bool {
        self.active
            && self.url.as_deref().map(str::trim) == Some(target.url.trim())
            && self
                .auth
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case("bearerauth"))
            && self.token.as_deref() == Some(token.expose().trim())
    }
}

/// A URL without its query and trailing slash.
fn endpoint(url: &str) -> &str {
    let url = url.trim();
    url.split_once('?')
        .map_or(url, |(path, _)| path)
        .trim_end_matches('/')
}

/// The body that registers `kind` to `url` with bearer authentication.
fn body(id: Option<&str>, kind: &str, url: &str, token: &Secret) -> Value {
    let mut body = json!({
        "Type": kind,
        "IsActive": true,
        "ExternalURL": url,
        "ExternalAuthorizationType": "bearerauth",
        "ExternalBearerToken": token.expose().trim(),
    });
    if let (Some(id), Some(map)) = (id, body.as_object_mut()) {
        map.insert("ID".into(), json!(id));
    }
    body
}

impl Cin7Client {
    /// Makes sure Cin7 sends each target's event to its URL with `Authorization: Bearer <token>`:
    /// registers what is missing, re-activates, re-points or re-keys what is there. Webhooks
    /// of other endpoints (another system's) are left alone.
    ///
    /// Needs Cin7's automation module; without it Cin7 refuses the calls and the error says so.
    ///
    /// # Errors
    /// [`Cin7Error`] from the list or a write (a write is not retried on 5xx: the next call
    /// lists again first).
    pub async fn ensure_webhooks(
        &self,
        targets: &[WebhookTarget],
        token: &Secret,
    ) -> Result<Vec<(String, WebhookAction)>, Cin7Error> {
        let listed = self.get_json("webhooks", &[]).await?;
        // `{"Webhooks": [...]}` as documented; a bare array is taken too.
        let rows = listed.get("Webhooks").cloned().unwrap_or(listed);
        let registered: Vec<Registered> =
            serde_json::from_value(rows).map_err(|e| Cin7Error::Decode {
                path: "webhooks".into(),
                message: format!("webhook list: {}", shape_error(&e)),
            })?;
        let mut done = Vec::with_capacity(targets.len());
        for target in targets {
            let (kind, url) = (target.kind.as_str(), target.url.as_str());
            let existing = registered.iter().find(|r| r.matches(target));
            let action = match existing {
                Some(r) if r.up_to_date(target, token) => WebhookAction::Unchanged,
                Some(r) => {
                    self.write_json(
                        Method::PUT,
                        "webhooks",
                        &body(r.id.as_deref(), kind, url, token),
                    )
                    .await?;
                    WebhookAction::Updated
                }
                None => {
                    self.write_json(Method::POST, "webhooks", &body(None, kind, url, token))
                        .await?;
                    WebhookAction::Created
                }
            };
            tracing::info!(target: "cin7_client", kind, ?action, "Cin7 webhook");
            done.push((kind.to_owned(), action));
        }
        Ok(done)
    }
}

/// What is wrong with the webhook list, without quoting it (a row carries a bearer token).
fn shape_error(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Data => "unexpected shape",
        _ => "not JSON",
    }
}
