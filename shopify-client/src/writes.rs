//! Customer writes (C4, C5, C11, C13, C14; E3, E5, E6).
//!
//! A batch runs in two rounds of aliased documents:
//! 1. `customerSet` for every write with fields (identifier `{id}` or `{email}`); a phone or a
//!    province that Shopify refuses is dropped and the write sent again once (warning
//!    `phone_taken` / `invalid_phone`, C4; `invalid_province`, C5).
//! 2. For every customer that now has an ID: `tagsAdd` / `tagsRemove`, then the metafields of
//!    all customers packed 25 to a `metafieldsSet` (and `metafieldsDelete`) call. Those calls are
//!    atomic, so when one fails its customers are sent again one by one to find the culprit.

use cin7_sparklayer_core::PortError;
use cin7_sparklayer_core::Service;
use cin7_sparklayer_core::model::DesiredCustomer;
use cin7_sparklayer_core::ports::{
    AccountState, CustomerWrite, SinkWarning, WriteOutcome, WriteTarget,
};
use cin7_sparklayer_core::report::WarningReason;
use serde_json::{Value, json};

use crate::answers::{CodedError, Payload, PlainError, SetPayload, decode};
use crate::document::{DocBuilder, MUTATION_COST, OpKind};
use crate::error::{ShopifyError, rejected};
use crate::transport::{Answer, Transport};
use crate::wire::{
    CustomerSetInput, Leave, MetafieldIdentifierInput, MetafieldsSetInput, UserError,
};

/// Entries per `metafieldsSet` / `metafieldsDelete` call (Shopify's maximum).
pub(crate) const METAFIELDS_PER_CALL: usize = 25;

const SET_PAYLOAD: &str = "customer { id state } userErrors { code field message }";
const TAGS_PAYLOAD: &str = "userErrors { field message }";
const MF_SET_PAYLOAD: &str = "metafields { key } userErrors { code field message }";
const MF_DELETE_PAYLOAD: &str = "deletedMetafields { key } userErrors { field message }";

/// Progress of one write.
#[derive(Debug)]
struct Slot {
    id: Option<String>,
    state: AccountState,
    warnings: Vec<SinkWarning>,
    /// What the next `customerSet` leaves out (refused by Shopify on the first try).
    leave: Leave,
    /// Why it is left out, reported once the write without it succeeds.
    dropped: Vec<SinkWarning>,
    error: Option<PortError>,
}

/// Applies `writes`; one result per write, in order (E3).
pub(crate) async fn write_customers(
    t: &Transport,
    writes: &[CustomerWrite],
    per_doc: usize,
) -> Vec<Result<WriteOutcome, PortError>> {
    let mut slots: Vec<Slot> = writes
        .iter()
        .map(|w| Slot {
            id: match &w.target {
                WriteTarget::Existing { shopify_id } => Some(shopify_id.clone()),
                WriteTarget::New => None,
            },
            state: AccountState::Unknown,
            warnings: Vec::new(),
            leave: Leave::default(),
            dropped: Vec::new(),
            error: None,
        })
        .collect();

    // Round 1: customerSet, then once more without the phone or province Shopify refused.
    let first: Vec<usize> = (0..writes.len())
        .filter(|&i| writes[i].fields.is_some())
        .collect();
    let retry = customer_set(t, writes, &mut slots, &first, per_doc).await;
    let again = customer_set(t, writes, &mut slots, &retry, per_doc).await;
    debug_assert!(again.is_empty(), "a write is sent again at most once");
    for (i, slot) in slots.iter_mut().enumerate() {
        if slot.error.is_none() && slot.id.is_none() {
            slot.error = Some(PortError::protocol(
                Service::Shopify,
                format!(
                    "customer {} was not created and gave no reason",
                    writes[i].cin7_id
                ),
            ));
        }
    }

    // Round 2: tags and metafields of every customer that has an ID and no error.
    let ready: Vec<usize> = (0..writes.len())
        .filter(|&i| slots[i].error.is_none())
        .collect();
    tags_and_metafields(t, writes, &mut slots, &ready, per_doc).await;

    slots
        .into_iter()
        .map(|s| match (s.error, s.id) {
            (Some(e), _) => Err(e),
            (None, Some(shopify_id)) => Ok(WriteOutcome {
                shopify_id,
                account_state: s.state,
                warnings: s.warnings,
            }),
            (None, None) => Err(PortError::protocol(
                Service::Shopify,
                "write produced no customer ID",
            )),
        })
        .collect()
}

