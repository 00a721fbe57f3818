//! P5: converted tier lists: base-currency prices × rate, rounded half away from zero to the
//! currency's ISO 4217 minor units; and every tier list in its tier's currency.

use std::collections::BTreeSet;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::config::{Currencies, ExchangeRate};
use crate::model::{
    DesiredPriceList, PriceBreak, PriceListHeader, PriceListOrigin, PriceRow, TierListKey,
};

/// P5: a base-currency price in another currency: × rate, rounded half away from zero to the
/// currency's minor units. `None` when it rounds to 0 or below (never published) or does not
/// fit a decimal.
pub fn convert_price(price: Decimal, rate: ExchangeRate) -> Option<Decimal> {
    let converted = price
        .checked_mul(rate.rate)?
        .round_dp_with_strategy(rate.minor_units, RoundingStrategy::MidpointAwayFromZero)
        .normalize();
    (converted > Decimal::ZERO).then_some(converted)
}

/// P5: a base tier list converted into `currency`: slug `{prefix}-tier-{N}-{x}`, name
/// `{tier name} ({X})`, each price converted by [`convert_price`]; a row whose every price
/// rounds to 0 is left out.
pub fn converted_list(
    base: &DesiredPriceList,
    code: u8,
    currency: &str,
    rate: ExchangeRate,
    prefix: &str,
) -> DesiredPriceList {
    let key = TierListKey::converted(code, currency);
    let currency = key.converted_to.clone().unwrap_or_default();
    let rows = base
        .rows
        .iter()
        .filter_map(|row| convert_row(row, rate))
        .collect();
    DesiredPriceList {
        header: PriceListHeader {
            slug: key.slug(prefix),
            name: format!("{} ({currency})", base.header.name),
            currency: currency.clone(),
        },
        origin: PriceListOrigin::Converted {
            code,
            currency,
            rate: rate.rate,
        },
        rows,
    }
}

fn convert_row(row: &PriceRow, rate: ExchangeRate) -> Option<PriceRow> {
    let pricing: Vec<PriceBreak> = row
        .pricing
        .iter()
        .filter_map(|b| {
            convert_price(b.price, rate).map(|price| PriceBreak {
                quantity: b.quantity,
                price,
            })
        })
        .collect();
    (!pricing.is_empty()).then(|| PriceRow {
        sku: row.sku.clone(),
        pricing,
    })
}

/// P1, P5: the lists of `published` from the base tier lists built for their codes: each tier
/// list in its tier's currency (`pricing.tier_currency`), and each converted list from a tier in
/// the base currency into a currency with a rate (others are never published).
pub fn publish_tier_lists(
    base_lists: Vec<DesiredPriceList>,
    published: &BTreeSet<TierListKey>,
    currencies: &Currencies,
    base_currency: &str,
    prefix: &str,
) -> Vec<DesiredPriceList> {
    let base_currency = base_currency.trim().to_ascii_uppercase();
    let mut out = Vec::new();
    for mut list in base_lists {
        let PriceListOrigin::Tier { code } = list.origin else {
            continue;
        };
        let tier_currency = currencies.tier_currency(code, &base_currency);
        for key in published.iter().filter(|k| k.code == code) {
            let Some(target) = key.converted_to.as_deref() else {
                continue;
            };
            if let Some(rate) = currencies.rate(target)
                && tier_currency == base_currency
                && target != base_currency
            {
                out.push(converted_list(&list, code, target, rate, prefix));
            }
        }
        if published.contains(&TierListKey::tier(code)) {
            list.header.currency = tier_currency;
            out.push(list);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn rate(rate: Decimal, minor_units: u32) -> ExchangeRate {
        ExchangeRate { rate, minor_units }
    }

    #[test]
    fn rounds_half_away_from_zero_to_the_minor_units() {
        assert_eq!(
            convert_price(dec!(10.01), rate(dec!(0.5), 2)),
            Some(dec!(5.01))
        );
        assert_eq!(
            convert_price(dec!(10.03), rate(dec!(0.5), 2)),
            Some(dec!(5.02))
        );
        assert_eq!(convert_price(dec!(1.5), rate(dec!(1), 0)), Some(dec!(2)));
        assert_eq!(convert_price(dec!(2.5), rate(dec!(1), 0)), Some(dec!(3)));
        assert_eq!(
            convert_price(dec!(1.2345), rate(dec!(1), 3)),
            Some(dec!(1.235))
        );
        assert_eq!(convert_price(dec!(0.004), rate(dec!(1), 2)), None);
        assert_eq!(
            convert_price(dec!(0.005), rate(dec!(1), 2)),
            Some(dec!(0.01))
        );
    }
}
