//! C5 Address collapse: one address per B2B customer, used for shipping and billing.

use crate::model::{AddressKind, DesiredAddress, SourceAddress};

use super::country::{country_code, province_code};
use super::names::truncate;

/// C5: picks the address Shopify keeps.
///
/// The first `Shipping` with `DefaultForType`; else the first `Billing` with it; else the first
/// `Business` with it; else the first `Shipping`, then `Billing`, then `Business`; else none.
/// Addresses of any other type are never picked. Returns the index into `addresses`.
pub fn pick_address(addresses: &[SourceAddress]) -> Option<usize> {
    const ORDER: [AddressKind; 3] = [
        AddressKind::Shipping,
        AddressKind::Billing,
        AddressKind::Business,
    ];
    let find = |kind: AddressKind, need_default: bool| {
        addresses
            .iter()
            .position(|a| a.kind == Some(kind) && (!need_default || a.default_for_type))
    };
    ORDER
        .iter()
        .find_map(|k| find(*k, true))
        .or_else(|| ORDER.iter().find_map(|k| find(*k, false)))
}

/// The person on the address (C4 values reused by C5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPerson {
    /// Company: the customer's `Name`.
    pub company: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Phone in E.164.
    pub phone: Option<String>,
}

/// Why an address could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressWarning {
    /// `Country` is missing or not a country we know (warning `unknown_country`).
    UnknownCountry(Option<String>),
}

/// A mapped address, with the `State` that named no subdivision of its country, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedAddress {
    /// The address Shopify gets.
    pub address: DesiredAddress,
    /// Cin7's `State` when it is neither a subdivision code nor a subdivision name of the
    /// country: the address goes without a province (warning `unknown_province`).
    pub unknown_province: Option<String>,
}

/// C5: maps a Cin7 address into Shopify's fields.
///
/// `State` becomes `provinceCode` when it is a subdivision code of the country or the name of
/// one (ISO 3166-2, [`province_code`]); anything else is left out and reported in
/// [`MappedAddress::unknown_province`]. Shopify's `MailingAddressInput` has no free-text
/// province, so nothing else is sent.
///
/// # Errors
/// [`AddressWarning::UnknownCountry`]: the customer then gets no address.
pub fn map_address(
    address: &SourceAddress,
    person: &AddressPerson,
) -> Result<MappedAddress, AddressWarning> {
    let country = address
        .country
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let code = country
        .and_then(country_code)
        .ok_or_else(|| AddressWarning::UnknownCountry(country.map(|c| truncate(c, 64))))?;
    let field = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| truncate(s, 255))
    };
    let state = field(&address.state);
    let province_code = state.as_deref().and_then(|s| province_code(&code, s));
    let unknown_province = if province_code.is_some() {
        None
    } else {
        state.map(|s| truncate(&s, 64))
    };
    let address = DesiredAddress {
        address1: field(&address.line1),
        address2: field(&address.line2),
        city: field(&address.city),
        province_code,
        zip: field(&address.postcode),
        country_code: code,
        company: person.company.clone(),
        first_name: person.first_name.clone(),
        last_name: person.last_name.clone(),
        phone: person.phone.clone(),
    };
    Ok(MappedAddress {
        address,
        unknown_province,
    })
}
