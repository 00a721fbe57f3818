//! `[customers]`: the customers pass's options (C1–C14) and their rules.

use serde::Deserialize;

use super::{ConfigError, default_true};

/// What happens to a synced customer that leaves scope (C14).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnLeave {
    /// Leave it as it is (the reference integration's behaviour).
    #[default]
    Keep,
    /// Remove the B2B tag and every metafield the sync set.
    Revoke,
}

/// Which customer currencies are synced (C12).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurrencyMode {
    /// Only customers in the base currency (default, as the reference integration).
    #[default]
    BaseOnly,
    /// Every currency; a customer's own price list is in its currency.
    All,
}

/// Which contacts of a customer become Shopify customers (C16).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactsMode {
    /// One Shopify customer per Cin7 customer, for its key contact (C2), as the reference does.
    #[default]
    Default,
    /// Every other qualifying contact of a synced customer becomes its own Shopify customer.
    All,
}

/// `[customers]`: the customers pass (C1–C14).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomersConfig {
    /// `include_tags`: a customer needs one of these tags (C1). Must not be empty.
    #[serde(default = "default_include_tags")]
    pub include_tags: Vec<String>,
    /// `tax_exempt_rules`: tax rule names that make a customer tax exempt (C6).
    #[serde(default = "default_tax_exempt_rules")]
    pub tax_exempt_rules: Vec<String>,
    /// `b2b_tag`: the tag every synced customer carries (C11), default `b2b`.
    #[serde(default = "default_b2b_tag")]
    pub b2b_tag: String,
    /// `send_invites`, default `true` (C13).
    #[serde(default = "default_true")]
    pub send_invites: bool,
    /// `on_leave`, default `keep` (C14).
    #[serde(default)]
    pub on_leave: OnLeave,
    /// `email_fallback`, default `false` (C2).
    #[serde(default)]
    pub email_fallback: bool,
    /// `currency`, default `base_only` (C12).
    #[serde(default)]
    pub currency: CurrencyMode,
    /// `contacts`, default `default` (C16).
    #[serde(default)]
    pub contacts: ContactsMode,
}

impl CustomersConfig {
    /// Checks C1's `include_tags` (at least one tag) and C11's `b2b_tag` (one tag).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `customers.include_tags` or `customers.b2b_tag`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.include_tags.iter().all(|t| t.trim().is_empty()) {
            return Err(ConfigError::invalid(
                "customers.include_tags",
                "must not be empty: name at least one Cin7 tag that marks a B2B customer",
            ));
        }
        if self.b2b_tag.trim().is_empty() || self.b2b_tag.contains(',') {
            return Err(ConfigError::invalid(
                "customers.b2b_tag",
                "must be one non-empty tag without commas",
            ));
        }
        Ok(())
    }
}

impl Default for CustomersConfig {
    fn default() -> Self {
        Self {
            include_tags: default_include_tags(),
            tax_exempt_rules: default_tax_exempt_rules(),
            b2b_tag: default_b2b_tag(),
            send_invites: true,
            on_leave: OnLeave::Keep,
            email_fallback: false,
            currency: CurrencyMode::BaseOnly,
            contacts: ContactsMode::Default,
        }
    }
}

fn default_include_tags() -> Vec<String> {
    vec!["b2b".into()]
}
fn default_tax_exempt_rules() -> Vec<String> {
    vec!["Tax Exempt".into()]
}
fn default_b2b_tag() -> String {
    "b2b".into()
}
