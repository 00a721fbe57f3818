//! The [`CustomerSink`] contract (C2, C4, C11, C13, C14, C15, E3, E5, E6): exact,
//! case-insensitive lookups by email; creates and updates by ID that read back as written and
//! converge when repeated; managed tags and metafields added and removed without touching the
//! merchant's; one failed record never failing its batch; invites that leave the account
//! `INVITED` so none is sent twice.
//!
//! The harness builds a fresh shop per check, holding the customers the check names (created
//! "by the merchant": emails `@conformance.example`, Australian E.164 phones).

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;

use super::check::Verdict;
use super::{Check, OrFail, Support, Unsupported, ensure, ensure_eq, fail};
use crate::model::{
    DesiredAddress, DesiredCustomer, DesiredMetafield, MetafieldKey, MetafieldType,
};
use crate::ports::{
    AccountState, CustomerSink, CustomerWrite, InviteSupport, RemoteCustomer, RemoteFields,
    WriteOutcome, WriteTarget,
};

/// A customer the shop holds before the sync touches it (the merchant's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingCustomer {
    /// Email.
    pub email: String,
    /// Phone (E.164), if any.
    pub phone: Option<String>,
    /// The merchant's tags.
    pub tags: Vec<String>,
    /// Account state (C13).
    pub account_state: AccountState,
}

/// Builds the customer sink under test.
#[async_trait]
pub trait CustomerSinkHarness: Send + Sync {
    /// What [`CustomerSink::invite_support`] must answer for the shops this harness builds.
    fn invite_support(&self) -> InviteSupport;

    /// A sink over a new shop holding exactly `existing`. [`Unsupported`] when `existing` is
    /// not empty and the shop cannot be seeded.
    async fn shop_with(&self, existing: &[ExistingCustomer]) -> Support<Arc<dyn CustomerSink>>;
}

suite!(CustomerSinkHarness =>
    invite_support_matches_the_shop,
    lookups_of_unknown_emails_find_nothing,
    lookup_is_exact_and_ignores_case,
    lookup_reports_the_account_state,
    write_outcomes_report_the_account_state,
    created_customer_reads_back_as_written,
    creating_again_converges_on_one_customer,
    update_by_id_rewrites_the_fields,
    update_without_an_address_keeps_the_address,
    update_clears_names_and_phone_cin7_no_longer_has,
    update_can_change_the_email,
    a_taken_email_fails_only_its_record,
    an_unknown_customer_id_fails_only_its_record,
    batch_results_follow_input_order,
    tags_are_added_and_removed_leaving_foreign_ones,
    metafields_are_set_and_deleted_by_key,
    a_revoke_write_leaves_the_fields,
    a_taken_phone_is_dropped_with_a_warning,
    invites_leave_accounts_invited,
    reads_by_id_answer_each_id_in_order,
    lookups_are_not_writes,
);

/// A Shopify-shaped ID no shop of the suite holds.
const UNKNOWN_ID: &str = "gid://shopify/Customer/987654321987";

