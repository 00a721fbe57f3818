//! Price lists and their pricing (reference §7, SPEC P1–P4): list, create, read, PATCH.

use cin7_sparklayer_core::model::{PriceBreak, PriceListHeader, PriceRow};
use cin7_sparklayer_core::ports::{PatchOutcome, RejectedRow, RemotePriceList};
use cin7_sparklayer_core::rules::MAX_SLUG_LEN;
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::client::{Call, Kind, SparkLayerClient};
use crate::error::{ErrorBody, SparkLayerError, ValidationItem};

/// The largest `page_size` `GET /api/v2/price-lists` accepts.
pub const MAX_PAGE_SIZE: u32 = 250;

/// Checks a slug before it is sent (P1, P2): 1–30 characters of `a-z`, `0-9`, `-` and `_`.
///
/// # Errors
/// [`SparkLayerError::InvalidSlug`] saying what is wrong.
pub fn validate_slug(slug: &str) -> Result<(), SparkLayerError> {
    let reason = if slug.is_empty() {
        Some("must not be empty")
    } else if slug.chars().count() > MAX_SLUG_LEN {
        Some("longer than 30 characters")
    } else if !slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        Some("only a-z, 0-9, '-' and '_' are allowed")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(SparkLayerError::InvalidSlug {
            slug: slug.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Splits rows into PATCH batches of at most `batch_size` (P3; 0 is treated as 1).
pub fn batches(rows: &[PriceRow], batch_size: usize) -> std::slice::Chunks<'_, PriceRow> {
    rows.chunks(batch_size.max(1))
}

/// One price break as read: prices are JSON numbers (read through their shortest `f64` text,
/// exact for up to 15 significant digits).
#[derive(Debug, Deserialize)]
struct WireBreak {
    quantity: u32,
    #[serde(with = "rust_decimal::serde::float")]
    price: Decimal,
}

/// One entry of `GET …/pricing`: flat (`sku`, `quantity`, `price`, one per break) or grouped
/// like the PATCH body (`sku`, `pricing`). Both are accepted.
#[derive(Debug, Deserialize)]
struct PricingEntry {
    sku: String,
    #[serde(default)]
    quantity: Option<u32>,
    #[serde(default, with = "rust_decimal::serde::float_option")]
    price: Option<Decimal>,
    #[serde(default)]
    pricing: Option<Vec<WireBreak>>,
}

#[derive(Debug, Serialize)]
struct CreateBody<'a> {
    slug: &'a str,
    name: &'a str,
    currency_code: &'a str,
    source: &'static str,
}

#[derive(Debug, Deserialize)]
struct PriceListDto {
    slug: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    currency_code: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Pagination {
    current_page: u32,
    total_pages: u32,
}

#[derive(Debug, Deserialize)]
struct PriceListPage {
    data: Vec<PriceListDto>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

/// The PATCH body: `[{"sku", "pricing": [{"quantity", "price"}]}]`, an empty `pricing` removing
/// the SKU (P3). Written by hand so prices are exact JSON numbers (the decimal's own digits,
/// never an `f64` rounding).
fn encode_rows(operation: &'static str, rows: &[&PriceRow]) -> Result<Vec<u8>, SparkLayerError> {
    use std::io::Write;
    let mut out: Vec<u8> = Vec::with_capacity(rows.len() * 64 + 2);
    out.push(b'[');
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"sku\":");
        serde_json::to_writer(&mut out, &row.sku).map_err(|e| SparkLayerError::Protocol {
            operation,
            message: e.to_string(),
        })?;
        out.extend_from_slice(b",\"pricing\":[");
        for (j, b) in row.pricing.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            // Writing into a Vec cannot fail.
            let _ = write!(out, "{{\"quantity\":{},\"price\":{}}}", b.quantity, b.price);
        }
        out.extend_from_slice(b"]}");
    }
    out.push(b']');
    Ok(out)
}

/// Which rows of a PATCH the validation items name: `(row index, message)`. Lines are 1-based
/// (as in a CSV upload); if any line is 0 they are taken as 0-based. `None` when an item names
/// no row of this request, so the refusal cannot be narrowed to rows.
fn refused_rows(items: &[ValidationItem], len: usize) -> Option<Vec<(usize, String)>> {
    let zero_based = items.iter().any(|i| i.line == Some(0));
    let mut out: Vec<(usize, String)> = Vec::new();
    for item in items {
        let line = usize::try_from(item.line?).ok()?;
        let index = if zero_based {
            line
        } else {
            line.checked_sub(1)?
        };
        if index >= len {
            return None;
        }
        match out.iter_mut().find(|(i, _)| *i == index) {
            Some((_, msg)) => {
                msg.push_str("; ");
                msg.push_str(&item.describe());
            }
            None => out.push((index, item.describe())),
        }
    }
    (!out.is_empty()).then_some(out)
}

