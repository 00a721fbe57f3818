//! Fake Shopify Admin GraphQL API on loopback (issue 4).
//!
//! [`FakeShopify::start`] serves `POST /admin/api/{version}/graphql.json` on `127.0.0.1:0`.
//! It validates every request against Shopify's own schema, variables included
//! ([`schema`]), parses the documents with `graphql-parser`, runs the operations the sync uses with
//! Shopify's semantics (unique email and phone, `customerSet` replacing the address list and,
//! when given, the tag list, `tagsAdd`/`tagsRemove`, typed metafields, invites moving
//! `DISABLED` → `INVITED`), requires `X-Shopify-Access-Token` (401 otherwise: the fixed token,
//! or one granted by `POST /admin/oauth/access_token` with the client credentials grant and not
//! yet expired), charges query
//! costs into a leaky bucket and answers `THROTTLED` (HTTP 200) when it runs dry (E7), and can
//! inject seeded `THROTTLED` and 5xx faults. Inspection methods let end-to-end tests read and
//! edit what it holds.

mod bucket;
mod definitions;
mod exec;
mod model;
pub mod schema;
mod store;
#[cfg(test)]
mod tests;
mod validate;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use tokio::task::JoinHandle;

pub use definitions::FakeMetafieldDefinition;
pub use model::{CustomerDataAccess, FakeAddress, FakeCustomer, FakeMetafield};

use bucket::Bucket;
use exec::gql_error;
use store::Store;

/// How the fake behaves. `Default`: token `shpat_sandbox`, version 2026-10, classic accounts,
/// a 1,000-point bucket restoring 100 points/s (Shopify's standard plan), no faults, seed 7.
#[derive(Debug, Clone)]
pub struct FakeShopifyOptions {
    /// The fixed access token requests may carry.
    pub access_token: String,
    /// The Dev Dashboard app's client ID for the client credentials grant.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// `expires_in` of granted tokens, in seconds (Shopify: about a day).
    pub granted_token_lifetime_secs: u64,
    /// The API version in the path.
    pub api_version: String,
    /// `true`: classic customer accounts (invites work); `false`: new customer accounts.
    pub classic_accounts: bool,
    /// Bucket size (`maximumAvailable`).
    pub bucket_size: f64,
    /// Points restored per second (`restoreRate`); raise it to make benchmarks quick.
    pub restore_rate: f64,
    /// Fraction of requests answered `THROTTLED` regardless of the bucket (fault injection).
    pub throttled_fraction: f64,
    /// Fraction of requests answered HTTP 503 (fault injection).
    pub server_error_fraction: f64,
    /// Fraction of requests that run and are then answered HTTP 502, so the client cannot
    /// tell whether they ran (crash safety, E5; invites must not be sent twice, C13).
    pub server_error_after_fraction: f64,
    /// Seed of the fault injection.
    pub seed: u64,
    /// ISO 3166-2 codes (e.g. `AU-TAS`) this shop refuses as provinces although ISO lists
    /// them: Shopify's own zone list is not ISO's (C5, `invalid_province`). A code that is no
    /// subdivision of its country at all is always refused.
    pub refused_provinces: Vec<String>,
    /// Which customer data the app may read (Shopify's protected customer data).
    pub customer_data_access: CustomerDataAccess,
}

impl Default for FakeShopifyOptions {
    fn default() -> Self {
        Self {
            access_token: "shpat_sandbox".into(),
            client_id: "sandbox-client-id".into(),
            client_secret: "shpss_sandbox_secret".into(),
            granted_token_lifetime_secs: 86_399,
            api_version: "2026-10".into(),
            classic_accounts: true,
            bucket_size: 1000.0,
            restore_rate: 100.0,
            throttled_fraction: 0.0,
            server_error_fraction: 0.0,
            server_error_after_fraction: 0.0,
            seed: 7,
            refused_provinces: Vec::new(),
            customer_data_access: CustomerDataAccess::Full,
        }
    }
}

/// Requests the fake answered, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FakeShopifyStats {
    /// Every request received.
    pub requests: u64,
    /// Queries answered with data.
    pub queries: u64,
    /// Mutation documents answered with data.
    pub mutations: u64,
    /// Answered `THROTTLED` (bucket or injected).
    pub throttled: u64,
    /// Answered 5xx (injected, before or after running).
    pub server_errors: u64,
    /// Answered 401.
    pub unauthorized: u64,
    /// Tokens granted by the client credentials grant.
    pub tokens_granted: u64,
    /// Sum of `actualQueryCost`.
    pub cost_points: f64,
    /// Mutation fields run (each alias counts once).
    pub mutation_fields: u64,
    /// `metafieldsSet` calls.
    pub metafields_set_calls: u64,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    bucket: Bucket,
    rng: StdRng,
    stats: FakeShopifyStats,
    throttled_fraction: f64,
    server_error_fraction: f64,
    server_error_after_fraction: f64,
    /// Granted tokens and when each expires.
    granted: Vec<(String, std::time::Instant)>,
}

