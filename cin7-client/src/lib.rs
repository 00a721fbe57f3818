//! Cin7 Core External API v2 client: the sync's customer and pricing source.
