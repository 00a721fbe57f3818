//! The customer mapper: C1, C2, C4–C12 applied to one Cin7 customer.

use crate::config::{CustomersConfig, ZeroPrice};
use crate::model::{AccountInfo, CustomerGroup, DesiredCustomer, DesiredPriceList, SourceCustomer};
use crate::report::{SkipReason, WarningReason};

use super::address::{AddressPerson, AddressWarning, map_address, pick_address};
use super::currency::{currency_allowed, customer_currency};
use super::group::pick_group;
use super::identity::{identity_contact, pick_email};
use super::metafields::{MetafieldInputs, customer_metafields};
use super::names::split_name;
use super::phone::{PhonePick, pick_phone};
use super::pricing::{PriceIssue, assigned_lists, customer_price_list};
use super::scope::{OutOfScope, check_scope};
use super::tax::is_tax_exempt;

/// Longest Cin7 ID accepted: `cin7.customer_id` is a single-line text metafield (Cin7 IDs are 36-character GUIDs).
const MAX_ID_CHARS: usize = 255;

/// Shopify's `number_decimal` range is ±9,999,999,999,999.999999999 (`cin7.credit_limit`, C9).
fn max_number_decimal() -> rust_decimal::Decimal {
    rust_decimal::Decimal::from(10_000_000_000_000i64)
}

/// Everything the customer rules need besides the customer.
#[derive(Debug, Clone, Copy)]
pub struct MappingContext<'a> {
    /// `[customers]` options.
    pub customers: &'a CustomersConfig,
    /// `pricing.prefix`.
    pub prefix: &'a str,
    /// `pricing.zero_price`.
    pub zero_price: ZeroPrice,
    /// Whether the pricing pass runs (C8: without it no lists are assigned).
    pub pricing_enabled: bool,
    /// Base currency and tiers.
    pub account: &'a AccountInfo,
    /// SparkLayer customer groups.
    pub groups: &'a [CustomerGroup],
}

/// A warning raised by a rule on a customer that still syncs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleWarning {
    /// `invalid_phone`, `unknown_country`, `multiple_groups`, `unknown_price_tier`, `negative_price`, `duplicate_sku`, ….
    pub reason: WarningReason,
    /// Detail for the report.
    pub detail: Option<String>,
}

/// Why a customer is not synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// `inactive`, `not_in_scope`, `non_base_currency`, `no_default_contact_email`, `invalid_email`, ….
    pub reason: SkipReason,
    /// Detail for the report.
    pub detail: Option<String>,
    /// Whether the reason is "out of scope" in the sense of C14 (tag removed, deprecated).
    pub out_of_scope: bool,
}

/// A customer mapped into its desired Shopify state and its own price list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedCustomer {
    /// The desired Shopify customer.
    pub desired: DesiredCustomer,
    /// The customer's tier code (C8), when its tier name is known.
    pub tier: Option<u8>,
    /// Its own price list (P2).
    pub own_list: Option<DesiredPriceList>,
    /// Warnings.
    pub warnings: Vec<RuleWarning>,
}

fn warning(reason: WarningReason, detail: impl Into<String>) -> RuleWarning {
    RuleWarning {
        reason,
        detail: Some(detail.into()),
    }
}

fn from_issue(issue: PriceIssue) -> RuleWarning {
    RuleWarning {
        reason: issue.reason,
        detail: Some(issue.detail),
    }
}