struct Shared {
    inner: Mutex<Inner>,
    token: String,
    client_id: String,
    client_secret: String,
    lifetime: std::time::Duration,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        f.debug_struct("Shared")
            .field("customers", &inner.store.customers.len())
            .field("stats", &inner.stats)
            .finish_non_exhaustive()
    }
}

/// A running fake Shopify. The server stops when this is dropped.
#[derive(Debug)]
pub struct FakeShopify {
    shared: Arc<Shared>,
    addr: SocketAddr,
    api_version: String,
    server: JoinHandle<()>,
}

impl Drop for FakeShopify {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeShopify {
    /// Starts the server on `127.0.0.1:0`.
    ///
    /// # Errors
    /// When the loopback port cannot be bound.
    pub async fn start(options: FakeShopifyOptions) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                store: Store::new(options.classic_accounts)
                    .with_refused_provinces(&options.refused_provinces)
                    .with_customer_data_access(options.customer_data_access),
                bucket: Bucket::new(options.bucket_size, options.restore_rate),
                rng: StdRng::seed_from_u64(options.seed),
                stats: FakeShopifyStats::default(),
                throttled_fraction: options.throttled_fraction,
                server_error_fraction: options.server_error_fraction,
                server_error_after_fraction: options.server_error_after_fraction,
                granted: Vec::new(),
            }),
            token: options.access_token.clone(),
            client_id: options.client_id.clone(),
            client_secret: options.client_secret.clone(),
            lifetime: std::time::Duration::from_secs(options.granted_token_lifetime_secs),
        });
        let app = Router::new()
            .route("/admin/api/{version}/graphql.json", post(graphql))
            .route("/admin/oauth/access_token", post(grant))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "fake Shopify stopped");
            }
        });
        Ok(Self {
            shared,
            addr,
            api_version: options.api_version,
            server,
        })
    }

    /// The full GraphQL URL (`shopify.endpoint`).
    pub fn endpoint(&self) -> String {
        format!(
            "http://{}/admin/api/{}/graphql.json",
            self.addr, self.api_version
        )
    }

    /// The fixed token requests may carry.
    pub fn access_token(&self) -> &str {
        &self.shared.token
    }

    /// The client ID and secret the client credentials grant accepts.
    pub fn client_credentials(&self) -> (&str, &str) {
        (&self.shared.client_id, &self.shared.client_secret)
    }

    /// Expires every granted token now, as a day passing would: the next request with one is
    /// answered 401.
    pub fn expire_granted_tokens(&self) {
        self.shared.lock().granted.clear();
    }

    /// Every customer, in creation order.
    pub fn customers(&self) -> Vec<FakeCustomer> {
        self.shared
            .lock()
            .store
            .customers
            .values()
            .cloned()
            .collect()
    }

    /// One customer by ID.
    pub fn customer(&self, id: &str) -> Option<FakeCustomer> {
        self.shared.lock().store.get(id).cloned()
    }

    /// One customer by email (case-insensitive).
    pub fn customer_by_email(&self, email: &str) -> Option<FakeCustomer> {
        self.shared.lock().store.by_email(email).cloned()
    }

    /// Adds a pre-existing customer (e.g. with merchant tags); an empty `id` gets a new one.
    /// Returns the ID.
    pub fn seed_customer(&self, customer: FakeCustomer) -> String {
        self.shared.lock().store.insert(customer)
    }

    /// Edits a customer in place, as a merchant would in the Shopify admin (drift, C15).
    /// Returns whether the customer exists.
    pub fn edit_customer(&self, id: &str, edit: impl FnOnce(&mut FakeCustomer)) -> bool {
        let mut inner = self.shared.lock();
        let found = inner.store.customers.values_mut().find(|c| c.id == id);
        match found {
            Some(c) => {
                edit(c);
                true
            }
            None => false,
        }
    }

    /// Invites sent to one customer.
    pub fn invites_sent(&self, id: &str) -> u32 {
        self.shared
            .lock()
            .store
            .invites
            .get(id)
            .copied()
            .unwrap_or(0)
    }

    /// Invites sent in all.
    pub fn total_invites(&self) -> u32 {
        self.shared.lock().store.invites.values().sum()
    }

    /// Request counters and cost.
    pub fn stats(&self) -> FakeShopifyStats {
        self.shared.lock().stats
    }

    /// Replaces the shop's metafield definitions (E10): listed by `metafieldDefinitions` and
    /// enforced on `metafieldsSet`.
    pub fn set_metafield_definitions(&self, definitions: Vec<FakeMetafieldDefinition>) {
        self.shared.lock().store.definitions = definitions;
    }

    /// Changes which customer data the app may read (protected customer data).
    pub fn set_customer_data_access(&self, access: CustomerDataAccess) {
        self.shared.lock().store.customer_data_access = access;
    }

    /// Switches classic (`true`) or new customer accounts.
    pub fn set_classic_accounts(&self, classic: bool) {
        self.shared.lock().store.classic_accounts = classic;
    }

    /// Changes the injected fault fractions (`THROTTLED`, 5xx before running, 5xx after).
    pub fn set_faults(
        &self,
        throttled_fraction: f64,
        server_error_fraction: f64,
        server_error_after_fraction: f64,
    ) {
        let mut inner = self.shared.lock();
        inner.throttled_fraction = throttled_fraction;
        inner.server_error_fraction = server_error_fraction;
        inner.server_error_after_fraction = server_error_after_fraction;
    }
}

