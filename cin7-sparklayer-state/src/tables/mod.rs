//! One module per table: the SQL that reads and writes it, on a borrowed connection.

pub(crate) mod customers;
pub(crate) mod price_lists;
pub(crate) mod runs;