/// Sends `customerSet` for `which`, each without what its slot leaves out; returns the writes
/// to send again without a refused phone or province.
async fn customer_set(
    t: &Transport,
    writes: &[CustomerWrite],
    slots: &mut [Slot],
    which: &[usize],
    per_doc: usize,
) -> Vec<usize> {
    let mut retry = Vec::new();
    for chunk in which.chunks(per_doc.max(1)) {
        let b = set_document(writes, slots, chunk);
        if b.is_empty() {
            continue;
        }
        let answer = match t.execute(&b.build()).await {
            Ok(a) => a,
            Err(e) => {
                let e = PortError::from(e);
                for &i in chunk {
                    slots[i].error = Some(e.clone());
                }
                continue;
            }
        };
        for &i in chunk {
            if settle_set(&answer, &writes[i], &mut slots[i], i) {
                retry.push(i);
            }
        }
    }
    retry
}

/// One document with a `customerSet` alias `s{i}` per write of `chunk` that has fields.
fn set_document(writes: &[CustomerWrite], slots: &[Slot], chunk: &[usize]) -> DocBuilder {
    let mut b = DocBuilder::new(OpKind::Mutation, "CustomersSet");
    for &i in chunk {
        let w = &writes[i];
        let Some(fields) = &w.fields else { continue };
        let (identifier, tags) = match &w.target {
            WriteTarget::Existing { shopify_id } => (json!({ "id": shopify_id }), None),
            WriteTarget::New => (
                json!({ "email": fields.email.trim() }),
                Some(w.tags_add.as_slice()),
            ),
        };
        let input = CustomerSetInput::new(fields, tags, slots[i].leave);
        let k = b.var(format!("k{i}"), "CustomerSetIdentifiers", identifier);
        let v = b.var(
            format!("in{i}"),
            "CustomerSetInput!",
            serde_json::to_value(&input).unwrap_or(Value::Null),
        );
        b.field(
            format!("s{i}: customerSet(identifier: {k}, input: {v}) {{ {SET_PAYLOAD} }}"),
            MUTATION_COST,
        );
    }
    b
}

/// Reads write `i`'s `customerSet` payload into its slot; `true` when it is to be sent again
/// without a refused phone or province (at most once: a second refusal is its failure).
fn settle_set(answer: &Answer, write: &CustomerWrite, slot: &mut Slot, i: usize) -> bool {
    let alias = format!("s{i}");
    let payload = match decode::<Option<SetPayload>>(answer, &alias) {
        Ok(Some(p)) => p,
        Ok(None) => {
            slot.error = Some(alias_error(answer, &alias));
            return false;
        }
        Err(e) => {
            slot.error = Some(e.into());
            return false;
        }
    };
    let errors: Vec<UserError> = payload.user_errors.into_iter().map(Into::into).collect();
    if errors.is_empty() {
        match payload.customer {
            Some(customer) => {
                slot.id = Some(customer.id);
                slot.state = customer.state.into();
                let dropped = std::mem::take(&mut slot.dropped);
                slot.warnings.extend(dropped);
            }
            None => slot.error = Some(alias_error(answer, &alias)),
        }
        return false;
    }
    let fields = write.fields.as_ref();
    if let Some(fields) = fields
        && slot.leave == Leave::default()
        && let Some((leave, dropped)) = refusals(&errors, fields)
    {
        slot.leave = leave;
        slot.dropped = dropped;
        return true;
    }
    let email = fields.map(|f| f.email.trim()).unwrap_or_default();
    slot.error = Some(classify(&errors, &write.target, email));
    false
}

/// When every error is about a phone or a province the write carried, what to leave out on
/// the second try, and the warnings saying why (C4, C5); `None` otherwise.
fn refusals(errors: &[UserError], fields: &DesiredCustomer) -> Option<(Leave, Vec<SinkWarning>)> {
    let address = fields.address.as_ref();
    let has_phone = fields.phone.is_some() || address.is_some_and(|a| a.phone.is_some());
    let has_province = address.is_some_and(|a| a.province_code.is_some());
    let phone = errors.iter().find(|e| e.is_phone());
    let province = errors.iter().find(|e| e.is_province());
    let droppable = errors
        .iter()
        .all(|e| (e.is_phone() && has_phone) || (e.is_province() && has_province));
    if !droppable {
        return None;
    }
    let mut warnings = Vec::new();
    if let Some(e) = phone {
        let reason = if e.is_taken() {
            WarningReason::PhoneTaken
        } else {
            WarningReason::InvalidPhone
        };
        warnings.push(SinkWarning {
            reason,
            message: e.message.clone(),
        });
    }
    if let Some(e) = province {
        warnings.push(SinkWarning {
            reason: WarningReason::InvalidProvince,
            message: e.message.clone(),
        });
    }
    let leave = Leave {
        phone: phone.is_some(),
        province: province.is_some(),
    };
    Some((leave, warnings))
}