/// `POST /admin/oauth/access_token`, form-encoded `grant_type=client_credentials`, `client_id`,
/// `client_secret`: a new token lasting the configured lifetime, or 400 `invalid_client`.
async fn grant(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| form.get(k).map(String::as_str);
    if field("grant_type") != Some("client_credentials")
        || field("client_id") != Some(shared.client_id.as_str())
        || field("client_secret") != Some(shared.client_secret.as_str())
    {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": "invalid_client", "error_description": "Client authentication failed" })),
        )
            .into_response();
    }
    let mut inner = shared.lock();
    inner.stats.tokens_granted += 1;
    let token = format!("shpca_sandbox_{}", inner.stats.tokens_granted);
    let expires = std::time::Instant::now() + shared.lifetime;
    inner.granted.push((token.clone(), expires));
    axum::Json(json!({
        "access_token": token,
        "scope": "read_customers,write_customers",
        "expires_in": shared.lifetime.as_secs()
    }))
    .into_response()
}

async fn graphql(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let mut inner = shared.lock();
    inner.stats.requests += 1;
    let token = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok());
    let now = std::time::Instant::now();
    let granted = token.is_some_and(|t| {
        inner
            .granted
            .iter()
            .any(|(g, expires)| g == t && *expires > now)
    });
    if token != Some(shared.token.as_str()) && !granted {
        inner.stats.unauthorized += 1;
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)" })),
        )
            .into_response();
    }
    let roll: f64 = inner.rng.random();
    let (tf, sf) = (inner.throttled_fraction, inner.server_error_fraction);
    if roll < sf {
        inner.stats.server_errors += 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response();
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({ "errors": format!("body is not JSON: {e}") })),
            )
                .into_response();
        }
    };
    let query = request["query"].as_str().unwrap_or_default().to_owned();
    let variables = request["variables"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    // Shopify refuses a document that does not match its schema, or variables that do not
    // match their types, before running any of it.
    if let Err(e) = schema::validate_request(&query, &variables) {
        return answer(
            &mut inner,
            None,
            vec![gql_error(e.to_string(), "badRequest")],
            None,
            None,
        );
    }
    let prepared = match exec::prepare(&query, variables) {
        Ok(p) => p,
        Err(e) => return answer(&mut inner, None, vec![e], None, None),
    };
    let requested = prepared.requested;
    inner.bucket.refill();
    if requested > inner.bucket.capacity() {
        let e = gql_error(
            format!(
                "Query cost is {requested}, which exceeds the single query max cost limit ({}).",
                inner.bucket.capacity()
            ),
            "MAX_COST_EXCEEDED",
        );
        return answer(&mut inner, None, vec![e], Some(requested), None);
    }
    if roll < sf + tf || !inner.bucket.can_take(requested) {
        inner.stats.throttled += 1;
        let e = json!({ "message": "Throttled", "extensions": {
            "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits" } });
        return answer(&mut inner, None, vec![e], Some(requested), None);
    }
    let Inner { store, stats, .. } = &mut *inner;
    match prepared.run(store) {
        Ok((data, actual, denials)) => {
            if prepared.is_mutation {
                stats.mutations += 1;
                let names = prepared.field_names();
                stats.mutation_fields += names.len() as u64;
                stats.metafields_set_calls +=
                    names.iter().filter(|n| *n == "metafieldsSet").count() as u64;
            } else {
                stats.queries += 1;
            }
            stats.cost_points += actual;
            inner.bucket.take(actual);
            let after: f64 = inner.rng.random();
            if after < inner.server_error_after_fraction {
                inner.stats.server_errors += 1;
                return (StatusCode::BAD_GATEWAY, "Bad Gateway").into_response();
            }
            answer(
                &mut inner,
                Some(data),
                denials,
                Some(requested),
                Some(actual),
            )
        }
        Err(errors) => answer(&mut inner, None, errors, Some(requested), None),
    }
}

fn answer(
    inner: &mut Inner,
    data: Option<Value>,
    errors: Vec<Value>,
    requested: Option<f64>,
    actual: Option<f64>,
) -> Response {
    let mut body = Map::new();
    if let Some(d) = data {
        body.insert("data".into(), d);
    }
    if !errors.is_empty() {
        body.insert("errors".into(), Value::Array(errors));
    }
    body.insert(
        "extensions".into(),
        json!({ "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": inner.bucket.status(),
        } }),
    );
    (StatusCode::OK, axum::Json(Value::Object(body))).into_response()
}
