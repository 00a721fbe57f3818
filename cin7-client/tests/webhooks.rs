//! Webhook registration (reference §7): created once, idempotent, a deactivated or re-keyed
//! webhook is put back, other systems' webhooks are left alone, a write that may have run is
//! not sent twice, and the bearer token never shows in errors.

mod common;

use cin7_client::{Cin7Client, SYNC_WEBHOOK_TYPES, WebhookAction, WebhookTarget};
use cin7_sparklayer_core::Secret;
use cin7_sparklayer_sandbox::cin7::{FakeCin7, FakeCin7Options};
use cin7_sparklayer_sandbox::data::Dataset;
use common::{builder, fallback};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const URL: &str = "https://sync.example.com/webhooks/cin7";
const TOKEN: &str = "webhook-token-SECRET-81f2";

/// One URL per event, as the daemon registers them.
fn targets() -> Vec<WebhookTarget> {
    SYNC_WEBHOOK_TYPES
        .iter()
        .map(|kind| WebhookTarget {
            kind: (*kind).to_owned(),
            url: format!("{URL}?event={kind}"),
        })
        .collect()
}

fn token() -> Secret {
    Secret::new(TOKEN)
}

fn client_for(fake: &FakeCin7) -> Cin7Client {
    Cin7Client::builder()
        .account_id(fake.account_id())
        .application_key(fake.application_key())
        .base_url(fake.base_url())
        .calls_per_minute(6_000)
        .request_timeout(None)
        .connect_timeout(None)
        .build()
        .expect("client")
}

async fn fake() -> FakeCin7 {
    FakeCin7::start(&Dataset::generate(3, 5, 5), FakeCin7Options::unlimited())
        .await
        .expect("fake")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_once_then_writes_nothing() {
    let fake = fake().await;
    let c = client_for(&fake);
    let first = c.ensure_webhooks(&targets(), &token()).await.unwrap();
    assert_eq!(
        first,
        vec![
            ("Customer/Updated".to_owned(), WebhookAction::Created),
            ("Product/Updated".to_owned(), WebhookAction::Created),
        ]
    );
    let hooks = fake.webhooks();
    assert_eq!(hooks.len(), 2);
    for h in &hooks {
        let url = h["ExternalURL"].as_str().unwrap_or_default();
        let kind = h["Type"].as_str().unwrap_or_default();
        assert_eq!(url, format!("{URL}?event={kind}"));
        assert_eq!(h["IsActive"], true);
        assert_eq!(h["ExternalAuthorizationType"], "bearerauth");
        assert_eq!(h["ExternalBearerToken"], TOKEN);
    }
    let writes = c.request_counts().writes;
    let again = c.ensure_webhooks(&targets(), &token()).await.unwrap();
    assert!(again.iter().all(|(_, a)| *a == WebhookAction::Unchanged));
    assert_eq!(c.request_counts().writes, writes, "idempotent");
    assert_eq!(fake.webhooks().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_or_rekeyed_webhook_is_put_back_and_others_are_left_alone() {
    let fake = fake().await;
    let c = client_for(&fake);
    c.ensure_webhooks(&targets(), &token()).await.unwrap();
    // Cin7 gave up on deliveries; another system has its own webhook of the same type.
    fake.edit_webhooks(|hooks| {
        hooks[0]["IsActive"] = json!(false);
        hooks.push(json!({
            "ID": "other-system", "Type": "Customer/Updated", "IsActive": true,
            "ExternalURL": "https://elsewhere.example/hook", "ExternalAuthorizationType": "noauth"
        }));
    });
    let new_token = Secret::new("rotated-token-SECRET-0c0c");
    let done = c.ensure_webhooks(&targets(), &new_token).await.unwrap();
    assert!(
        done.iter().all(|(_, a)| *a == WebhookAction::Updated),
        "{done:?}"
    );
    let hooks = fake.webhooks();
    assert_eq!(hooks.len(), 3, "updated in place, nothing added");
    let ours: Vec<_> = hooks
        .iter()
        .filter(|h| {
            h["ExternalURL"]
                .as_str()
                .is_some_and(|u| u.starts_with(URL))
        })
        .collect();
    assert_eq!(ours.len(), 2);
    assert!(
        ours.iter()
            .all(|h| h["IsActive"] == true
                && h["ExternalBearerToken"] == "rotated-token-SECRET-0c0c")
    );
    let other = hooks.iter().find(|h| h["ID"] == "other-system").unwrap();
    assert_eq!(
        other["ExternalAuthorizationType"], "noauth",
        "not ours: untouched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_registered_by_hand_at_the_same_path_is_taken_over() {
    let fake = fake().await;
    fake.edit_webhooks(|hooks| {
        hooks.push(json!({
            "ID": "by-hand", "Type": "Customer/Updated", "IsActive": true,
            "ExternalURL": URL, "ExternalAuthorizationType": "bearerauth",
            "ExternalBearerToken": TOKEN
        }));
    });
    let c = client_for(&fake);
    let done = c.ensure_webhooks(&targets(), &token()).await.unwrap();
    assert_eq!(
        done,
        vec![
            ("Customer/Updated".to_owned(), WebhookAction::Updated),
            ("Product/Updated".to_owned(), WebhookAction::Created),
        ]
    );
    let hooks = fake.webhooks();
    assert_eq!(hooks.len(), 2, "no duplicate of the hand-made one");
    let by_hand = hooks.iter().find(|h| h["ID"] == "by-hand").unwrap();
    assert_eq!(
        by_hand["ExternalURL"],
        format!("{URL}?event=Customer/Updated")
    );
}

/// `GET /webhooks` answers an empty list.
async fn no_webhooks_yet(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/ExternalApi/v2/webhooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "Webhooks": [] })))
        .mount(server)
        .await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_create_is_not_sent_twice_and_hides_the_token() {
    let server = MockServer::start().await;
    no_webhooks_yet(&server).await;
    Mock::given(method("POST"))
        .and(path("/ExternalApi/v2/webhooks"))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            json!({ "ErrorCode": 500, "Exception": format!("could not save {TOKEN}") }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    fallback(&server).await;
    let c = builder(&server).build().unwrap();
    let e = c
        .ensure_webhooks(&targets()[..1], &token())
        .await
        .unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
}

#[tokio::test(start_paused = true)]
async fn a_throttled_create_is_retried() {
    let server = MockServer::start().await;
    no_webhooks_yet(&server).await;
    Mock::given(method("POST"))
        .and(path("/ExternalApi/v2/webhooks"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    // The documented wrapper or a bare object: both are success.
    Mock::given(method("POST"))
        .and(path("/ExternalApi/v2/webhooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ID": "1cf8cb83" })))
        .expect(1)
        .mount(&server)
        .await;
    fallback(&server).await;
    let c = builder(&server).build().unwrap();
    let done = c.ensure_webhooks(&targets()[..1], &token()).await.unwrap();
    assert_eq!(
        done,
        vec![("Customer/Updated".to_owned(), WebhookAction::Created)]
    );
    assert_eq!(c.request_counts().throttled, 1);
}
