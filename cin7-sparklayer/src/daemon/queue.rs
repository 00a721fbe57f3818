//! The webhook queue: de-duplicated Cin7 IDs waiting for a records run.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Which kind of record an ID names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum IdKind {
    /// A Cin7 customer (`Customer/Updated`).
    Customer,
    /// A Cin7 product (`Product/Updated`).
    Product,
}

/// IDs taken from the queue for one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Batch {
    pub(crate) customers: Vec<String>,
    pub(crate) products: Vec<String>,
}

impl Batch {
    pub(crate) fn is_empty(&self) -> bool {
        self.customers.is_empty() && self.products.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.customers.len() + self.products.len()
    }
}

#[derive(Debug, Default)]
struct Inner {
    customers: BTreeSet<String>,
    products: BTreeSet<String>,
    /// When the oldest waiting ID arrived (the debounce counts from it).
    since: Option<Instant>,
    /// More IDs arrived than the queue holds: they were dropped and a catch-up run is due.
    overflowed: bool,
}

impl Inner {
    fn len(&self) -> usize {
        self.customers.len() + self.products.len()
    }
}

/// De-duplicating queue shared by the webhook handler (producer) and the worker (consumer).
#[derive(Debug)]
pub(crate) struct WorkQueue {
    inner: Mutex<Inner>,
    notify: Notify,
    max_len: usize,
}

impl WorkQueue {
    pub(crate) fn new(max_len: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            notify: Notify::new(),
            max_len: max_len.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds IDs; returns how many were new. Past `max_len` the queue is cleared and marked
    /// overflowed (the worker then does an incremental catch-up run instead).
    pub(crate) fn push(&self, kind: IdKind, ids: impl IntoIterator<Item = String>) -> usize {
        let mut added = 0;
        {
            let mut q = self.lock();
            for id in ids {
                if q.overflowed {
                    break;
                }
                let set = match kind {
                    IdKind::Customer => &mut q.customers,
                    IdKind::Product => &mut q.products,
                };
                if set.insert(id) {
                    added += 1;
                }
                if q.len() > self.max_len {
                    q.customers.clear();
                    q.products.clear();
                    q.since = None;
                    q.overflowed = true;
                }
            }
            if added > 0 && q.since.is_none() && !q.overflowed {
                q.since = Some(Instant::now());
            }
        }
        self.notify.notify_one();
        added
    }

    /// Waiting customer and product IDs.
    pub(crate) fn lengths(&self) -> (usize, usize) {
        let q = self.lock();
        (q.customers.len(), q.products.len())
    }

    /// When the waiting IDs are due: `debounce` after the oldest arrived.
    pub(crate) fn due_at(&self, debounce: Duration) -> Option<Instant> {
        self.lock().since.map(|s| s + debounce)
    }

    /// Takes (and clears) the overflow mark.
    pub(crate) fn take_overflow(&self) -> bool {
        std::mem::take(&mut self.lock().overflowed)
    }

    /// Takes at most `max` IDs, customers first. What is left stays due.
    pub(crate) fn take(&self, max: usize) -> Batch {
        let mut q = self.lock();
        let mut batch = Batch::default();
        while batch.len() < max {
            let Some(id) = q.customers.pop_first() else {
                break;
            };
            batch.customers.push(id);
        }
        while batch.len() < max {
            let Some(id) = q.products.pop_first() else {
                break;
            };
            batch.products.push(id);
        }
        if q.len() == 0 {
            q.since = None;
        }
        batch
    }

    /// Takes every waiting ID (before a full run, which covers them).
    pub(crate) fn take_all(&self) -> Batch {
        self.take(usize::MAX)
    }

    /// Puts IDs back after a run that did not get through them; they are due again at once.
    pub(crate) fn put_back(&self, batch: Batch) {
        if batch.is_empty() {
            return;
        }
        let now = Instant::now();
        {
            let mut q = self.lock();
            q.customers.extend(batch.customers);
            q.products.extend(batch.products);
            q.since = Some(q.since.map_or(now, |s| s.min(now)));
        }
        self.notify.notify_one();
    }

    /// Completes when IDs were pushed since the last wait (a permit is kept if none waited).
    pub(crate) async fn notified(&self) {
        self.notify.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn deduplicates_and_debounces_from_the_oldest() {
        let q = WorkQueue::new(100);
        assert_eq!(q.due_at(Duration::from_secs(3)), None);
        let t0 = Instant::now();
        assert_eq!(q.push(IdKind::Customer, ids(&["a", "b", "a"])), 2);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(q.push(IdKind::Customer, ids(&["b"])), 0);
        assert_eq!(q.push(IdKind::Product, ids(&["p"])), 1);
        assert_eq!(
            q.due_at(Duration::from_secs(3)),
            Some(t0 + Duration::from_secs(3))
        );
        assert_eq!(q.lengths(), (2, 1));
        let b = q.take(10);
        assert_eq!(b.customers, ids(&["a", "b"]));
        assert_eq!(b.products, ids(&["p"]));
        assert_eq!(q.due_at(Duration::from_secs(3)), None);
    }

    #[tokio::test(start_paused = true)]
    async fn take_is_bounded_and_put_back_is_due_at_once() {
        let q = WorkQueue::new(100);
        q.push(IdKind::Customer, ids(&["a", "b", "c"]));
        let b = q.take(2);
        assert_eq!(b.len(), 2);
        assert_eq!(q.lengths(), (1, 0));
        tokio::time::advance(Duration::from_secs(60)).await;
        q.put_back(b);
        assert_eq!(q.lengths(), (3, 0));
        assert!(
            q.due_at(Duration::ZERO)
                .is_some_and(|t| t <= Instant::now())
        );
    }

    #[tokio::test(start_paused = true)]
    async fn overflow_clears_and_marks() {
        let q = WorkQueue::new(3);
        q.push(IdKind::Customer, ids(&["a", "b", "c", "d", "e"]));
        assert_eq!(q.lengths(), (0, 0));
        assert!(q.take_overflow());
        assert!(!q.take_overflow());
        q.push(IdKind::Product, ids(&["p"]));
        assert_eq!(q.lengths(), (0, 1));
    }
}
