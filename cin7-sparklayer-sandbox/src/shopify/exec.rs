//! Executes the GraphQL documents the client sends, parsed with `graphql-parser`: top-level
//! fields dispatched to the [`Store`], results projected onto each field's selection (aliases
//! honoured, unknown fields rejected like Shopify does), and Shopify-like query costs.

use graphql_parser::query::{
    Definition, Document, Field, OperationDefinition, Selection, SelectionSet, Value as GValue,
};
use serde_json::{Map, Value, json};

use super::model::{CustomerDataAccess, FakeCustomer};
use super::store::Store;

type Doc<'a> = Document<'a, String>;
type Sel<'a> = SelectionSet<'a, String>;

/// Cost of one mutation field.
const MUTATION_COST: f64 = 10.0;
/// `first` assumed for a connection without one.
const DEFAULT_FIRST: f64 = 10.0;

/// A parsed document ready to run.
#[derive(Debug)]
pub(crate) struct Prepared<'a> {
    doc: Doc<'a>,
    variables: Map<String, Value>,
    /// Whether the operation is a mutation.
    pub(crate) is_mutation: bool,
    /// `requestedQueryCost`.
    pub(crate) requested: f64,
}

/// A GraphQL error object.
pub(crate) fn gql_error(message: impl Into<String>, code: &str) -> Value {
    json!({ "message": message.into(), "extensions": { "code": code } })
}

/// Parses `query` and computes its requested cost.
pub(crate) fn prepare<'a>(
    query: &'a str,
    variables: Map<String, Value>,
) -> Result<Prepared<'a>, Value> {
    let doc = graphql_parser::parse_query::<String>(query)
        .map_err(|e| gql_error(format!("Parse error: {e}"), "parseError"))?;
    let ops: Vec<&OperationDefinition<'a, String>> = doc
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::Operation(op) => Some(op),
            Definition::Fragment(_) => None,
        })
        .collect();
    let [op] = ops.as_slice() else {
        return Err(gql_error(
            "Send exactly one operation per document",
            "badRequest",
        ));
    };
    let (is_mutation, sel) = match op {
        OperationDefinition::Query(q) => (false, &q.selection_set),
        OperationDefinition::SelectionSet(s) => (false, s),
        OperationDefinition::Mutation(m) => (true, &m.selection_set),
        OperationDefinition::Subscription(_) => {
            return Err(gql_error("Subscriptions are not supported", "badRequest"));
        }
    };
    let requested = fields(sel)?
        .iter()
        .map(|f| {
            if is_mutation {
                MUTATION_COST
            } else {
                field_cost(f, &variables)
            }
        })
        .sum();
    Ok(Prepared {
        is_mutation,
        requested,
        variables,
        doc,
    })
}

