//! CPU-parallel map over owned items (mapping and hashing 100,000 customers) on rayon's pool.
//! Pure computation: no I/O, no runtime; results keep the input order.
//!
//! rayon's workers live as long as the process, which matters here: the phone-number rules use
//! `regex`, whose per-regex scratch space is fastest on a thread that keeps using it; threads
//! spawned per chunk never got that fast path (measured: a fifth of the mapping time).

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;

use futures::channel::oneshot;
use rayon::prelude::*;

/// Below this many items the work is done on the calling thread.
const MIN_PARALLEL: usize = 2048;

/// Maps owned `items` with `f` on rayon's pool, preserving order; each item is consumed (and
/// whatever `f` does not keep is freed) on the thread that maps it.
pub(crate) fn par_map_owned<T: Send, R: Send>(
    items: Vec<T>,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    if items.len() < MIN_PARALLEL {
        return items.into_iter().map(f).collect();
    }
    items.into_par_iter().with_min_len(256).map(f).collect()
}

/// Maps the items drained from `items` with `f` on rayon's pool, preserving order; each item is
/// consumed (and freed) on the thread that maps it, and `items` keeps its buffer for reuse.
pub(crate) fn par_drain_map<T: Send, R: Send>(
    items: &mut Vec<T>,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    if items.len() < MIN_PARALLEL {
        return items.drain(..).map(f).collect();
    }
    items.par_drain(..).with_min_len(256).map(f).collect()
}

/// A chunk's results, or the panic that stopped its mapping.
type ChunkResult<R> = std::thread::Result<Vec<R>>;

/// Maps chunks of owned items on rayon's pool in the background, one chunk in flight, so the
/// caller reads the next chunk meanwhile (reading 100,000 customers from a source is serial;
/// mapping them is not). Chunks come back in the order they were pushed, each in input order.
/// A panic while mapping is resumed in the caller, as if it had mapped the chunk itself.
pub(crate) struct Pipeline<T, R> {
    f: Arc<dyn Fn(T) -> R + Send + Sync>,
    in_flight: Option<oneshot::Receiver<ChunkResult<R>>>,
}

impl<T: Send + 'static, R: Send + 'static> Pipeline<T, R> {
    /// A pipeline mapping each item with `f`.
    pub(crate) fn new(f: impl Fn(T) -> R + Send + Sync + 'static) -> Self {
        Self {
            f: Arc::new(f),
            in_flight: None,
        }
    }

    /// Starts mapping `chunk` and returns the results of the chunk pushed before it (empty for
    /// the first), waiting for them if they are not ready.
    pub(crate) async fn push(&mut self, chunk: Vec<T>) -> Vec<R> {
        let before = self.finish().await;
        let f = Arc::clone(&self.f);
        let (done, results) = oneshot::channel();
        rayon::spawn(move || {
            let mut chunk = chunk;
            let mapped = catch_unwind(AssertUnwindSafe(|| par_drain_map(&mut chunk, |t| f(t))));
            // The receiver is gone only when the run was dropped: nobody wants the results.
            let _ = done.send(mapped);
        });
        self.in_flight = Some(results);
        before
    }

    /// Maps `chunk` here and now (on the pool, waiting for it), for a last chunk: a read that
    /// never fills one is mapped without a background job, so nothing waits on the pool.
    pub(crate) fn map_here(&self, mut chunk: Vec<T>) -> Vec<R> {
        par_drain_map(&mut chunk, |t| (self.f)(t))
    }

    /// The results of the chunk in flight (empty when there is none), once mapped.
    pub(crate) async fn finish(&mut self) -> Vec<R> {
        let Some(results) = self.in_flight.take() else {
            return Vec::new();
        };
        match results.await {
            Ok(Ok(mapped)) => mapped,
            Ok(Err(panic)) => resume_unwind(panic),
            // The job never drops its sender without sending: only a bug gets here.
            Err(oneshot::Canceled) => unreachable!("a mapping job ended without its results"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Pipeline, par_drain_map, par_map_owned};

    /// Chunks come back whole and in order, the last one from `finish`.
    #[test]
    fn a_pipeline_returns_every_chunk_in_order() {
        let mut pipeline = Pipeline::new(|x: usize| x * 2);
        let mut out = Vec::new();
        futures::executor::block_on(async {
            for start in [0usize, 5000, 5003] {
                let end = if start == 5000 { 5003 } else { start + 4000 };
                out.extend(pipeline.push((start..end).collect()).await);
            }
            out.extend(pipeline.finish().await);
            out.extend(pipeline.map_here((20..22).collect()));
            assert!(pipeline.finish().await.is_empty(), "nothing left in flight");
        });
        let expected: Vec<usize> = (0..4000)
            .chain(5000..9003)
            .chain(20..22)
            .map(|x| x * 2)
            .collect();
        assert_eq!(out, expected);
    }

    /// A panic while mapping reaches the caller instead of aborting the process.
    #[test]
    fn a_panic_while_mapping_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| {
            let mut pipeline = Pipeline::new(|x: usize| if x == 7 { panic!("bug") } else { x });
            futures::executor::block_on(async {
                pipeline.push((0..10).collect()).await;
                pipeline.finish().await
            })
        });
        assert!(caught.is_err());
    }

    #[test]
    fn keeps_order_above_and_below_the_threshold() {
        for n in [0usize, 10, 5000] {
            let items: Vec<usize> = (0..n).collect();
            let doubled: Vec<usize> = items.iter().map(|x| x * 2).collect();
            assert_eq!(par_map_owned(items.clone(), |x| x * 2), doubled);
            let mut drained = items.clone();
            assert_eq!(par_drain_map(&mut drained, |x| x * 2), doubled);
            assert!(drained.is_empty());
        }
    }
}
