//! In-process fakes of Cin7 Core, Shopify and SparkLayer on loopback, with a seeded data generator.
