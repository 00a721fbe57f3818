//! C16: a Shopify customer follows its email between the records of one Cin7 customer.
//!
//! Records are keyed by customer (`{customer}` for the key contact) and contact
//! (`{customer}/{contact}`). When Cin7 moves `Default: true` to another contact, the person who
//! was a contact becomes the key record, and the former key contact becomes a contact record:
//! keyed as before, the key record would try to take the new default's email while that
//! person's own Shopify customer still holds it (refused by Shopify, every run). So before
//! planning, each record whose link does not carry its email takes the link of a sibling record
//! (same Cin7 customer) that does, when that sibling no longer wants it. A link left with
//! nobody (its person left the customer) is kept under `{customer}/~{Shopify ID}`, where C14
//! finds it like any contact that left scope.

use std::collections::HashMap;

use crate::model::{CONTACT_KEY_SEPARATOR, customer_of_key};
use crate::ports::CustomerLink;

use super::Mapped;

/// Links that changed records in this run: new key → the key it is moved from in the state
/// store (saved with [`crate::ports::StateStore::move_customer_link`]).
pub(super) type Moves = HashMap<String, String>;

/// What starts the contact part of a parked link's key.
const PARKED: char = '~';

/// The key a link is parked under: `{customer}/~{Shopify ID}`, a link its record gave up that no
/// other record took.
fn parked_key(customer: &str, shopify_id: &str) -> String {
    format!("{customer}{CONTACT_KEY_SEPARATOR}{PARKED}{shopify_id}")
}

/// Whether `key` is a parked link's ([`parked_key`]).
pub(super) fn is_parked(key: &str) -> bool {
    key.split_once(CONTACT_KEY_SEPARATOR)
        .is_some_and(|(_, rest)| rest.starts_with(PARKED))
}

/// One record of a linked customer: its key and its email, lowercased as links keep them.
struct Record<'a> {
    key: &'a str,
    email: String,
}

/// C16: re-keys `links` so each mapped record of a customer holds the Shopify customer that
/// carries its email (see the module), and returns the moves. A moved link's content hash is
/// cleared: the record is written once in full, and the move is saved with that write.
pub(super) fn follow_emails(links: &mut HashMap<String, CustomerLink>, mapped: &[Mapped]) -> Moves {
    // Only a customer with a record whose own link does not carry its email can move anything
    // (in a steady state none): the rest is never grouped.
    let unsettled: foldhash::HashSet<&str> = if links.is_empty() {
        foldhash::HashSet::default()
    } else {
        mapped
            .iter()
            .filter(|m| {
                links
                    .get(m.cin7_id())
                    .is_none_or(|l| l.email != m.email() && l.email != m.email_key())
            })
            .map(|m| customer_of_key(m.cin7_id()))
            .collect()
    };
    if unsettled.is_empty() {
        return Moves::new();
    }
    let planned = {
        let mut by_customer: HashMap<&str, Vec<&CustomerLink>> = HashMap::new();
        for l in links.values() {
            let customer = customer_of_key(&l.cin7_id);
            if unsettled.contains(customer) {
                by_customer.entry(customer).or_default().push(l);
            }
        }
        let mut records: HashMap<&str, Vec<Record<'_>>> = HashMap::new();
        for m in mapped {
            let key = m.cin7_id();
            if let Some((customer, _)) = by_customer.get_key_value(customer_of_key(key)) {
                let email = m.email_key();
                records
                    .entry(customer)
                    .or_default()
                    .push(Record { key, email });
            }
        }
        records
            .iter()
            .flat_map(|(customer, records)| moves_of(links, &by_customer[customer], records))
            .collect::<Vec<_>>()
    };
    apply_moves(links, planned)
}

/// One planned move: `to` takes the link keyed `from`.
struct Move {
    to: String,
    from: String,
}

