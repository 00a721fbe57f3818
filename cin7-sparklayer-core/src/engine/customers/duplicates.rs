//! C3 in the customers pass: customers (and with C16 contacts) sharing an email, linked records
//! of customers not read in this run counting as participants.

use std::collections::{HashMap, HashSet};

use crate::config::ContactsMode;
use crate::model::customer_of_key;
use crate::ports::CustomerLink;
use crate::report::{RunReport, SkipReason};
use crate::rules::{DuplicateVerdict, resolve_duplicates, resolve_duplicates_with_contacts};

use super::Mapped;
use super::decisions::Decisions;

/// C3: keeps the customers whose email is theirs; skips every other one (`duplicate_email`,
/// naming the other Cin7 IDs). With C16's contacts, its tie-break decides.
pub(super) fn drop_duplicates(
    mapped: Vec<Mapped>,
    links: &HashMap<String, CustomerLink>,
    seen: &foldhash::HashSet<String>,
    contacts: ContactsMode,
    report: &mut RunReport,
    decided: &mut Decisions,
) -> Vec<Mapped> {
    // Borrowed: 250,000 IDs and emails copied only to be compared cost a tenth of the pass.
    let verdicts = {
        let mut pairs: Vec<(&str, &str)> =
            mapped.iter().map(|m| (m.cin7_id(), m.email())).collect();
        pairs.extend(
            links
                .values()
                .filter(|l| !l.revoked && !seen.contains(customer_of_key(&l.cin7_id)))
                .map(|l| (l.cin7_id.as_str(), l.email.as_str())),
        );
        let linked: HashSet<(String, String)> = links
            .values()
            .filter(|l| !l.revoked)
            .map(|l| (l.cin7_id.clone(), l.email.clone()))
            .collect();
        match contacts {
            ContactsMode::Default => resolve_duplicates(&pairs, &linked),
            ContactsMode::All => resolve_duplicates_with_contacts(&pairs, &linked),
        }
    };
    let mut kept = Vec::with_capacity(mapped.len());
    for (m, verdict) in mapped.into_iter().zip(verdicts) {
        match verdict {
            DuplicateVerdict::Keep => kept.push(m),
            DuplicateVerdict::Skip { others } => {
                let detail = format!("email shared with Cin7 customer(s) {}", others.join(", "));
                let reason = SkipReason::DuplicateEmail;
                let email = Some(m.email().to_owned());
                decided.skip(report, m.cin7_id(), email, reason, Some(detail));
            }
        }
    }
    kept
}
