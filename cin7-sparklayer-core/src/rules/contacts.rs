//! C16 Contacts: every other qualifying contact of a synced customer as a Shopify customer of
//! its own (`customers.contacts = "all"`).
//!
//! A contact is its customer's mapping with its own email, names, phone and contact ID. So
//! that 100,000 customers with 150,000 more contacts are not held as 250,000 full copies, a
//! customer's mapping splits into what its records share ([`CustomerParts`]) and what each
//! person holds alone ([`PersonParts`]); [`CustomerParts::record`] puts one back together.

use crate::model::{
    DesiredAddress, DesiredCustomer, DesiredMetafield, DesiredPriceList, MetafieldKey,
    SourceContact, SourceCustomer, TierListKey, contact_key,
};
use crate::report::{SkipReason, WarningReason};

use super::identity::{identity_contact, is_valid_email};
use super::map::{MappedCustomer, RuleWarning, Skip};
use super::metafields::{CONTACT_ID, MetafieldValues, with_contact_id};
use super::names::split_name;
use super::phone::{PhonePick, pick_phone};

/// One other contact of a mapped customer (C16): its record ID and what the rules made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedContact {
    /// `{customer ID}/{contact ID}`, the contact's state key; `{customer ID}/#{n}` (its place
    /// in `Contacts[]`, from 1) when the contact has no `ID` (it is then skipped,
    /// `no_contact_id`, and never linked).
    pub id: String,
    /// The contact as a Shopify customer, or why it is not synced.
    pub result: Result<MappedCustomer, Skip>,
}

/// One other contact of a customer as what it holds on its own (C16): its record ID and its
/// person, or why it is not synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPerson {
    /// As [`MappedContact::id`].
    pub id: String,
    /// The contact's own parts, or why it is not synced.
    pub result: Result<PersonParts, Skip>,
}

/// C16: what every record of one customer (the customer and its contacts) shares: the
/// customer's address without a person's names and phone (C5), tax exemption (C6), managed
/// tags (C11), metafields without `cin7.contact_id` (C7–C10, C17) and tier list (C8, P5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerParts {
    place: Option<DesiredAddress>,
    tax_exempt: bool,
    managed_tags: Vec<String>,
    metafields: SharedMetafields,
    tier: Option<TierListKey>,
}

/// A customer's metafields without `cin7.contact_id`: made already (taken from a mapped
/// customer), or what they are made from, made for each record put together (a tenth of the
/// memory, and a dry run of an unlinked record never makes them).
#[derive(Debug, Clone, PartialEq, Eq)]
enum SharedMetafields {
    Made(Vec<DesiredMetafield>),
    Values(Box<MetafieldValues>),
}

impl SharedMetafields {
    /// The metafields, with room for `cin7.contact_id`.
    fn make(&self) -> Vec<DesiredMetafield> {
        match self {
            Self::Made(made) => {
                let mut metafields = Vec::with_capacity(made.len() + 1);
                metafields.extend(made.iter().cloned());
                metafields
            }
            Self::Values(values) => values.make(),
        }
    }
}

/// C16: what one record of a customer holds on its own: its login email, names and phone
/// (also on the address), its `cin7.contact_id`, its own price list (the customer's only, P2)
/// and its warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonParts {
    /// Login email (C2, C16).
    pub email: String,
    /// First name (C4).
    pub first_name: Option<String>,
    /// Last name (C4).
    pub last_name: Option<String>,
    /// Phone in E.164 (C4).
    pub phone: Option<String>,
    /// `cin7.contact_id` (C16), when the person's contact has an ID.
    pub contact_id: Option<String>,
    /// The customer's own price list (P2); `None` for a contact.
    pub own_list: Option<Box<DesiredPriceList>>,
    /// Warnings about this person's own parts.
    pub warnings: Vec<RuleWarning>,
}