/// The moves within one customer: its records in input order (the key record first), each
/// taking the sibling link carrying its email when its own does not and the sibling's record
/// does not want that email itself.
fn moves_of(
    links: &HashMap<String, CustomerLink>,
    siblings: &[&CustomerLink],
    records: &[Record<'_>],
) -> Vec<Move> {
    let wants = |key: &str, email: &str| records.iter().any(|r| r.key == key && r.email == email);
    let mut taken: Vec<&str> = Vec::new();
    let mut moves = Vec::new();
    for r in records {
        if links.get(r.key).is_some_and(|l| l.email == r.email) {
            continue;
        }
        let carrier = siblings.iter().find(|l| {
            l.cin7_id != r.key
                && l.email == r.email
                && !wants(&l.cin7_id, &l.email)
                && !taken.contains(&l.cin7_id.as_str())
        });
        if let Some(l) = carrier {
            taken.push(&l.cin7_id);
            moves.push(Move {
                to: r.key.to_owned(),
                from: l.cin7_id.clone(),
            });
        }
    }
    moves
}

/// Applies `planned` to `links`: every moved link re-keyed (hash cleared), every link its new
/// holder had and nobody took kept under `{customer}/~{Shopify ID}`.
fn apply_moves(links: &mut HashMap<String, CustomerLink>, planned: Vec<Move>) -> Moves {
    let mut moves = Moves::new();
    if planned.is_empty() {
        return moves;
    }
    let froms: Vec<&str> = planned.iter().map(|m| m.from.as_str()).collect();
    let displaced: Vec<String> = planned
        .iter()
        .map(|m| m.to.clone())
        .filter(|to| links.contains_key(to) && !froms.contains(&to.as_str()))
        .collect();
    let mut placed = Vec::new();
    for m in &planned {
        if let Some(link) = links.get(&m.from) {
            let mut link = link.clone();
            link.cin7_id.clone_from(&m.to);
            link.content_hash.clear();
            placed.push(link);
            moves.insert(m.to.clone(), m.from.clone());
        }
    }
    for key in displaced {
        if let Some(mut link) = links.remove(&key) {
            let former = parked_key(customer_of_key(&key), &link.shopify_id);
            link.cin7_id.clone_from(&former);
            moves.insert(former, key);
            placed.push(link);
        }
    }
    for m in &planned {
        links.remove(&m.from);
    }
    for link in placed {
        links.entry(link.cin7_id.clone()).or_insert(link);
    }
    moves
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::Mapped;
    use super::follow_emails;
    use crate::model::DesiredCustomer;
    use crate::ports::CustomerLink;
    use std::sync::Arc;

    use crate::rules::{CustomerParts, MappedCustomer};

    fn link(key: &str, shopify: &str, email: &str) -> CustomerLink {
        CustomerLink {
            cin7_id: key.into(),
            shopify_id: shopify.into(),
            email: email.into(),
            content_hash: "h".into(),
            invite_sent: true,
            managed_tags: Vec::new(),
            metafields: Vec::new(),
            revoked: false,
        }
    }

    fn record(key: &str, email: &str) -> Mapped {
        let (id, own, shared) = CustomerParts::split(MappedCustomer {
            desired: DesiredCustomer {
                cin7_id: key.into(),
                email: email.into(),
                first_name: None,
                last_name: None,
                phone: None,
                address: None,
                tax_exempt: false,
                managed_tags: Vec::new(),
                metafields: Vec::new(),
            },
            tier: None,
            own_list: None,
            warnings: Vec::new(),
        });
        Mapped::new(id, own, &Arc::new(shared))
    }

    fn links(list: &[CustomerLink]) -> HashMap<String, CustomerLink> {
        list.iter()
            .map(|l| (l.cin7_id.clone(), l.clone()))
            .collect()
    }

    fn holder(links: &HashMap<String, CustomerLink>, key: &str) -> Option<String> {
        links.get(key).map(|l| l.shopify_id.clone())
    }

    proptest::proptest! {
        /// C16: whatever the emails, relinking never loses a Shopify customer nor gives one
        /// to two records, and a record keeps its own link whenever that link has its email.
        #[test]
        fn relinking_keeps_every_shopify_customer_exactly_once(
            held in proptest::collection::vec(0usize..5, 0..5),
            wanted in proptest::collection::vec(proptest::option::of(0usize..5), 0..5),
        ) {
            let key = |i: usize| if i == 0 { "c".to_owned() } else { format!("c/k{i}") };
            let email = |e: usize| format!("p{e}@x.io");
            let before: HashMap<String, CustomerLink> = held
                .iter()
                .enumerate()
                .map(|(i, e)| (key(i), link(&key(i), &format!("s{i}"), &email(*e))))
                .collect();
            let mapped: Vec<Mapped> = wanted
                .iter()
                .enumerate()
                .filter_map(|(i, e)| e.map(|e| record(&key(i), &email(e))))
                .collect();
            let mut after = before.clone();
            follow_emails(&mut after, &mapped);
            let mut ids: Vec<&str> = after.values().map(|l| l.shopify_id.as_str()).collect();
            ids.sort_unstable();
            let mut expected: Vec<&str> = before.values().map(|l| l.shopify_id.as_str()).collect();
            expected.sort_unstable();
            proptest::prop_assert_eq!(ids, expected);
            for m in &mapped {
                if let Some(own) = before.get(m.cin7_id()).filter(|l| l.email == m.email()) {
                    proptest::prop_assert_eq!(holder(&after, m.cin7_id()), Some(own.shopify_id.clone()));
                }
            }
        }
    }

    #[test]
    fn a_new_default_contact_swaps_shopify_customers_with_the_old_one() {
        let mut l = links(&[link("c", "s1", "a@x.io"), link("c/b", "s2", "b@x.io")]);
        let mapped = [record("c", "B@x.io"), record("c/a", "a@x.io")];
        let moves = follow_emails(&mut l, &mapped);
        assert_eq!(holder(&l, "c").as_deref(), Some("s2"));
        assert_eq!(holder(&l, "c/a").as_deref(), Some("s1"));
        assert_eq!(l.len(), 2, "{l:?}");
        assert_eq!(moves.get("c").map(String::as_str), Some("c/b"));
        assert_eq!(moves.get("c/a").map(String::as_str), Some("c"));
        assert!(
            l.values()
                .all(|l| l.content_hash.is_empty() && l.invite_sent)
        );
    }

    #[test]
    fn a_former_default_that_left_is_kept_under_a_former_key() {
        let mut l = links(&[link("c", "s1", "a@x.io"), link("c/b", "s2", "b@x.io")]);
        let moves = follow_emails(&mut l, &[record("c", "b@x.io")]);
        assert_eq!(holder(&l, "c").as_deref(), Some("s2"));
        assert_eq!(holder(&l, "c/~s1").as_deref(), Some("s1"));
        assert_eq!(moves.get("c/~s1").map(String::as_str), Some("c"));
        assert!(!l.contains_key("c/b"));
    }

    #[test]
    fn an_email_change_and_other_customers_are_left_alone() {
        let before = links(&[
            link("c", "s1", "a@x.io"),
            link("c/b", "s2", "b@x.io"),
            link("d", "s3", "new@x.io"),
        ]);
        let mut l = before.clone();
        // `c` changed its email to one another customer's link carries: not a sibling.
        let mapped = [
            record("c", "new@x.io"),
            record("c/b", "b@x.io"),
            record("d", "d@x.io"),
        ];
        assert!(follow_emails(&mut l, &mapped).is_empty());
        assert_eq!(l, before);
    }

    #[test]
    fn a_sibling_still_wanting_its_email_keeps_it() {
        let before = links(&[link("c", "s1", "a@x.io"), link("c/b", "s2", "b@x.io")]);
        let mut l = before.clone();
        let mapped = [record("c", "b@x.io"), record("c/b", "b@x.io")];
        assert!(follow_emails(&mut l, &mapped).is_empty(), "C3 decides");
        assert_eq!(l, before);
    }
}
