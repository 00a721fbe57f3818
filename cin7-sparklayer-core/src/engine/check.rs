//! The connection check a merchant runs before the first sync (`sync --check`): one cheap read
//! through every port, so a wrong key, token, secret or state path shows up as one line per
//! service instead of as the first failure of a real run. Writes nothing.

use crate::error::{PortError, Service};
use crate::ports::InviteSupport;
use crate::rules::ShopTypes;
use crate::rules::metafields::{MANAGED_NAMESPACES, written_types};

use super::SyncEngine;

/// The outcome of checking one service.
#[derive(Debug)]
pub struct ServiceCheck {
    /// Which service.
    pub service: Service,
    /// What it answered (e.g. the base currency), or why it could not be read.
    pub result: Result<String, PortError>,
}

impl SyncEngine {
    /// Reads the Cin7 account (`GET me`, price tiers), Shopify's customer-account setting (which
    /// also proves the token and its read scope), the app's access to protected customer data
    /// ([`crate::ports::CustomerSink::check_access`]) and its customer metafield definitions (E10),
    /// SparkLayer's customer groups (the token) and the state store's last run, one after the
    /// other; never stops at the first failure.
    pub async fn check(&self) -> Vec<ServiceCheck> {
        let p = &self.ports;
        let cin7 = p.customers.account().await.map(|a| {
            format!(
                "base currency {}, {} price tiers ({})",
                a.base_currency,
                a.price_tiers.len(),
                a.price_tiers
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        let shopify = self.check_shopify().await;
        let sparklayer = p
            .groups
            .customer_groups()
            .await
            .map(|g| format!("{} customer groups", g.len()));
        let state = p.state.last_successful_run().await.map(|at| match at {
            Some(at) => format!(
                "last successful run started {}",
                at.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            None => "no successful run recorded yet (the first run is full)".to_owned(),
        });
        vec![
            ServiceCheck {
                service: Service::Cin7,
                result: cin7,
            },
            ServiceCheck {
                service: Service::Shopify,
                result: shopify,
            },
            ServiceCheck {
                service: Service::SparkLayer,
                result: sparklayer,
            },
            ServiceCheck {
                service: Service::State,
                result: state,
            },
        ]
    }
}

impl SyncEngine {
    /// Shopify's line: the customer-account setting, then the shop's definitions of the sync's
    /// metafields (E10), failing as a run would on a key the sync cannot write.
    async fn check_shopify(&self) -> Result<String, PortError> {
        let shopify = &self.ports.shopify;
        let accounts = match shopify.invite_support().await? {
            InviteSupport::Classic => "classic customer accounts (invites are sent)",
            InviteSupport::NotApplicable => "new customer accounts (no invites exist)",
        };
        shopify.check_access().await?;
        let accounts = format!("{accounts}, customer data readable");
        let definitions = shopify.metafield_definitions(&MANAGED_NAMESPACES).await?;
        let types = ShopTypes::new(&written_types(), &definitions).map_err(|e| {
            PortError::rejected(
                Service::Shopify,
                Some("metafield_definition".into()),
                Some(e.key.to_string()),
                e.to_string(),
            )
        })?;
        let converted: Vec<String> = types
            .conversions()
            .map(|(key, kind)| format!("{key} as {kind}"))
            .collect();
        Ok(if converted.is_empty() {
            format!("{accounts}; metafields written with the sync's own types")
        } else {
            format!(
                "{accounts}; metafields written as the shop defines them: {}",
                converted.join(", ")
            )
        })
    }
}
