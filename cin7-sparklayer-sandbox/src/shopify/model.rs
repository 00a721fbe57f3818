//! What the fake Shopify stores: customers with addresses, tags and metafields.

use serde::Serialize;
use serde_json::{Value, json};

/// Which customer data the app may read: Shopify's protected customer data levels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CustomerDataAccess {
    /// Approved for customer data with the name, email, phone and address fields (level 2).
    #[default]
    Full,
    /// Approved for customer data without those fields (level 1): they come back `null`, each
    /// with an `ACCESS_DENIED` error ("This app is not approved to use the email field …").
    NoProtectedFields,
    /// Not approved for customer data (level 0): every `Customer` comes back `null` with an
    /// error ("This app is not approved to access the Customer object …").
    NoCustomerData,
}

/// A customer as the fake holds it. Tests read these and may edit them to simulate drift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FakeCustomer {
    /// `gid://shopify/Customer/{n}`.
    pub id: String,
    /// Email (unique, case-insensitive).
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Phone, E.164 (unique).
    pub phone: Option<String>,
    /// `DISABLED`, `INVITED`, `ENABLED` or `DECLINED`.
    pub state: String,
    /// Tags, in the order set.
    pub tags: Vec<String>,
    /// `taxExempt`.
    pub tax_exempt: bool,
    /// Addresses; the first is the default.
    pub addresses: Vec<FakeAddress>,
    /// Metafields.
    pub metafields: Vec<FakeMetafield>,
}

impl FakeCustomer {
    /// A customer with only an ID, email and state `DISABLED`.
    pub fn new(id: impl Into<String>, email: Option<String>) -> Self {
        Self {
            id: id.into(),
            email,
            first_name: None,
            last_name: None,
            phone: None,
            state: "DISABLED".into(),
            tags: Vec::new(),
            tax_exempt: false,
            addresses: Vec::new(),
            metafields: Vec::new(),
        }
    }

    /// The metafield `namespace.key`, if set.
    pub fn metafield(&self, namespace: &str, key: &str) -> Option<&FakeMetafield> {
        self.metafields
            .iter()
            .find(|m| m.namespace == namespace && m.key == key)
    }

    /// The default address (the first).
    pub fn default_address(&self) -> Option<&FakeAddress> {
        self.addresses.first()
    }

    /// The full GraphQL object; the executor projects it onto the selection.
    pub(crate) fn to_graphql(&self) -> Value {
        let mut addresses: Vec<Value> =
            self.addresses.iter().map(FakeAddress::to_graphql).collect();
        let default = addresses.first().cloned().unwrap_or(Value::Null);
        let metafields: Vec<Value> = self
            .metafields
            .iter()
            .map(|m| m.to_graphql(&self.id))
            .collect();
        let email = self
            .email
            .as_ref()
            .map(|e| json!({ "emailAddress": e }))
            .unwrap_or(Value::Null);
        let phone = self
            .phone
            .as_ref()
            .map(|p| json!({ "phoneNumber": p }))
            .unwrap_or(Value::Null);
        json!({
            "__typename": "Customer",
            "id": self.id,
            "email": self.email,
            "defaultEmailAddress": email,
            "defaultPhoneNumber": phone,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "phone": self.phone,
            "state": self.state,
            "tags": self.tags,
            "taxExempt": self.tax_exempt,
            "updatedAt": "2026-11-01T00:00:00Z",
            "defaultAddress": default,
            "addressesV2": Value::Array(std::mem::take(&mut addresses)),
            "metafields": metafields,
        })
    }
}

/// A mailing address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FakeAddress {
    /// `gid://shopify/MailingAddress/{n}?model_name=CustomerAddress`.
    pub id: String,
    /// `address1`.
    pub address1: Option<String>,
    /// `address2`.
    pub address2: Option<String>,
    /// `city`.
    pub city: Option<String>,
    /// `company`.
    pub company: Option<String>,
    /// `countryCode` (ISO 3166-1 alpha-2).
    pub country_code: Option<String>,
    /// `firstName`.
    pub first_name: Option<String>,
    /// `lastName`.
    pub last_name: Option<String>,
    /// `phone`.
    pub phone: Option<String>,
    /// `province`: the province's name, filled in from `provinceCode` like Shopify does.
    pub province: Option<String>,
    /// `provinceCode`.
    pub province_code: Option<String>,
    /// `zip`.
    pub zip: Option<String>,
}

impl FakeAddress {
    fn to_graphql(&self) -> Value {
        json!({
            "__typename": "MailingAddress",
            "id": self.id,
            "address1": self.address1,
            "address2": self.address2,
            "city": self.city,
            "company": self.company,
            "countryCodeV2": self.country_code,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "phone": self.phone,
            "province": self.province,
            "provinceCode": self.province_code,
            "zip": self.zip,
        })
    }
}

/// A metafield.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FakeMetafield {
    /// Namespace.
    pub namespace: String,
    /// Key.
    pub key: String,
    /// Shopify type name, e.g. `json`.
    pub kind: String,
    /// Value as stored (always a string).
    pub value: String,
}

impl FakeMetafield {
    pub(crate) fn to_graphql(&self, owner: &str) -> Value {
        json!({
            "__typename": "Metafield",
            "id": format!("gid://shopify/Metafield/{}", stable_hash(&format!("{owner}/{}/{}", self.namespace, self.key))),
            "namespace": self.namespace,
            "key": self.key,
            "type": self.kind,
            "value": self.value,
            "compareDigest": format!("{:016x}", stable_hash(&self.value)),
            "ownerType": "CUSTOMER",
            "ownerId": owner,
        })
    }
}

/// FNV-1a: a stable, dependency-free hash for fake IDs and digests.
fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
