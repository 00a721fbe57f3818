//! SparkLayer API client: price-list sink, customer-group directory and sync log.
