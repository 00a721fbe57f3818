//! Shopify's Admin GraphQL schema (API 2026-04, vendored in `shopify-client/schema/`) and the
//! request validation Shopify applies before running anything: the document against the
//! schema (fields, arguments, types, variable usage) and the variable values against their
//! input types (input object fields, enum values, non-null, lists).
//!
//! The value check is apollo-compiler's own input coercion (`coerce_variable_values`, the
//! GraphQL spec's *CoerceVariableValues*): it walks each JSON value through the variable's
//! type, refuses keys an input object does not define, unknown enum values, nulls and missing
//! values for non-null types, and coerces single values into lists as the spec says.
//!
//! The fake runs every request through [`validate_request`]; the client's tests run every
//! document it can send through it too, and through [`deprecated_fields`].

use std::sync::LazyLock;

use apollo_compiler::executable::{Selection, SelectionSet};
use apollo_compiler::request::coerce_variable_values;
use apollo_compiler::response::JsonMap;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::{Map, Value};

/// The schema's SDL, as introspected from Shopify (descriptions removed).
pub const ADMIN_SCHEMA_SDL: &str =
    include_str!("../../../shopify-client/schema/admin-2026-04.graphql");

/// The API version of [`ADMIN_SCHEMA_SDL`].
pub const ADMIN_SCHEMA_VERSION: &str = "2026-04";

static SCHEMA: LazyLock<Valid<Schema>> = LazyLock::new(|| {
    // Only a broken vendored file gets here: the schema test fails first.
    Schema::parse_and_validate(ADMIN_SCHEMA_SDL, "admin-2026-04.graphql").unwrap_or_else(|e| {
        panic!(
            "the vendored Shopify schema does not validate: {}",
            e.errors
        )
    })
});

/// The parsed, validated schema (parsed once, on first use).
pub fn admin_schema() -> &'static Valid<Schema> {
    &SCHEMA
}

/// Why Shopify would refuse a request before running it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestInvalid {
    /// The document does not validate against the schema (unknown field or argument, wrong
    /// type, unused or undeclared variable …).
    #[error("document does not match the schema: {0}")]
    Document(String),
    /// A variable's value does not fit its declared input type.
    #[error("variable value does not match its type: {0}")]
    Variables(String),
    /// A variable was sent that the operation does not declare.
    #[error("variable ${0} is sent but not declared")]
    Undeclared(String),
}

/// Validates `query` and its `variables` the way Shopify does before running a request.
///
/// # Errors
/// [`RequestInvalid`] naming the first problem.
pub fn validate_request(query: &str, variables: &Map<String, Value>) -> Result<(), RequestInvalid> {
    let schema = admin_schema();
    let doc = ExecutableDocument::parse_and_validate(schema, query, "request.graphql")
        .map_err(|e| RequestInvalid::Document(e.errors.to_string()))?;
    let operation = doc
        .operations
        .get(None)
        .map_err(|e| RequestInvalid::Document(e.message().to_string()))?;
    if let Some(name) = variables.keys().find(|k| {
        !operation
            .variables
            .iter()
            .any(|v| v.name.as_str() == k.as_str())
    }) {
        return Err(RequestInvalid::Undeclared(name.clone()));
    }
    let values: JsonMap = variables
        .iter()
        .map(|(k, v)| (k.as_str().into(), v.clone().into()))
        .collect();
    coerce_variable_values(schema, operation, &values)
        .map(|_| ())
        .map_err(|e| RequestInvalid::Variables(e.message().to_string()))
}

/// The deprecated fields `query` selects, as `Type.field` (e.g. `Customer.phone`). An unparsable
/// document selects none (see [`validate_request`]).
pub fn deprecated_fields(query: &str) -> Vec<String> {
    let schema = admin_schema();
    let Ok(doc) = ExecutableDocument::parse_and_validate(schema, query, "request.graphql") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for op in doc.operations.iter() {
        collect_deprecated(&op.selection_set, &mut out);
    }
    out
}

fn collect_deprecated(set: &SelectionSet, out: &mut Vec<String>) {
    for selection in &set.selections {
        match selection {
            Selection::Field(f) => {
                if f.definition.directives.has("deprecated") {
                    out.push(format!("{}.{}", set.ty, f.name));
                }
                collect_deprecated(&f.selection_set, out);
            }
            Selection::InlineFragment(i) => collect_deprecated(&i.selection_set, out),
            Selection::FragmentSpread(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn vars(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_vendored_schema_is_shopifys() {
        let s = admin_schema();
        assert!(s.types.contains_key("CustomerSetInput"));
        assert!(s.types.contains_key("MailingAddressInput"));
    }

    #[test]
    fn documents_and_values_are_checked() {
        let set = "mutation M($in: CustomerSetInput!) { customerSet(input: $in) { userErrors { field message } } }";
        let ok = vars(
            json!({ "in": { "email": "a@x.example", "addresses": [{ "countryCode": "AU", "provinceCode": "NSW" }] } }),
        );
        assert_eq!(validate_request(set, &ok), Ok(()));
        // A free-text province is not an input field of MailingAddressInput in 2026-04.
        let province =
            vars(json!({ "in": { "addresses": [{ "countryCode": "AU", "province": "NSW" }] } }));
        assert!(
            matches!(validate_request(set, &province), Err(RequestInvalid::Variables(m)) if m.contains("province"))
        );
        // Unknown enum value, wrong scalar, missing non-null, undeclared variable.
        let country = vars(json!({ "in": { "addresses": [{ "countryCode": "XX" }] } }));
        assert!(matches!(
            validate_request(set, &country),
            Err(RequestInvalid::Variables(_))
        ));
        let scalar = vars(json!({ "in": { "taxExempt": "yes" } }));
        assert!(matches!(
            validate_request(set, &scalar),
            Err(RequestInvalid::Variables(_))
        ));
        assert!(matches!(
            validate_request(set, &Map::new()),
            Err(RequestInvalid::Variables(_))
        ));
        let extra = vars(json!({ "in": {}, "other": 1 }));
        assert_eq!(
            validate_request(set, &extra),
            Err(RequestInvalid::Undeclared("other".into()))
        );
        let typo = "query { shop { nmae } }";
        assert!(matches!(
            validate_request(typo, &Map::new()),
            Err(RequestInvalid::Document(_))
        ));
    }

    #[test]
    fn deprecated_selections_are_named() {
        let q = "query Q($id: ID!) { customer(id: $id) { phone email defaultPhoneNumber { phoneNumber } } }";
        assert_eq!(
            deprecated_fields(q),
            vec!["Customer.phone", "Customer.email"]
        );
    }
}
