//! C4 Names: first and last name from the contact's full name.

/// C4: first name = first word of `name`, last name = the rest (empty for one word).
///
/// Whitespace runs collapse; `None` or blank gives `(None, None)`.
pub fn split_name(name: Option<&str>) -> (Option<String>, Option<String>) {
    // One allocation per name part (this runs for every customer and C16 contact).
    let mut words = name.unwrap_or_default().split_whitespace();
    let Some(first) = words.next() else {
        return (None, None);
    };
    let mut last = String::new();
    for word in words {
        if !last.is_empty() {
            last.push(' ');
        }
        last.push_str(word);
    }
    (
        Some(truncate(first, 255)),
        (!last.is_empty()).then(|| truncate_owned(last, 255)),
    )
}

/// [`truncate`] in place, for a name part built here.
fn truncate_owned(mut s: String, max: usize) -> String {
    if let Some((end, _)) = s.char_indices().nth(max) {
        s.truncate(end);
    }
    s
}

/// Cuts `s` to at most `max` characters (Shopify's name fields take 255).
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => s[..end].to_owned(),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate("héllo", 2), "hé");
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo", 50), "héllo");
        assert_eq!(truncate("日本語", 0), "");
        assert_eq!(truncate("", 3), "");
    }
}
