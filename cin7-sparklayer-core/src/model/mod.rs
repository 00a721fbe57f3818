//! The domain model: source records read from Cin7 and the desired Shopify / SparkLayer state.

mod desired;
mod source;
mod tier_list;

pub use desired::{
    DesiredAddress, DesiredCustomer, DesiredMetafield, DesiredPriceList, MetafieldDefinition,
    MetafieldKey, MetafieldType, PriceBreak, PriceListHeader, PriceListOrigin, PriceRow,
};
pub use source::{
    AccountInfo, AddressKind, CustomerGroup, CustomerPrice, PriceTier, RecordStatus, SourceAddress,
    SourceContact, SourceCustomer, SourceProduct, TIER_COUNT, non_empty, split_tags,
};
pub use tier_list::TierListKey;