impl Prepared<'_> {
    /// Names of the top-level fields (e.g. `metafieldsSet` once per call).
    pub(crate) fn field_names(&self) -> Vec<String> {
        self.doc
            .definitions
            .iter()
            .filter_map(|d| match d {
                Definition::Operation(OperationDefinition::Query(q)) => Some(&q.selection_set),
                Definition::Operation(OperationDefinition::Mutation(m)) => Some(&m.selection_set),
                Definition::Operation(OperationDefinition::SelectionSet(s)) => Some(s),
                _ => None,
            })
            .flat_map(|s| fields(s).unwrap_or_default())
            .map(|f| f.name.clone())
            .collect()
    }

    /// Runs the operation. `Ok((data, actual cost, denials))` — denials are the errors on
    /// customer data withheld from the app, answered with the data — or the errors of a
    /// document Shopify would refuse as a whole (unknown field, bad argument).
    pub(crate) fn run(&self, store: &mut Store) -> Result<(Value, f64, Vec<Value>), Vec<Value>> {
        let sel = match self.doc.definitions.iter().find_map(|d| match d {
            Definition::Operation(op) => Some(op),
            Definition::Fragment(_) => None,
        }) {
            Some(OperationDefinition::Query(q)) => &q.selection_set,
            Some(OperationDefinition::SelectionSet(s)) => s,
            Some(OperationDefinition::Mutation(m)) => &m.selection_set,
            _ => return Err(vec![gql_error("no operation", "badRequest")]),
        };
        let top = fields(sel).map_err(|e| vec![e])?;
        // Shopify validates the whole document before running any of it.
        let mut errors = Vec::new();
        for f in &top {
            let known = if self.is_mutation {
                MUTATIONS.contains(&f.name.as_str())
            } else {
                QUERIES.contains(&f.name.as_str())
            };
            if !known {
                let root = if self.is_mutation {
                    "Mutation"
                } else {
                    "QueryRoot"
                };
                errors.push(gql_error(
                    format!("Field '{}' doesn't exist on type '{root}'", f.name),
                    "undefinedField",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut data = Map::new();
        let mut actual = 0.0;
        let mut projection = Projection {
            vars: &self.variables,
            access: store.customer_data_access,
            errors,
            denials: Vec::new(),
        };
        for f in top {
            let args = self.args(f);
            let full = self.resolve(store, f, &args);
            let key = f.alias.clone().unwrap_or_else(|| f.name.clone());
            let projected = projection.project(&full, f, &mut vec![Value::from(key.as_str())]);
            actual += if self.is_mutation {
                MUTATION_COST
            } else if projected.is_null() {
                1.0
            } else {
                actual_cost(f, &projected)
            };
            data.insert(key, projected);
        }
        if projection.errors.is_empty() {
            Ok((Value::Object(data), actual, projection.denials))
        } else {
            Err(projection.errors)
        }
    }

    fn args(&self, f: &Field<'_, String>) -> Map<String, Value> {
        f.arguments
            .iter()
            .map(|(k, v)| (k.clone(), to_json(v, &self.variables)))
            .collect()
    }

    fn resolve(
        &self,
        store: &mut Store,
        f: &Field<'_, String>,
        args: &Map<String, Value>,
    ) -> Value {
        let arg = |name: &str| args.get(name).cloned().unwrap_or(Value::Null);
        let customer =
            |c: Option<&FakeCustomer>| c.map(FakeCustomer::to_graphql).unwrap_or(Value::Null);
        match f.name.as_str() {
            "shop" => store.shop(),
            "metafieldDefinitions" => store.metafield_definitions(args),
            "customer" => customer(store.get(arg("id").as_str().unwrap_or_default())),
            "node" => customer(store.get(arg("id").as_str().unwrap_or_default())),
            "customerByIdentifier" => {
                let ident = arg("identifier");
                let found = if let Some(e) = ident["emailAddress"].as_str() {
                    store.by_email(e)
                } else if let Some(id) = ident["id"].as_str() {
                    store.get(id)
                } else {
                    None
                };
                customer(found)
            }
            "customers" => {
                let q = arg("query");
                let needle = q
                    .as_str()
                    .and_then(|q| q.strip_prefix("email:"))
                    .map(|e| e.trim_matches('"').to_lowercase());
                let nodes: Vec<Value> = store
                    .customers
                    .values()
                    .filter(|c| match &needle {
                        // Tokenised search: a shared token is enough, like Shopify.
                        Some(n) => c.email.as_deref().is_some_and(|e| {
                            let e = e.to_lowercase();
                            e == *n
                                || e.split(['@', '.'])
                                    .any(|t| n.split(['@', '.']).any(|m| m == t && t.len() > 3))
                        }),
                        None => true,
                    })
                    // Cut to `first` before rendering, as Shopify pages: a `first: 1` probe
                    // does not render every customer of the shop.
                    .take(page_size(args))
                    .map(FakeCustomer::to_graphql)
                    .collect();
                json!({ "__conn": nodes })
            }
            "customerSet" => store.customer_set(&arg("identifier"), &arg("input")),
            "tagsAdd" => store.tags(arg("id").as_str().unwrap_or_default(), &arg("tags"), true),
            "tagsRemove" => store.tags(arg("id").as_str().unwrap_or_default(), &arg("tags"), false),
            "metafieldsSet" => store.metafields_set(&arg("metafields")),
            "metafieldsDelete" => store.metafields_delete(&arg("metafields")),
            "customerSendAccountInviteEmail" => {
                store.invite(arg("customerId").as_str().unwrap_or_default())
            }
            _ => Value::Null,
        }
    }
}

const QUERIES: [&str; 6] = [
    "metafieldDefinitions",
    "shop",
    "customer",
    "customerByIdentifier",
    "customers",
    "node",
];
const MUTATIONS: [&str; 6] = [
    "customerSet",
    "tagsAdd",
    "tagsRemove",
    "metafieldsSet",
    "metafieldsDelete",
    "customerSendAccountInviteEmail",
];

/// The fields of a selection set (fragments are not something the client sends).
fn fields<'s, 'a>(sel: &'s Sel<'a>) -> Result<Vec<&'s Field<'a, String>>, Value> {
    let mut out = Vec::new();
    for item in &sel.items {
        match item {
            Selection::Field(f) => out.push(f),
            Selection::InlineFragment(i) => out.extend(fields(&i.selection_set)?),
            Selection::FragmentSpread(_) => {
                return Err(gql_error(
                    "Fragment spreads are not supported by the sandbox",
                    "badRequest",
                ));
            }
        }
    }
    Ok(out)
}

fn to_json(v: &GValue<'_, String>, vars: &Map<String, Value>) -> Value {
    match v {
        GValue::Variable(n) => vars.get(n).cloned().unwrap_or(Value::Null),
        GValue::Int(n) => n.as_i64().map(Value::from).unwrap_or(Value::Null),
        GValue::Float(f) => json!(f),
        GValue::String(s) => Value::from(s.as_str()),
        GValue::Boolean(b) => Value::from(*b),
        GValue::Null => Value::Null,
        GValue::Enum(e) => Value::from(e.as_str()),
        GValue::List(l) => Value::Array(l.iter().map(|x| to_json(x, vars)).collect()),
        GValue::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), to_json(x, vars)))
                .collect(),
        ),
    }
}

