//! C17 Discount.

use rust_decimal::Decimal;

/// What C17 makes of a customer's `Discount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountPick {
    /// 0 < d ≤ 100: written as `sparklayer.discount_percentage`.
    Write(Decimal),
    /// 0 or missing: not written (removed if the sync set it earlier).
    None,
    /// Below 0 or above 100: not written, warning `invalid_discount`.
    Invalid(Decimal),
}

/// C17: the discount percentage to write, if any.
pub fn pick_discount(discount: Option<Decimal>) -> DiscountPick {
    match discount {
        None => DiscountPick::None,
        Some(d) if d.is_zero() => DiscountPick::None,
        Some(d) if d > Decimal::ZERO && d <= Decimal::ONE_HUNDRED => {
            DiscountPick::Write(d.normalize())
        }
        Some(d) => DiscountPick::Invalid(d),
    }
}
