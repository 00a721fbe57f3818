//! A Cin7 failure that reaches the engine as a `PortError` keeps the client's own error as its
//! source (issue 12 item 3), and no link of the chain shows the application key.

mod common;

use std::error::Error as _;

use cin7_client::{Cin7Client, Cin7Error};
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::{CustomerSource, FetchScope};
use common::*;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Display and Debug of every link, from the port error down.
fn chain_text(e: &PortError) -> String {
    let mut out = format!("{e}\n{e:?}\n");
    let mut next = e.source();
    while let Some(s) = next {
        out.push_str(&format!("{s}\n{s:?}\n"));
        next = s.source();
    }
    out
}

fn cin7_source(e: &PortError) -> &Cin7Error {
    e.source()
        .and_then(|s| s.downcast_ref::<Cin7Error>())
        .unwrap_or_else(|| panic!("no Cin7Error source: {e:?}"))
}

#[tokio::test]
async fn bad_credentials_keep_the_cin7_error_as_source() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_string("Incorrect credentials!"))
        .mount(&server)
        .await;
    let err = client(&server).account().await.unwrap_err();
    assert!(matches!(err, PortError::Unauthenticated { .. }), "{err:?}");
    assert!(matches!(cin7_source(&err), Cin7Error::BadCredentials));
    // A copy for another record keeps the same source.
    assert!(matches!(
        cin7_source(&err.clone()),
        Cin7Error::BadCredentials
    ));
    let text = chain_text(&err);
    assert!(!text.contains(KEY), "{text}");
}

#[tokio::test]
async fn an_error_body_keeps_its_code_and_source() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"ErrorCode": 400, "Exception": "Bad filter"})),
        )
        .mount(&server)
        .await;
    let err = collect(client(&server).customers(FetchScope::All))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("cin7_error_400"));
    assert!(
        matches!(cin7_source(&err), Cin7Error::ErrorBody { code: 400, message, .. } if message == "Bad filter"),
        "{err:?}"
    );
    assert!(!chain_text(&err).contains(KEY));
}

#[tokio::test(start_paused = true)]
async fn a_connection_failure_keeps_the_network_error_as_source() {
    // Nothing listens on a port whose listener was dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Cin7Client::builder()
        .account_id(ACCOUNT)
        .application_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/ExternalApi/v2"))
        .request_timeout(None)
        .connect_timeout(None)
        .jitter_seed(1)
        .build()
        .unwrap();
    let err = client.account().await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(
        matches!(cin7_source(&err), Cin7Error::Network { .. }),
        "{err:?}"
    );
    let text = chain_text(&err);
    assert!(!text.contains(KEY), "{text}");
}
