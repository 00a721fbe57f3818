//! Read operations: customer accounts version (C13), lookup by email (C2, E5) and the synced
//! fields of known customers (C15, E6). Several customers share one document via aliases.

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::{InviteSupport, RemoteCustomer};
use cin7_sparklayer_core::rules::MANAGED_KEYS;
use serde_json::Value;

use crate::answers::{CustomerFull, CustomerRef, ShopAccounts, decode};
use crate::document::{DocBuilder, OpKind};
use crate::error::ShopifyError;
use crate::selection::{Sel, object_cost, render};
use crate::transport::{Answer, Transport};

/// Selection of a lookup: cheap (one object plus the email object).
const LOOKUP_SELECTION: &str = "id state tags defaultEmailAddress { emailAddress }";

/// Estimated cost of one lookup alias.
const LOOKUP_COST: f64 = 2.0;

/// Shopify's single-query cost limit: a document asking more is refused as a whole
/// (`MAX_COST_EXCEEDED`), whatever the bucket holds.
pub(crate) const MAX_QUERY_COST: f64 = 1000.0;

/// Selection of a full read: the synced fields and the sync's metafields (the core's
/// [`MANAGED_KEYS`], as `$keys`; `first` is their number, so every one fits).
fn full_selection() -> Vec<Sel> {
    let first = MANAGED_KEYS.len();
    vec![
        Sel::Scalars("id state tags firstName lastName taxExempt"),
        Sel::Object("defaultEmailAddress", vec![Sel::Scalars("emailAddress")]),
        Sel::Object("defaultPhoneNumber", vec![Sel::Scalars("phoneNumber")]),
        Sel::Object(
            "defaultAddress",
            vec![Sel::Scalars(
                "address1 address2 city company countryCodeV2 firstName lastName phone provinceCode zip",
            )],
        ),
        Sel::Connection {
            head: format!("metafields(first: {first}, keys: $keys)"),
            first,
            node: vec![Sel::Scalars("namespace key type value")],
        },
    ]
}

/// `customer(id:)` aliases per read-back document (C15): as many as Shopify's single-query
/// cost limit allows with the full selection (71 with today's 14 points an alias), never more
/// than the bucket holds once known, nor than `cap`.
pub(crate) fn reads_per_document(bucket_maximum: Option<f64>, cap: usize) -> usize {
    let limit = bucket_maximum.map_or(MAX_QUERY_COST, |b| b.min(MAX_QUERY_COST));
    let fit = (limit / object_cost(&full_selection())).floor() as usize;
    fit.clamp(1, cap.max(1))
}

/// `namespace.key` of every metafield the sync writes: the `$keys` of a full read.
fn managed_keys() -> Vec<String> {
    MANAGED_KEYS
        .iter()
        .map(|(n, k)| format!("{n}.{k}"))
        .collect()
}

/// `shop { customerAccountsV2 { customerAccountsVersion } }` → classic or new accounts (C13).
pub(crate) async fn invite_support(t: &Transport) -> Result<InviteSupport, PortError> {
    let mut b = DocBuilder::new(OpKind::Query, "CustomerAccounts");
    b.field(
        "shop { customerAccountsV2 { customerAccountsVersion } }".into(),
        3.0,
    );
    let answer = t.execute(&b.build()).await?;
    let shop: ShopAccounts = decode(&answer, "shop")?;
    Ok(
        match shop.customer_accounts_v2.customer_accounts_version.as_str() {
            "CLASSIC" => InviteSupport::Classic,
            _ => InviteSupport::NotApplicable,
        },
    )
}

/// Reads one customer's protected fields (names, email, phone, address): an app Shopify has
/// not approved for them gets errors on them, which the transport turns into
/// [`ShopifyError::ProtectedCustomerData`] (fatal). A shop without customers proves nothing
/// here; its first writes and later reads are checked the same way.
pub(crate) async fn check_access(t: &Transport) -> Result<(), PortError> {
    let mut b = DocBuilder::new(OpKind::Query, "CustomerDataAccess");
    b.field(
        "customers(first: 1) { nodes { id firstName lastName defaultEmailAddress { emailAddress } \
defaultPhoneNumber { phoneNumber } defaultAddress { address1 city zip provinceCode countryCodeV2 phone } } }"
            .into(),
        2.0 + 4.0,
    );
    t.execute(&b.build()).await?;
    Ok(())
}

