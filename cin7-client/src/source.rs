//! The core's source ports over Cin7: [`CustomerSource`] and [`PricingSource`].
//!
//! Request counts: one counter is shared by both ports (it is one API key); it is reported by
//! [`CustomerSource::request_counts`] only, and [`PricingSource::request_counts`] returns zero,
//! as the port's contract asks of a client implementing both.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::model::{AccountInfo, SourceCustomer, SourceProduct};
use cin7_sparklayer_core::ports::{
    Change, CustomerSource, FetchScope, Fetched, PricingSource, RecordStream, RequestCounts,
};
use futures::{StreamExt, TryStreamExt, stream};
use serde::de::DeserializeOwned;

use crate::paging::{CUSTOMERS, ListEndpoint, PRODUCTS, stop_after_error, walk};
use crate::wire::{Me, PriceTiers, WireChange, WireCustomer, WireProduct, account_info};
use crate::{Cin7Client, Cin7Error};

/// Formats an instant as Cin7's `ModifiedSince` wants it: `yyyy-MM-ddTHH:mm:ss`, UTC (E4).
/// Sub-seconds are cut, which can only widen the window, so the E4 overlap stays safe.
pub fn modified_since(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

impl Cin7Client {
    async fn get_typed<T: DeserializeOwned>(&self, path: &str) -> Result<T, Cin7Error> {
        let value = self.get_json(path, &[]).await?;
        serde_path_to_error::deserialize(value).map_err(|e| Cin7Error::Decode {
            path: path.to_owned(),
            message: format!("{}: {}", e.path(), e.inner()),
        })
    }

    fn list<W, T>(
        &self,
        endpoint: ListEndpoint,
        mut query: Vec<(&'static str, String)>,
        scope: FetchScope,
        convert: fn(W) -> T,
    ) -> RecordStream<T>
    where
        W: DeserializeOwned + Send + 'static,
        T: Send + 'static,
    {
        match scope {
            FetchScope::All => walk(self.clone(), endpoint, query, convert),
            FetchScope::ModifiedSince(at) => {
                query.push(("ModifiedSince", modified_since(at)));
                walk(self.clone(), endpoint, query, convert)
            }
            FetchScope::Ids(ids) => {
                let client = self.clone();
                let walks = stream::iter(ids).map(move |id| {
                    let mut q = query.clone();
                    q.push(("ID", id));
                    walk(client.clone(), endpoint, q, convert)
                });
                stop_after_error(walks.flatten().boxed())
            }
        }
    }
}

impl Cin7Client {
    /// The ID and `LastModifiedOn` of every row of `endpoint` modified since `since` (E12):
    /// `ModifiedSince` with `IncludeDeprecated=true` and nothing else, so an idle poll is one
    /// small page (`Total` 0, or the few records of the last seconds) and only the two fields
    /// it needs are parsed. More rows than a page are paged on (E8). A row without a readable
    /// `ID` cannot be synced by ID and is left out.
    async fn changes(
        &self,
        endpoint: ListEndpoint,
        since: DateTime<Utc>,
    ) -> Result<Vec<Change>, PortError> {
        let query = vec![
            ("IncludeDeprecated", "true".to_owned()),
            ("ModifiedSince", modified_since(since)),
        ];
        walk(self.clone(), endpoint, query, WireChange::into_change)
            .try_filter_map(|item| async move {
                Ok(match item {
                    Fetched::Record(change) => Some(change),
                    Fetched::Malformed(m) => m.id.map(|id| Change { id, modified: None }),
                    // Every change it saw; what paging skipped waits for the next run (E8).
                    Fetched::Incomplete(_) => None,
                })
            })
            .try_collect()
            .await
    }
}

#[async_trait]
impl CustomerSource for Cin7Client {
    /// `GET me` (base currency, C12) and `GET ref/priceTier` (tier names, C8/P1).
    async fn account(&self) -> Result<AccountInfo, PortError> {
        let me: Me = self.get_typed("me").await?;
        let tiers: PriceTiers = self.get_typed("ref/priceTier").await?;
        account_info(me, tiers).ok_or_else(|| {
            Cin7Error::Decode {
                path: "me".to_owned(),
                message: "no base `Currency` in the answer".to_owned(),
            }
            .into()
        })
    }

    /// `GET customer?IncludeDeprecated=true&IncludeProductPrices=true`, plus `ModifiedSince`
    /// or one walk per `ID` as the scope asks, paged lazily (E8).
    fn customers(&self, scope: FetchScope) -> RecordStream<SourceCustomer> {
        let query = vec![
            ("IncludeDeprecated", "true".to_owned()),
            ("IncludeProductPrices", "true".to_owned()),
        ];
        self.list(CUSTOMERS, query, scope, WireCustomer::into_source)
    }

    /// `GET customer?ModifiedSince=…&IncludeDeprecated=true`, without prices: IDs and
    /// `LastModifiedOn` only (E12). One request when fewer than a page changed.
    async fn customer_changes(&self, since: DateTime<Utc>) -> Result<Vec<Change>, PortError> {
        self.changes(CUSTOMERS, since).await
    }

    /// Every request this client (and its clones) made: reads, throttled, retried.
    fn request_counts(&self) -> RequestCounts {
        Cin7Client::request_counts(self)
    }
}

#[async_trait]
impl PricingSource for Cin7Client {
    /// `GET product?IncludeDeprecated=true`, plus `ModifiedSince` or `ID` as the scope asks.
    fn products(&self, scope: FetchScope) -> RecordStream<SourceProduct> {
        let query = vec![("IncludeDeprecated", "true".to_owned())];
        self.list(PRODUCTS, query, scope, WireProduct::into_source)
    }

    /// `GET product?ModifiedSince=…&IncludeDeprecated=true`: IDs and `LastModifiedOn` only (E12).
    async fn product_changes(&self, since: DateTime<Utc>) -> Result<Vec<Change>, PortError> {
        self.changes(PRODUCTS, since).await
    }

    /// Zero: the shared counter is reported by [`CustomerSource::request_counts`].
    fn request_counts(&self) -> RequestCounts {
        RequestCounts::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn modified_since_is_seconds_precision_utc() {
        let at = Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap()
            + chrono::Duration::milliseconds(890);
        assert_eq!(modified_since(at), "2026-03-04T05:06:07");
    }
}
