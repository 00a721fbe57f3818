//! C3 across contacts (C16): one email, one Shopify customer, with C16's tie-break.

use std::collections::HashSet;

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
    let keys: Vec<String> = records.iter().map(|(_, e)| e.to_lowercase()).collect();
    // Email → distinct record IDs in input order.
    let mut groups: foldhash::HashMap<&str, Vec<&str>> = foldhash::HashMap::default();
    for ((id, _), key) in records.iter().zip(&keys) {
        let ids = groups.entry(key.as_str()).or_default();
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    let winners: foldhash::HashMap<&str, Option<&str>> = groups
        .iter()
        .map(|(email, ids)| (*email, winner(email, ids, linked)))
        .collect();
    records
        .iter()
        .zip(&keys)
        .map(|((id, _), key)| {
            let ids = &groups[key.as_str()];
            if ids.len() == 1 || winners[key.as_str()] == Some(id.as_str()) {
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

/// The record of a group sharing `email` that syncs, if any (C3, C16).
fn winner<'a>(
    email: &str,
    ids: &[&'a str],
    linked: &HashSet<(String, String)>,
) -> Option<&'a str> {
    if let [only] = ids {
        return Some(only);
    }
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
