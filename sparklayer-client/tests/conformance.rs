//! The price-list sink's and the group directory's conformance suites against the client and
//! the sandbox's fake SparkLayer.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cin7_sparklayer_core::Secret;
use cin7_sparklayer_core::conformance::group_directory::{self, GroupDirectoryHarness};
use cin7_sparklayer_core::conformance::price_list_sink::{
    self, ExistingPriceList, PriceListSinkHarness,
};
use cin7_sparklayer_core::conformance::{Support, Unsupported};
use cin7_sparklayer_core::model::CustomerGroup;
use cin7_sparklayer_core::ports::{CustomerGroupDirectory, PriceListSink};
use cin7_sparklayer_sandbox::sparklayer::{FakePriceList, FakeSparkLayer, FakeSparkLayerOptions};
use sparklayer_client::SparkLayerClient;

/// Starts a fake SparkLayer per check (kept alive for the test) and a client on it.
#[derive(Default)]
struct Harness {
    fakes: Mutex<Vec<FakeSparkLayer>>,
}

impl Harness {
    async fn client(&self, options: FakeSparkLayerOptions) -> Support<SparkLayerClient> {
        let fake = FakeSparkLayer::start(options)
            .await
            .map_err(|e| Unsupported::new(format!("the fake SparkLayer did not start: {e}")))?;
        let o = fake.options();
        let client = SparkLayerClient::builder()
            .site_id(o.site_id.clone())
            .client_id(Secret::new(o.client_id.clone()))
            .client_secret(Secret::new(o.client_secret.clone()))
            .base_url(fake.base_url())
            .build()
            .expect("client");
        self.fakes.lock().expect("fakes").push(fake);
        Ok(client)
    }
}

/// The merchant's list as the fake holds it.
fn fake_list(l: &ExistingPriceList) -> FakePriceList {
    let mut list = FakePriceList::new(
        &l.header.slug,
        &l.header.name,
        &l.header.currency,
        &l.source,
    );
    list.prices = l
        .rows
        .iter()
        .map(|r| (r.sku.clone(), r.pricing.clone()))
        .collect();
    list
}

#[async_trait]
impl PriceListSinkHarness for Harness {
    async fn account_with(
        &self,
        existing: &[ExistingPriceList],
    ) -> Support<Arc<dyn PriceListSink>> {
        let options = FakeSparkLayerOptions {
            price_lists: existing.iter().map(fake_list).collect(),
            ..FakeSparkLayerOptions::default()
        };
        Ok(Arc::new(self.client(options).await?))
    }
}

#[async_trait]
impl GroupDirectoryHarness for Harness {
    async fn directory_with(
        &self,
        groups: &[CustomerGroup],
    ) -> Support<Arc<dyn CustomerGroupDirectory>> {
        let options = FakeSparkLayerOptions {
            groups: groups.to_vec(),
            ..FakeSparkLayerOptions::default()
        };
        Ok(Arc::new(self.client(options).await?))
    }
}

#[tokio::test]
async fn the_client_conforms_as_price_list_sink() {
    let outcome = price_list_sink::run_all(&Harness::default())
        .await
        .expect("conforms");
    assert_eq!(outcome.passed, price_list_sink::CHECKS);
    assert!(outcome.unsupported.is_empty(), "{outcome:?}");
}

#[tokio::test]
async fn the_client_conforms_as_group_directory() {
    let outcome = group_directory::run_all(&Harness::default())
        .await
        .expect("conforms");
    assert_eq!(outcome.passed, group_directory::CHECKS);
    assert!(outcome.unsupported.is_empty(), "{outcome:?}");
}
