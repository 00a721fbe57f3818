//! C3 Duplicates: two in-scope customers with one email.

use std::collections::{BTreeMap, HashSet};

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
    let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (id, email) in customers {
        let ids = groups.entry(email.to_lowercase()).or_default();
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    customers
        .iter()
        .map(|(id, email)| {
            let key = email.to_lowercase();
            let ids = groups.get(&key).map(Vec::as_slice).unwrap_or_default();
            if ids.len() <= 1 {
                return DuplicateVerdict::Keep;
            }
            let owner = ids
                .iter()
                .find(|other| linked.contains(&((**other).to_owned(), key.clone())));
            if owner.is_some_and(|o| *o == id) {
                DuplicateVerdict::Keep
            } else {
                let mut others: Vec<String> = ids
                    .iter()
                    .filter(|o| **o != id)
                    .map(|o| (*o).to_owned())
                    .collect();
                others.sort();
                DuplicateVerdict::Skip { others }
            }
        })
        .collect()
}
