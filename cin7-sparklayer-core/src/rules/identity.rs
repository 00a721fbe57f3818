//! C2 Identity: the email that keys a Cin7 customer into Shopify.

use crate::model::{SourceContact, SourceCustomer};
use crate::report::SkipReason;

/// Why no usable email was found (C2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// No default contact, or it has no email (`no_default_contact_email`).
    NoDefaultContactEmail,
    /// The email is not `local@domain.tld` without spaces (`invalid_email`).
    InvalidEmail(String),
}

impl IdentityError {
    /// The skip reason.
    pub fn reason(&self) -> SkipReason {
        match self {
            Self::NoDefaultContactEmail => SkipReason::NoDefaultContactEmail,
            Self::InvalidEmail(_) => SkipReason::InvalidEmail,
        }
    }
}

/// C2: whether `email` looks like `local@domain.tld`: one `@`, no whitespace, a non-empty
/// local part, and a domain with a dot that neither starts nor ends it, at most 254 characters.
pub fn is_valid_email(email: &str) -> bool {
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    if local.is_empty() || domain.contains('@') || local.len() > 64 {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.chars().count() >= 2)
}

/// C2: the contact whose email identifies the customer.
///
/// The first contact with `Default: true`; with `email_fallback`, when that one has no email,
/// the first contact that has one.
pub fn identity_contact(customer: &SourceCustomer, email_fallback: bool) -> Option<&SourceContact> {
    let has_email = |c: &&SourceContact| c.email.as_deref().is_some_and(|e| !e.trim().is_empty());
    let default = customer.contacts.iter().find(|c| c.default);
    match default {
        Some(c) if has_email(&c) => Some(c),
        _ if email_fallback => customer.contacts.iter().find(has_email),
        _ => None,
    }
}

/// C2: the customer's login email, trimmed (compare it lowercased).
///
/// # Errors
/// [`IdentityError`] with the skip reason.
pub fn pick_email(
    customer: &SourceCustomer,
    email_fallback: bool,
) -> Result<String, IdentityError> {
    let contact =
        identity_contact(customer, email_fallback).ok_or(IdentityError::NoDefaultContactEmail)?;
    let email = contact
        .email
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if is_valid_email(&email) {
        Ok(email)
    } else {
        Err(IdentityError::InvalidEmail(email))
    }
}
