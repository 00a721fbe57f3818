//! The client against the sandbox's fake Shopify: the semantics end to end (C4, C11, C13,
//! C15, E5, E7), including injected THROTTLED and 5xx faults.

mod common;

use cin7_sparklayer_core::ports::{AccountState, CustomerSink, InviteSupport};
use cin7_sparklayer_core::report::WarningReason;
use cin7_sparklayer_sandbox::shopify::{FakeCustomer, FakeShopify, FakeShopifyOptions};
use common::data::{desired, new_write, update_write};
use shopify_client::{RetryPolicy, ShopifyClient};

fn client_for(fake: &FakeShopify) -> ShopifyClient {
    ShopifyClient::builder()
        .endpoint(fake.endpoint())
        .access_token(fake.access_token().into())
        .retry(RetryPolicy {
            base_delay: std::time::Duration::from_millis(5),
            max_attempts: 12,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn create_read_back_update_and_invite() {
    let fake = FakeShopify::start(FakeShopifyOptions {
        restore_rate: 10_000.0,
        ..FakeShopifyOptions::default()
    })
    .await
    .unwrap();
    let c = client_for(&fake);
    assert_eq!(c.invite_support().await.unwrap(), InviteSupport::Classic);

    let email = desired(0).email;
    assert!(
        c.find_by_emails(std::slice::from_ref(&email))
            .await
            .unwrap()[0]
            .is_none()
    );
    let out = c.write_customers(&[new_write(0)]).await;
    let id = out[0].as_ref().unwrap().shopify_id.clone();
    assert_eq!(
        out[0].as_ref().unwrap().account_state,
        AccountState::Disabled
    );

    let found = c.find_by_emails(&[email.to_uppercase()]).await.unwrap();
    assert_eq!(found[0].as_ref().unwrap().id, id);

    // Read back: what the sync wrote is what it reads (C15 drift detection has a baseline).
    let got = c.get_customers(std::slice::from_ref(&id)).await.unwrap();
    let fields = got[0].as_ref().unwrap().fields.clone().unwrap();
    let want = desired(0);
    assert_eq!(fields.first_name, want.first_name);
    assert_eq!(fields.phone, want.phone);
    assert_eq!(fields.address, want.address);
    assert_eq!(fields.metafields, want.metafields);

    // A merchant's own tag survives an update (C11).
    fake.edit_customer(&id, |c| c.tags.push("merchant-vip".into()));
    let out = c.write_customers(&[update_write(0, &id)]).await;
    assert!(out[0].is_ok(), "{:?}", out[0]);
    let stored = fake.customer(&id).unwrap();
    assert!(stored.tags.contains(&"merchant-vip".to_owned()));
    assert!(stored.tags.contains(&"b2b".to_owned()));
    assert_eq!(
        stored.addresses.len(),
        1,
        "customerSet replaces the address list"
    );

    c.send_invite(&id).await.unwrap();
    assert_eq!(fake.customer(&id).unwrap().state, "INVITED");
    assert_eq!(fake.invites_sent(&id), 1);
    let again = c.find_by_emails(&[email]).await.unwrap();
    assert_eq!(
        again[0].as_ref().unwrap().account_state,
        AccountState::Invited
    );
}

#[tokio::test]
async fn taken_phone_and_taken_email_against_the_fake() {
    let fake = FakeShopify::start(FakeShopifyOptions::default())
        .await
        .unwrap();
    let mut other = FakeCustomer::new("", Some("buyer1@acme.example".into()));
    other.phone = desired(0).phone;
    fake.seed_customer(other);
    let c = client_for(&fake);
    let out = c.write_customers(&[new_write(0)]).await;
    let w = out[0].as_ref().expect("written without the phone");
    assert_eq!(w.warnings[0].reason, WarningReason::PhoneTaken);
    assert_eq!(fake.customer(&w.shopify_id).unwrap().phone, None);

    // Customer 0 changes its email to the one customer 1 has: email_taken, named.
    let mut change = update_write(0, &w.shopify_id);
    if let Some(f) = change.fields.as_mut() {
        f.email = "BUYER1@acme.example".into();
        f.phone = None;
    }
    let out = c.write_customers(&[change]).await;
    let e = out[0].as_ref().unwrap_err();
    assert_eq!(e.code(), Some("email_taken"));
    assert!(e.to_string().contains("BUYER1@acme.example"));
}

#[tokio::test]
async fn injected_throttling_and_server_errors_never_surface() {
    let fake = FakeShopify::start(FakeShopifyOptions {
        restore_rate: 10_000.0,
        throttled_fraction: 0.2,
        server_error_fraction: 0.1,
        seed: 42,
        ..FakeShopifyOptions::default()
    })
    .await
    .unwrap();
    let c = client_for(&fake);
    let writes: Vec<_> = (0..30).map(new_write).collect();
    let out = c.write_customers(&writes).await;
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    assert_eq!(fake.customers().len(), 30);
    // Invites: a 503 is not retried (Shopify may have sent the email); the engine retries
    // on a later run only while the state is still DISABLED. THROTTLED is retried.
    for r in &out {
        let id = &r.as_ref().unwrap().shopify_id;
        while fake.customer(id).unwrap().state == "DISABLED" {
            if let Err(e) = c.send_invite(id).await {
                assert!(e.is_retryable(), "{e:?}");
            }
        }
        assert_eq!(fake.invites_sent(id), 1);
    }
    let stats = fake.stats();
    assert!(stats.throttled > 0 || stats.server_errors > 0, "{stats:?}");
    let counts = c.request_counts();
    assert_eq!(counts.throttled, stats.throttled);
    assert!(counts.retried <= stats.server_errors);
}

#[tokio::test]
async fn a_wrong_token_is_refused() {
    let fake = FakeShopify::start(FakeShopifyOptions::default())
        .await
        .unwrap();
    let c = ShopifyClient::builder()
        .endpoint(fake.endpoint())
        .access_token("shpat_wrong".into())
        .build()
        .unwrap();
    let e = c.invite_support().await.unwrap_err();
    assert!(e.is_fatal());
    assert_eq!(fake.stats().unauthorized, 1);
}

#[tokio::test]
async fn ambiguous_failures_converge_without_duplicates_or_second_invites() {
    let fake = FakeShopify::start(FakeShopifyOptions {
        restore_rate: 10_000.0,
        server_error_after_fraction: 0.25,
        seed: 3,
        ..FakeShopifyOptions::default()
    })
    .await
    .unwrap();
    let c = client_for(&fake);
    let writes: Vec<_> = (0..20).map(new_write).collect();
    // Writes are upserts: retried after a 502 that had in fact run, they converge.
    let out = c.write_customers(&writes).await;
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    assert_eq!(fake.customers().len(), 20, "no duplicate customer");
    for w in &writes {
        let stored = fake
            .customer_by_email(&w.fields.as_ref().unwrap().email)
            .unwrap();
        assert_eq!(stored.metafields.len(), 7);
    }
    // Invites: the engine's loop, reading the state back before trying again.
    for r in &out {
        let id = &r.as_ref().unwrap().shopify_id;
        let mut attempts = 0;
        while fake.customer(id).unwrap().state == "DISABLED" {
            attempts += 1;
            assert!(attempts < 50);
            let _ = c.send_invite(id).await;
        }
        assert_eq!(fake.invites_sent(id), 1, "one email, ever");
    }
    assert!(fake.stats().server_errors > 0);
}

#[tokio::test]
async fn withheld_customer_data_is_fatal_naming_the_access_needed() {
    use cin7_sparklayer_core::PortError;
    use cin7_sparklayer_sandbox::shopify::CustomerDataAccess;
    let fake = FakeShopify::start(FakeShopifyOptions::default())
        .await
        .unwrap();
    let c = client_for(&fake);
    c.check_access()
        .await
        .expect("an empty shop proves nothing");
    let id = fake.seed_customer(FakeCustomer::new("", Some("own@shop.example".into())));
    c.check_access().await.expect("full access");
    for (access, denied) in [
        (
            CustomerDataAccess::NoProtectedFields,
            "name, email, phone, address",
        ),
        (CustomerDataAccess::NoCustomerData, "customer data"),
    ] {
        fake.set_customer_data_access(access);
        let e = c.check_access().await.unwrap_err();
        assert!(
            e.to_string()
                .contains(&format!("protected customer data ({denied})")),
            "{e}"
        );
        // Every read of those fields stops the same way, never a record's failure.
        for e in [
            e,
            c.get_customers(std::slice::from_ref(&id))
                .await
                .unwrap_err(),
            c.find_by_emails(&["own@shop.example".into()])
                .await
                .unwrap_err(),
        ] {
            assert!(e.is_fatal(), "{e:?}");
            assert!(matches!(e, PortError::Unauthenticated { .. }));
            assert!(
                e.to_string().contains("Name, Email, Phone and Address"),
                "{e}"
            );
        }
    }
}