/// The seven managed metafields (C7–C10) with customer `n`'s values.
fn metafields(n: usize) -> Vec<DesiredMetafield> {
    let m = |ns: &str, key: &str, kind, value: String| DesiredMetafield {
        key: MetafieldKey::new(ns, key),
        kind,
        value,
    };
    vec![
        m(
            "cin7",
            "credit_limit",
            MetafieldType::NumberDecimal,
            format!("{n}000.25"),
        ),
        m(
            "cin7",
            "customer_id",
            MetafieldType::SingleLineTextField,
            format!("conf-customer-{n:04}"),
        ),
        m(
            "cin7",
            "on_credit_hold",
            MetafieldType::Boolean,
            (n % 2 == 1).to_string(),
        ),
        m(
            "sparklayer",
            "company_name",
            MetafieldType::SingleLineTextField,
            format!("Acme {n} Pty Ltd"),
        ),
        m(
            "sparklayer",
            "group",
            MetafieldType::SingleLineTextField,
            "wholesale".into(),
        ),
        m(
            "sparklayer",
            "payment_on_account",
            MetafieldType::Json,
            format!(r#"{{"credit_limit":{n}000.25}}"#),
        ),
        m(
            "sparklayer",
            "price_lists",
            MetafieldType::Json,
            r#"["conf-tier-2"]"#.into(),
        ),
    ]
}

/// Customer `n` as the planner would want it (mixed-case email, as Cin7 may hold it).
fn desired(n: usize) -> DesiredCustomer {
    let phone = format!("+614000{n:05}");
    DesiredCustomer {
        cin7_id: format!("conf-customer-{n:04}"),
        email: format!("Buyer.{n}@Conformance.Example"),
        first_name: Some("Jane".into()),
        last_name: Some(format!("Doe {n}")),
        phone: Some(phone.clone()),
        address: Some(DesiredAddress {
            address1: Some(format!("{n} George St")),
            city: Some("Sydney".into()),
            province_code: Some("NSW".into()),
            zip: Some("2000".into()),
            country_code: "AU".into(),
            company: Some(format!("Acme {n} Pty Ltd")),
            first_name: Some("Jane".into()),
            last_name: Some(format!("Doe {n}")),
            phone: Some(phone),
            ..DesiredAddress::default()
        }),
        tax_exempt: n.is_multiple_of(2),
        managed_tags: vec!["b2b".into(), "tier-wholesale".into()],
        metafields: metafields(n),
    }
}

/// A create (E5: not found by email) carrying the managed tags and metafields.
fn create(d: &DesiredCustomer) -> CustomerWrite {
    CustomerWrite {
        cin7_id: d.cin7_id.clone(),
        target: WriteTarget::New,
        fields: Some(d.clone()),
        tags_add: d.managed_tags.clone(),
        tags_remove: Vec::new(),
        metafields_set: d.metafields.clone(),
        metafields_delete: Vec::new(),
    }
}

/// An update of the customer Shopify has under `id`, with nothing but the fields.
fn update(d: &DesiredCustomer, id: &str) -> CustomerWrite {
    CustomerWrite {
        target: WriteTarget::Existing {
            shopify_id: id.to_owned(),
        },
        tags_add: Vec::new(),
        metafields_set: Vec::new(),
        ..create(d)
    }
}

fn existing(email: &str, tags: &[&str]) -> ExistingCustomer {
    ExistingCustomer {
        email: email.to_owned(),
        phone: None,
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        account_state: AccountState::Disabled,
    }
}

async fn shop<H: CustomerSinkHarness + ?Sized>(
    h: &H,
    existing: &[ExistingCustomer],
) -> Result<Arc<dyn CustomerSink>, Verdict> {
    Ok(h.shop_with(existing).await?)
}

/// Writes a batch; fails unless it answers one result per write.
async fn write(
    sink: &dyn CustomerSink,
    writes: &[CustomerWrite],
) -> Result<Vec<Result<WriteOutcome, crate::PortError>>, Verdict> {
    let out = sink.write_customers(writes).await;
    ensure(out.len() == writes.len(), || {
        format!(
            "write_customers answered {} results for {} writes",
            out.len(),
            writes.len()
        )
    })?;
    Ok(out)
}

/// Writes one customer, which must succeed.
async fn write_ok(sink: &dyn CustomerSink, w: CustomerWrite) -> Result<WriteOutcome, Verdict> {
    let call = format!("write_customers for {}", w.cin7_id);
    let mut out = write(sink, &[w]).await?;
    out.remove(0).or_fail(&call)
}

/// Looks one email up.
async fn find(sink: &dyn CustomerSink, email: &str) -> Result<Option<RemoteCustomer>, Verdict> {
    let mut out = sink
        .find_by_emails(&[email.to_owned()])
        .await
        .or_fail("find_by_emails")?;
    ensure(out.len() == 1, || {
        format!(
            "find_by_emails answered {} entries for one email",
            out.len()
        )
    })?;
    Ok(out.remove(0))
}

/// The Shopify ID an email finds, failing when it finds none.
async fn find_id(sink: &dyn CustomerSink, email: &str) -> Result<String, Verdict> {
    find(sink, email)
        .await?
        .map(|c| c.id)
        .ok_or_else(|| fail(format!("find_by_emails({email:?}) found nothing")))
}

/// Reads one customer back with its synced fields, failing when it is missing.
async fn get(sink: &dyn CustomerSink, id: &str) -> Result<(RemoteCustomer, RemoteFields), Verdict> {
    let mut out = sink
        .get_customers(&[id.to_owned()])
        .await
        .or_fail("get_customers")?;
    ensure(out.len() == 1, || {
        format!("get_customers answered {} entries for one ID", out.len())
    })?;
    let customer = out
        .remove(0)
        .ok_or_else(|| fail(format!("get_customers({id}) found nothing")))?;
    let fields = customer.fields.clone().ok_or_else(|| {
        fail(format!(
            "get_customers({id}) came back without its synced fields"
        ))
    })?;
    Ok((customer, fields))
}

fn tag_set(tags: &[String]) -> BTreeSet<String> {
    tags.iter().cloned().collect()
}

fn sorted(mut m: Vec<DesiredMetafield>) -> Vec<DesiredMetafield> {
    m.sort_by(|a, b| a.key.cmp(&b.key));
    m
}

/// C15 baseline: what is read back is what was written.
fn ensure_fields(what: &str, have: &RemoteFields, want: &DesiredCustomer) -> Check {
    ensure_eq(
        &format!("{what}: first name"),
        &have.first_name,
        &want.first_name,
    )?;
    ensure_eq(
        &format!("{what}: last name"),
        &have.last_name,
        &want.last_name,
    )?;
    ensure_eq(&format!("{what}: phone"), &have.phone, &want.phone)?;
    ensure_eq(
        &format!("{what}: tax exempt"),
        &have.tax_exempt,
        &want.tax_exempt,
    )?;
    ensure_eq(&format!("{what}: address"), &have.address, &want.address)?;
    let metafields = sorted(have.metafields.clone());
    ensure_eq(
        &format!("{what}: metafields"),
        &metafields,
        &sorted(want.metafields.clone()),
    )
}

/// C13: the sink answers the shop's customer-account kind.
async fn invite_support_matches_the_shop<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = shop(h, &[]).await?;
    let support = sink.invite_support().await.or_fail("invite_support")?;
    ensure_eq("invite_support()", &support, &h.invite_support())
}

