//! The OAuth client-credentials token cache shared by the Shopify (Dev Dashboard apps) and
//! SparkLayer clients: one grant for many calls, renewed before it expires and once on a 401.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cin7_sparklayer_core::Secret;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// What a token grant returned.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The access token.
    pub token: Secret,
    /// Its lifetime, when the grant said (`expires_in`).
    pub lifetime: Option<Duration>,
}

/// A token to send, with the grant it came from (so a 401 drops exactly that one).
#[derive(Debug, Clone)]
pub struct Token {
    secret: Secret,
    generation: u64,
}

impl Token {
    /// The token itself; goes only into a (sensitive) request header.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// Which grant this is (1 for the first).
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

#[derive(Debug)]
struct Cached {
    token: Token,
    renew_at: Instant,
}

/// Caches one token. A token is used until `renew_before` its expiry (or half its life, if
/// shorter); concurrent callers wait for a single grant request.
#[derive(Debug)]
pub struct TokenCache {
    renew_before: Duration,
    default_lifetime: Duration,
    slot: Mutex<Option<Cached>>,
    grants: AtomicU64,
}

impl TokenCache {
    /// A cache renewing `renew_before` expiry, assuming `default_lifetime` when a grant does
    /// not say how long its token lasts.
    pub fn new(renew_before: Duration, default_lifetime: Duration) -> Self {
        Self {
            renew_before,
            default_lifetime,
            slot: Mutex::new(None),
            grants: AtomicU64::new(0),
        }
    }

    /// The cached token, or a new one from `grant` when none is cached or it is due for renewal.
    ///
    /// # Errors
    /// Whatever `grant` fails with; nothing is cached then.
    pub async fn get<E, F, Fut>(&self, grant: F) -> Result<Token, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Grant, E>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some(cached) = slot.as_ref()
            && Instant::now() < cached.renew_at
        {
            return Ok(cached.token.clone());
        }
        let granted = grant().await?;
        let generation = self.grants.fetch_add(1, Ordering::Relaxed) + 1;
        let lifetime = granted
            .lifetime
            .filter(|l| !l.is_zero())
            .unwrap_or(self.default_lifetime);
        let margin = self.renew_before.min(lifetime / 2);
        let token = Token {
            secret: granted.token,
            generation,
        };
        *slot = Some(Cached {
            token: token.clone(),
            renew_at: Instant::now() + lifetime.saturating_sub(margin),
        });
        tracing::debug!(generation, "access token granted");
        Ok(token)
    }

    /// Drops `token` after the API refused it, unless a newer one already replaced it.
    pub async fn invalidate(&self, token: &Token) {
        let mut slot = self.slot.lock().await;
        if slot
            .as_ref()
            .is_some_and(|c| c.token.generation == token.generation)
        {
            *slot = None;
        }
    }

    /// Tokens granted so far.
    pub fn grants(&self) -> u64 {
        self.grants.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn grant(value: &str, secs: Option<u64>) -> Result<Grant, String> {
        Ok(Grant {
            token: Secret::new(value),
            lifetime: secs.map(Duration::from_secs),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn one_grant_serves_until_renewal_time() {
        let cache = TokenCache::new(Duration::from_secs(300), Duration::from_secs(86_400));
        let t1 = cache
            .get(|| async { grant("a", Some(3600)) })
            .await
            .unwrap();
        let t2 = cache
            .get(|| async { grant("b", Some(3600)) })
            .await
            .unwrap();
        assert_eq!((t1.generation(), t2.secret().expose()), (1, "a"));
        tokio::time::advance(Duration::from_secs(3300)).await;
        let t3 = cache
            .get(|| async { grant("c", Some(3600)) })
            .await
            .unwrap();
        assert_eq!((t3.generation(), t3.secret().expose()), (2, "c"));
        assert_eq!(cache.grants(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn short_lives_renew_at_half_and_missing_lifetimes_use_the_default() {
        let cache = TokenCache::new(Duration::from_secs(300), Duration::from_secs(1000));
        cache.get(|| async { grant("a", Some(60)) }).await.unwrap();
        tokio::time::advance(Duration::from_secs(31)).await;
        let t = cache.get(|| async { grant("b", None) }).await.unwrap();
        assert_eq!(t.secret().expose(), "b");
        tokio::time::advance(Duration::from_secs(699)).await;
        let same = cache.get(|| async { grant("c", None) }).await.unwrap();
        assert_eq!(same.secret().expose(), "b");
        tokio::time::advance(Duration::from_secs(2)).await;
        let renewed = cache.get(|| async { grant("d", None) }).await.unwrap();
        assert_eq!(renewed.secret().expose(), "d");
    }

    #[tokio::test(start_paused = true)]
    async fn invalidation_drops_only_the_refused_generation() {
        let cache = TokenCache::new(Duration::from_secs(300), Duration::from_secs(3600));
        let old = cache.get(|| async { grant("a", None) }).await.unwrap();
        cache.invalidate(&old).await;
        let new = cache.get(|| async { grant("b", None) }).await.unwrap();
        // A late 401 for the old token must not drop the new one.
        cache.invalidate(&old).await;
        let still = cache.get(|| async { grant("c", None) }).await.unwrap();
        assert_eq!((new.generation(), still.secret().expose()), (2, "b"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_grant_caches_nothing_and_concurrent_callers_share_one_grant() {
        let cache = Arc::new(TokenCache::new(
            Duration::from_secs(300),
            Duration::from_secs(3600),
        ));
        let failed: Result<Token, String> = cache.get(|| async { Err("refused".into()) }).await;
        assert_eq!(failed.unwrap_err(), "refused");
        let calls = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (cache, calls) = (cache.clone(), calls.clone());
                tokio::spawn(async move {
                    cache
                        .get(|| async {
                            calls.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            grant("x", None)
                        })
                        .await
                        .map(|t| t.generation())
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), Ok(1));
        }
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }
}
