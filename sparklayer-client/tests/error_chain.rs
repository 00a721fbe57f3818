//! A SparkLayer failure that reaches the engine as a `PortError` keeps the client's own error
//! as its source, and that error its transport error (issue 12 item 3); a copy keeps the
//! variant (a conflict stays a conflict); no link of the chain shows the client secret.

mod common;

use std::error::Error as _;

use cin7_sparklayer_core::model::PriceRow;
use cin7_sparklayer_core::ports::PriceListSink;
use cin7_sparklayer_core::{PortError, Secret};
use common::*;
use rust_decimal_macros::dec;
use sparklayer_client::{ClientOptions, RetryPolicy, SparkLayerClient, SparkLayerError};
use wiremock::matchers::{method, path};
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

fn sparklayer_source(e: &PortError) -> &SparkLayerError {
    e.source()
        .and_then(|s| s.downcast_ref::<SparkLayerError>())
        .unwrap_or_else(|| panic!("no SparkLayerError source: {e:?}"))
}

#[tokio::test(start_paused = true)]
async fn a_lasting_conflict_stays_a_conflict_when_copied() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/price-lists/cin7-tier-1/pricing"))
        .respond_with(ResponseTemplate::new(409))
        .mount(&server)
        .await;
    let err = client(&server)
        .patch_prices("cin7-tier-1", &[PriceRow::single("A-1", dec!(5))])
        .await
        .unwrap_err();
    for e in [&err, &err.clone()] {
        assert!(
            matches!(e, PortError::Conflict { .. }) && e.is_retryable(),
            "{e:?}"
        );
        assert!(matches!(
            sparklayer_source(e),
            SparkLayerError::Conflict { .. }
        ));
    }
    assert!(!chain_text(&err).contains(SECRET));
}

#[tokio::test]
async fn refused_credentials_keep_the_client_error_and_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let err = client(&server).price_lists().await.unwrap_err();
    assert!(err.is_fatal(), "{err:?}");
    assert!(matches!(
        sparklayer_source(&err),
        SparkLayerError::Unauthenticated { status: 401 }
    ));
    let text = chain_text(&err);
    assert!(
        !text.contains(SECRET) && !text.contains(CLIENT_ID),
        "{text}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_connection_failure_reaches_the_transport_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = SparkLayerClient::builder()
        .site_id(SITE)
        .client_id(Secret::new(CLIENT_ID))
        .client_secret(Secret::new(SECRET))
        .base_url(format!("http://127.0.0.1:{port}"))
        .options(ClientOptions::without_timeouts())
        .retry(RetryPolicy::default())
        .build()
        .unwrap();
    let err = client.price_lists().await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    let sparklayer = sparklayer_source(&err);
    assert!(
        matches!(sparklayer, SparkLayerError::Network { .. }),
        "{err:?}"
    );
    let transport = sparklayer
        .source()
        .and_then(|s| s.downcast_ref::<reqwest::Error>())
        .unwrap_or_else(|| panic!("no reqwest source: {sparklayer:?}"));
    assert!(transport.is_connect(), "{transport:?}");
    let text = chain_text(&err);
    assert!(
        !text.contains(SECRET) && !text.contains(CLIENT_ID),
        "{text}"
    );
}