/// E5: one entry per email, in order; nothing found in an empty shop, and nothing for no email.
async fn lookups_of_unknown_emails_find_nothing<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = shop(h, &[]).await?;
    let emails: Vec<String> = (0..3).map(|n| desired(n).email).collect();
    let found = sink
        .find_by_emails(&emails)
        .await
        .or_fail("find_by_emails")?;
    ensure_eq(
        "find_by_emails of three unknown emails",
        &found,
        &vec![None, None, None],
    )?;
    let none = sink
        .find_by_emails(&[])
        .await
        .or_fail("find_by_emails(&[])")?;
    ensure_eq("find_by_emails of no email", &none, &Vec::new())
}

/// C2, E5: a lookup matches the whole address, ignoring case only, and carries the tags.
async fn lookup_is_exact_and_ignores_case<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let seeded = [
        existing("jo@conformance.example", &["merchant-vip"]),
        existing("jo.smith@conformance.example", &[]),
    ];
    let sink = shop(h, &seeded).await?;
    let queries: Vec<String> = [
        "JO@Conformance.EXAMPLE",
        "o@conformance.example",
        "jo@conformance.exampl",
        "jo.smith@conformance.example",
        "jo@conformance.example.au",
        "jo@conformance.example",
    ]
    .map(str::to_owned)
    .to_vec();
    let found = sink
        .find_by_emails(&queries)
        .await
        .or_fail("find_by_emails")?;
    let emails: Vec<Option<String>> = found
        .iter()
        .map(|c| {
            c.as_ref()
                .and_then(|c| c.email.as_deref())
                .map(str::to_lowercase)
        })
        .collect();
    let (jo, smith) = (
        Some("jo@conformance.example".to_owned()),
        Some("jo.smith@conformance.example".to_owned()),
    );
    let expected = vec![jo.clone(), None, None, smith, None, jo];
    ensure_eq(
        "emails of the customers found (lowercased)",
        &emails,
        &expected,
    )?;
    let ids: Vec<Option<&str>> = found
        .iter()
        .map(|c| c.as_ref().map(|c| c.id.as_str()))
        .collect();
    ensure(ids[0] == ids[5] && ids[0] != ids[3], || {
        format!("IDs found: {ids:?}")
    })?;
    let tags = found[0].as_ref().map(|c| tag_set(&c.tags));
    ensure_eq(
        "tags of jo@conformance.example",
        &tags,
        &Some(tag_set(&seeded[0].tags)),
    )
}

