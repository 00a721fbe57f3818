//! The shop's metafield definitions (E10): held by the fake, listed by
//! `metafieldDefinitions(ownerType:, namespace:, first:, after:)` and enforced on
//! `metafieldsSet` the way Shopify does (a value whose `type` is not its definition's is a
//! `userError`).

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::store::Store;

/// A metafield definition the fake shop holds. Tests set these with
/// [`FakeShopify::set_metafield_definitions`](super::FakeShopify::set_metafield_definitions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FakeMetafieldDefinition {
    /// `CUSTOMER`, `PRODUCT`, …
    pub owner_type: String,
    /// Namespace.
    pub namespace: String,
    /// Key.
    pub key: String,
    /// The name shown in the admin.
    pub name: String,
    /// The type's name (`number_integer`, `list.single_line_text_field`, …).
    pub type_name: String,
}

impl FakeMetafieldDefinition {
    /// A customer metafield definition.
    pub fn customer(namespace: &str, key: &str, name: &str, type_name: &str) -> Self {
        Self {
            owner_type: "CUSTOMER".into(),
            namespace: namespace.into(),
            key: key.into(),
            name: name.into(),
            type_name: type_name.into(),
        }
    }

    fn to_graphql(&self, index: usize) -> Value {
        json!({
            "__typename": "MetafieldDefinition",
            "id": format!("gid://shopify/MetafieldDefinition/{}", index + 1),
            "namespace": self.namespace,
            "key": self.key,
            "name": self.name,
            "ownerType": self.owner_type,
            "type": { "__typename": "MetafieldDefinitionType", "name": self.type_name,
                      "category": category(&self.type_name) },
        })
    }
}

fn category(type_name: &str) -> &'static str {
    match type_name.trim_start_matches("list.") {
        "number_integer" | "number_decimal" => "NUMBER",
        "single_line_text_field" | "multi_line_text_field" => "TEXT",
        "boolean" => "TRUE_FALSE",
        "json" => "JSON",
        _ => "OTHER",
    }
}

impl Store {
    /// `metafieldDefinitions(ownerType:, namespace:, key:, first:, after:)`: the cursor is the
    /// index of the next definition.
    pub(super) fn metafield_definitions(&self, args: &Map<String, Value>) -> Value {
        let text = |name: &str| args.get(name).and_then(Value::as_str);
        let first = args.get("first").and_then(Value::as_u64).unwrap_or(50) as usize;
        let start: usize = text("after").and_then(|c| c.parse().ok()).unwrap_or(0);
        let matching: Vec<(usize, &FakeMetafieldDefinition)> = self
            .definitions
            .iter()
            .enumerate()
            .filter(|(_, d)| text("ownerType").is_some_and(|o| d.owner_type == o))
            .filter(|(_, d)| text("namespace").is_none_or(|n| d.namespace == n))
            .filter(|(_, d)| text("key").is_none_or(|k| d.key == k))
            .collect();
        let page: Vec<Value> = matching
            .iter()
            .skip(start)
            .take(first)
            .map(|(i, d)| d.to_graphql(*i))
            .collect();
        let end = start + page.len();
        let more = end < matching.len();
        json!({
            "__typename": "MetafieldDefinitionConnection",
            "nodes": page,
            "pageInfo": { "__typename": "PageInfo", "hasNextPage": more,
                          "endCursor": (end > start).then(|| end.to_string()) },
        })
    }

    /// The customer definition of `namespace.key`, if the shop has one.
    pub(super) fn customer_definition(
        &self,
        namespace: &str,
        key: &str,
    ) -> Option<&FakeMetafieldDefinition> {
        self.definitions
            .iter()
            .find(|d| d.owner_type == "CUSTOMER" && d.namespace == namespace && d.key == key)
    }

