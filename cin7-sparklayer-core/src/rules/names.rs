//! C4 Names: first and last name from the contact's full name.

/// C4: first name = first word of `name`, last name = the rest (empty for one word).
///
/// Whitespace runs collapse; `None` or blank gives `(None, None)`.
pub fn split_name(name: Option<&str>) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = name.unwrap_or_default().split_whitespace().collect();
    match words.split_first() {
        None => (None, None),
        Some((first, rest)) => {
            let last = rest.join(" ");
            (
                Some(truncate(first, 255)),
                (!last.is_empty()).then(|| truncate(&last, 255)),
            )
        }
    }
}

/// Cuts `s` to at most `max` characters (Shopify's name fields take 255).
pub(crate) fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}