fn is_connection(name: &str) -> bool {
    matches!(
        name,
        "metafields" | "addressesV2" | "customers" | "metafieldDefinitions"
    )
}

fn first_arg(f: &Field<'_, String>, vars: &Map<String, Value>) -> f64 {
    f.arguments
        .iter()
        .find(|(k, _)| k == "first")
        .and_then(|(_, v)| to_json(v, vars).as_f64())
        .unwrap_or(DEFAULT_FIRST)
}

/// Requested cost of a query field: 1 an object, `2 + first × node` a connection, 0 a scalar.
fn field_cost(f: &Field<'_, String>, vars: &Map<String, Value>) -> f64 {
    if f.selection_set.items.is_empty() {
        return 0.0;
    }
    let children = fields(&f.selection_set).unwrap_or_default();
    if is_connection(&f.name) {
        let node: f64 = children
            .iter()
            .filter(|c| c.name == "nodes" || c.name == "edges")
            .map(|c| field_cost(c, vars))
            .fold(1.0, f64::max);
        return 2.0 + first_arg(f, vars) * node;
    }
    1.0 + children.iter().map(|c| field_cost(c, vars)).sum::<f64>()
}

/// Actual cost of a resolved field: objects that came back, connection nodes returned.
fn actual_cost(f: &Field<'_, String>, v: &Value) -> f64 {
    if f.selection_set.items.is_empty() || v.is_null() {
        return 0.0;
    }
    let children = fields(&f.selection_set).unwrap_or_default();
    let object = |obj: &Value| {
        1.0 + children
            .iter()
            .map(|c| actual_cost(c, &obj[c.alias.as_deref().unwrap_or(&c.name)]))
            .sum::<f64>()
    };
    match v {
        Value::Array(items) => items.iter().map(object).sum::<f64>(),
        _ if is_connection(&f.name) => {
            // Connection: 2 plus what its nodes cost.
            1.0 + object(v)
        }
        _ => object(v),
    }
}

/// What a projection collects besides the value: errors that refuse the whole document, and
/// protected-data denials that come back with the (redacted) data.
struct Projection<'v> {
    vars: &'v Map<String, Value>,
    access: CustomerDataAccess,
    errors: Vec<Value>,
    denials: Vec<Value>,
}

/// `Customer` fields Shopify withholds from an app not approved for level-2 protected data.
const PROTECTED_FIELDS: [&str; 8] = [
    "firstName",
    "lastName",
    "email",
    "phone",
    "defaultEmailAddress",
    "defaultPhoneNumber",
    "defaultAddress",
    "addressesV2",
];