    /// Shopify's answer to a `metafieldsSet` entry whose `type` is not its definition's.
    pub(super) fn definition_mismatch(
        &self,
        namespace: &str,
        key: &str,
        kind: &str,
    ) -> Option<(&'static str, &'static str, String)> {
        let def = self.customer_definition(namespace, key)?;
        (def.type_name != kind).then(|| {
            (
                "INVALID_TYPE",
                "type",
                format!(
                    "Type must be the same as the definition's type: '{}' (definition \"{}\").",
                    def.type_name, def.name
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::FakeMetafieldDefinition;
    use crate::shopify::exec::prepare;
    use crate::shopify::model::FakeCustomer;
    use crate::shopify::store::Store;

    fn run(store: &mut Store, query: &str, variables: Value) -> Value {
        let vars: Map<String, Value> = variables.as_object().cloned().unwrap_or_default();
        let p = prepare(query, vars).expect("document parses");
        p.run(store).expect("document runs").0
    }

    const LIST: &str = "query Q($ns: String!, $after: String) { d0: metafieldDefinitions(ownerType: CUSTOMER, namespace: $ns, first: 2, after: $after) { nodes { namespace key name type { name } } pageInfo { hasNextPage endCursor } } }";

    const SET: &str = "mutation M($m: [MetafieldsSetInput!]!) { m0: metafieldsSet(metafields: $m) { metafields { key } userErrors { code field message } } }";

    fn shop() -> Store {
        let mut s = Store::new(true);
        s.definitions = vec![
            FakeMetafieldDefinition::customer(
                "cin7",
                "credit_limit",
                "Credit limit",
                "number_integer",
            ),
            FakeMetafieldDefinition::customer(
                "cin7",
                "customer_id",
                "Cin7 ID",
                "single_line_text_field",
            ),
            FakeMetafieldDefinition::customer("cin7", "note", "Note", "multi_line_text_field"),
            FakeMetafieldDefinition::customer("sparklayer", "group", "Group", "json"),
            FakeMetafieldDefinition {
                owner_type: "PRODUCT".into(),
                ..FakeMetafieldDefinition::customer("cin7", "weight", "Weight", "number_decimal")
            },
        ];
        s
    }

    #[test]
    fn definitions_are_listed_by_owner_and_namespace_in_pages() {
        let mut s = shop();
        let first = run(&mut s, LIST, json!({ "ns": "cin7" }));
        let keys = |d: &Value| -> Vec<String> {
            d["d0"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["key"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(keys(&first), ["credit_limit", "customer_id"]);
        assert_eq!(first["d0"]["nodes"][0]["type"]["name"], "number_integer");
        assert_eq!(first["d0"]["pageInfo"]["hasNextPage"], true);
        let cursor = first["d0"]["pageInfo"]["endCursor"].clone();
        let second = run(&mut s, LIST, json!({ "ns": "cin7", "after": cursor }));
        assert_eq!(
            keys(&second),
            ["note"],
            "the PRODUCT definition is not a customer's"
        );
        assert_eq!(second["d0"]["pageInfo"]["hasNextPage"], false);
    }

    #[test]
    fn metafields_set_enforces_the_definition_type() {
        let mut s = shop();
        let id = s.insert(FakeCustomer::new("", Some("a@x.example".into())));
        let set = |s: &mut Store, ty: &str, value: &str| {
            run(s, SET, json!({ "m": [{ "ownerId": id, "namespace": "cin7", "key": "credit_limit", "type": ty, "value": value }] }))["m0"].clone()
        };
        let wrong = set(&mut s, "number_decimal", "5000");
        assert_eq!(wrong["userErrors"][0]["code"], "INVALID_TYPE");
        assert!(
            wrong["userErrors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("number_integer")
        );
        assert!(s.get(&id).unwrap().metafields.is_empty(), "nothing written");
        let lossy = set(&mut s, "number_integer", "12.5");
        assert_eq!(lossy["userErrors"][0]["code"], "INVALID_VALUE");
        let right = set(&mut s, "number_integer", "5000");
        assert_eq!(right["userErrors"], json!([]));
        assert_eq!(
            s.get(&id)
                .unwrap()
                .metafield("cin7", "credit_limit")
                .unwrap()
                .kind,
            "number_integer"
        );
    }

    #[test]
    fn a_definition_decides_over_the_type_of_an_existing_metafield() {
        let mut s = shop();
        s.definitions.clear();
        let id = s.insert(FakeCustomer::new("", Some("a@x.example".into())));
        let set = |s: &mut Store, ty: &str, value: &str| {
            run(s, SET, json!({ "m": [{ "ownerId": id, "namespace": "cin7", "key": "credit_limit", "type": ty, "value": value }] }))["m0"]["userErrors"].clone()
        };
        assert_eq!(set(&mut s, "number_decimal", "5000.5"), json!([]));
        assert_eq!(
            set(&mut s, "number_integer", "5000")[0]["code"],
            "INVALID_TYPE",
            "no definition: the existing type rules"
        );
        s.definitions = shop().definitions;
        assert_eq!(
            set(&mut s, "number_integer", "5000"),
            json!([]),
            "the definition rules"
        );
    }
}