impl SparkLayerClient {
    /// `GET /api/v2/price-lists`, every page of [`MAX_PAGE_SIZE`] (reference §6).
    ///
    /// # Errors
    /// Any [`SparkLayerError`] of the requests.
    pub async fn list_price_lists(&self) -> Result<Vec<RemotePriceList>, SparkLayerError> {
        const OP: &str = "list price lists";
        let mut out = Vec::new();
        let mut page: u32 = 1;
        loop {
            let query = [
                ("page", page.to_string()),
                ("page_size", MAX_PAGE_SIZE.to_string()),
            ];
            let reply = self
                .execute(&Call {
                    operation: OP,
                    method: Method::GET,
                    path: &["api", "v2", "price-lists"],
                    query: &query,
                    body: None,
                    kind: Kind::Read,
                })
                .await?;
            if !reply.status.is_success() {
                return Err(reply.into_error(OP, || "price lists".into()));
            }
            let body: PriceListPage = reply.json(OP)?;
            let empty = body.data.is_empty();
            out.extend(body.data.into_iter().map(|d| RemotePriceList {
                name: d.name.unwrap_or_else(|| d.slug.clone()),
                slug: d.slug,
                currency: d.currency_code,
                source: d.source,
            }));
            match body.pagination {
                Some(p) if !empty && p.current_page < p.total_pages && p.current_page >= page => {
                    page = p.current_page + 1;
                }
                _ => return Ok(out),
            }
        }
    }

    /// `POST /api/v1/price-lists` with `source: "integration"`. Idempotent: a 400 because the
    /// slug exists (code `resource-already-exists`, or confirmed by reading the list) is success.
    ///
    /// # Errors
    /// [`SparkLayerError::InvalidSlug`] before sending; any other [`SparkLayerError`].
    pub async fn create_list(&self, header: &PriceListHeader) -> Result<(), SparkLayerError> {
        const OP: &str = "create price list";
        validate_slug(&header.slug)?;
        let body = CreateBody {
            slug: &header.slug,
            name: &header.name,
            currency_code: &header.currency,
            source: "integration",
        };
        let body = serde_json::to_vec(&body).map_err(|e| SparkLayerError::Protocol {
            operation: OP,
            message: e.to_string(),
        })?;
        let reply = self
            .execute(&Call {
                operation: OP,
                method: Method::POST,
                path: &["api", "v1", "price-lists"],
                query: &[],
                body: Some(body),
                kind: Kind::Write,
            })
            .await?;
        if reply.status.is_success() {
            return Ok(());
        }
        if reply.status == StatusCode::BAD_REQUEST {
            let parsed = ErrorBody::parse(&reply.body);
            if parsed.code() == Some("resource-already-exists")
                || self.list_exists(&header.slug).await?
            {
                tracing::debug!(slug = %header.slug, "price list exists already");
                return Ok(());
            }
        }
        Err(reply.into_error(OP, || format!("price list {}", header.slug)))
    }

    /// `GET /api/v1/price-lists/{slug}`: whether the list exists.
    async fn list_exists(&self, slug: &str) -> Result<bool, SparkLayerError> {
        const OP: &str = "get price list";
        let reply = self
            .execute(&Call {
                operation: OP,
                method: Method::GET,
                path: &["api", "v1", "price-lists", slug],
                query: &[],
                body: None,
                kind: Kind::Read,
            })
            .await?;
        match reply.status {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(reply.into_error(OP, || format!("price list {slug}"))),
        }
    }

    /// `GET /api/v1/price-lists/{slug}/pricing`, grouped by SKU in the order received
    /// (204 = no prices).
    ///
    /// # Errors
    /// [`SparkLayerError::NotFound`] when the list is missing; any other [`SparkLayerError`].
    pub async fn read_prices(&self, slug: &str) -> Result<Vec<PriceRow>, SparkLayerError> {
        const OP: &str = "read prices";
        let reply = self
            .execute(&Call {
                operation: OP,
                method: Method::GET,
                path: &["api", "v1", "price-lists", slug, "pricing"],
                query: &[],
                body: None,
                kind: Kind::Read,
            })
            .await?;
        if reply.status == StatusCode::NO_CONTENT
            || (reply.status.is_success() && reply.body.iter().all(u8::is_ascii_whitespace))
        {
            return Ok(Vec::new());
        }
        if !reply.status.is_success() {
            return Err(reply.into_error(OP, || format!("price list {slug}")));
        }
        let entries: Vec<PricingEntry> = reply.json(OP)?;
        let mut rows: Vec<PriceRow> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for e in entries {
            // Entries come ordered by SKU, so the last row is almost always the one.
            let at = match rows.last() {
                Some(last) if last.sku == e.sku => rows.len() - 1,
                _ => match index.get(&e.sku) {
                    Some(at) => *at,
                    None => {
                        index.insert(e.sku.clone(), rows.len());
                        rows.push(PriceRow::removal(e.sku.clone()));
                        rows.len() - 1
                    }
                },
            };
            let row = &mut rows[at];
            if let Some(pricing) = e.pricing {
                row.pricing.extend(pricing.into_iter().map(|b| PriceBreak {
                    quantity: b.quantity,
                    price: b.price,
                }));
            }
            if let Some(price) = e.price {
                row.pricing.push(PriceBreak {
                    quantity: e.quantity.unwrap_or(1),
                    price,
                });
            }
        }
        for row in &mut rows {
            row.pricing.sort_by_key(|b| b.quantity);
        }
        Ok(rows)
    }

