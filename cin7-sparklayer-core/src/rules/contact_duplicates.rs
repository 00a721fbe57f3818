//! C3 across contacts (C16): one email, one Shopify customer, with C16's tie-break.

use std::collections::HashSet;

use crate::model::{customer_of_key, is_contact_key};

use super::duplicates::{DuplicateVerdict, resolve_by_email};

/// C3 with C16's tie-break: decides, for records `(id, email)` — customers keyed by their Cin7
/// ID, contacts by `{customer ID}/{contact ID}` — which may sync.
///
/// Emails compare lowercased; a record ID appearing twice counts once. Within a group sharing an
/// email: the record whose link in the state has that email (`linked` holds `(id, lowercased
/// email)`) keeps syncing; else a customer's key contact wins over other contacts (two or more
/// key contacts: all skipped, as C3 says); else among contacts the smaller customer ID wins,
/// then the earlier in the input (Cin7's list order). Every other record is skipped, naming
/// the others. One verdict per input, in input order.
pub fn resolve_duplicates_with_contacts<I: AsRef<str>, E: AsRef<str>>(
    records: &[(I, E)],
    linked: &HashSet<(String, String)>,
) -> Vec<DuplicateVerdict> {
    resolve_by_email(records, |email, ids| winner(email, ids, linked))
}

/// The record of a group sharing `email` that syncs, if any (C3, C16).
fn winner<'a>(email: &str, ids: &[&'a str], linked: &HashSet<(String, String)>) -> Option<&'a str> {
    if let Some(owner) = ids
        .iter()
        .find(|id| linked.contains(&((**id).to_owned(), email.to_owned())))
    {
        return Some(owner);
    }
    let keys: Vec<&&str> = ids.iter().filter(|id| !is_contact_key(id)).collect();
    match keys.as_slice() {
        [one] => Some(one),
        [] => ids
            .iter()
            .enumerate()
            .min_by(|(i, a), (j, b)| customer_of_key(a).cmp(customer_of_key(b)).then(i.cmp(j)))
            .map(|(_, id)| *id),
        _ => None,
    }
}
