//! E1, E2, C13, C14: what to do with each customer, given the state and what Shopify holds.

use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::hash::customer_hash;
use crate::model::{DesiredCustomer, MetafieldKey};
use crate::ports::{CustomerLink, CustomerWrite, RemoteCustomer, WriteTarget};
use crate::report::WarningReason;

use super::drift::drift_reason;

/// The decision for one in-scope, mapped customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerDecision {
    /// Nothing to write (E2).
    Unchanged,
    /// Create it (no link, nothing found by email).
    Create(CustomerWrite),
    /// Update the linked or found customer.
    Update(CustomerWrite),
}

/// What the planner knows about one customer besides its desired state.
#[derive(Debug, Clone, Copy, Default)]
pub struct CustomerFacts<'a> {
    /// The state's link, if the customer was synced before.
    pub link: Option<&'a CustomerLink>,
    /// The Shopify customer found by email (only looked up when there is no link).
    pub found_by_email: Option<&'a RemoteCustomer>,
    /// The linked Shopify customer as read back in a full run (C15), when read.
    pub remote: Option<&'a RemoteCustomer>,
}

/// What the planner decided for one customer, before any write is built (E1, E2).
///
/// A dry run only needs the verdict; a real run turns it into a [`CustomerDecision`] with
/// [`CustomerVerdict::into_decision`], moving the desired customer into the write (no copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerVerdict {
    /// Nothing to write (E2).
    Unchanged,
    /// Create it (no link, nothing found by email).
    Create,
    /// Update the linked or found customer.
    Update {
        /// The Shopify customer to update.
        shopify_id: String,
        /// Managed tags the sync set earlier and no longer wants (C11).
        tags_remove: Vec<String>,
        /// Metafields the sync set earlier and no longer wants (C7–C10).
        metafields_delete: Vec<MetafieldKey>,
    },
}

impl CustomerVerdict {
    /// The write this verdict asks for, built from `desired` (moved into it, no copy);
    /// `None` when unchanged.
    pub fn into_write(self, desired: DesiredCustomer) -> Option<CustomerWrite> {
        match self {
            Self::Unchanged => None,
            Self::Create => Some(write_for(desired, WriteTarget::New, Vec::new(), Vec::new())),
            Self::Update {
                shopify_id,
                tags_remove,
                metafields_delete,
            } => Some(write_for(
                desired,
                WriteTarget::Existing { shopify_id },
                tags_remove,
                metafields_delete,
            )),
        }
    }

    /// The decision with its write, built from `desired` (moved into the write).
    pub fn into_decision(self, desired: DesiredCustomer) -> CustomerDecision {
        let created = self == Self::Create;
        match self.into_write(desired) {
            None => CustomerDecision::Unchanged,
            Some(write) if created => CustomerDecision::Create(write),
            Some(write) => CustomerDecision::Update(write),
        }
    }
}

/// E1/E2/E6: plans one customer.
///
/// - Linked: unchanged when the content hash matches the link's and (in a full run) Shopify
///   has not drifted (C15); otherwise an update by the stored Shopify ID, so an email change
///   updates the same customer (E6).
/// - Not linked but found by email: an update of that customer (E5: no duplicate).
/// - Otherwise: a create carrying the managed tags.
pub fn plan_customer(desired: &DesiredCustomer, facts: CustomerFacts<'_>) -> CustomerDecision {
    let hash = facts.link.map(|_| customer_hash(desired));
    plan_customer_hashed(desired, hash.as_deref(), facts)
}

/// [`plan_customer`] with the desired customer's content hash computed by the caller (in
/// parallel, for large runs). `hash` is needed only when the customer has a link.
pub fn plan_customer_hashed(
    desired: &DesiredCustomer,
    hash: Option<&str>,
    facts: CustomerFacts<'_>,
) -> CustomerDecision {
    judge_customer(desired, hash, facts).into_decision(desired.clone())
}

