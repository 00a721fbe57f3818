//! Placeholder: the import benchmark is being written.
fn main() {}
