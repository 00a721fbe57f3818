//! The connection check a merchant runs before the first sync (`sync --check`): one cheap read
//! through every port, so a wrong key, token, secret or state path shows up as one line per
//! service instead of as the first failure of a real run. Writes nothing.

use crate::error::{PortError, Service};
use crate::ports::InviteSupport;

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
    /// also proves the token and its read scope) and the app's access to protected customer
    /// data ([`crate::ports::CustomerSink::check_access`]), SparkLayer's customer groups (the token) and
    /// the state store's last run, one after the other; never stops at the first failure.
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
        let shopify = match p.shopify.invite_support().await {
            Ok(s) => p.shopify.check_access().await.map(|()| {
                match s {
                    InviteSupport::Classic => "classic customer accounts (invites are sent)",
                    InviteSupport::NotApplicable => "new customer accounts (no invites exist)",
                }
                .to_owned()
                    + ", customer data readable"
            }),
            Err(e) => Err(e),
        };
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