/// Maps a write's `userErrors` to one per-record failure (E3) with Shopify's message.
fn classify(errors: &[UserError], target: &WriteTarget, email: &str) -> PortError {
    let first = &errors[0];
    let message = errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    if let Some(e) = errors.iter().find(|e| e.is_email() && e.is_taken()) {
        return rejected(
            Some("email_taken".into()),
            e.field_path(),
            format!(
                "email {email} belongs to another Shopify customer: {}",
                e.message
            ),
        );
    }
    if first.code.as_deref() == Some("NOT_FOUND")
        && let WriteTarget::Existing { shopify_id } = target
    {
        return PortError::not_found(
            Service::Shopify,
            format!("customer {shopify_id}: {message}"),
        );
    }
    rejected(
        first.code.as_ref().map(|c| c.to_lowercase()),
        first.field_path(),
        message,
    )
}

/// The failure of an alias that came back without payload: its field error, if any.
fn alias_error(answer: &Answer, alias: &str) -> PortError {
    match answer.error_for(alias) {
        Some(e) => rejected(None, None, e.message.clone()),
        None => PortError::protocol(
            Service::Shopify,
            format!("{alias} came back without a customer or userErrors"),
        ),
    }
}

/// One mutation of round 2, with the writes it belongs to.
#[derive(Debug)]
struct Op {
    /// Top-level field text without alias; `{v}` is replaced by the variable.
    field: &'static str,
    var_type: &'static str,
    value: Value,
    payload: &'static str,
    /// Whether the payload's error type has a `code` (selected in `payload`).
    coded: bool,
    /// The writes whose fate this call decides.
    owners: Vec<usize>,
    /// Whether a failure is isolated by sending each owner's part again alone.
    packed: bool,
}

async fn tags_and_metafields(
    t: &Transport,
    writes: &[CustomerWrite],
    slots: &mut [Slot],
    ready: &[usize],
    per_doc: usize,
) {
    let mut ops = Vec::new();
    for &i in ready {
        let (w, id) = (&writes[i], slots[i].id.clone().unwrap_or_default());
        let is_new = matches!(w.target, WriteTarget::New) && w.fields.is_some();
        if !is_new && !w.tags_add.is_empty() {
            ops.push(tags_op("tagsAdd", &id, &w.tags_add, i));
        }
        if !w.tags_remove.is_empty() {
            ops.push(tags_op("tagsRemove", &id, &w.tags_remove, i));
        }
    }
    ops.extend(metafield_ops(writes, slots, ready, true));
    let failed = run_ops(t, slots, ops, per_doc).await;
    if failed.is_empty() {
        return;
    }
    // A packed call failed as a whole: send each of its customers' part alone.
    let mut solo = Vec::new();
    for i in failed {
        solo.extend(metafield_ops(writes, slots, &[i], false));
    }
    let still = run_ops(t, slots, solo, per_doc).await;
    debug_assert!(still.is_empty(), "unpacked ops report their own errors");
}

fn tags_op(field: &'static str, id: &str, tags: &[String], owner: usize) -> Op {
    Op {
        field: if field == "tagsAdd" {
            "tagsAdd(id: {id}, tags: {v})"
        } else {
            "tagsRemove(id: {id}, tags: {v})"
        },
        var_type: "[String!]!",
        value: json!({ "id": id, "tags": tags }),
        payload: TAGS_PAYLOAD,
        coded: false,
        owners: vec![owner],
        packed: false,
    }
}