impl CustomerParts {
    /// The parts of a customer mapped by [`super::map_customer_parts`]: its address (C5, the
    /// person's names and phone taken off), tax exemption (C6), managed tags (C11), what its
    /// metafields are made from (C7–C10, C12, C17) and tier list (C8, P5).
    pub(super) fn new(
        address: Option<DesiredAddress>,
        tax_exempt: bool,
        managed_tags: Vec<String>,
        metafields: MetafieldValues,
        tier: Option<TierListKey>,
    ) -> Self {
        Self {
            place: address.map(place_of),
            tax_exempt,
            managed_tags,
            metafields: SharedMetafields::Values(Box::new(metafields)),
            tier,
        }
    }

    /// Splits a mapped customer, without copying, into its Cin7 ID, its person and the parts
    /// its contacts share. Lossless: [`Self::record`] of the three gives `key` back, since C5
    /// puts the person's names and phone on the address.
    pub fn split(key: MappedCustomer) -> (String, PersonParts, Self) {
        let MappedCustomer {
            desired,
            tier,
            own_list,
            warnings,
        } = key;
        let DesiredCustomer {
            cin7_id,
            email,
            first_name,
            last_name,
            phone,
            address,
            tax_exempt,
            managed_tags,
            mut metafields,
        } = desired;
        let contact_id = take_contact_id(&mut metafields);
        let person = PersonParts {
            email,
            first_name,
            last_name,
            phone,
            contact_id,
            own_list: own_list.map(Box::new),
            warnings,
        };
        let parts = Self {
            place: address.map(place_of),
            tax_exempt,
            managed_tags,
            metafields: SharedMetafields::Made(metafields),
            tier,
        };
        (cin7_id, person, parts)
    }

    /// The parts `key`'s contacts share, copied.
    pub fn of(key: &MappedCustomer) -> Self {
        Self::split(key.clone()).2
    }

    /// The customer's country (C5's ISO code), which reads its contacts' national phones (C4).
    pub fn country(&self) -> Option<&str> {
        self.place.as_ref().map(|a| a.country_code.as_str())
    }

    /// The customer's tier list (C8, P5), which its contacts share.
    pub fn tier(&self) -> Option<&TierListKey> {
        self.tier.as_ref()
    }

    /// One record of the customer put together: `person` on the shared parts, as the Shopify
    /// customer `cin7_id` (C16: the customer's ID or a contact's key).
    pub fn record(&self, cin7_id: String, person: PersonParts) -> MappedCustomer {
        let shared = Shared {
            place: self.place.clone(),
            tax_exempt: self.tax_exempt,
            managed_tags: self.managed_tags.clone(),
            metafields: self.metafields.make(),
            tier: self.tier.clone(),
        };
        assemble(cin7_id, person, shared)
    }

    /// [`Self::record`] for the customer's only record, moving the parts into it.
    pub fn into_record(self, cin7_id: String, person: PersonParts) -> MappedCustomer {
        let shared = Shared {
            metafields: self.metafields.make(),
            place: self.place,
            tax_exempt: self.tax_exempt,
            managed_tags: self.managed_tags,
            tier: self.tier,
        };
        assemble(cin7_id, person, shared)
    }
}

/// [`CustomerParts`] owned by one record, its metafields made.
struct Shared {
    place: Option<DesiredAddress>,
    tax_exempt: bool,
    managed_tags: Vec<String>,
    metafields: Vec<DesiredMetafield>,
    tier: Option<TierListKey>,
}

/// A record put together from a person and its customer's parts: the person's names and phone
/// go on the address too (C5), its contact ID into the metafields (C16).
fn assemble(cin7_id: String, person: PersonParts, shared: Shared) -> MappedCustomer {
    let PersonParts {
        email,
        first_name,
        last_name,
        phone,
        contact_id,
        own_list,
        warnings,
    } = person;
    let Shared {
        place,
        tax_exempt,
        managed_tags,
        mut metafields,
        tier,
    } = shared;
    let address = place.map(|a| DesiredAddress {
        first_name: first_name.clone(),
        last_name: last_name.clone(),
        phone: phone.clone(),
        ..a
    });
    with_contact_id(&mut metafields, contact_id.as_deref());
    let desired = DesiredCustomer {
        cin7_id,
        email,
        first_name,
        last_name,
        phone,
        address,
        tax_exempt,
        managed_tags,
        metafields,
    };
    MappedCustomer {
        desired,
        tier,
        own_list: own_list.map(|l| *l),
        warnings,
    }
}

