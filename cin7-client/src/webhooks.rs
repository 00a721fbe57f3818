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
    fn matches(&self, kind: &str, url: &str) -> bool {
        self.kind.as_deref() == Some(kind) && self.url.as_deref().is_some_and(|u| same_url(u, url))
    }

    fn up_to_date(&self, token: &Secret) -> bool {
        self.active
            && self
                .auth
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case("bearerauth"))
            && self.token.as_deref() == Some(token.expose().trim())
    }
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/')
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
    /// Makes sure Cin7 sends each of `types` to `url` with `Authorization: Bearer <token>`:
    /// registers what is missing, re-activates or re-keys what is there. Webhooks of other
    /// URLs (another system's) are left alone.
    ///
    /// Needs Cin7's automation module; without it Cin7 refuses the calls and the error says so.
    ///
    /// # Errors
    /// [`Cin7Error`] from the list or a write (a write is not retried on 5xx: the next call
    /// lists again first).
    pub async fn ensure_webhooks(
        &self,
        url: &str,
        token: &Secret,
        types: &[&str],
    ) -> Result<Vec<(String, WebhookAction)>, Cin7Error> {
        let listed = self.get_json("webhooks", &[]).await?;
        // `{"Webhooks": [...]}` as documented; a bare array is taken too.
        let rows = listed.get("Webhooks").cloned().unwrap_or(listed);
        let registered: Vec<Registered> =
            serde_json::from_value(rows).map_err(|e| Cin7Error::Decode {
                path: "webhooks".into(),
                message: format!("webhook list: {}", shape_error(&e)),
            })?;
        let mut done = Vec::with_capacity(types.len());
        for kind in types {
            let existing = registered.iter().find(|r| r.matches(kind, url));
            let action = match existing {
                Some(r) if r.up_to_date(token) => WebhookAction::Unchanged,
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
            done.push(((*kind).to_owned(), action));
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
