//! Placeholder: the push benchmark is being written.
fn main() {}
