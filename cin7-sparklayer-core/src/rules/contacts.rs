//! C16 Contacts: every other qualifying contact of a synced customer as a Shopify customer of
//! its own (`customers.contacts = "all"`).

use crate::model::{DesiredAddress, DesiredCustomer, SourceContact, SourceCustomer, contact_key};
use crate::report::{SkipReason, WarningReason};

use super::identity::{identity_contact, is_valid_email};
use super::map::{MappedCustomer, RuleWarning, Skip};
use super::metafields::with_contact_id;
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
    let identity = identity_contact(customer, email_fallback);
    customer
        .contacts
        .iter()
        .enumerate()
        .filter(|(_, c)| !identity.is_some_and(|i| std::ptr::eq(i, *c)))
        .filter_map(|(n, c)| qualifying_email(c).map(|email| (n, c, email)))
        .map(|(n, c, email)| match c.id.as_deref() {
            Some(contact_id) => {
                let id = contact_key(&customer.id, contact_id);
                let result = Ok(map_contact(c, contact_id, email, id.clone(), key));
                MappedContact { id, result }
            }
            None => MappedContact {
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

/// C16: one contact as a Shopify customer: `key`'s desired state with the contact's email,
/// names and phone (also on the address), its record ID `cin7_id` (C16's contact key) and
/// `cin7.contact_id`.
fn map_contact(
    contact: &SourceContact,
    contact_id: &str,
    email: String,
    cin7_id: String,
    key: &MappedCustomer,
) -> MappedCustomer {
    let mut warnings = Vec::new();
    let (first_name, last_name) = split_name(contact.name.as_deref());
    let country = key
        .desired
        .address
        .as_ref()
        .map(|a| a.country_code.as_str());
    let phones = [contact.phone.as_deref(), contact.mobile_phone.as_deref()];
    let phone = match pick_phone(&phones, country) {
        PhonePick::Valid(p) => Some(p),
        PhonePick::Absent => None,
        PhonePick::Invalid => {
            warnings.push(RuleWarning {
                reason: WarningReason::InvalidPhone,
                detail: Some("neither Phone nor MobilePhone is a valid number".into()),
            });
            None
        }
    };
    let from = &key.desired;
    let address = from.address.as_ref().map(|a| DesiredAddress {
        first_name: first_name.clone(),
        last_name: last_name.clone(),
        phone: phone.clone(),
        ..place_of(a)
    });
    // Room for `cin7.contact_id`, so adding it does not grow the vector again.
    let mut metafields = Vec::with_capacity(from.metafields.len() + 1);
    metafields.extend(from.metafields.iter().cloned());
    with_contact_id(&mut metafields, Some(contact_id));
    let desired = DesiredCustomer {
        cin7_id,
        email,
        first_name,
        last_name,
        phone,
        address,
        tax_exempt: from.tax_exempt,
        managed_tags: from.managed_tags.clone(),
        metafields,
    };
    MappedCustomer {
        desired,
        tier: key.tier.clone(),
        own_list: None,
        warnings,
    }
}

/// C5, C16: the customer's address without the key contact's names and phone, which a contact
/// replaces with its own (cloning them only to drop them was a third of the address's
/// allocations per contact).
fn place_of(a: &DesiredAddress) -> DesiredAddress {
    DesiredAddress {
        address1: a.address1.clone(),
        address2: a.address2.clone(),
        city: a.city.clone(),
        province_code: a.province_code.clone(),
        zip: a.zip.clone(),
        country_code: a.country_code.clone(),
        company: a.company.clone(),
        first_name: None,
        last_name: None,
        phone: None,
    }
}
