//! C3 Duplicates: two in-scope customers with one email.

use std::borrow::Cow;
use std::collections::HashSet;
use std::collections::hash_map::Entry;

/// The verdict on one customer's email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DuplicateVerdict {
    /// The email is unique, or this customer is the one already linked: it syncs.
    Keep,
    /// Skipped with `duplicate_email`; names the other Cin7 IDs sharing the email.
    Skip {
        /// The other customers with the same email, sorted.
        others: Vec<String>,
    },
}

/// C3: decides, for customers `(cin7_id, email)`, which may sync.
///
/// Emails compare lowercased. Within a group sharing an email, the customer whose link in the
/// state has that same email (`linked` holds `(cin7_id, lowercased email)` pairs) keeps
/// syncing; all others are skipped. If none is linked with it, all are skipped. The result has
/// one verdict per input, in input order. A Cin7 ID appearing twice in the input is treated as one customer.
pub fn resolve_duplicates<I: AsRef<str>, E: AsRef<str>>(
    customers: &[(I, E)],
    linked: &HashSet<(String, String)>,
) -> Vec<DuplicateVerdict> {
    resolve_by_email(customers, |email, ids| {
        ids.iter()
            .find(|id| linked.contains(&((**id).to_owned(), email.to_owned())))
            .copied()
    })
}

/// The shared shape of C3 and C16's duplicate rules: records `(id, email)` grouped by lowercased
/// email (an ID appearing twice counts once); each email shared by several IDs is decided once
/// by `winner(email, ids in input order)`, which names the ID that keeps syncing, or none; every
/// other ID of the group is skipped naming the others. One verdict per input, in input order.
pub(super) fn resolve_by_email<'a, I: AsRef<str>, E: AsRef<str>>(
    records: &'a [(I, E)],
    winner: impl Fn(&str, &[&'a str]) -> Option<&'a str>,
) -> Vec<DuplicateVerdict> {
    let keys: Vec<Cow<'_, str>> = records.iter().map(|(_, e)| email_key(e.as_ref())).collect();
    // Email → the distinct record IDs using it, in input order: the first inline, the rest
    // (rare) in a vector that allocates only when used.
    let mut groups: foldhash::HashMap<&str, (&str, Vec<&str>)> =
        foldhash::HashMap::with_capacity_and_hasher(records.len(), Default::default());
    for ((id, _), key) in records.iter().zip(&keys) {
        let id = id.as_ref();
        match groups.entry(key.as_ref()) {
            Entry::Vacant(v) => {
                v.insert((id, Vec::new()));
            }
            Entry::Occupied(mut o) => {
                let (first, more) = o.get_mut();
                if *first != id && !more.contains(&id) {
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
            let won = winner(email, &ids);
            (*email, (ids, won))
        })
        .collect();
    records
        .iter()
        .zip(&keys)
        .map(|((id, _), key)| {
            let id = id.as_ref();
            let Some((ids, won)) = shared.get(key.as_ref()) else {
                return DuplicateVerdict::Keep;
            };
            if *won == Some(id) {
                return DuplicateVerdict::Keep;
            }
            let mut others: Vec<String> = ids
                .iter()
                .filter(|o| **o != id)
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
