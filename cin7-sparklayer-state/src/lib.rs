//! SQLite state store for the Cin7 → Shopify/SparkLayer sync.