/// E1/E2/E6: the verdict of [`plan_customer_hashed`] without building the write (what a dry
/// run and the report need). `hash` is the desired customer's content hash, needed only when
/// the customer has a link (computed here when `None`).
pub fn judge_customer(
    desired: &DesiredCustomer,
    hash: Option<&str>,
    facts: CustomerFacts<'_>,
) -> CustomerVerdict {
    if let Some(link) = facts.link {
        let hash = hash.map_or_else(|| Cow::Owned(customer_hash(desired)), Cow::Borrowed);
        // C4, C5: when Shopify refused this very phone or province last time, the customer
        // stands as written without it; it is retried when the value changes in Cin7. (Only
        // worth hashing the markers when the plain hash differs.)
        let refused = (link.content_hash != *hash)
            .then(|| refused_by_hash(desired, &link.content_hash))
            .flatten();
        let compare = match refused {
            Some(r) => Cow::Owned(without_refused(desired, r)),
            None => Cow::Borrowed(desired),
        };
        let drift = facts.remote.and_then(|r| drift_reason(&compare, r));
        if let Some(field) = drift {
            tracing::debug!(cin7_id = %desired.cin7_id, field, "Shopify customer drifted (C15)");
        }
        let hash_matches = refused.is_some() || link.content_hash == *hash;
        if hash_matches && !link.revoked && drift.is_none() {
            return CustomerVerdict::Unchanged;
        }
        let wanted_keys: BTreeSet<&MetafieldKey> =
            desired.metafields.iter().map(|m| &m.key).collect();
        let tags_remove = link
            .managed_tags
            .iter()
            .filter(|t| {
                !desired
                    .managed_tags
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(t))
            })
            .cloned()
            .collect();
        let metafields_delete = link
            .metafields
            .iter()
            .filter(|k| !wanted_keys.contains(k))
            .cloned()
            .collect();
        return CustomerVerdict::Update {
            shopify_id: link.shopify_id.clone(),
            tags_remove,
            metafields_delete,
        };
    }
    judge_unlinked(facts.found_by_email)
}

/// E1, E5: the verdict on a customer without a link: an update of the Shopify customer found
/// by its email, or a create. It needs nothing of the desired customer, so a dry run can
/// judge an unlinked customer without putting it together.
pub fn judge_unlinked(found_by_email: Option<&RemoteCustomer>) -> CustomerVerdict {
    match found_by_email {
        Some(found) => CustomerVerdict::Update {
            shopify_id: found.id.clone(),
            tags_remove: Vec::new(),
            metafields_delete: Vec::new(),
        },
        None => CustomerVerdict::Create,
    }
}

fn write_for(
    desired: DesiredCustomer,
    target: WriteTarget,
    tags_remove: Vec<String>,
    metafields_delete: Vec<MetafieldKey>,
) -> CustomerWrite {
    CustomerWrite {
        cin7_id: desired.cin7_id.clone(),
        target,
        tags_add: desired.managed_tags.clone(),
        tags_remove,
        metafields_set: desired.metafields.clone(),
        metafields_delete,
        fields: Some(desired),
    }
}

/// C14: the write that revokes a linked customer that left scope: remove the managed tags and
/// every metafield the sync set; fields are left alone and the customer is never deleted.
/// `None` when there is nothing left to remove (already revoked).
pub fn plan_revoke(link: &CustomerLink) -> Option<CustomerWrite> {
    if link.revoked || (link.managed_tags.is_empty() && link.metafields.is_empty()) {
        return None;
    }
    Some(CustomerWrite {
        cin7_id: link.cin7_id.clone(),
        target: WriteTarget::Existing {
            shopify_id: link.shopify_id.clone(),
        },
        fields: None,
        tags_add: Vec::new(),
        tags_remove: link.managed_tags.clone(),
        metafields_set: Vec::new(),
        metafields_delete: link.metafields.clone(),
    })
}

