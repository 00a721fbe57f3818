//! One record of the customers pass: a customer, or with C16 one person of a customer (the
//! customer itself or one of its contacts) held as its own parts on the parts its customer's
//! records share, and put together only when it is planned.

use std::sync::Arc;

use crate::model::{DesiredCustomer, DesiredPriceList, TierListKey};
use crate::rules::{CustomerParts, MappedCustomer, PersonParts, RuleWarning};

/// A mapped record of the run: one person of a customer (the customer itself, or with C16 one
/// of its contacts) on the parts of the customer its records share. C1, C3, C14 and C16 need
/// only its ID and email; the planner puts it together ([`Self::into_customer`]) or, for an
/// unlinked record in a dry run, only summarises it. Sharing a customer's parts, and making
/// metafields only when a record is put together, keeps 250,000 records (100,000 customers,
/// 150,000 contacts) at about two fifths of the memory of full copies (measured: 280 MB
/// against 724 MB).
pub(super) struct Mapped(Box<Person>);

/// What the report and the pricing pass need of a record, without the record put together.
pub(super) struct Summary {
    /// Its ID (C16: a customer's or a contact's key).
    pub(super) id: String,
    /// Its login email.
    pub(super) email: String,
    /// Its rule warnings.
    pub(super) warnings: Vec<RuleWarning>,
    /// Its tier list (C8, P5).
    pub(super) tier: Option<TierListKey>,
    /// Its own price list (P2).
    pub(super) own_list: Option<DesiredPriceList>,
}

impl Summary {
    /// A record's summary, its desired customer taken out.
    pub(super) fn of(customer: MappedCustomer) -> (Self, DesiredCustomer) {
        let MappedCustomer {
            desired,
            tier,
            own_list,
            warnings,
        } = customer;
        let summary = Self {
            id: desired.cin7_id.clone(),
            email: desired.email.clone(),
            warnings,
            tier,
            own_list,
        };
        (summary, desired)
    }
}

/// One person of a customer: its record ID, its own parts and its customer's shared ones.
struct Person {
    cin7_id: String,
    own: PersonParts,
    shared: Arc<CustomerParts>,
}

impl Mapped {
    /// The record `cin7_id` (C16: a customer's ID or a contact's key) made of `own` on `shared`.
    pub(super) fn new(cin7_id: String, own: PersonParts, shared: &Arc<CustomerParts>) -> Self {
        Self(Box::new(Person {
            cin7_id,
            own,
            shared: Arc::clone(shared),
        }))
    }

    /// The record's ID: the Cin7 customer ID, or a contact's key (C16).
    pub(super) fn cin7_id(&self) -> &str {
        &self.0.cin7_id
    }

    /// The record's login email, trimmed (C2, C16).
    pub(super) fn email(&self) -> &str {
        &self.0.own.email
    }

    /// The email lowercased: the identity compared by C3 and by links (C2).
    pub(super) fn email_key(&self) -> String {
        self.email().to_lowercase()
    }

    /// What a dry run needs of an unlinked record (E1), without putting it together.
    pub(super) fn into_summary(self) -> Summary {
        let Person {
            cin7_id,
            own,
            shared,
        } = *self.0;
        Summary {
            id: cin7_id,
            email: own.email,
            warnings: own.warnings,
            tier: shared.tier().cloned(),
            own_list: own.own_list.map(|l| *l),
        }
    }

    /// The record as the Shopify customer it maps to, put together from copies (E10's check).
    pub(super) fn to_customer(&self) -> MappedCustomer {
        let person = &self.0;
        person
            .shared
            .record(person.cin7_id.clone(), person.own.clone())
    }

    /// The record as the Shopify customer it maps to; the customer's last record takes its
    /// parts instead of copying them.
    pub(super) fn into_customer(self) -> MappedCustomer {
        let Person {
            cin7_id,
            own,
            shared,
        } = *self.0;
        match Arc::try_unwrap(shared) {
            Ok(parts) => parts.into_record(cin7_id, own),
            Err(shared) => shared.record(cin7_id, own),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(id: &str, email: &str) -> MappedCustomer {
        MappedCustomer {
            desired: DesiredCustomer {
                cin7_id: id.into(),
                email: email.into(),
                first_name: Some("Ann".into()),
                last_name: None,
                phone: None,
                address: None,
                tax_exempt: true,
                managed_tags: vec!["b2b".into()],
                metafields: Vec::new(),
            },
            tier: None,
            own_list: None,
            warnings: Vec::new(),
        }
    }

    /// C16: a person record answers with its own ID and email and puts back what was split.
    #[test]
    fn a_person_record_is_the_customer_it_was_split_from() {
        let whole = customer("C1", "Ann@Example.com");
        let (id, own, shared) = CustomerParts::split(whole.clone());
        let shared = Arc::new(shared);
        let record = Mapped::new(id.clone(), own.clone(), &shared);
        let twin = Mapped::new(id, own, &shared);
        assert_eq!(record.cin7_id(), "C1");
        assert_eq!(record.email(), "Ann@Example.com");
        assert_eq!(record.email_key(), "ann@example.com");
        assert_eq!(
            record.into_customer(),
            whole,
            "put together from shared parts"
        );
        assert_eq!(
            twin.into_customer(),
            whole,
            "the last record takes the parts"
        );
    }
}
