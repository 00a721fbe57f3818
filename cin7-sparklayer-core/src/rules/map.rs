//! The customer mapper: C1, C2, C4–C12, C17 applied to one Cin7 customer.

use crate::config::{ContactsMode, Currencies, CustomersConfig, ZeroPrice};
use crate::model::{
    AccountInfo, CustomerGroup, DesiredAddress, DesiredCustomer, DesiredPriceList, SourceCustomer,
    TierListKey,
};
use crate::report::{SkipReason, WarningReason};

use super::address::{AddressPerson, AddressWarning, map_address, pick_address};
use super::contacts::{CustomerParts, PersonParts};
use super::currency::{
    currency_allowed, customer_currency, customer_tier_list, payment_currency_code,
};
use super::discount::{DiscountPick, pick_discount};
use super::group::pick_group;
use super::identity::{IdentityError, identity_contact, pick_email};
use super::metafields::MetafieldValues;
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
    /// `pricing.tier_currency` and `pricing.exchange_rates` (P5).
    pub currencies: &'a Currencies,
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
    /// The customer's tier list (C8, P5): its tier, or its tier converted into its currency.
    pub tier: Option<TierListKey>,
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
    let (person, parts) = map_customer_parts(customer, ctx)?;
    Ok(parts.into_record(customer.id.clone(), person))
}

/// [`map_customer`] as the customer's own person and the parts its contacts share (C16),
/// which [`CustomerParts::record`] puts together; the metafields are made then.
///
/// # Errors
/// [`Skip`] with the reason the customer is not synced.
pub fn map_customer_parts(
    customer: &SourceCustomer,
    ctx: &MappingContext<'_>,
) -> Result<(PersonParts, CustomerParts), Skip> {
    let cfg = ctx.customers;
    let email = admit(customer, ctx)?;
    let mut warnings = Vec::new();
    let (person, address) = person_and_address(customer, cfg.email_fallback, &mut warnings);
    let group = group_slug(customer, ctx.groups, &mut warnings);
    let base = &ctx.account.base_currency;
    let currency = customer_currency(customer.currency.as_deref(), base);
    let (tier, own_list) = price_lists(customer, ctx, &currency, &mut warnings);
    let price_lists = assigned_lists(
        own_list.as_ref().map(|l| l.header.slug.as_str()),
        tier.as_ref(),
        ctx.prefix,
    );
    let metafields = MetafieldValues {
        cin7_id: customer.id.clone(),
        company_name: person.company,
        group_slug: group.map(str::to_owned),
        price_lists,
        credit_limit: customer.credit_limit,
        on_credit_hold: customer.on_credit_hold,
        currency_code: payment_currency_code(&currency, base),
        discount: discount(customer, &mut warnings),
    };
    // C16: with contacts, every customer the sync writes names its contact.
    let contact_id = match cfg.contacts {
        ContactsMode::All => {
            identity_contact(customer, cfg.email_fallback).and_then(|c| c.id.clone())
        }
        ContactsMode::Default => None,
    };
    let person = PersonParts {
        email,
        first_name: person.first_name,
        last_name: person.last_name,
        phone: person.phone,
        contact_id,
        own_list: own_list.map(Box::new),
        warnings,
    };
    let parts = CustomerParts::new(
        address,
        is_tax_exempt(customer.tax_rule.as_deref(), &cfg.tax_exempt_rules),
        managed_tags(cfg),
        metafields,
        tier,
    );
    Ok((person, parts))
}

/// Whether the customer is synced at all: C1 scope, values Shopify can store (C9, C10), C12
/// currency, and C2's email, which it returns.
fn admit(customer: &SourceCustomer, ctx: &MappingContext<'_>) -> Result<String, Skip> {
    let cfg = ctx.customers;
    check_scope(customer, &cfg.include_tags).map_err(|why| Skip {
        reason: why.reason(),
        detail: match why {
            OutOfScope::Inactive => Some(format!("status {:?}", customer.status)),
            OutOfScope::NotTagged => None,
        },
        out_of_scope: true,
    })?;
    storable(customer)?;
    if !currency_allowed(
        customer.currency.as_deref(),
        &ctx.account.base_currency,
        cfg.currency,
    ) {
        return Err(skip(SkipReason::NonBaseCurrency, customer.currency.clone()));
    }
    pick_email(customer, cfg.email_fallback).map_err(|e| {
        let detail = match &e {
            IdentityError::InvalidEmail(email) => Some(email.chars().take(100).collect()),
            IdentityError::NoDefaultContactEmail => None,
        };
        skip(e.reason(), detail)
    })
}

/// Values Shopify cannot store would fail the record at every run: skipped here with a reason
/// (C10 `cin7.customer_id`, C9 `cin7.credit_limit`).
fn storable(customer: &SourceCustomer) -> Result<(), Skip> {
    let id_chars = customer.id.chars().count();
    if customer.id.trim().is_empty() || id_chars > MAX_ID_CHARS {
        let detail = format!("Cin7 ID of {id_chars} characters");
        return Err(skip(SkipReason::InvalidId, Some(detail)));
    }
    if customer.credit_limit.abs() >= max_number_decimal() {
        let detail = format!(
            "CreditLimit {} is beyond what Shopify stores",
            customer.credit_limit
        );
        return Err(skip(SkipReason::InvalidCreditLimit, Some(detail)));
    }
    Ok(())
}

