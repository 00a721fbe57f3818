//! C3 across contacts (C16): one email, one Shopify customer, with C16's tie-break.

use std::borrow::Cow;
use std::collections::HashSet;
use std::collections::hash_map::Entry;

use crate::model::{customer_of_key, is_contact_key};

use super::duplicates::DuplicateVerdict;

/// C3 with C16's tie-break: decides, for records `(id, email)` — customers keyed by their Cin7
/// ID, contacts by `{customer ID}/{contact ID}` — which may sync.
///
/// Emails compare lowercased; a record ID appearing twice counts once. Within a group sharing an
/// email: the record whose link in the state has that email (`linked` holds `(id, lowercased
/// email)`) keeps syncing; else a customer's key contact wins over other contacts (two or more
/// key contacts: all skipped, as C3 says); else among contacts the smaller customer ID wins,
/// then the earlier in the input (Cin7's list order). Every other record is skipped, naming
/// the others. One verdict per input, in input order.
pub fn resolve_duplicates_with_contacts(
    records: &[(String, String)],
    linked: &HashSet<(String, String)>,
) -> Vec<DuplicateVerdict> {
    let keys: Vec<Cow<'_, str>> = records.iter().map(|(_, e)| email_key(e)).collect();
    // Email → the distinct record IDs using it, in input order: the first inline, the rest
    // (rare) in a vector that allocates only when used.
    let mut groups: foldhash::HashMap<&str, (&str, Vec<&str>)> =
        foldhash::HashMap::with_capacity_and_hasher(records.len(), Default::default());
    for ((id, _), key) in records.iter().zip(&keys) {
        match groups.entry(key.as_ref()) {
            Entry::Vacant(v) => {
                v.insert((id.as_str(), Vec::new()));
            }
            Entry::Occupied(mut o) => {
                let (first, more) = o.get_mut();
                if *first != id.as_str() && !more.contains(&id.as_str()) {
                    more.push(id);
                }
            }
        }
    }
    // Only shared emails need a decision: each once, however large its group.
    let shared: foldhash::HashMap<&str, (Vec<&str>, Option<&str>)> = groups
        .iter()
        .filter(|(_, (_, more))| !more.is_empty())
        .map(|(email, (first, more))| {
            let ids: Vec<&str> = std::iter::once(*first)
                .chain(more.iter().copied())
                .collect();
            let won = winner(email, &ids, linked);
            (*email, (ids, won))
        })
        .collect();
    records
        .iter()
        .zip(&keys)
        .map(|((id, _), key)| {
            let Some((ids, won)) = shared.get(key.as_ref()) else {
                return DuplicateVerdict::Keep;
            };
            if *won == Some(id.as_str()) {
                return DuplicateVerdict::Keep;
            }
            let mut others: Vec<String> = ids
                .iter()
                .filter(|o| **o != id.as_str())
                .map(|o| (*o).to_owned())
                .collect();
            others.sort();
            DuplicateVerdict::Skip { others }
        })
        .collect()
}

/// The email lowercased, borrowed when it already is (most are).
fn email_key(email: &str) -> Cow<'_, str> {
    if email
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(email)
    } else {
        Cow::Owned(email.to_lowercase())
    }
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