/// C13: a lookup reports each account state, so the engine never invites twice.
async fn lookup_reports_the_account_state<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let states = [
        AccountState::Disabled,
        AccountState::Invited,
        AccountState::Enabled,
        AccountState::Declined,
    ];
    let seeded: Vec<ExistingCustomer> = states
        .iter()
        .enumerate()
        .map(|(n, s)| ExistingCustomer {
            account_state: *s,
            ..existing(&format!("state{n}@conformance.example"), &[])
        })
        .collect();
    let sink = shop(h, &seeded).await?;
    let emails: Vec<String> = seeded.iter().map(|c| c.email.clone()).collect();
    let found = sink
        .find_by_emails(&emails)
        .await
        .or_fail("find_by_emails")?;
    let got: Vec<Option<AccountState>> = found
        .iter()
        .map(|c| c.as_ref().map(|c| c.account_state))
        .collect();
    ensure_eq("account states found", &got, &states.map(Some).to_vec())
}

/// C13: a write that read the account back reports its state (or `Unknown`), never a stale
/// `DISABLED` that would make the engine invite an account that is already enabled.
async fn write_outcomes_report_the_account_state<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let states = [
        AccountState::Invited,
        AccountState::Enabled,
        AccountState::Declined,
    ];
    let all: Vec<DesiredCustomer> = (26..29).map(desired).collect();
    let seeded: Vec<ExistingCustomer> = all
        .iter()
        .zip(states)
        .map(|(d, s)| ExistingCustomer {
            account_state: s,
            ..existing(&d.email, &[])
        })
        .collect();
    let sink = shop(h, &seeded).await?;
    let mut writes = Vec::new();
    for d in &all {
        writes.push(update(d, &find_id(sink.as_ref(), &d.email).await?));
    }
    for ((d, state), result) in all
        .iter()
        .zip(states)
        .zip(write(sink.as_ref(), &writes).await?)
    {
        let out = result.or_fail(&format!("write_customers for {}", d.cin7_id))?;
        ensure(
            out.account_state == state || out.account_state == AccountState::Unknown,
            || {
                format!(
                    "account state answered for a {state:?} customer: {:?}",
                    out.account_state
                )
            },
        )?;
    }
    Ok(())
}

/// C4–C11, C15: a create answers the new ID (account `DISABLED` or not read), is found by its
/// email in any case, and reads back with every field, tag and metafield as written.
async fn created_customer_reads_back_as_written<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = shop(h, &[]).await?;
    let d = desired(1);
    let out = write_ok(sink.as_ref(), create(&d)).await?;
    ensure(!out.shopify_id.is_empty(), || {
        "the create answered an empty ID".into()
    })?;
    ensure(
        matches!(
            out.account_state,
            AccountState::Disabled | AccountState::Unknown
        ),
        || format!("account state after a create: {:?}", out.account_state),
    )?;
    ensure_eq("warnings of a clean create", &out.warnings, &Vec::new())?;
    let found = find(sink.as_ref(), &d.email.to_lowercase()).await?;
    let found = found.ok_or_else(|| fail("the created customer is not found by its email"))?;
    ensure_eq("ID found by email", &found.id, &out.shopify_id)?;
    ensure_eq(
        "tags found by email",
        &tag_set(&found.tags),
        &tag_set(&d.managed_tags),
    )?;
    let (customer, fields) = get(sink.as_ref(), &out.shopify_id).await?;
    ensure_eq(
        "account state read back",
        &customer.account_state,
        &AccountState::Disabled,
    )?;
    let email = customer.email.map(|e| e.to_lowercase());
    ensure_eq("email read back (lowercased)", &email, &Some(d.email_key()))?;
    ensure_fields("created customer", &fields, &d)
}

/// E5: the same create sent again (a retry after an ambiguous failure) lands on the same customer.
async fn creating_again_converges_on_one_customer<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = shop(h, &[]).await?;
    let d = desired(2);
    let first = write_ok(sink.as_ref(), create(&d)).await?;
    let second = write_ok(sink.as_ref(), create(&d)).await?;
    ensure_eq(
        "ID of the repeated create",
        &second.shopify_id,
        &first.shopify_id,
    )?;
    ensure_eq(
        "ID found by email",
        &find_id(sink.as_ref(), &d.email).await?,
        &first.shopify_id,
    )?;
    let (customer, fields) = get(sink.as_ref(), &first.shopify_id).await?;
    ensure_eq(
        "tags after the repeated create",
        &tag_set(&customer.tags),
        &tag_set(&d.managed_tags),
    )?;
    ensure_fields("customer after the repeated create", &fields, &d)
}

