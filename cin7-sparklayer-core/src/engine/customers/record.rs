//! One record of the customers pass: a customer, or with C16 one person of a customer (the
//! customer itself or one of its contacts) held as its own parts on the parts its customer's
//! records share, and put together only when it is planned.

use std::sync::Arc;

use crate::model::{DesiredPriceList, TierListKey};
use crate::rules::{CustomerParts, MappedCustomer, PersonParts, RuleWarning};

/// A mapped record of the run. C1, C3, C14 and C16 need only its ID and email; the planner
/// takes it whole ([`Self::into_customer`]). Sharing a customer's parts keeps 250,000 records
/// (100,000 customers, 150,000 contacts) at about half the memory of full copies.
pub(super) enum Mapped {
    /// A customer mapped whole (no contacts synced with it).
    Whole(Box<MappedCustomer>),
    /// One person of a customer with contacts (C16).
    Person(Box<Person>),
}

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
    pub(super) fn of(customer: MappedCustomer) -> (Self, crate::model::DesiredCustomer) {
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

/// C16: one person of a customer: its record ID, its own parts and its customer's shared ones.
pub(super) struct Person {
    cin7_id: String,
    own: PersonParts,
    shared: Arc<CustomerParts>,
}

impl Mapped {
    /// A customer mapped whole.
    pub(super) fn whole(customer: MappedCustomer) -> Self {
        Self::Whole(Box::new(customer))
    }

    /// One person of a customer (C16): the record `cin7_id` made of `own` on `shared`.
    pub(super) fn person(cin7_id: String, own: PersonParts, shared: &Arc<CustomerParts>) -> Self {
        Self::Person(Box::new(Person {
            cin7_id,
            own,
            shared: Arc::clone(shared),
        }))
    }

    /// The record's ID: the Cin7 customer ID, or a contact's key (C16).
    pub(super) fn cin7_id(&self) -> &str {
        match self {
            Self::Whole(m) => &m.desired.cin7_id,
            Self::Person(p) => &p.cin7_id,
        }
    }

    /// The record's login email, trimmed (C2, C16).
    pub(super) fn email(&self) -> &str {
        match self {
            Self::Whole(m) => &m.desired.email,
            Self::Person(p) => &p.own.email,
        }
    }

    /// The email lowercased: the identity compared by C3 and by links (C2).
    pub(super) fn email_key(&self) -> String {
        self.email().to_lowercase()
    }

    /// What a dry run needs of an unlinked record (E1), without putting it together.
    pub(super) fn into_summary(self) -> Summary {
        match self {
            Self::Whole(m) => {
                let MappedCustomer {
                    desired,
                    tier,
                    own_list,
                    warnings,
                } = *m;
                Summary {
                    id: desired.cin7_id,
                    email: desired.email,
                    warnings,
                    tier,
                    own_list,
                }
            }
            Self::Person(p) => {
                let Person {
                    cin7_id,
                    own,
                    shared,
                } = *p;
                Summary {
                    id: cin7_id,
                    email: own.email,
                    warnings: own.warnings,
                    tier: shared.tier().cloned(),
                    own_list: own.own_list.map(|l| *l),
                }
            }
        }
    }

    /// The record as the Shopify customer it maps to.
    pub(super) fn into_customer(self) -> MappedCustomer {
        match self {
            Self::Whole(m) => *m,
            Self::Person(p) => {
                let Person {
                    cin7_id,
                    own,
                    shared,
                } = *p;
                shared.record(cin7_id, own)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DesiredCustomer;

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
        let record = Mapped::person(id, own, &Arc::new(shared));
        assert_eq!(record.cin7_id(), "C1");
        assert_eq!(record.email(), "Ann@Example.com");
        assert_eq!(record.email_key(), "ann@example.com");
        assert_eq!(record.into_customer(), whole);
        let record = Mapped::whole(customer("C2", "b@example.com"));
        assert_eq!((record.cin7_id(), record.email()), ("C2", "b@example.com"));
    }
}
