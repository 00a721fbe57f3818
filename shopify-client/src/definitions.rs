//! E10: the shop's customer metafield definitions in the sync's namespaces, read once per run
//! and by `sync --check`: `metafieldDefinitions(ownerType: CUSTOMER, namespace: …)`, one alias
//! per namespace in one document, paged by cursor until every namespace is read.

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::model::{MetafieldDefinition, MetafieldKey};
use serde_json::Value;

use crate::document::{DocBuilder, OpKind};
use crate::error::ShopifyError;
use crate::transport::{Answer, Transport};

/// Definitions asked for per namespace and page (Shopify allows up to 250).
const PAGE: usize = 50;

/// Estimated cost of one alias: a connection of [`PAGE`] nodes, each with its type object.
const COST: f64 = 2.0 + PAGE as f64 * 2.0;

/// What is read of each definition.
const SELECTION: &str =
    "nodes { namespace key name type { name } } pageInfo { hasNextPage endCursor }";

/// Every customer metafield definition in `namespaces` (E10).
pub(crate) async fn metafield_definitions(
    t: &Transport,
    namespaces: &[&str],
) -> Result<Vec<MetafieldDefinition>, PortError> {
    // Namespaces still to read, with the cursor to read after.
    let mut pending: Vec<(usize, Option<String>)> =
        (0..namespaces.len()).map(|i| (i, None)).collect();
    let mut out = Vec::new();
    while !pending.is_empty() {
        let mut b = DocBuilder::new(OpKind::Query, "MetafieldDefinitions");
        for (i, after) in &pending {
            let ns = b.var(format!("ns{i}"), "String!", Value::from(namespaces[*i]));
            let after = b.var(
                format!("after{i}"),
                "String",
                after.clone().map_or(Value::Null, Value::from),
            );
            b.field(
                format!(
                    "d{i}: metafieldDefinitions(ownerType: CUSTOMER, namespace: {ns}, first: {PAGE}, after: {after}) {{ {SELECTION} }}"
                ),
                COST,
            );
        }
        let answer = t.execute(&b.build()).await?;
        let mut next = Vec::new();
        for (i, after) in &pending {
            let (definitions, cursor) = page(&answer, &format!("d{i}"), after.as_deref())?;
            out.extend(definitions);
            next.extend(cursor.map(|c| (*i, Some(c))));
        }
        pending = next;
    }
    Ok(out)
}

/// One alias's page: its definitions, and the cursor of the next page if there is one.
fn page(
    answer: &Answer,
    alias: &str,
    after: Option<&str>,
) -> Result<(Vec<MetafieldDefinition>, Option<String>), ShopifyError> {
    if let Some(e) = answer.error_for(alias) {
        return Err(ShopifyError::GraphQl {
            message: e.message.clone(),
        });
    }
    let decode = |what: &str| ShopifyError::Decode(format!("metafieldDefinitions: {what}"));
    let connection = answer.get(alias);
    let nodes = connection["nodes"]
        .as_array()
        .ok_or_else(|| decode("no `nodes` list"))?;
    let definitions = nodes
        .iter()
        .map(|n| {
            definition(n)
                .ok_or_else(|| decode(&format!("a node without namespace, key, name or type: {n}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let info = &connection["pageInfo"];
    if info["hasNextPage"].as_bool() != Some(true) {
        return Ok((definitions, None));
    }
    match info["endCursor"].as_str() {
        Some(c) if Some(c) != after => Ok((definitions, Some(c.to_owned()))),
        _ => Err(decode("`hasNextPage` without a new `endCursor`")),
    }
}

fn definition(node: &Value) -> Option<MetafieldDefinition> {
    Some(MetafieldDefinition {
        key: MetafieldKey::new(node["namespace"].as_str()?, node["key"].as_str()?),
        name: node["name"].as_str()?.to_owned(),
        type_name: node["type"]["name"].as_str()?.to_owned(),
    })
}
