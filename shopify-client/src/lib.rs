//! Shopify Admin GraphQL client: the sync's customer sink.