/// A skip that is not "out of scope" in the sense of C14.
fn skip(reason: SkipReason, detail: Option<String>) -> Skip {
    Skip {
        reason,
        detail,
        out_of_scope: false,
    }
}

/// C4 and C5: the person (company, names and phone, from the identity contact) and the one
/// address Shopify keeps; the address decides the phone's country.
fn person_and_address(
    customer: &SourceCustomer,
    email_fallback: bool,
    warnings: &mut Vec<RuleWarning>,
) -> (AddressPerson, Option<DesiredAddress>) {
    let contact = identity_contact(customer, email_fallback);
    let (first_name, last_name) = split_name(contact.and_then(|c| c.name.as_deref()));
    let picked = pick_address(&customer.addresses).map(|i| &customer.addresses[i]);
    let country = picked
        .and_then(|a| a.country.as_deref())
        .and_then(super::country::country_code);
    let phones = [
        contact.and_then(|c| c.phone.as_deref()),
        contact.and_then(|c| c.mobile_phone.as_deref()),
    ];
    let phone = match pick_phone(&phones, country.as_deref()) {
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
    let person = AddressPerson {
        company: company_name(customer),
        first_name,
        last_name,
        phone,
    };
    let address = picked.and_then(|a| match map_address(a, &person) {
        Ok(mapped) => {
            if let Some(state) = mapped.unknown_province {
                warnings.push(warning(WarningReason::UnknownProvince, state));
            }
            Some(mapped.address)
        }
        Err(AddressWarning::UnknownCountry(name)) => {
            let detail = name.unwrap_or_else(|| "no country".into());
            warnings.push(warning(WarningReason::UnknownCountry, detail));
            None
        }
    });
    (person, address)
}

/// C10: the company name, the customer's `Name` trimmed and cut to Shopify's 255 characters.
fn company_name(customer: &SourceCustomer) -> Option<String> {
    customer
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| super::names::truncate(n, 255))
}

/// C7: the slug of the group the customer's tags select, first tag first.
fn group_slug<'g>(
    customer: &SourceCustomer,
    groups: &'g [CustomerGroup],
    warnings: &mut Vec<RuleWarning>,
) -> Option<&'g str> {
    let group = pick_group(&customer.tags, groups);
    if group.multiple {
        warnings.push(warning(
            WarningReason::MultipleGroups,
            format!(
                "first matching group {:?} wins",
                group.group.map(|g| &g.name)
            ),
        ));
    }
    group.group.map(|g| g.slug.as_str())
}

/// C17: the discount to write; outside 0–100 it is not written, warning `invalid_discount`.
fn discount(
    customer: &SourceCustomer,
    warnings: &mut Vec<RuleWarning>,
) -> Option<rust_decimal::Decimal> {
    match pick_discount(customer.discount) {
        DiscountPick::Write(d) => Some(d),
        DiscountPick::None => None,
        DiscountPick::Invalid(d) => {
            let detail = format!("Discount {d} is outside 0–100");
            warnings.push(warning(WarningReason::InvalidDiscount, detail));
            None
        }
    }
}

/// C8, P2 and P5: the customer's tier list and its own price list, when the pricing pass runs.
fn price_lists(
    customer: &SourceCustomer,
    ctx: &MappingContext<'_>,
    currency: &str,
    warnings: &mut Vec<RuleWarning>,
) -> (Option<TierListKey>, Option<DesiredPriceList>) {
    if !ctx.pricing_enabled {
        return (None, None);
    }
    let tier = tier_list(customer, ctx, currency, warnings);
    let (list, issues) = customer_price_list(
        &customer.id,
        customer.name.as_deref(),
        &customer.product_prices,
        currency,
        ctx.prefix,
        ctx.zero_price,
    );
    warnings.extend(issues.into_iter().map(from_issue));
    (tier, list)
}

/// C8 and P5: the list of the customer's `PriceTier` name: the tier list when the tier's
/// currency is the customer's, else the tier converted into the customer's currency (base-currency
/// tier, rate configured), else none with warning `tier_not_in_customer_currency`.
fn tier_list(
    customer: &SourceCustomer,
    ctx: &MappingContext<'_>,
    currency: &str,
    warnings: &mut Vec<RuleWarning>,
) -> Option<TierListKey> {
    let name = customer
        .price_tier
        .as_deref()
        .filter(|t| !t.trim().is_empty())?;
    let Some(code) = ctx.account.tier_code(name) else {
        let detail = name.chars().take(100).collect::<String>();
        warnings.push(warning(WarningReason::UnknownPriceTier, detail));
        return None;
    };
    let base = &ctx.account.base_currency;
    let key = customer_tier_list(code, currency, base, ctx.currencies);
    if key.is_none() {
        let tier_currency = ctx.currencies.tier_currency(code, base);
        warnings.push(warning(
            WarningReason::TierNotInCustomerCurrency,
            format!("tier prices are in {tier_currency}, the customer buys in {currency} (no exchange rate applies)"),
        ));
    }
    key
}

/// C11: the tags the sync manages on every synced customer: `customers.b2b_tag`.
pub fn managed_tags(cfg: &CustomersConfig) -> Vec<String> {
    vec![cfg.b2b_tag.trim().to_owned()]
}
