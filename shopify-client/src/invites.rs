//! Account invites (C13): `customerSendAccountInviteEmail`, several customers a document.
//!
//! Whether to invite at all (classic accounts, state `DISABLED`, never twice) is the engine's
//! decision, made from the `account_state` that lookups and writes read back.

use cin7_sparklayer_core::PortError;
use serde_json::Value;

use crate::answers::{CodedError, Payload, decode};
use crate::document::{DocBuilder, MUTATION_COST, OpKind};
use crate::error::rejected;
use crate::transport::{Answer, Transport};
use crate::wire::UserError;

const PAYLOAD: &str = "customer { id state } userErrors { code field message }";

/// Invites each of `ids`, `per_doc` to a document; one result per ID, in order.
pub(crate) async fn send_invites(
    t: &Transport,
    ids: &[String],
    per_doc: usize,
) -> Vec<Result<(), PortError>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(per_doc.max(1)) {
        // A second invite is a second email: never resent after an ambiguous failure (C13).
        let mut b = DocBuilder::new(OpKind::Mutation, "CustomerInvites").not_idempotent();
        for (n, id) in chunk.iter().enumerate() {
            let v = b.var(format!("id{n}"), "ID!", Value::from(id.as_str()));
            b.field(
                format!("i{n}: customerSendAccountInviteEmail(customerId: {v}) {{ {PAYLOAD} }}"),
                MUTATION_COST,
            );
        }
        match t.execute(&b.build()).await {
            Ok(answer) => out.extend((0..chunk.len()).map(|n| outcome(&answer, &format!("i{n}")))),
            Err(e) => {
                let e = PortError::from(e);
                out.extend(chunk.iter().map(|_| Err(e.clone())));
            }
        }
    }
    out
}

/// One alias's result: `userErrors` become a record failure with Shopify's message.
fn outcome(answer: &Answer, alias: &str) -> Result<(), PortError> {
    let payload: Option<Payload<CodedError>> = decode(answer, alias)?;
    let Some(payload) = payload else {
        let message = answer
            .error_for(alias)
            .map(|e| e.message.clone())
            .unwrap_or_else(|| "the invite came back empty".into());
        return Err(rejected(None, None, message));
    };
    if let Some(e) = payload.user_errors.into_iter().next() {
        let e = UserError::from(e);
        return Err(rejected(
            e.code.as_ref().map(|c| c.to_lowercase()),
            e.field_path(),
            e.message,
        ));
    }
    Ok(())
}