/// E6, C15: an update by ID rewrites names, phone, tax exemption and the address.
async fn update_by_id_rewrites_the_fields<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = shop(h, &[]).await?;
    let mut d = desired(3);
    let id = write_ok(sink.as_ref(), create(&d)).await?.shopify_id;
    d.first_name = Some("Janet".into());
    d.last_name = Some("Doe-Smith".into());
    d.phone = Some("+61400077777".into());
    d.tax_exempt = !d.tax_exempt;
    d.address = Some(DesiredAddress {
        address1: Some("9 Collins St".into()),
        address2: Some("Suite 4".into()),
        city: Some("Melbourne".into()),
        province_code: Some("VIC".into()),
        zip: Some("3000".into()),
        country_code: "AU".into(),
        ..DesiredAddress::default()
    });
    let out = write_ok(sink.as_ref(), update(&d, &id)).await?;
    ensure_eq("ID answered by the update", &out.shopify_id, &id)?;
    let (_, fields) = get(sink.as_ref(), &id).await?;
    ensure_fields("updated customer", &fields, &d)?;
    ensure_eq(
        "ID found by email after the update",
        &find_id(sink.as_ref(), &d.email).await?,
        &id,
    )
}

/// C5: a customer with no usable address in Cin7 (`address: None`) keeps whatever address
/// Shopify has; the sync sets none and removes none.
async fn update_without_an_address_keeps_the_address<H: CustomerSinkHarness + ?Sized>(
    h: &H,
) -> Check {
    let sink = shop(h, &[]).await?;
    let d = desired(24);
    let id = write_ok(sink.as_ref(), create(&d)).await?.shopify_id;
    let mut without = d.clone();
    without.address = None;
    without.last_name = Some("Doe-Without-Address".into());
    write_ok(sink.as_ref(), update(&without, &id)).await?;
    let (_, fields) = get(sink.as_ref(), &id).await?;
    ensure_eq(
        "last name after the update",
        &fields.last_name,
        &without.last_name,
    )?;
    ensure_eq(
        "address after an update without one",
        &fields.address,
        &d.address,
    )
}

/// C4, C15: Cin7 is master: names and phone it no longer has are cleared in Shopify.
async fn update_clears_names_and_phone_cin7_no_longer_has<H: CustomerSinkHarness + ?Sized>(
    h: &H,
) -> Check {
    let sink = shop(h, &[]).await?;
    let mut d = desired(25);
    let id = write_ok(sink.as_ref(), create(&d)).await?.shopify_id;
    d.first_name = None;
    d.last_name = None;
    d.phone = None;
    if let Some(a) = d.address.as_mut() {
        a.first_name = None;
        a.last_name = None;
        a.phone = None;
    }
    write_ok(sink.as_ref(), update(&d, &id)).await?;
    let (_, fields) = get(sink.as_ref(), &id).await?;
    ensure_fields(
        "customer after Cin7 dropped its names and phone",
        &fields,
        &d,
    )
}

/// E6: the linked customer follows an email change in Cin7; the old email finds nothing.
async fn update_can_change_the_email<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = shop(h, &[]).await?;
    let mut d = desired(4);
    let id = write_ok(sink.as_ref(), create(&d)).await?.shopify_id;
    let old = d.email.clone();
    d.email = "renamed.buyer@conformance.example".into();
    write_ok(sink.as_ref(), update(&d, &id)).await?;
    ensure_eq(
        "ID found by the new email",
        &find_id(sink.as_ref(), &d.email).await?,
        &id,
    )?;
    let stale = find(sink.as_ref(), &old).await?.map(|c| c.id);
    ensure_eq("customer found by the old email", &stale, &None)
}

