//! CPU-parallel map over a slice with scoped threads (mapping and hashing 100,000 customers).
//! Pure computation: no I/O, no runtime; results keep the input order.

/// Below this many items the work is done on the calling thread.
const MIN_PARALLEL: usize = 2048;

/// Maps `items` with `f` on up to `available_parallelism` threads, preserving order.
pub(crate) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads <= 1 || items.len() < MIN_PARALLEL {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for handle in handles {
            match handle.join() {
                Ok(part) => out.extend(part),
                // A panic in `f` is a bug; re-raise it on the caller's thread.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::par_map;

    #[test]
    fn keeps_order_above_and_below_the_threshold() {
        for n in [0usize, 10, 5000] {
            let items: Vec<usize> = (0..n).collect();
            assert_eq!(
                par_map(&items, |x| x * 2),
                items.iter().map(|x| x * 2).collect::<Vec<_>>()
            );
        }
    }
}