/// Maps one Cin7 customer (C1, C2, C4–C12; C3 and C13–C14 need the whole run and live in the planner).
///
/// Never panics on odd input: nulls, empty strings, long strings and unknown names become
/// skips or warnings.
///
/// # Errors
/// [`Skip`] with the reason the customer is not synced.
pub fn map_customer(
    customer: &SourceCustomer,
    ctx: &MappingContext<'_>,
) -> Result<MappedCustomer, Skip> {
    let cfg = ctx.customers;
    check_scope(customer, &cfg.include_tags).map_err(|why| Skip {
        reason: why.reason(),
        detail: match why {
            OutOfScope::Inactive => Some(format!("status {:?}", customer.status)),
            OutOfScope::NotTagged => None,
        },
        out_of_scope: true,
    })?;
    // Values Shopify cannot store would fail the record at every run: skip them here with a reason.
    if customer.id.trim().is_empty() || customer.id.chars().count() > MAX_ID_CHARS {
        return Err(Skip {
            reason: SkipReason::InvalidId,
            detail: Some(format!(
                "Cin7 ID of {} characters",
                customer.id.chars().count()
            )),
            out_of_scope: false,
        });
    }
    if customer.credit_limit.abs() >= max_number_decimal() {
        return Err(Skip {
            reason: SkipReason::InvalidCreditLimit,
            detail: Some(format!(
                "CreditLimit {} is beyond what Shopify stores",
                customer.credit_limit
            )),
            out_of_scope: false,
        });
    }
    if !currency_allowed(
        customer.currency.as_deref(),
        &ctx.account.base_currency,
        cfg.currency,
    ) {
        return Err(Skip {
            reason: SkipReason::NonBaseCurrency,
            detail: customer.currency.clone(),
            out_of_scope: false,
        });
    }
    let email = pick_email(customer, cfg.email_fallback).map_err(|e| Skip {
        reason: e.reason(),
        detail: match &e {
            super::identity::IdentityError::InvalidEmail(email) => {
                Some(email.chars().take(100).collect())
            }
            super::identity::IdentityError::NoDefaultContactEmail => None,
        },
        out_of_scope: false,
    })?;
    let mut warnings = Vec::new();

    // C4: names and phone come from the identity contact.
    let contact = identity_contact(customer, cfg.email_fallback);
    let (first_name, last_name) = split_name(contact.and_then(|c| c.name.as_deref()));

    // C5: the address decides the phone's country.
    let picked = pick_address(&customer.addresses).map(|i| &customer.addresses[i]);
    let country = picked
        .and_then(|a| a.country.as_deref())
        .and_then(super::country::country_code);
    let phone = match pick_phone(
        &[
            contact.and_then(|c| c.phone.as_deref()),
            contact.and_then(|c| c.mobile_phone.as_deref()),
        ],
        country.as_deref(),
    ) {
        PhonePick::Valid(p) => Some(p),
        PhonePick::Absent => None,
        PhonePick::Invalid => {
            warnings.push(warning(
                WarningReason::InvalidPhone,
                "neither Phone nor MobilePhone is a valid number",
            ));
            None
        }
    };
    let company = customer
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| super::names::truncate(n, 255));
    let address = match picked {
        None => None,
        Some(a) => {
            let person = AddressPerson {
                company: company.clone(),
                first_name: first_name.clone(),
                last_name: last_name.clone(),
                phone: phone.clone(),
            };
            match map_address(a, &person) {
                Ok(addr) => Some(addr),
                Err(AddressWarning::UnknownCountry(name)) => {
                    warnings.push(warning(
                        WarningReason::UnknownCountry,
                        name.unwrap_or_else(|| "no country".into()),
                    ));
                    None
                }
            }
        }
    };

    // C7: group by tag order.
    let group = pick_group(&customer.tags, ctx.groups);
    if group.multiple {
        warnings.push(warning(
            WarningReason::MultipleGroups,
            format!(
                "first matching group {:?} wins",
                group.group.map(|g| &g.name)
            ),
        ));
    }

    // C8 / P2: price lists.
    let mut tier = None;
    let mut own_list = None;
    if ctx.pricing_enabled {
        if let Some(name) = customer
            .price_tier
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            tier = ctx.account.tier_code(name);
            if tier.is_none() {
                warnings.push(warning(
                    WarningReason::UnknownPriceTier,
                    name.chars().take(100).collect::<String>(),
                ));
            }
        }
        let currency = customer_currency(customer.currency.as_deref(), &ctx.account.base_currency);
        // Tier lists are in the base currency (P1): a customer in another currency (allowed by
        // `customers.currency = "all"`) gets only its own list, never base-currency prices.
        if tier.is_some() && !currency.eq_ignore_ascii_case(ctx.account.base_currency.trim()) {
            warnings.push(warning(
                WarningReason::TierNotInCustomerCurrency,
                format!(
                    "tier prices are in {}, the customer buys in {currency}",
                    ctx.account.base_currency
                ),
            ));
            tier = None;
        }
        let (list, issues) = customer_price_list(
            &customer.id,
            customer.name.as_deref(),
            &customer.product_prices,
            &currency,
            ctx.prefix,
            ctx.zero_price,
        );
        own_list = list;
        warnings.extend(issues.into_iter().map(from_issue));
    }
    let lists = assigned_lists(
        own_list.as_ref().map(|l| l.header.slug.as_str()),
        tier,
        ctx.prefix,
    );

    let metafields = customer_metafields(&MetafieldInputs {
        cin7_id: &customer.id,
        company_name: company.as_deref(),
        group_slug: group.group.map(|g| g.slug.as_str()),
        price_lists: &lists,
        credit_limit: customer.credit_limit,
        on_credit_hold: customer.on_credit_hold,
    });
    let desired = DesiredCustomer {
        cin7_id: customer.id.clone(),
        email,
        first_name,
        last_name,
        phone,
        address,
        tax_exempt: is_tax_exempt(customer.tax_rule.as_deref(), &cfg.tax_exempt_rules),
        managed_tags: managed_tags(cfg),
        metafields,
    };
    Ok(MappedCustomer {
        desired,
        tier,
        own_list,
        warnings,
    })
}

/// C11: the tags the sync manages on every synced customer: `customers.b2b_tag`.
pub fn managed_tags(cfg: &CustomersConfig) -> Vec<String> {
    vec![cfg.b2b_tag.trim().to_owned()]
}