/// C3, E3: an email another customer has is refused for that record only, as `email_taken`
/// (not retryable, not fatal); the customer keeps its email and the batch's other write lands.
async fn a_taken_email_fails_only_its_record<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = shop(h, &[]).await?;
    let (a, b) = (desired(5), desired(6));
    let mut created = write(sink.as_ref(), &[create(&a), create(&b)]).await?;
    let a_id = created
        .remove(0)
        .or_fail("write_customers for A")?
        .shopify_id;
    created.remove(0).or_fail("write_customers for B")?;
    let mut clash = a.clone();
    clash.email = b.email.to_uppercase();
    let c = desired(7);
    let out = write(sink.as_ref(), &[update(&clash, &a_id), create(&c)]).await?;
    match &out[0] {
        Ok(o) => {
            return Err(fail(format!(
                "taking another customer's email succeeded: {o:?}"
            )));
        }
        Err(e) => ensure(
            e.code() == Some("email_taken") && !e.is_retryable() && !e.is_fatal(),
            || {
                format!(
                    "the taken email's error: expected code email_taken, neither retryable nor fatal; got {e:?}"
                )
            },
        )?,
    }
    ensure(out[1].is_ok(), || {
        format!("the batch's other write: {:?}", out[1])
    })?;
    ensure_eq(
        "ID found by the refused customer's email",
        &find_id(sink.as_ref(), &a.email).await?,
        &a_id,
    )?;
    find_id(sink.as_ref(), &c.email).await.map(drop)
}

/// E3: a write to a customer Shopify no longer has fails that record only, and not fatally.
async fn an_unknown_customer_id_fails_only_its_record<H: CustomerSinkHarness + ?Sized>(
    h: &H,
) -> Check {
    let sink = shop(h, &[]).await?;
    let (gone, fresh) = (desired(8), desired(9));
    let out = write(sink.as_ref(), &[update(&gone, UNKNOWN_ID), create(&fresh)]).await?;
    match &out[0] {
        Ok(o) => return Err(fail(format!("a write to an unknown ID succeeded: {o:?}"))),
        Err(e) => ensure(!e.is_fatal(), || {
            format!("a write to an unknown ID was fatal: {e:?}")
        })?,
    }
    ensure(out[1].is_ok(), || {
        format!("the batch's other write: {:?}", out[1])
    })?;
    let found = find(sink.as_ref(), &gone.email).await?.map(|c| c.id);
    ensure_eq("customer created by the failed write", &found, &None)
}

/// Customers in the large-batch checks: more than one request's worth for a batching sink.
const BATCH: usize = 30;

/// Creates customers `from..from + BATCH` in one call; they and their IDs, in order.
async fn create_batch(
    sink: &dyn CustomerSink,
    from: usize,
) -> Result<(Vec<DesiredCustomer>, Vec<String>), Verdict> {
    let all: Vec<DesiredCustomer> = (from..from + BATCH).map(desired).collect();
    let writes: Vec<CustomerWrite> = all.iter().map(create).collect();
    let mut ids = Vec::new();
    for (d, result) in all.iter().zip(write(sink, &writes).await?) {
        let call = format!("write_customers for {}", d.cin7_id);
        ids.push(result.or_fail(&call)?.shopify_id);
    }
    let distinct: BTreeSet<&String> = ids.iter().collect();
    ensure(distinct.len() == ids.len(), || {
        format!("a batch of {BATCH} creates answered repeated IDs: {ids:?}")
    })?;
    Ok((all, ids))
}

/// E3, E5: a large batch answers one result per write, in input order, and one lookup call
/// answers each of many emails in order, hits and misses interleaved.
async fn batch_results_follow_input_order<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = shop(h, &[]).await?;
    let (all, ids) = create_batch(sink.as_ref(), 100).await?;
    let (mut emails, mut expected) = (Vec::new(), Vec::new());
    for (n, (d, id)) in all.iter().zip(&ids).enumerate() {
        if n % 6 == 0 {
            emails.push(format!("missing{n}@conformance.example"));
            expected.push(None);
        }
        emails.push(d.email_key());
        expected.push(Some(id.as_str()));
    }
    let found = sink
        .find_by_emails(&emails)
        .await
        .or_fail("find_by_emails")?;
    let got: Vec<Option<&str>> = found
        .iter()
        .map(|c| c.as_ref().map(|c| c.id.as_str()))
        .collect();
    ensure_eq(
        &format!("IDs found by {} emails in one call", emails.len()),
        &got,
        &expected,
    )
}

