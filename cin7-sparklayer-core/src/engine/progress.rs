//! Progress reporting hook for long passes (the binaries draw a bar).

/// Observes a run's progress. Implementations must be cheap: they are called per record.
pub trait Progress: Send + Sync {
    /// A phase starts (`"customers"`, `"products"`, `"writes"`, `"prices"`), with its size if known.
    fn phase(&self, name: &str, total: Option<u64>);
    /// `n` more items of the current phase are done.
    fn advance(&self, n: u64);
    /// The run is over.
    fn finish(&self) {}
}

/// A [`Progress`] that shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _name: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
}
