//! The customer sink's conformance suite against the client and the sandbox's fake Shopify,
//! with classic customer accounts and with new ones.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cin7_sparklayer_core::conformance::customer_sink::{
    self, CustomerSinkHarness, ExistingCustomer,
};
use cin7_sparklayer_core::conformance::{Support, Unsupported};
use cin7_sparklayer_core::ports::{CustomerSink, InviteSupport};
use cin7_sparklayer_sandbox::shopify::{FakeCustomer, FakeShopify, FakeShopifyOptions};
use shopify_client::ShopifyClient;

/// Starts a fake shop per check (kept alive for the test) and a client on it.
struct Harness {
    classic: bool,
    fakes: Mutex<Vec<FakeShopify>>,
}

impl Harness {
    fn new(classic: bool) -> Self {
        Self {
            classic,
            fakes: Mutex::new(Vec::new()),
        }
    }
}

/// The merchant's customer as the fake holds it.
fn fake_customer(c: &ExistingCustomer) -> FakeCustomer {
    let state = serde_json::to_value(c.account_state).expect("account state");
    FakeCustomer {
        phone: c.phone.clone(),
        tags: c.tags.clone(),
        state: state.as_str().expect("a state name").to_owned(),
        ..FakeCustomer::new("", Some(c.email.clone()))
    }
}

#[async_trait]
impl CustomerSinkHarness for Harness {
    fn invite_support(&self) -> InviteSupport {
        if self.classic {
            InviteSupport::Classic
        } else {
            InviteSupport::NotApplicable
        }
    }

    async fn shop_with(&self, existing: &[ExistingCustomer]) -> Support<Arc<dyn CustomerSink>> {
        let fake = FakeShopify::start(FakeShopifyOptions {
            classic_accounts: self.classic,
            restore_rate: 10_000.0,
            ..FakeShopifyOptions::default()
        })
        .await
        .map_err(|e| Unsupported::new(format!("the fake Shopify did not start: {e}")))?;
        for c in existing {
            fake.seed_customer(fake_customer(c));
        }
        let client = ShopifyClient::builder()
            .endpoint(fake.endpoint())
            .access_token(fake.access_token().into())
            .build()
            .expect("client");
        self.fakes.lock().expect("fakes").push(fake);
        Ok(Arc::new(client))
    }
}

#[tokio::test]
async fn the_client_conforms_with_classic_accounts() {
    let outcome = customer_sink::run_all(&Harness::new(true))
        .await
        .expect("conforms");
    assert_eq!(outcome.passed, customer_sink::CHECKS);
    assert!(outcome.unsupported.is_empty(), "{outcome:?}");
}

#[tokio::test]
async fn the_client_conforms_with_new_customer_accounts_where_no_invite_exists() {
    let outcome = customer_sink::run_all(&Harness::new(false))
        .await
        .expect("conforms");
    let unsupported: Vec<&str> = outcome.unsupported.iter().map(|(c, _)| *c).collect();
    assert_eq!(unsupported, ["invites_leave_accounts_invited"]);
    assert_eq!(outcome.passed.len(), customer_sink::CHECKS.len() - 1);
}