/// Shopify's error for withheld customer data at `path`.
fn denial(what: &str, path: &[Value]) -> Value {
    json!({
        "message": format!("This app is not approved to {what}. See https://partners.shopify.com/1/apps/1/customer_data for more details."),
        "path": path,
        "extensions": { "code": "ACCESS_DENIED" },
    })
}

impl Projection<'_> {
    /// Projects the full value `v` of field `f` (at `path`) onto `f`'s selection, withholding
    /// customer data the app may not read.
    fn project(&mut self, v: &Value, f: &Field<'_, String>, path: &mut Vec<Value>) -> Value {
        if f.selection_set.items.is_empty() || v.is_null() {
            return v.clone();
        }
        if let Value::Array(items) = v {
            let mut out = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                path.push(Value::from(i));
                out.push(self.project(x, f, path));
                path.pop();
            }
            return Value::Array(out);
        }
        let Some(obj) = v.as_object() else {
            return v.clone();
        };
        let type_name = obj
            .get("__typename")
            .and_then(Value::as_str)
            .unwrap_or("Object");
        if type_name == "Customer" && self.access == CustomerDataAccess::NoCustomerData {
            self.denials
                .push(denial("access the Customer object", path));
            return Value::Null;
        }
        let mut out = Map::new();
        for c in fields(&f.selection_set).unwrap_or_default() {
            let key = c.alias.clone().unwrap_or_else(|| c.name.clone());
            path.push(Value::from(key.as_str()));
            let withheld = type_name == "Customer"
                && self.access == CustomerDataAccess::NoProtectedFields
                && PROTECTED_FIELDS.contains(&c.name.as_str());
            let value = if withheld {
                self.denials
                    .push(denial(&format!("use the {} field", c.name), path));
                Value::Null
            } else if c.name == "__typename" {
                Value::from(type_name)
            } else if is_connection(&c.name) && type_name == "Customer" && obj.contains_key(&c.name)
            {
                let conn = connection(&obj[&c.name], c, self.vars);
                self.project(&conn, c, path)
            } else if let Some(x) = obj.get(&c.name) {
                self.project(x, c, path)
            } else if c.name == "nodes" && obj.contains_key("__conn") {
                self.project(&obj["__conn"], c, path)
            } else {
                self.errors.push(gql_error(
                    format!("Field '{}' doesn't exist on type '{type_name}'", c.name),
                    "undefinedField",
                ));
                Value::Null
            };
            path.pop();
            out.insert(key, value);
        }
        Value::Object(out)
    }
}

/// A connection's `first` argument, [`DEFAULT_FIRST`] when absent.
fn page_size(args: &Map<String, Value>) -> usize {
    args.get("first")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_FIRST as u64) as usize
}

/// A connection over a list, filtered by `namespace` / `keys` and cut to `first`.
fn connection(list: &Value, f: &Field<'_, String>, vars: &Map<String, Value>) -> Value {
    let args: Map<String, Value> = f
        .arguments
        .iter()
        .map(|(k, v)| (k.clone(), to_json(v, vars)))
        .collect();
    let first = page_size(&args);
    let keys: Option<Vec<String>> = args.get("keys").and_then(Value::as_array).map(|k| {
        k.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    });
    let namespace = args.get("namespace").and_then(Value::as_str);
    let all: Vec<Value> = list
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| namespace.is_none_or(|n| m["namespace"].as_str() == Some(n)))
        .filter(|m| {
            keys.as_ref().is_none_or(|ks| {
                let full = format!(
                    "{}.{}",
                    m["namespace"].as_str().unwrap_or_default(),
                    m["key"].as_str().unwrap_or_default()
                );
                ks.contains(&full)
            })
        })
        .collect();
    let has_next = all.len() > first;
    let nodes: Vec<Value> = all.into_iter().take(first).collect();
    let edges: Vec<Value> = nodes
        .iter()
        .map(|n| json!({ "node": n, "cursor": "c" }))
        .collect();
    json!({
        "__typename": "Connection",
        "nodes": nodes,
        "edges": edges,
        "pageInfo": { "__typename": "PageInfo", "hasNextPage": has_next, "endCursor": null },
    })
}
