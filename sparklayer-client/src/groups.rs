//! Customer groups (reference §8): name → slug for rule C7.

use cin7_sparklayer_core::model::CustomerGroup;
use reqwest::Method;
use serde::Deserialize;

use crate::client::{Call, Kind, SparkLayerClient};
use crate::error::SparkLayerError;

#[derive(Debug, Deserialize)]
struct GroupDto {
    slug: String,
    #[serde(default)]
    name: Option<String>,
}

impl SparkLayerClient {
    /// `GET /api/v1/customer-groups`: every group (one array, not paged). A group without a
    /// name is listed under its slug.
    ///
    /// # Errors
    /// Any [`SparkLayerError`] of the request.
    pub async fn list_customer_groups(&self) -> Result<Vec<CustomerGroup>, SparkLayerError> {
        const OP: &str = "list customer groups";
        let reply = self
            .execute(&Call {
                operation: OP,
                method: Method::GET,
                path: &["api", "v1", "customer-groups"],
                query: &[],
                body: None,
                kind: Kind::Read,
            })
            .await?;
        if !reply.status.is_success() {
            return Err(reply.into_error(OP, || "customer groups".into()));
        }
        let groups: Vec<GroupDto> = reply.json(OP)?;
        Ok(groups
            .into_iter()
            .map(|g| CustomerGroup {
                name: g
                    .name
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| g.slug.clone()),
                slug: g.slug,
            })
            .collect())
    }
}