/// What Shopify refused on a customer's write, which it then holds without: a phone taken by
/// another customer or invalid (C4, `phone_taken`, `invalid_phone`), a province it does not
/// know (C5, `invalid_province`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refused {
    /// The phone was dropped (the customer's and the address's).
    pub phone: bool,
    /// The address's province was dropped.
    pub province: bool,
}

impl Refused {
    /// What a write's warning reasons say was refused.
    pub fn from_reasons(reasons: impl IntoIterator<Item = WarningReason>) -> Self {
        reasons.into_iter().fold(Self::default(), |r, reason| Self {
            phone: r.phone
                || matches!(
                    reason,
                    WarningReason::PhoneTaken | WarningReason::InvalidPhone
                ),
            province: r.province || reason == WarningReason::InvalidProvince,
        })
    }

    /// Whether `desired` carries every value this refuses (and at least one).
    fn applies_to(self, desired: &DesiredCustomer) -> bool {
        let province = desired
            .address
            .as_ref()
            .is_some_and(|a| a.province_code.is_some());
        (self.phone || self.province)
            && (!self.phone || desired.phone.is_some())
            && (!self.province || province)
    }
}

/// `desired` as Shopify holds it after refusing `refused` (C4, C5).
pub fn without_refused(desired: &DesiredCustomer, refused: Refused) -> DesiredCustomer {
    let mut d = desired.clone();
    if refused.phone {
        d.phone = None;
        if let Some(a) = d.address.as_mut() {
            a.phone = None;
        }
    }
    if refused.province
        && let Some(a) = d.address.as_mut()
    {
        a.province_code = None;
    }
    d
}

/// The variant whose hash records "written, but Shopify refused these values" (C4, C5): each
/// refused value is kept inside a marker, so a different value in Cin7 changes the hash and is
/// tried again.
fn refused_marker(desired: &DesiredCustomer, refused: Refused) -> DesiredCustomer {
    let mut d = without_refused(desired, refused);
    if refused.phone {
        d.phone = desired.phone.as_ref().map(|p| format!("refused:{p}"));
    }
    if refused.province
        && let (Some(a), Some(original)) = (d.address.as_mut(), desired.address.as_ref())
    {
        a.province_code = original
            .province_code
            .as_ref()
            .map(|p| format!("refused:{p}"));
    }
    d
}

/// Which refusal, if any, the stored hash records for `desired`.
fn refused_by_hash(desired: &DesiredCustomer, stored: &str) -> Option<Refused> {
    let phone = Refused {
        phone: true,
        province: false,
    };
    let province = Refused {
        phone: false,
        province: true,
    };
    let both = Refused {
        phone: true,
        province: true,
    };
    [phone, province, both]
        .into_iter()
        .filter(|r| r.applies_to(desired))
        .find(|r| customer_hash(&refused_marker(desired, *r)) == stored)
}

/// The link to store after a successful write of `desired` to `shopify_id` (E5).
/// `refused`: what the sink had to leave out (C4 phone, C5 province).
pub fn link_after_write(
    desired: &DesiredCustomer,
    shopify_id: &str,
    previous: Option<&CustomerLink>,
    refused: Refused,
) -> CustomerLink {
    let hashed = if refused.applies_to(desired) {
        refused_marker(desired, refused)
    } else {
        desired.clone()
    };
    CustomerLink {
        cin7_id: desired.cin7_id.clone(),
        shopify_id: shopify_id.to_owned(),
        email: desired.email_key(),
        content_hash: customer_hash(&hashed),
        invite_sent: previous.is_some_and(|l| l.invite_sent),
        managed_tags: desired.managed_tags.clone(),
        metafields: desired.metafields.iter().map(|m| m.key.clone()).collect(),
        revoked: false,
    }
}

/// The link to store after a successful revoke (C14).
pub fn link_after_revoke(link: &CustomerLink) -> CustomerLink {
    CustomerLink {
        content_hash: String::new(),
        managed_tags: Vec::new(),
        metafields: Vec::new(),
        revoked: true,
        ..link.clone()
    }
}