/// C11, C14: `tags_add` / `tags_remove` change only the tags named; the merchant's stay.
async fn tags_are_added_and_removed_leaving_foreign_ones<H: CustomerSinkHarness + ?Sized>(
    h: &H,
) -> Check {
    let mut d = desired(15);
    d.email = "merchant.own@conformance.example".into();
    let sink = shop(h, &[existing(&d.email, &["merchant-vip", "Newsletter"])]).await?;
    let id = find_id(sink.as_ref(), &d.email).await?;
    let mut add = update(&d, &id);
    add.tags_add = vec!["b2b".into(), "tier-wholesale".into()];
    write_ok(sink.as_ref(), add).await?;
    let tags = tag_set(&get(sink.as_ref(), &id).await?.0.tags);
    let want: BTreeSet<String> = ["merchant-vip", "Newsletter", "b2b", "tier-wholesale"]
        .map(String::from)
        .into();
    ensure_eq("tags after adding two managed tags", &tags, &want)?;
    let mut remove = update(&d, &id);
    remove.tags_remove = vec!["tier-wholesale".into()];
    write_ok(sink.as_ref(), remove).await?;
    let tags = tag_set(&get(sink.as_ref(), &id).await?.0.tags);
    let want: BTreeSet<String> = ["merchant-vip", "Newsletter", "b2b"]
        .map(String::from)
        .into();
    ensure_eq("tags after removing one managed tag", &tags, &want)
}

/// C7–C10, C14: `metafields_set` upserts by key, `metafields_delete` removes exactly the keys named.
async fn metafields_are_set_and_deleted_by_key<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = shop(h, &[]).await?;
    let d = desired(16);
    let id = write_ok(sink.as_ref(), create(&d)).await?.shopify_id;
    let mut change = update(&d, &id);
    let mut credit = d.metafields[0].clone();
    credit.value = "7500.5".into();
    change.metafields_set = vec![credit.clone()];
    change.metafields_delete = vec![
        MetafieldKey::new("sparklayer", "group"),
        MetafieldKey::new("sparklayer", "price_lists"),
    ];
    write_ok(sink.as_ref(), change).await?;
    let (_, fields) = get(sink.as_ref(), &id).await?;
    let mut want: Vec<DesiredMetafield> = d
        .metafields
        .iter()
        .filter(|m| m.key.key != "group" && m.key.key != "price_lists" && m.key != credit.key)
        .cloned()
        .collect();
    want.push(credit);
    ensure_eq(
        "metafields after one set and two deletes",
        &sorted(fields.metafields),
        &sorted(want),
    )
}

/// C14: a revoke (no fields) removes the managed tag and metafields and leaves every field,
/// and the merchant's tags, as they were.
async fn a_revoke_write_leaves_the_fields<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let mut d = desired(17);
    d.email = "leaving@conformance.example".into();
    let sink = shop(h, &[existing(&d.email, &["merchant-vip"])]).await?;
    let id = find_id(sink.as_ref(), &d.email).await?;
    let mut sync = update(&d, &id);
    sync.tags_add = d.managed_tags.clone();
    sync.metafields_set = d.metafields.clone();
    write_ok(sink.as_ref(), sync).await?;
    let revoke = CustomerWrite {
        cin7_id: d.cin7_id.clone(),
        target: WriteTarget::Existing {
            shopify_id: id.clone(),
        },
        fields: None,
        tags_add: Vec::new(),
        tags_remove: d.managed_tags.clone(),
        metafields_set: Vec::new(),
        metafields_delete: d.metafields.iter().map(|m| m.key.clone()).collect(),
    };
    let out = write_ok(sink.as_ref(), revoke).await?;
    ensure_eq("ID answered by the revoke", &out.shopify_id, &id)?;
    let (customer, fields) = get(sink.as_ref(), &id).await?;
    ensure_eq(
        "tags after the revoke",
        &tag_set(&customer.tags),
        &tag_set(&["merchant-vip".into()]),
    )?;
    ensure_fields(
        "revoked customer",
        &fields,
        &DesiredCustomer {
            metafields: Vec::new(),
            ..d
        },
    )
}

/// C4: a phone another customer has is dropped (customer and address), with one
/// `phone_taken` warning; everything else is written.
async fn a_taken_phone_is_dropped_with_a_warning<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let mut d = desired(18);
    let holder = ExistingCustomer {
        phone: d.phone.clone(),
        ..existing("phone.holder@conformance.example", &[])
    };
    let sink = shop(h, &[holder]).await?;
    let out = write_ok(sink.as_ref(), create(&d)).await?;
    let reasons: Vec<serde_json::Value> = out
        .warnings
        .iter()
        .map(|w| serde_json::to_value(w.reason).unwrap_or_default())
        .collect();
    ensure_eq(
        "warning reasons of the write",
        &reasons,
        &vec![serde_json::Value::from("phone_taken")],
    )?;
    let (_, fields) = get(sink.as_ref(), &out.shopify_id).await?;
    d.phone = None;
    if let Some(a) = d.address.as_mut() {
        a.phone = None;
    }
    ensure_fields("customer written without the taken phone", &fields, &d)
}