/// C16: the contacts of `customer` other than its key contact (C2) whose `Email` passes C2's
/// check, each mapped from `key` (the customer's own mapping): names and phone from the contact
/// (C4), the customer's address (C5) carrying them, everything else from the customer (C6–C11),
/// and `cin7.contact_id`. A contact with no `ID` is skipped, `no_contact_id`. Duplicate emails
/// (C3) are left to the planner, which sees the whole run.
pub fn map_contacts(
    customer: &SourceCustomer,
    key: &MappedCustomer,
    email_fallback: bool,
) -> Vec<MappedContact> {
    let parts = CustomerParts::of(key);
    contact_people(customer, parts.country(), email_fallback)
        .into_iter()
        .map(|c| MappedContact {
            result: c.result.map(|p| parts.record(c.id.clone(), p)),
            id: c.id,
        })
        .collect()
}

/// C16: [`map_contacts`] as each contact's own parts, to put on its customer's
/// [`CustomerParts`]; `country` is the customer's (C5), which reads national phones (C4).
pub fn contact_people(
    customer: &SourceCustomer,
    country: Option<&str>,
    email_fallback: bool,
) -> Vec<ContactPerson> {
    let identity = identity_contact(customer, email_fallback);
    customer
        .contacts
        .iter()
        .enumerate()
        .filter(|(_, c)| !identity.is_some_and(|i| std::ptr::eq(i, *c)))
        .filter_map(|(n, c)| qualifying_email(c).map(|email| (n, c, email)))
        .map(|(n, c, email)| match c.id.as_deref() {
            Some(contact_id) => ContactPerson {
                id: contact_key(&customer.id, contact_id),
                result: Ok(contact_person(c, contact_id, email, country)),
            },
            None => ContactPerson {
                id: contact_key(&customer.id, &format!("#{}", n + 1)),
                result: Err(Skip {
                    reason: SkipReason::NoContactId,
                    detail: Some(format!("contact {} of the customer has no ID", n + 1)),
                    out_of_scope: false,
                }),
            },
        })
        .collect()
}

/// C2's check on a contact's `Email`: trimmed, `local@domain.tld` without spaces.
fn qualifying_email(contact: &SourceContact) -> Option<String> {
    let email = contact.email.as_deref()?.trim();
    is_valid_email(email).then(|| email.to_owned())
}

/// C16: one contact's own parts: its email, names and phone (C4, read in the customer's
/// `country`) and its contact ID.
fn contact_person(
    contact: &SourceContact,
    contact_id: &str,
    email: String,
    country: Option<&str>,
) -> PersonParts {
    let (first_name, last_name) = split_name(contact.name.as_deref());
    let phones = [contact.phone.as_deref(), contact.mobile_phone.as_deref()];
    let (phone, warnings) = match pick_phone(&phones, country) {
        PhonePick::Valid(p) => (Some(p), Vec::new()),
        PhonePick::Absent => (None, Vec::new()),
        PhonePick::Invalid => {
            let warning = RuleWarning {
                reason: WarningReason::InvalidPhone,
                detail: Some("neither Phone nor MobilePhone is a valid number".into()),
            };
            (None, vec![warning])
        }
    };
    PersonParts {
        email,
        first_name,
        last_name,
        phone,
        contact_id: Some(contact_id.to_owned()),
        own_list: None,
        warnings,
    }
}

/// Removes `cin7.contact_id` from sorted metafields, returning its value.
fn take_contact_id(metafields: &mut Vec<DesiredMetafield>) -> Option<String> {
    let key = MetafieldKey::known(CONTACT_ID.0, CONTACT_ID.1);
    let at = metafields.binary_search_by(|m| m.key.cmp(&key)).ok()?;
    Some(metafields.remove(at).value)
}

/// C5, C16: an address without its person's names and phone, which each record of the
/// customer puts back as its own.
fn place_of(a: DesiredAddress) -> DesiredAddress {
    DesiredAddress {
        first_name: None,
        last_name: None,
        phone: None,
        ..a
    }
}
