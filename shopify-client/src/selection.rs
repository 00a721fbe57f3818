//! Selections built as trees, so a document's text and its requested cost come from one
//! place, by Shopify's cost rules (reference §1.5): a scalar or enum field costs 0, an object
//! 1 plus its fields, a connection 2 plus `first` times the cost of one node.

/// One field of a selection.
#[derive(Debug, Clone)]
pub(crate) enum Sel {
    /// Scalar or enum fields, space-separated (cost 0).
    Scalars(&'static str),
    /// An object field and its selection (cost 1 + the selection).
    Object(&'static str, Vec<Sel>),
    /// A connection: the field with its arguments (`first` among them), and one node's
    /// selection (cost 2 + `first` × (1 + the node's selection)).
    Connection {
        /// E.g. `metafields(first: 7, keys: $keys)`.
        head: String,
        /// The `first` argument in `head`.
        first: usize,
        /// One node's selection.
        node: Vec<Sel>,
    },
}

/// The text of a selection (without the surrounding braces).
pub(crate) fn render(sels: &[Sel]) -> String {
    sels.iter()
        .map(|s| match s {
            Sel::Scalars(names) => (*names).to_owned(),
            Sel::Object(name, inner) => format!("{name} {{ {} }}", render(inner)),
            Sel::Connection { head, node, .. } => {
                format!("{head} {{ nodes {{ {} }} }}", render(node))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The requested cost of an object field selecting `sels`.
pub(crate) fn object_cost(sels: &[Sel]) -> f64 {
    1.0 + sels
        .iter()
        .map(|s| match s {
            Sel::Scalars(_) => 0.0,
            Sel::Object(_, inner) => object_cost(inner),
            Sel::Connection { first, node, .. } => 2.0 + *first as f64 * object_cost(node),
        })
        .sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_cost_follow_the_tree() {
        let sel = vec![
            Sel::Scalars("id tags"),
            Sel::Object("defaultEmailAddress", vec![Sel::Scalars("emailAddress")]),
            Sel::Connection {
                head: "metafields(first: 3)".into(),
                first: 3,
                node: vec![Sel::Scalars("key value")],
            },
        ];
        assert_eq!(
            render(&sel),
            "id tags defaultEmailAddress { emailAddress } metafields(first: 3) { nodes { key value } }"
        );
        // customer 1 + email object 1 + connection (2 + 3 × 1)
        assert_eq!(object_cost(&sel), 7.0);
    }
}