/// C13: invites (one result per ID, in order) leave each account `INVITED` in lookups and
/// reads, so the engine never sends a second; an invite to an unknown customer fails alone.
async fn invites_leave_accounts_invited<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    if h.invite_support() != InviteSupport::Classic {
        return Err(Unsupported::new(
            "the shop uses new customer accounts: no invite exists (C13)",
        )
        .into());
    }
    let sink = shop(h, &[]).await?;
    let (a, b) = (desired(20), desired(21));
    let mut ids = Vec::new();
    for d in [&a, &b] {
        ids.push(write_ok(sink.as_ref(), create(d)).await?.shopify_id);
    }
    let sent = sink.send_invites(&ids).await;
    ensure(sent.len() == 2 && sent.iter().all(Result::is_ok), || {
        format!("send_invites of two: {sent:?}")
    })?;
    let found = sink
        .find_by_emails(&[a.email.clone(), b.email.clone()])
        .await
        .or_fail("find_by_emails")?;
    let states: Vec<Option<AccountState>> = found
        .iter()
        .map(|c| c.as_ref().map(|c| c.account_state))
        .collect();
    ensure_eq(
        "account states found after the invites",
        &states,
        &vec![Some(AccountState::Invited); 2],
    )?;
    let (customer, _) = get(sink.as_ref(), &ids[0]).await?;
    ensure_eq(
        "account state read back after the invite",
        &customer.account_state,
        &AccountState::Invited,
    )?;
    match sink.send_invite(UNKNOWN_ID).await {
        Ok(()) => Err(fail("an invite to an unknown customer succeeded")),
        Err(e) => ensure(!e.is_fatal(), || {
            format!("an invite to an unknown customer was fatal: {e:?}")
        }),
    }
}

/// E6, C15: reads by ID answer one entry per ID, in order (`None` for an unknown ID), each
/// with its own customer's fields and metafields, however many requests the sink needs.
async fn reads_by_id_answer_each_id_in_order<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = shop(h, &[]).await?;
    let (all, ids) = create_batch(sink.as_ref(), 200).await?;
    let mut asked: Vec<String> = ids.iter().rev().cloned().collect();
    asked.insert(7, UNKNOWN_ID.to_owned());
    let got = sink.get_customers(&asked).await.or_fail("get_customers")?;
    ensure(got.len() == asked.len(), || {
        format!(
            "get_customers answered {} entries for {} IDs",
            got.len(),
            asked.len()
        )
    })?;
    let mut want = all.iter().rev();
    for (id, customer) in asked.iter().zip(&got) {
        if id == UNKNOWN_ID {
            ensure(customer.is_none(), || {
                format!("get_customers({UNKNOWN_ID}) found {customer:?}")
            })?;
            continue;
        }
        let d = want
            .next()
            .ok_or_else(|| fail("more IDs read than created"))?;
        let c = customer
            .as_ref()
            .ok_or_else(|| fail(format!("get_customers({id}) found nothing")))?;
        ensure_eq("ID read back", &c.id, id)?;
        let fields = c
            .fields
            .as_ref()
            .ok_or_else(|| fail(format!("{id} came back without fields")))?;
        ensure_fields(&format!("customer {id} read in a batch"), fields, d)?;
    }
    Ok(())
}

/// E2: lookups and reads are not counted as writes (a no-change rerun reports no write).
async fn lookups_are_not_writes<H: CustomerSinkHarness + ?Sized>(h: &H) -> Check {
    let sink = shop(h, &[existing("counted@conformance.example", &[])]).await?;
    let before = sink.request_counts();
    sink.invite_support().await.or_fail("invite_support")?;
    let id = find_id(sink.as_ref(), "counted@conformance.example").await?;
    get(sink.as_ref(), &id).await?;
    ensure_eq(
        "writes in request_counts after reads",
        &sink.request_counts().writes,
        &before.writes,
    )
}
