//! A GraphQL document built from aliased fields, so several customers' operations share one
//! request (SPEC §7). Values always travel as variables, never spliced into the text.

use serde_json::{Map, Value};

/// Whether a document reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    /// `query`.
    Query,
    /// `mutation`.
    Mutation,
}

/// One GraphQL request: text, variables and the cost the client expects Shopify to ask.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub(crate) kind: OpKind,
    pub(crate) query: String,
    pub(crate) variables: Map<String, Value>,
    /// Estimated `requestedQueryCost`, used to pace before sending (E7).
    pub(crate) cost: f64,
    /// Whether running it twice is harmless. A document that is not (invites: a second
    /// email) is retried only when Shopify surely did not run it (`THROTTLED`, 429).
    pub(crate) idempotent: bool,
}

/// Shopify's cost of one mutation field.
pub(crate) const MUTATION_COST: f64 = 10.0;

/// Builds a [`Document`] field by field.
#[derive(Debug)]
pub(crate) struct DocBuilder {
    kind: OpKind,
    name: &'static str,
    var_defs: Vec<String>,
    fields: Vec<String>,
    variables: Map<String, Value>,
    cost: f64,
    idempotent: bool,
}

impl DocBuilder {
    /// An empty document named `name` (the operation name shows in Shopify's logs).
    pub(crate) fn new(kind: OpKind, name: &'static str) -> Self {
        Self {
            kind,
            name,
            var_defs: Vec::new(),
            fields: Vec::new(),
            variables: Map::new(),
            cost: 0.0,
            idempotent: true,
        }
    }

    /// Marks the document as not safe to run twice (see [`Document::idempotent`]).
    pub(crate) fn not_idempotent(mut self) -> Self {
        self.idempotent = false;
        self
    }

    /// Declares variable `$name: ty` with `value` and returns `$name`.
    pub(crate) fn var(&mut self, name: String, ty: &str, value: Value) -> String {
        self.var_defs.push(format!("${name}: {ty}"));
        self.variables.insert(name.clone(), value);
        format!("${name}")
    }

    /// Adds a top-level field (`alias: field(args) { … }`) costing `cost` points.
    pub(crate) fn field(&mut self, text: String, cost: f64) {
        self.fields.push(text);
        self.cost += cost;
    }

    /// Whether no field was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The finished document.
    pub(crate) fn build(self) -> Document {
        let keyword = match self.kind {
            OpKind::Query => "query",
            OpKind::Mutation => "mutation",
        };
        let vars = if self.var_defs.is_empty() {
            String::new()
        } else {
            format!("({})", self.var_defs.join(", "))
        };
        let query = format!(
            "{keyword} {}{vars} {{\n  {}\n}}",
            self.name,
            self.fields.join("\n  ")
        );
        Document {
            kind: self.kind,
            query,
            variables: self.variables,
            cost: self.cost.max(1.0),
            idempotent: self.idempotent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_aliased_fields_with_variables() {
        let mut b = DocBuilder::new(OpKind::Query, "Find");
        let v = b.var("e0".into(), "String!", Value::from("a@x.example"));
        b.field(format!("c0: customer(id: {v}) {{ id }}"), 1.0);
        let d = b.build();
        assert_eq!(
            d.query,
            "query Find($e0: String!) {\n  c0: customer(id: $e0) { id }\n}"
        );
        assert_eq!(d.variables["e0"], "a@x.example");
        assert_eq!(d.cost, 1.0);
    }
}