    /// `PATCH /api/v1/price-lists/{slug}/pricing` with `rows` as sent (P3), holding the list's
    /// write lock. When SparkLayer refuses rows with a validation array naming their lines, the
    /// same request is sent again without them, and they come back in [`PatchOutcome::rejected`].
    ///
    /// # Errors
    /// [`SparkLayerError::NotFound`] when the list is missing; [`SparkLayerError::Rejected`]
    /// when the refusal names no row; any other [`SparkLayerError`].
    pub async fn patch_rows(
        &self,
        slug: &str,
        rows: &[PriceRow],
    ) -> Result<PatchOutcome, SparkLayerError> {
        const OP: &str = "update prices";
        let lock = self.list_lock(slug);
        let _guard = lock.lock().await;
        let mut pending: Vec<&PriceRow> = rows.iter().collect();
        let mut outcome = PatchOutcome::default();
        while !pending.is_empty() {
            let reply = self
                .execute(&Call {
                    operation: OP,
                    method: Method::PATCH,
                    path: &["api", "v1", "price-lists", slug, "pricing"],
                    query: &[],
                    body: Some(encode_rows(OP, &pending)?),
                    kind: Kind::Write,
                })
                .await?;
            if reply.status.is_success() {
                break;
            }
            let refused = match (reply.status, ErrorBody::parse(&reply.body)) {
                (StatusCode::BAD_REQUEST, ErrorBody::Validation(items)) => {
                    refused_rows(&items, pending.len())
                }
                _ => None,
            };
            let Some(mut refused) = refused else {
                return Err(reply.into_error(OP, || format!("price list {slug}")));
            };
            refused.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
            for (index, message) in refused {
                let row = pending.remove(index);
                tracing::warn!(slug, sku = %row.sku, %message, "SparkLayer refused a price row");
                outcome.rejected.push(RejectedRow {
                    sku: row.sku.clone(),
                    message,
                });
            }
        }
        outcome.rejected.reverse();
        Ok(outcome)
    }

    /// Pushes `rows` in PATCHes of at most `batch_size` (P3), one after the other, and gathers
    /// the refused rows. A convenience for hosts and benches; the engine batches itself.
    ///
    /// # Errors
    /// The first batch's error that is not a row refusal.
    pub async fn push_in_batches(
        &self,
        slug: &str,
        rows: &[PriceRow],
        batch_size: usize,
    ) -> Result<PatchOutcome, SparkLayerError> {
        let mut all = PatchOutcome::default();
        for batch in batches(rows, batch_size) {
            all.rejected
                .extend(self.patch_rows(slug, batch).await?.rejected);
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn slugs_are_checked() {
        assert!(validate_slug("cin7-tier-1").is_ok());
        assert!(validate_slug("cin7-c-0123456789ab").is_ok());
        assert!(validate_slug(&"a".repeat(30)).is_ok());
        assert!(validate_slug(&"a".repeat(31)).is_err());
        assert!(validate_slug("").is_err());
        assert!(validate_slug("Tier 1").is_err());
        assert!(validate_slug("a/b").is_err());
    }

    #[test]
    fn rows_encode_prices_as_exact_numbers_and_removals_as_empty() {
        let rows = [
            PriceRow::single("A-1", dec!(10.40)),
            PriceRow::removal("B-2"),
            PriceRow::single("C-3", dec!(12345678.123456789)),
        ];
        let refs: Vec<&PriceRow> = rows.iter().collect();
        let body = String::from_utf8(encode_rows("t", &refs).unwrap()).unwrap();
        assert_eq!(
            body,
            r#"[{"sku":"A-1","pricing":[{"quantity":1,"price":10.40}]},{"sku":"B-2","pricing":[]},{"sku":"C-3","pricing":[{"quantity":1,"price":12345678.123456789}]}]"#
        );
    }

    #[test]
    fn validation_lines_map_to_rows() {
        let item = |line, msg: &str| ValidationItem {
            line,
            field: Some("price".into()),
            message: msg.into(),
        };
        assert_eq!(
            refused_rows(&[item(Some(2), "negative"), item(Some(2), "again")], 3),
            Some(vec![(1, "price: negative; price: again".into())])
        );
        assert_eq!(
            refused_rows(&[item(Some(0), "x")], 3),
            Some(vec![(0, "price: x".into())])
        );
        assert_eq!(refused_rows(&[item(Some(4), "x")], 3), None);
        assert_eq!(refused_rows(&[item(None, "x")], 3), None);
        assert_eq!(refused_rows(&[], 3), None);
    }

    #[test]
    fn batches_split_at_the_size() {
        let rows: Vec<PriceRow> = (0..1234)
            .map(|i| PriceRow::removal(format!("S{i}")))
            .collect();
        let sizes: Vec<usize> = batches(&rows, 500).map(<[_]>::len).collect();
        assert_eq!(sizes, vec![500, 500, 234]);
        assert_eq!(batches(&rows[..2], 0).count(), 2);
    }
}
