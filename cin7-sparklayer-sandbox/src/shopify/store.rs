//! Shopify's semantics for the operations the sync uses: unique email and phone, `customerSet`
//! replacing the address list (and the tag list when given), `tagsAdd`/`tagsRemove`, typed
//! metafields written atomically, invites moving `DISABLED` → `INVITED`.
//!
//! Each operation returns its payload as a full JSON object; the executor projects it onto the
//! document's selection.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::model::{FakeAddress, FakeCustomer, FakeMetafield};
use super::validate::user_error;

/// The fake's data.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) customers: BTreeMap<u64, FakeCustomer>,
    pub(crate) invites: BTreeMap<String, u32>,
    pub(crate) classic_accounts: bool,
    /// The shop's metafield definitions (E10).
    pub(crate) definitions: Vec<super::FakeMetafieldDefinition>,
    /// ISO 3166-2 codes refused as provinces (see `FakeShopifyOptions::refused_provinces`).
    pub(crate) refused_provinces: std::collections::BTreeSet<String>,
    /// Which customer data the app may read.
    pub(crate) customer_data_access: super::model::CustomerDataAccess,
    next_id: u64,
    next_address: u64,
}

fn numeric_id(gid: &str) -> Option<u64> {
    gid.strip_prefix("gid://shopify/Customer/")?.parse().ok()
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

impl Store {
    pub(crate) fn new(classic_accounts: bool) -> Self {
        Self {
            classic_accounts,
            next_id: 1_000_000,
            next_address: 5_000_000,
            ..Self::default()
        }
    }

    /// The store refusing `codes` (ISO 3166-2, e.g. `AU-TAS`) as provinces.
    pub(crate) fn with_refused_provinces(mut self, codes: &[String]) -> Self {
        self.refused_provinces = codes
            .iter()
            .map(|c| c.trim().to_ascii_uppercase())
            .collect();
        self
    }

    /// The store with the app reading `access` of customer data.
    pub(crate) fn with_customer_data_access(
        mut self,
        access: super::model::CustomerDataAccess,
    ) -> Self {
        self.customer_data_access = access;
        self
    }

    /// The name of province `code` in `country` when this shop takes it as a province.
    pub(super) fn province_name(&self, country: &str, code: &str) -> Option<&'static str> {
        let full = format!(
            "{}-{}",
            country.to_ascii_uppercase(),
            code.to_ascii_uppercase()
        );
        if self.refused_provinces.contains(&full) {
            return None;
        }
        rust_iso3166::iso3166_2::from_code(&full).map(|s| s.name)
    }

    /// Adds a customer as is (test setup); returns its ID.
    pub(crate) fn insert(&mut self, mut c: FakeCustomer) -> String {
        self.next_id += 1;
        let n = self.next_id;
        if c.id.is_empty() {
            c.id = format!("gid://shopify/Customer/{n}");
        }
        let key = numeric_id(&c.id).unwrap_or(n);
        for a in &mut c.addresses {
            if a.id.is_empty() {
                a.id = self.address_id();
            }
        }
        let id = c.id.clone();
        self.customers.insert(key, c);
        id
    }

    fn address_id(&mut self) -> String {
        self.next_address += 1;
        format!(
            "gid://shopify/MailingAddress/{}?model_name=CustomerAddress",
            self.next_address
        )
    }

    pub(crate) fn get(&self, gid: &str) -> Option<&FakeCustomer> {
        self.customers.get(&numeric_id(gid)?)
    }

    pub(super) fn get_mut(&mut self, gid: &str) -> Option<&mut FakeCustomer> {
        self.customers.get_mut(&numeric_id(gid)?)
    }

    pub(crate) fn by_email(&self, email: &str) -> Option<&FakeCustomer> {
        let email = email.trim();
        self.customers.values().find(|c| {
            c.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    pub(super) fn by_phone(&self, phone: &str) -> Option<&FakeCustomer> {
        self.customers
            .values()
            .find(|c| c.phone.as_deref() == Some(phone))
    }

    /// `customerSet(identifier:, input:)`.
    pub(crate) fn customer_set(&mut self, identifier: &Value, input: &Value) -> Value {
        let fail = |errors: Vec<Value>| json!({ "customer": null, "userErrors": errors });
        let target = match self.set_target(identifier, input) {
            Ok(target) => target,
            Err(error) => return fail(vec![error]),
        };
        let errors = self.validate_customer(target.as_deref(), input);
        if !errors.is_empty() {
            return fail(errors);
        }
        let id = match target {
            Some(id) => id,
            None => self.insert(FakeCustomer::new(String::new(), None)),
        };
        let addresses = match input.get("addresses") {
            Some(Value::Array(list)) => Some(
                list.iter()
                    .map(|a| self.address_from(a))
                    .collect::<Vec<FakeAddress>>(),
            ),
            _ => None,
        };
        let Some(c) = self.get_mut(&id) else {
            return fail(vec![user_error(None, &[], "customer vanished")]);
        };
        apply_set_input(c, input, addresses);
        json!({ "customer": c.to_graphql(), "userErrors": [] })
    }

    /// The customer a `customerSet` identifier names: `Ok(None)` creates one; `Err` is the user
    /// error Shopify answers (unknown ID, email identifier without or unlike `input.email`).
    fn set_target(&self, identifier: &Value, input: &Value) -> Result<Option<String>, Value> {
        match identifier {
            Value::Null => Ok(None),
            Value::Object(k) if k.get("id").is_some_and(|v| !v.is_null()) => {
                let id = k["id"].as_str().unwrap_or_default();
                let found = self.get(id).map(|c| Some(c.id.clone()));
                found.ok_or_else(|| {
                    let field = ["identifier", "id"];
                    user_error(Some("NOT_FOUND"), &field, "Customer does not exist")
                })
            }
            Value::Object(k) if k.get("email").is_some_and(|v| !v.is_null()) => {
                let email = k["email"].as_str().unwrap_or_default().trim();
                match input.get("email").and_then(Value::as_str).map(str::trim) {
                    None => Err(user_error(
                        Some("MISSING_FIELD_REQUIRED"),
                        &["input", "email"],
                        "The input field corresponding to the identifier is required",
                    )),
                    Some(e) if !e.eq_ignore_ascii_case(email) => Err(user_error(
                        Some("INPUT_MISMATCH"),
                        &["input", "email"],
                        "The identifier value does not match the value of the corresponding field in the input",
                    )),
                    Some(_) => Ok(self.by_email(email).map(|c| c.id.clone())),
                }
            }
            _ => Err(user_error(
                Some("INVALID"),
                &["identifier"],
                "Unsupported identifier",
            )),
        }
    }

    fn address_from(&mut self, a: &Value) -> FakeAddress {
        FakeAddress {
            id: self.address_id(),
            address1: opt_str(&a["address1"]),
            address2: opt_str(&a["address2"]),
            city: opt_str(&a["city"]),
            company: opt_str(&a["company"]),
            country_code: opt_str(&a["countryCode"]),
            first_name: opt_str(&a["firstName"]),
            last_name: opt_str(&a["lastName"]),
            phone: opt_str(&a["phone"]),
            // Shopify fills the province's name in from its code.
            province: a["provinceCode"].as_str().and_then(|code| {
                self.province_name(a["countryCode"].as_str().unwrap_or_default(), code)
                    .map(str::to_owned)
            }),
            province_code: opt_str(&a["provinceCode"]),
            zip: opt_str(&a["zip"]),
        }
    }

    /// `tagsAdd` / `tagsRemove` on a customer.
    pub(crate) fn tags(&mut self, id: &str, tags: &Value, add: bool) -> Value {
        let Some(c) = self.get_mut(id) else {
            return json!({ "node": null, "userErrors": [user_error(None, &["id"], "Customer does not exist")] });
        };
        let given: Vec<&str> = tags
            .as_array()
            .map(|t| t.iter().filter_map(Value::as_str).map(str::trim).collect())
            .unwrap_or_default();
        if add {
            let all = c
                .tags
                .iter()
                .map(String::as_str)
                .chain(given.iter().copied());
            c.tags = dedup_tags(all);
        } else {
            c.tags
                .retain(|t| !given.iter().any(|g| g.eq_ignore_ascii_case(t)));
        }
        json!({ "node": c.to_graphql(), "userErrors": [] })
    }

    /// `metafieldsSet`: every entry validated first; nothing is written if one fails.
    pub(crate) fn metafields_set(&mut self, entries: &Value) -> Value {
        let list = entries.as_array().cloned().unwrap_or_default();
        let mut errors = Vec::new();
        if list.len() > 25 {
            errors.push(json!({ "code": "LESS_THAN_OR_EQUAL_TO", "field": ["metafields"],
                "message": "Exceeded the maximum metafields input limit of 25.", "elementIndex": null }));
        }
        for (i, m) in list.iter().enumerate() {
            if let Some((code, field, message)) = self.check_metafield(m) {
                errors.push(
                    json!({ "code": code, "field": ["metafields", i.to_string(), field],
                    "message": message, "elementIndex": i }),
                );
            }
        }
        if !errors.is_empty() {
            return json!({ "metafields": null, "userErrors": errors });
        }
        let mut written = Vec::new();
        for m in &list {
            let owner = m["ownerId"].as_str().unwrap_or_default().to_owned();
            let value = FakeMetafield {
                namespace: m["namespace"].as_str().unwrap_or_default().to_owned(),
                key: m["key"].as_str().unwrap_or_default().to_owned(),
                kind: m["type"].as_str().unwrap_or_default().to_owned(),
                value: m["value"].as_str().unwrap_or_default().to_owned(),
            };
            if let Some(c) = self.get_mut(&owner) {
                written.push(value.to_graphql(&owner));
                match c
                    .metafields
                    .iter_mut()
                    .find(|x| x.namespace == value.namespace && x.key == value.key)
                {
                    Some(slot) => *slot = value,
                    None => c.metafields.push(value),
                }
            }
        }
        json!({ "metafields": written, "userErrors": [] })
    }

    /// `metafieldsDelete`.
    pub(crate) fn metafields_delete(&mut self, entries: &Value) -> Value {
        let mut deleted = Vec::new();
        for m in entries.as_array().cloned().unwrap_or_default() {
            let owner = m["ownerId"].as_str().unwrap_or_default();
            let ns = m["namespace"].as_str().unwrap_or_default();
            let key = m["key"].as_str().unwrap_or_default();
            let gone = self.get_mut(owner).is_some_and(|c| {
                let before = c.metafields.len();
                c.metafields
                    .retain(|x| !(x.namespace == ns && x.key == key));
                before != c.metafields.len()
            });
            deleted.push(if gone {
                json!({ "ownerId": owner, "namespace": ns, "key": key })
            } else {
                Value::Null
            });
        }
        json!({ "deletedMetafields": deleted, "userErrors": [] })
    }

    /// `customerSendAccountInviteEmail`: classic accounts only; `DISABLED`/`INVITED`/`DECLINED` → `INVITED`.
    pub(crate) fn invite(&mut self, id: &str) -> Value {
        let fail = |m: &str| json!({ "customer": null, "userErrors": [user_error(Some("INVALID"), &["customerId"], m)] });
        if !self.classic_accounts {
            return fail("Account invites are only available with classic customer accounts");
        }
        let Some(c) = self.get_mut(id) else {
            return fail("Customer does not exist");
        };
        if c.state == "ENABLED" {
            return fail("Customer account is already enabled");
        }
        if c.email.is_none() {
            return fail("Customer has no email address");
        }
        c.state = "INVITED".into();
        let out = json!({ "customer": c.to_graphql(), "userErrors": [] });
        *self.invites.entry(id.to_owned()).or_default() += 1;
        out
    }

    /// `shop`.
    pub(crate) fn shop(&self) -> Value {
        let version = if self.classic_accounts {
            "CLASSIC"
        } else {
            "NEW_CUSTOMER_ACCOUNTS"
        };
        let mut accounts = Map::new();
        accounts.insert("customerAccountsVersion".into(), version.into());
        accounts.insert(
            "loginLinksVisibleOnStorefrontAndCheckout".into(),
            true.into(),
        );
        accounts.insert("loginRequiredAtCheckout".into(), false.into());
        json!({ "__typename": "Shop", "id": "gid://shopify/Shop/1", "name": "Sandbox shop",
            "customerAccountsV2": accounts })
    }
}

/// Tags keep their first spelling; duplicates (case-insensitive) and blanks are dropped.
fn dedup_tags<'a>(tags: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags.map(str::trim).filter(|t| !t.is_empty()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.to_owned());
        }
    }
    out
}

/// Writes a validated `CustomerSetInput` onto `c`: only the fields the input carries.
fn apply_set_input(c: &mut FakeCustomer, input: &Value, addresses: Option<Vec<FakeAddress>>) {
    let set = |field: &str, slot: &mut Option<String>| {
        if let Some(v) = input.get(field) {
            *slot = opt_str(v)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty());
        }
    };
    set("email", &mut c.email);
    set("firstName", &mut c.first_name);
    set("lastName", &mut c.last_name);
    set("phone", &mut c.phone);
    if let Some(b) = input.get("taxExempt").and_then(Value::as_bool) {
        c.tax_exempt = b;
    }
    if let Some(list) = addresses {
        c.addresses = list;
    }
    if let Some(Value::Array(tags)) = input.get("tags") {
        c.tags = dedup_tags(tags.iter().filter_map(Value::as_str));
    }
}
