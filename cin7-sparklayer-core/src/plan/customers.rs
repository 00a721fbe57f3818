//! E1, E2, C13, C14: what to do with each customer, given the state and what Shopify holds.

use std::collections::BTreeSet;

use crate::hash::customer_hash;
use crate::model::{DesiredCustomer, MetafieldKey};
use crate::ports::{CustomerLink, CustomerWrite, RemoteCustomer, WriteTarget};

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
    let wanted_keys: BTreeSet<&MetafieldKey> = desired.metafields.iter().map(|m| &m.key).collect();
    if let Some(link) = facts.link {
        // C4: when Shopify refused this very phone last time, the customer stands as written
        // without it; it is retried when the phone changes in Cin7.
        let phone_refused = desired.phone.is_some()
            && link.content_hash == customer_hash(&phone_refused_marker(desired));
        let hash = if phone_refused {
            link.content_hash.clone()
        } else {
            hash.map_or_else(|| customer_hash(desired), str::to_owned)
        };
        let compare = if phone_refused {
            without_phone(desired)
        } else {
            desired.clone()
        };
        let drift = facts.remote.and_then(|r| drift_reason(&compare, r));
        if let Some(field) = drift {
            tracing::debug!(cin7_id = %desired.cin7_id, field, "Shopify customer drifted (C15)");
        }
        let drifted = drift.is_some();
        if link.content_hash == hash && !link.revoked && !drifted {
            return CustomerDecision::Unchanged;
        }
        let stale_tags = link
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
        let stale_metafields = link
            .metafields
            .iter()
            .filter(|k| !wanted_keys.contains(k))
            .cloned()
            .collect();
        return CustomerDecision::Update(write_for(
            desired,
            WriteTarget::Existing {
                shopify_id: link.shopify_id.clone(),
            },
            stale_tags,
            stale_metafields,
        ));
    }
    if let Some(found) = facts.found_by_email {
        return CustomerDecision::Update(write_for(
            desired,
            WriteTarget::Existing {
                shopify_id: found.id.clone(),
            },
            Vec::new(),
            Vec::new(),
        ));
    }
    CustomerDecision::Create(write_for(desired, WriteTarget::New, Vec::new(), Vec::new()))
}

fn write_for(
    desired: &DesiredCustomer,
    target: WriteTarget,
    tags_remove: Vec<String>,
    metafields_delete: Vec<MetafieldKey>,
) -> CustomerWrite {
    CustomerWrite {
        cin7_id: desired.cin7_id.clone(),
        target,
        fields: Some(desired.clone()),
        tags_add: desired.managed_tags.clone(),
        tags_remove,
        metafields_set: desired.metafields.clone(),
        metafields_delete,
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

/// `desired` without its phone, as Shopify holds it after refusing the phone (C4).
pub fn without_phone(desired: &DesiredCustomer) -> DesiredCustomer {
    let mut d = desired.clone();
    d.phone = None;
    if let Some(a) = d.address.as_mut() {
        a.phone = None;
    }
    d
}

/// The variant whose hash records "written, but Shopify refused this phone" (C4): the phone is
/// kept inside a marker, so a different phone in Cin7 changes the hash and is tried again.
fn phone_refused_marker(desired: &DesiredCustomer) -> DesiredCustomer {
    let mut d = without_phone(desired);
    d.phone = desired.phone.as_ref().map(|p| format!("refused:{p}"));
    d
}

/// The link to store after a successful write of `desired` to `shopify_id` (E5).
/// `phone_refused`: the sink wrote the customer without its phone (`phone_taken`, `invalid_phone`).
pub fn link_after_write(
    desired: &DesiredCustomer,
    shopify_id: &str,
    previous: Option<&CustomerLink>,
    phone_refused: bool,
) -> CustomerLink {
    let hashed = if phone_refused && desired.phone.is_some() {
        phone_refused_marker(desired)
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
