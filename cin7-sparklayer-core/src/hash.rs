//! Content hashes: stable digests of what was written, so unchanged records cost nothing (E2, P3).

use sha2::{Digest, Sha256};

use crate::model::{DesiredCustomer, PriceBreak};

/// SHA-256 (hex) of a desired customer's canonical JSON (E2).
///
/// The JSON of [`DesiredCustomer`] is canonical: fields in declaration order, tags and
/// metafields sorted by the mapper.
pub fn customer_hash(customer: &DesiredCustomer) -> String {
    let json = serde_json::to_vec(customer).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

/// A 64-bit digest of a SKU's pricing on a list (P3). Prices are normalised, so `1.10` and `1.1` agree.
pub fn price_hash(pricing: &[PriceBreak]) -> u64 {
    let mut h = Sha256::new();
    for b in pricing {
        h.update(b.quantity.to_le_bytes());
        h.update(b.price.normalize().to_string().as_bytes());
        h.update(b";");
    }
    let d = h.finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&d[..8]);
    u64::from_le_bytes(bytes)
}
