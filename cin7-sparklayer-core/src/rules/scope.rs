//! C1 Scope: which Cin7 customers the sync looks after.

use crate::model::SourceCustomer;
use crate::report::SkipReason;

/// Normalises a tag for comparison: trimmed, inner whitespace collapsed, lowercased (C1, C7).
pub fn normalize_tag(tag: &str) -> String {
    tag.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether one of `tags` equals one of `include_tags`, case-insensitively after trimming (C1).
pub fn has_included_tag(tags: &[String], include_tags: &[String]) -> bool {
    tags.iter()
        .any(|t| include_tags.iter().any(|w| !is_blank(w) && same_tag(t, w)))
}

fn is_blank(tag: &str) -> bool {
    tag.trim().is_empty()
}

/// Whether two tags are equal after [`normalize_tag`], without allocating when both are ASCII
/// (the common case, checked for every customer and every group name).
pub fn same_tag(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        let mut left = a.split_whitespace();
        let mut right = b.split_whitespace();
        loop {
            match (left.next(), right.next()) {
                (None, None) => return true,
                (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => {}
                _ => return false,
            }
        }
    }
    normalize_tag(a) == normalize_tag(b)
}

/// Why a customer is out of scope (C1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutOfScope {
    /// `Status` is not `Active` (reason `inactive`).
    Inactive,
    /// None of `include_tags` is among its tags (reason `not_in_scope`).
    NotTagged,
}

impl OutOfScope {
    /// The skip reason.
    pub fn reason(self) -> SkipReason {
        match self {
            Self::Inactive => SkipReason::Inactive,
            Self::NotTagged => SkipReason::NotInScope,
        }
    }
}

/// C1: a customer is in scope when it is `Active` and carries one of `include_tags`.
///
/// # Errors
/// Why it is out of scope.
pub fn check_scope(customer: &SourceCustomer, include_tags: &[String]) -> Result<(), OutOfScope> {
    if !customer.status.is_active() {
        return Err(OutOfScope::Inactive);
    }
    if !has_included_tag(&customer.tags, include_tags) {
        return Err(OutOfScope::NotTagged);
    }
    Ok(())
}
