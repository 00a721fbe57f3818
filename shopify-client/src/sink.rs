//! [`CustomerSink`] for [`ShopifyClient`] (SPEC §7).

use async_trait::async_trait;
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::ports::{
    CustomerSink, CustomerWrite, InviteSupport, RemoteCustomer, RequestCounts, WriteOutcome,
};
use serde_json::Value;

use crate::client::ShopifyClient;
use crate::document::{DocBuilder, MUTATION_COST, OpKind};
use crate::error::rejected;
use crate::wire::user_errors;
use crate::{reads, writes};

#[async_trait]
impl CustomerSink for ShopifyClient {
    /// `shop { customerAccountsV2 { customerAccountsVersion } }`: `CLASSIC` → invites exist (C13).
    async fn invite_support(&self) -> Result<InviteSupport, PortError> {
        reads::invite_support(&self.transport).await
    }

    /// `customerByIdentifier(identifier: {emailAddress})`, many aliases a document, exact
    /// case-insensitive email check of what comes back (C2, E5).
    async fn find_by_emails(
        &self,
        emails: &[String],
    ) -> Result<Vec<Option<RemoteCustomer>>, PortError> {
        reads::find_by_emails(&self.transport, emails, self.limits.lookups_per_document).await
    }

    /// `customer(id:)` with the synced fields and metafields (C15, E6).
    async fn get_customers(
        &self,
        ids: &[String],
    ) -> Result<Vec<Option<RemoteCustomer>>, PortError> {
        reads::get_customers(&self.transport, ids, self.limits.reads_per_document).await
    }

    /// `customerSet`, `tagsAdd`/`tagsRemove`, `metafieldsSet`/`metafieldsDelete`, batched
    /// (C4, C5, C11, C14, E3, E5, E6).
    async fn write_customers(
        &self,
        writes: &[CustomerWrite],
    ) -> Vec<Result<WriteOutcome, PortError>> {
        writes::write_customers(&self.transport, writes, self.mutations_per_document()).await
    }

    /// `customerSendAccountInviteEmail(customerId:)` (C13).
    async fn send_invite(&self, shopify_id: &str) -> Result<(), PortError> {
        let mut b = DocBuilder::new(OpKind::Mutation, "CustomerInvite");
        let v = b.var("id".into(), "ID!", Value::from(shopify_id));
        b.field(
            format!(
                "invite: customerSendAccountInviteEmail(customerId: {v}) {{ customer {{ id state }} userErrors {{ code field message }} }}"
            ),
            MUTATION_COST,
        );
        let answer = self.transport.execute(&b.build()).await?;
        let payload = answer.get("invite");
        let errors = user_errors(payload);
        if let Some(e) = errors.first() {
            return Err(rejected(
                e.code.as_ref().map(|c| c.to_lowercase()),
                e.field_path(),
                e.message.clone(),
            ));
        }
        if payload.is_null() {
            let message = answer
                .error_for("invite")
                .map(|e| e.message.clone())
                .unwrap_or_else(|| "the invite came back empty".into());
            return Err(rejected(None, None, message));
        }
        Ok(())
    }

    /// Reads (queries) and writes (documents with a mutation); throttled and other retries apart.
    fn request_counts(&self) -> RequestCounts {
        self.transport.counts()
    }
}
