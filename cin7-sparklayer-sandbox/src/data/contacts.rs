//! C16: the other contacts of the generated customers (an accounts person, a warehouse manager,
//! …), added after every customer is generated from IDs and an RNG of their own, so the data
//! set's customers, key contacts and every figure that depends on them stay as they were.
//!
//! Only [`CustomerCase::Valid`] customers gain contacts, by index `i`:
//! - `i % 4 == 0`: one (accounts);
//! - `i % 4 == 1`: two (accounts, warehouse);
//! - `i % 4 == 2`: three: accounts, one without an email, one without an `ID` (`no_contact_id`);
//! - `i % 4 == 3`: none;
//!
//! and about 2.5 contacts per valid customer in all. Among them, for C3 across contacts:
//! - `i % 20 == 5`: the accounts contact's email is `orders@shared-contact.example.com`, shared
//!   by every such customer (the smallest customer ID wins);
//! - `i % 20 == 9`: the accounts contact's email is the key email of the first valid customer
//!   (the key contact wins).

use serde_json::{Value, json};

use super::IdGen;
use super::customers::CustomerCase;

/// The email every `i % 20 == 5` customer's accounts contact shares.
pub const SHARED_CONTACT_EMAIL: &str = "orders@shared-contact.example.com";

/// Adds the other contacts to the valid customers of `customers` (see the module docs).
pub(super) fn add_contacts(seed: u64, customers: &mut [(CustomerCase, Value)]) {
    let mut ids = IdGen::new(seed ^ 0xc0_17ac_7500);
    let first_key = customers
        .iter()
        .find(|(case, _)| *case == CustomerCase::Valid)
        .and_then(|(_, c)| c["Contacts"][0]["Email"].as_str().map(str::to_owned));
    for (i, (case, c)) in customers.iter_mut().enumerate() {
        if *case != CustomerCase::Valid {
            continue;
        }
        let Some(list) = c.get_mut("Contacts").and_then(Value::as_array_mut) else {
            continue;
        };
        let accounts = match (i % 20, &first_key) {
            (5, _) => SHARED_CONTACT_EMAIL.to_owned(),
            (9, Some(key)) if i > 9 => key.clone(),
            _ => format!("accounts.{i}@customer{i}.example.com"),
        };
        let more = match i % 4 {
            0 => vec![contact(&mut ids, "Alex Accounts", Some(accounts), i)],
            1 => vec![
                contact(&mut ids, "Alex Accounts", Some(accounts), i),
                contact(&mut ids, "Sam Warehouse", Some(warehouse(i)), i),
            ],
            2 => vec![
                contact(&mut ids, "Alex Accounts", Some(accounts), i),
                contact(&mut ids, "Robin Noemail", None, i),
                without_id(contact(
                    &mut ids,
                    "Kim Noid",
                    Some(format!("noid.{i}@customer{i}.example.com")),
                    i,
                )),
            ],
            _ => Vec::new(),
        };
        list.extend(more);
    }
}

fn warehouse(i: usize) -> String {
    format!("warehouse.{i}@customer{i}.example.com")
}

/// A Cin7-shaped contact that is not the default one.
fn contact(ids: &mut IdGen, name: &str, email: Option<String>, i: usize) -> Value {
    json!({
        "ID": ids.guid(), "Name": name, "JobTitle": "Staff",
        "Phone": format!("02 9{:03} {:04}", 100 + i % 900, i % 10_000),
        "MobilePhone": null, "Fax": null, "Email": email, "Website": null,
        "Default": false, "Comment": null, "IncludeInEmail": true,
    })
}

fn without_id(mut contact: Value) -> Value {
    contact["ID"] = Value::Null;
    contact
}
