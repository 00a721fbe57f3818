//! C16: the state key of a contact synced as its own Shopify customer.
//!
//! A Cin7 customer's key contact (C2) is linked by the customer `ID`, as without contacts; every
//! other contact by `{customer ID}/{contact ID}`. Cin7 IDs are GUIDs, so the first `/` separates
//! the two parts.

/// The separator between the customer ID and the contact ID in a contact's key (C16).
pub const CONTACT_KEY_SEPARATOR: char = '/';

/// C16: the state key of contact `contact_id` of customer `customer_id`.
pub fn contact_key(customer_id: &str, contact_id: &str) -> String {
    // Sized exactly: 150,000 contact keys are kept for the whole run.
    let mut key = String::with_capacity(customer_id.len() + 1 + contact_id.len());
    key.push_str(customer_id);
    key.push(CONTACT_KEY_SEPARATOR);
    key.push_str(contact_id);
    key
}

/// C16: whether `key` (a link's or a record's ID) names a contact rather than a customer.
pub fn is_contact_key(key: &str) -> bool {
    key.contains(CONTACT_KEY_SEPARATOR)
}

/// C16: the Cin7 customer ID a key belongs to: the key itself for a customer, the part before
/// the separator for a contact.
pub fn customer_of_key(key: &str) -> &str {
    key.split_once(CONTACT_KEY_SEPARATOR)
        .map_or(key, |(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_back_into_their_customer() {
        let key = contact_key("c-1", "k-9");
        assert_eq!(key, "c-1/k-9");
        assert!(is_contact_key(&key));
        assert_eq!(customer_of_key(&key), "c-1");
        assert!(!is_contact_key("c-1"));
        assert_eq!(customer_of_key("c-1"), "c-1");
        // A contact ID holding the separator still belongs to its customer.
        assert_eq!(customer_of_key(&contact_key("c-1", "a/b")), "c-1");
    }
}
