//! One module per table: the SQL that reads and writes it, for one tenant.

pub(crate) mod customers;
pub(crate) mod price_lists;
pub(crate) mod runs;
