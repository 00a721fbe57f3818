//! All three fakes at once, seeded from one [`Dataset`], with the matching configuration:
//! what the demo, the end-to-end tests and the whole-sync benchmarks start from.

use std::collections::BTreeMap;
use std::path::Path;

use crate::cin7::{FakeCin7, FakeCin7Options};
use crate::data::Dataset;
use crate::shopify::{FakeShopify, FakeShopifyOptions};
use crate::sparklayer::{FakeSparkLayer, FakeSparkLayerOptions};

/// How to start a [`Sandbox`].
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Seed of the generated data set.
    pub seed: u64,
    /// Customers to generate.
    pub customers: usize,
    /// Products to generate.
    pub products: usize,
    /// Cin7 fake options (rate limit, faults).
    pub cin7: FakeCin7Options,
    /// Shopify fake options (bucket, faults).
    pub shopify: FakeShopifyOptions,
    /// SparkLayer fake options (groups are replaced by the data set's).
    pub sparklayer: FakeSparkLayerOptions,
    /// `cin7.calls_per_minute` written into the configuration.
    pub calls_per_minute: u32,
}

impl Default for SandboxOptions {
    /// 300 customers and 3,000 products; Cin7 limited to 600 calls a minute on both sides so a
    /// run takes seconds; Shopify's standard-plan bucket; no faults.
    fn default() -> Self {
        Self {
            seed: 42,
            customers: 300,
            products: 3_000,
            cin7: FakeCin7Options {
                calls_per_window: Some(600),
                ..FakeCin7Options::default()
            },
            shopify: FakeShopifyOptions::default(),
            sparklayer: FakeSparkLayerOptions::default(),
            calls_per_minute: 600,
        }
    }
}

/// The three running fakes and the data set they were seeded with. Dropping it stops them.
#[derive(Debug)]
pub struct Sandbox {
    /// The generated data set.
    pub dataset: Dataset,
    /// Fake Cin7 Core.
    pub cin7: FakeCin7,
    /// Fake Shopify.
    pub shopify: FakeShopify,
    /// Fake SparkLayer.
    pub sparklayer: FakeSparkLayer,
    calls_per_minute: u32,
}

impl Sandbox {
    /// Generates the data set and starts the fakes on loopback.
    ///
    /// # Errors
    /// When a loopback port cannot be bound.
    pub async fn start(options: SandboxOptions) -> std::io::Result<Self> {
        let dataset = Dataset::generate(options.seed, options.customers, options.products);
        Self::start_with(dataset, options).await
    }

    /// Starts the fakes on loopback seeded with `dataset` (e.g. a generated data set turned
    /// [`Dataset::with_currencies_and_discounts`]); `options`' seed and sizes are not used.
    ///
    /// # Errors
    /// When a loopback port cannot be bound.
    pub async fn start_with(dataset: Dataset, options: SandboxOptions) -> std::io::Result<Self> {
        let cin7 = FakeCin7::start(&dataset, options.cin7).await?;
        let shopify = FakeShopify::start(options.shopify).await?;
        let sparklayer = FakeSparkLayer::start(FakeSparkLayerOptions {
            groups: dataset.customer_groups.clone(),
            ..options.sparklayer
        })
        .await?;
        Ok(Self {
            dataset,
            cin7,
            shopify,
            sparklayer,
            calls_per_minute: options.calls_per_minute,
        })
    }

    /// A SPEC §6 configuration pointing at the fakes, with `extra` TOML sections appended
    /// (e.g. `"[customers]\non_leave = \"revoke\"\n"`) and the state file at `state_path`.
    pub fn config_toml(&self, state_path: &Path, extra: &str) -> String {
        let sl = self.sparklayer.options();
        format!(
            r#"[cin7]
account_id = "{account}"
application_key = "{key}"
base_url = "{cin7_url}"
calls_per_minute = {cpm}

[shopify]
shop = "sandbox.myshopify.com"
access_token = "{token}"
endpoint = "{endpoint}"

[sparklayer]
site_id = "{site}"
client_id = "{cid}"
client_secret = "{secret}"
base_url = "{sl_url}"

[state]
path = "{state}"

{extra}"#,
            account = self.cin7.account_id(),
            key = self.cin7.application_key(),
            cin7_url = self.cin7.base_url(),
            cpm = self.calls_per_minute,
            token = self.shopify.access_token(),
            endpoint = self.shopify.endpoint(),
            site = sl.site_id,
            cid = sl.client_id,
            secret = sl.client_secret,
            sl_url = self.sparklayer.base_url(),
            state = state_path.display().to_string().replace('\\', "\\\\"),
        )
    }

    /// Everything synced, in a form two sandboxes can be compared by (Shopify and address IDs
    /// differ between runs): customers by lowercased email with their invite count, and every
    /// price list's prices. Used to check that interrupted or faulty runs end where a clean run does.
    pub fn snapshot(&self) -> SyncedState {
        let customers = self
            .shopify
            .customers()
            .into_iter()
            .map(|mut c| {
                let email = c.email.clone().unwrap_or_default().to_lowercase();
                let invites = self.shopify.invites_sent(&c.id);
                c.id = String::new();
                for a in &mut c.addresses {
                    a.id = String::new();
                }
                c.tags.sort();
                c.metafields
                    .sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
                (email, format!("{c:?} invites={invites}"))
            })
            .collect();
        let price_lists = format!(
            "{:?}",
            self.sparklayer
                .price_lists()
                .into_iter()
                .map(|(slug, l)| (slug, l.prices))
                .collect::<BTreeMap<_, _>>()
        );
        SyncedState {
            customers,
            price_lists,
        }
    }
}

/// What [`Sandbox::snapshot`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedState {
    /// Lowercased email → the Shopify customer (IDs blanked) and its invite count.
    pub customers: BTreeMap<String, String>,
    /// Every price list's SKU → prices, rendered.
    pub price_lists: String,
}
