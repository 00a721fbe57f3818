//! A Shopify failure that reaches the engine as a `PortError` keeps the client's own error as
//! its source, and that error its transport error (issue 12 item 3); one failed document's
//! error is copied to each of its records unchanged; no link of the chain shows the token.

mod common;

use std::error::Error as _;

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::CustomerSink;
use common::data::new_write;
use common::*;
use shopify_client::ShopifyError;
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

fn shopify_source(e: &PortError) -> &ShopifyError {
    e.source()
        .and_then(|s| s.downcast_ref::<ShopifyError>())
        .unwrap_or_else(|| panic!("no ShopifyError source: {e:?}"))
}

#[tokio::test]
async fn a_refused_token_keeps_the_shopify_error_as_source() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let err = client(&server).invite_support().await.unwrap_err();
    assert!(matches!(err, PortError::Unauthenticated { .. }), "{err:?}");
    assert!(matches!(
        shopify_source(&err),
        ShopifyError::Unauthorized { status: 401 }
    ));
    assert!(!chain_text(&err).contains(TOKEN));
}

#[tokio::test(start_paused = true)]
async fn a_connection_failure_reaches_the_transport_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = MockServer::start().await;
    let dead = builder(&server)
        .endpoint(format!("http://127.0.0.1:{port}{PATH}"))
        .access_token(TOKEN.into())
        .build()
        .unwrap();
    let err = dead.invite_support().await.unwrap_err();
    assert!(matches!(err, PortError::Unavailable { .. }), "{err:?}");
    let shopify = shopify_source(&err);
    assert!(matches!(shopify, ShopifyError::Network { .. }), "{err:?}");
    let transport = shopify
        .source()
        .and_then(|s| s.downcast_ref::<reqwest::Error>())
        .unwrap_or_else(|| panic!("no reqwest source: {shopify:?}"));
    assert!(transport.is_connect(), "{transport:?}");
    let text = chain_text(&err);
    assert!(!text.contains(TOKEN), "{text}");
}

#[tokio::test(start_paused = true)]
async fn each_record_of_a_failed_document_gets_the_same_error_and_source() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let results = client(&server)
        .write_customers(&[new_write(1), new_write(2)])
        .await;
    assert_eq!(results.len(), 2);
    for r in &results {
        let e = r.as_ref().unwrap_err();
        assert!(
            matches!(e, PortError::Unavailable { .. }) && e.is_retryable(),
            "{e:?}"
        );
        assert!(matches!(
            shopify_source(e),
            ShopifyError::Server { status: 503, .. }
        ));
        assert!(!chain_text(e).contains(TOKEN));
    }
}
