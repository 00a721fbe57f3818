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
pub fn resolve_duplicates(
    customers: &[(String, String)],
    linked: &HashSet<(String, String)>,
) -> Vec<DuplicateVerdict> {
    let keys: Vec<Cow<'_, str>> = customers.iter().map(|(_, e)| email_key(e)).collect();
    // Email → the distinct IDs using it: the first inline, the rest (rare) in a vector.
    let mut groups: foldhash::HashMap<&str, (&str, Vec<&str>)> =
        foldhash::HashMap::with_capacity_and_hasher(customers.len(), Default::default());
    for ((id, _), key) in customers.iter().zip(&keys) {
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
    customers
        .iter()
        .zip(&keys)
        .map(|((id, _), key)| {
            let Some((first, more)) = groups.get(key.as_ref()) else {
                return DuplicateVerdict::Keep;
            };
            if more.is_empty() {
                return DuplicateVerdict::Keep;
            }
            let ids = std::iter::once(first).chain(more);
            let owner = ids
                .clone()
                .find(|other| linked.contains(&((**other).to_owned(), key.to_string())));
            if owner.is_some_and(|o| *o == id) {
                DuplicateVerdict::Keep
            } else {
                let mut others: Vec<String> =
                    ids.filter(|o| **o != id).map(|o| (*o).to_owned()).collect();
                others.sort();
                DuplicateVerdict::Skip { others }
            }
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