/// `metafieldsDelete` and `metafieldsSet` calls for the writes in `which`, 25 entries a call,
/// several customers per call when `packed`.
fn metafield_ops(
    writes: &[CustomerWrite],
    slots: &[Slot],
    which: &[usize],
    packed: bool,
) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut deletes: Vec<(usize, Value)> = Vec::new();
    let mut sets: Vec<(usize, Value)> = Vec::new();
    for &i in which {
        let Some(id) = slots[i].id.as_deref() else {
            continue;
        };
        for k in &writes[i].metafields_delete {
            let input = MetafieldIdentifierInput {
                owner_id: id,
                namespace: &k.namespace,
                key: &k.key,
            };
            deletes.push((i, serde_json::to_value(input).unwrap_or(Value::Null)));
        }
        for m in &writes[i].metafields_set {
            let input = MetafieldsSetInput::new(id, m);
            sets.push((i, serde_json::to_value(input).unwrap_or(Value::Null)));
        }
    }
    for (entries, field, var_type, payload, coded) in [
        (
            deletes,
            "metafieldsDelete(metafields: {v})",
            "[MetafieldIdentifierInput!]!",
            MF_DELETE_PAYLOAD,
            false,
        ),
        (
            sets,
            "metafieldsSet(metafields: {v})",
            "[MetafieldsSetInput!]!",
            MF_SET_PAYLOAD,
            true,
        ),
    ] {
        for chunk in entries.chunks(METAFIELDS_PER_CALL) {
            let mut owners: Vec<usize> = chunk.iter().map(|(i, _)| *i).collect();
            owners.dedup();
            ops.push(Op {
                field,
                var_type,
                value: Value::Array(chunk.iter().map(|(_, v)| v.clone()).collect()),
                payload,
                coded,
                owners,
                packed,
            });
        }
    }
    ops
}

/// Runs `ops`, `per_doc` to a document; records failures on their writes and returns the
/// writes of packed calls that failed as a whole (to be isolated).
async fn run_ops(t: &Transport, slots: &mut [Slot], ops: Vec<Op>, per_doc: usize) -> Vec<usize> {
    let mut isolate = Vec::new();
    for chunk in ops.chunks(per_doc.max(1)) {
        let mut b = DocBuilder::new(OpKind::Mutation, "CustomersTagsMetafields");
        for (n, op) in chunk.iter().enumerate() {
            let text = if op.field.starts_with("tags") {
                let id = b.var(format!("id{n}"), "ID!", op.value["id"].clone());
                let v = b.var(format!("v{n}"), op.var_type, op.value["tags"].clone());
                op.field.replace("{id}", &id).replace("{v}", &v)
            } else {
                let v = b.var(format!("v{n}"), op.var_type, op.value.clone());
                op.field.replace("{v}", &v)
            };
            b.field(format!("m{n}: {text} {{ {} }}", op.payload), MUTATION_COST);
        }
        let answer = match t.execute(&b.build()).await {
            Ok(a) => a,
            Err(e) => {
                let e = PortError::from(e);
                for op in chunk {
                    for &i in &op.owners {
                        slots[i].error.get_or_insert_with(|| e.clone());
                    }
                }
                continue;
            }
        };
        for (n, op) in chunk.iter().enumerate() {
            let alias = format!("m{n}");
            let failure = match op_errors(&answer, &alias, op.coded) {
                Err(e) => Some(e.into()),
                Ok(None) => Some(alias_error(&answer, &alias)),
                Ok(Some(errors)) if errors.is_empty() => None,
                Ok(Some(errors)) => {
                    let message = errors
                        .iter()
                        .map(|e| e.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; ");
                    Some(rejected(
                        errors[0].code.as_ref().map(|c| c.to_lowercase()),
                        errors[0].field_path(),
                        message,
                    ))
                }
            };
            let Some(failure) = failure else { continue };
            if op.packed && op.owners.len() > 1 {
                isolate.extend(op.owners.iter().copied());
            } else {
                for &i in &op.owners {
                    slots[i].error.get_or_insert_with(|| failure.clone());
                }
            }
        }
    }
    isolate.sort_unstable();
    isolate.dedup();
    isolate.retain(|&i| slots[i].error.is_none());
    isolate
}

/// The `userErrors` of a round-2 alias: `None` when the payload is `null` (see its field error).
fn op_errors(
    answer: &Answer,
    alias: &str,
    coded: bool,
) -> Result<Option<Vec<UserError>>, ShopifyError> {
    fn all<E: Into<UserError>>(p: Option<Payload<E>>) -> Option<Vec<UserError>> {
        p.map(|p| p.user_errors.into_iter().map(Into::into).collect())
    }
    if coded {
        decode::<Option<Payload<CodedError>>>(answer, alias).map(all)
    } else {
        decode::<Option<Payload<PlainError>>>(answer, alias).map(all)
    }
}