/// `customerByIdentifier(identifier: {emailAddress})` per email, `per_doc` aliases a document,
/// keeping only customers whose email matches exactly, ignoring case (C2).
pub(crate) async fn find_by_emails(
    t: &Transport,
    emails: &[String],
    per_doc: usize,
) -> Result<Vec<Option<RemoteCustomer>>, PortError> {
    let mut out = Vec::with_capacity(emails.len());
    for chunk in emails.chunks(per_doc.max(1)) {
        let mut b = DocBuilder::new(OpKind::Query, "CustomersByEmail");
        for (i, email) in chunk.iter().enumerate() {
            let v = b.var(format!("e{i}"), "String!", Value::from(email.trim()));
            b.field(
                format!("c{i}: customerByIdentifier(identifier: {{emailAddress: {v}}}) {{ {LOOKUP_SELECTION} }}"),
                LOOKUP_COST,
            );
        }
        let answer = t.execute(&b.build()).await?;
        for (i, email) in chunk.iter().enumerate() {
            let alias = format!("c{i}");
            field_error(&answer, &alias)?;
            let found: Option<CustomerRef> = decode(&answer, &alias)?;
            let found = found.filter(|c| {
                c.email()
                    .is_some_and(|e| e.trim().eq_ignore_ascii_case(email.trim()))
            });
            out.push(
                found
                    .map(RemoteCustomer::from)
                    .filter(|c| c.id.starts_with("gid://shopify/Customer/")),
            );
        }
    }
    Ok(out)
}

/// `customer(id:)` per ID with the synced fields, `per_doc` aliases a document (C15, E6; see
/// [`reads_per_document`]).
pub(crate) async fn get_customers(
    t: &Transport,
    ids: &[String],
    per_doc: usize,
) -> Result<Vec<Option<RemoteCustomer>>, PortError> {
    let keys = Value::from(managed_keys());
    let sel = full_selection();
    let (selection, cost) = (render(&sel), object_cost(&sel));
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(per_doc.max(1)) {
        let mut b = DocBuilder::new(OpKind::Query, "CustomersById");
        b.var("keys".into(), "[String!]", keys.clone());
        for (i, id) in chunk.iter().enumerate() {
            let v = b.var(format!("id{i}"), "ID!", Value::from(id.as_str()));
            b.field(format!("c{i}: customer(id: {v}) {{ {selection} }}"), cost);
        }
        let answer = t.execute(&b.build()).await?;
        for i in 0..chunk.len() {
            let alias = format!("c{i}");
            field_error(&answer, &alias)?;
            let found: Option<CustomerFull> = decode(&answer, &alias)?;
            out.push(found.map(RemoteCustomer::from));
        }
    }
    Ok(out)
}

/// A field-level error on a read alias fails the read: a lookup that silently returned
/// "not found" would create a duplicate customer (E5).
fn field_error(answer: &Answer, alias: &str) -> Result<(), PortError> {
    match answer.error_for(alias) {
        Some(e) if answer.get(alias).is_null() => Err(ShopifyError::GraphQl {
            message: e.message.clone(),
        }
        .into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_back_documents_fill_the_cost_limit() {
        // customer 1 + email 1 + phone 1 + address 1 + metafields (2 + 8 × 1)
        assert_eq!(object_cost(&full_selection()), 14.0);
        assert_eq!(reads_per_document(None, 250), 71);
        assert_eq!(reads_per_document(Some(1000.0), 250), 71);
        assert_eq!(reads_per_document(Some(500.0), 250), 35);
        assert_eq!(
            reads_per_document(Some(5_000.0), 250),
            71,
            "the query limit still holds"
        );
        assert_eq!(reads_per_document(None, 10), 10);
        assert_eq!(reads_per_document(Some(5.0), 250), 1);
    }
}
