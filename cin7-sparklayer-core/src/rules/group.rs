//! C7 Group: the SparkLayer customer group selected by a customer's tags.

use crate::model::CustomerGroup;

use super::scope::same_tag;

/// The outcome of C7.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPick<'a> {
    /// The selected group, if any tag matched.
    pub group: Option<&'a CustomerGroup>,
    /// More than one distinct group matched (warning `multiple_groups`); the first tag won.
    pub multiple: bool,
}

/// C7: the first of `tags` (in `Tags` order) that equals a group's **name** (case-insensitive) wins.
pub fn pick_group<'a>(tags: &[String], groups: &'a [CustomerGroup]) -> GroupPick<'a> {
    let mut matched: Vec<&CustomerGroup> = Vec::new();
    for tag in tags {
        if let Some(g) = groups.iter().find(|g| same_tag(&g.name, tag))
            && !matched.iter().any(|m| m.slug == g.slug)
        {
            matched.push(g);
        }
    }
    GroupPick {
        group: matched.first().copied(),
        multiple: matched.len() > 1,
    }
}
