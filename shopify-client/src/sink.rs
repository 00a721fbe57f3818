//! [`CustomerSink`] for [`ShopifyClient`] (SPEC §7).

use async_trait::async_trait;
use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::model::MetafieldDefinition;
use cin7_sparklayer_core::ports::{
    CustomerSink, CustomerWrite, InviteSupport, RemoteCustomer, RequestCounts, WriteOutcome,
};

use crate::client::ShopifyClient;
use crate::error::rejected;
use crate::{definitions, invites, reads, writes};

#[async_trait]
impl CustomerSink for ShopifyClient {
    /// `shop { customerAccountsV2 { customerAccountsVersion } }`: `CLASSIC` → invites exist (C13).
    async fn invite_support(&self) -> Result<InviteSupport, PortError> {
        reads::invite_support(&self.transport).await
    }

    /// `customers(first: 1)` with the protected fields the sync reads: Shopify withholding them
    /// from the app is fatal, with the access it needs (issue 13).
    async fn check_access(&self) -> Result<(), PortError> {
        reads::check_access(&self.transport).await
    }

    /// `customerByIdentifier(identifier: {emailAddress})`, many aliases a document, exact
    /// case-insensitive email check of what comes back (C2, E5).
    async fn find_by_emails(
        &self,
        emails: &[String],
    ) -> Result<Vec<Option<RemoteCustomer>>, PortError> {
        reads::find_by_emails(&self.transport, emails, self.limits.lookups_per_document).await
    }

    /// `customer(id:)` with the synced fields and metafields (C15, E6), as many aliases a
    /// document as Shopify's single-query cost limit allows.
    async fn get_customers(
        &self,
        ids: &[String],
    ) -> Result<Vec<Option<RemoteCustomer>>, PortError> {
        let per_doc = reads::reads_per_document(
            self.transport.bucket_maximum(),
            self.limits.reads_per_document,
        );
        reads::get_customers(&self.transport, ids, per_doc).await
    }

    /// `customerSet`, `tagsAdd`/`tagsRemove`, `metafieldsSet`/`metafieldsDelete`, batched
    /// (C4, C5, C11, C14, E3, E5, E6).
    async fn write_customers(
        &self,
        writes: &[CustomerWrite],
    ) -> Vec<Result<WriteOutcome, PortError>> {
        writes::write_customers(&self.transport, writes, self.mutations_per_document()).await
    }

    /// `metafieldDefinitions(ownerType: CUSTOMER, namespace:)`, paged (E10).
    async fn metafield_definitions(
        &self,
        namespaces: &[&str],
    ) -> Result<Vec<MetafieldDefinition>, PortError> {
        definitions::metafield_definitions(&self.transport, namespaces).await
    }

    /// `customerSendAccountInviteEmail(customerId:)` (C13).
    async fn send_invite(&self, shopify_id: &str) -> Result<(), PortError> {
        let ids = [shopify_id.to_owned()];
        invites::send_invites(&self.transport, &ids, 1)
            .await
            .pop()
            .unwrap_or_else(|| Err(rejected(None, None, "no invite result".into())))
    }

    /// Several invites, aliased into documents of up to 25 (C13); one result per ID, in order.
    async fn send_invites(&self, shopify_ids: &[String]) -> Vec<Result<(), PortError>> {
        invites::send_invites(&self.transport, shopify_ids, self.mutations_per_document()).await
    }

    /// Reads (queries) and writes (documents with a mutation); throttled and other retries apart.
    fn request_counts(&self) -> RequestCounts {
        self.transport.counts()
    }
}
