//! The account facts (`GET me`, `GET ref/priceTier`: base currency and tier names) kept between
//! runs, so records runs (webhooks and the daemon's freshness poll, E12) do not read them each
//! time: a full or incremental run reads them and refreshes the copy; a records run uses the
//! copy when there is one, else reads them too.

use std::sync::{Arc, Mutex, PoisonError};

use crate::error::PortError;
use crate::model::AccountInfo;
use crate::report::RunMode;

use super::SyncEngine;

/// The last account facts a run read; shared by the clones of one engine.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccountCache(Arc<Mutex<Option<AccountInfo>>>);

impl AccountCache {
    fn get(&self) -> Option<AccountInfo> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, account: &AccountInfo) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(account.clone());
    }
}

impl SyncEngine {
    /// The account facts for a run in `mode`: read (and kept) by full and incremental runs,
    /// taken from the copy by records runs (E12: a poll's run costs Cin7 only its records).
    pub(crate) async fn account_for(&self, mode: RunMode) -> Result<AccountInfo, PortError> {
        if mode == RunMode::Records
            && let Some(account) = self.account.get()
        {
            return Ok(account);
        }
        let account = self.ports.customers.account().await?;
        self.account.set(&account);
        Ok(account)
    }
}
