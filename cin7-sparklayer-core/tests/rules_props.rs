//! Property tests: at least one per rule C1–C12 and P1–P3.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use cin7_sparklayer_core::config::{Currencies, CurrencyMode, CustomersConfig, ZeroPrice};
use cin7_sparklayer_core::hash::price_hash;
use cin7_sparklayer_core::model::{
    AccountInfo, AddressKind, CustomerGroup, CustomerPrice, DesiredPriceList, PriceListHeader,
    PriceListOrigin, PriceRow, PriceTier, RecordStatus, SourceAddress, SourceContact,
    SourceCustomer, SourceProduct, TierListKey,
};
use cin7_sparklayer_core::plan::{Baseline, Coverage, plan_list};
use cin7_sparklayer_core::report::SkipReason;
use cin7_sparklayer_core::rules::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn tag_variant(tag: &str) -> impl Strategy<Value = String> {
    let tag = tag.to_owned();
    (any::<Vec<bool>>(), 0usize..3, 0usize..3).prop_map(move |(caps, l, r)| {
        let body: String = tag
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if caps.get(i).copied().unwrap_or(false) {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        format!("{}{}{}", " ".repeat(l), body, " ".repeat(r))
    })
}

fn decimal() -> impl Strategy<Value = Decimal> {
    (-1_000_000i64..100_000_000, 0u32..=4).prop_map(|(n, s)| Decimal::new(n, s))
}

fn address() -> impl Strategy<Value = SourceAddress> {
    (
        prop_oneof![
            Just(Some(AddressKind::Shipping)),
            Just(Some(AddressKind::Billing)),
            Just(Some(AddressKind::Business)),
            Just(Some(AddressKind::Other)),
            Just(None)
        ],
        any::<bool>(),
        prop_oneof![
            Just("Australia"),
            Just("USA"),
            Just("UK"),
            Just("Narnia"),
            Just("")
        ],
    )
        .prop_map(|(kind, default_for_type, country)| SourceAddress {
            line1: Some("1 Main St".into()),
            country: Some(country.into()),
            state: Some("NSW".into()),
            kind,
            default_for_type,
            ..SourceAddress::default()
        })
}

fn arb_text() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some(String::new())),
        ".{0,40}".prop_map(Some),
        "[a-z]{1,8}@[a-z]{1,8}\\.(com|io)".prop_map(Some),
        Just(Some("x".repeat(100_000))),
    ]
}

fn contact() -> impl Strategy<Value = SourceContact> {
    (
        arb_text(),
        arb_text(),
        arb_text(),
        arb_text(),
        any::<bool>(),
    )
        .prop_map(
            |(name, phone, mobile_phone, email, default)| SourceContact {
                name,
                phone,
                mobile_phone,
                email,
                default,
            },
        )
}

fn customer() -> impl Strategy<Value = SourceCustomer> {
    (
        "[a-f0-9]{8}",
        arb_text(),
        prop_oneof![
            Just(RecordStatus::Active),
            Just(RecordStatus::Deprecated),
            Just(RecordStatus::Other("x".into()))
        ],
        prop::collection::vec(
            prop_oneof![
                Just("b2b".to_string()),
                Just("Trade".to_string()),
                ".{0,12}"
            ],
            0..4,
        ),
        prop::collection::vec(contact(), 0..3),
        prop::collection::vec(address(), 0..4),
        prop::collection::vec(("[A-Z]{1,4}", decimal()), 0..4),
        prop_oneof![
            Just(None),
            Just(Some("AUD".to_string())),
            Just(Some("usd".to_string())),
            Just(Some(String::new()))
        ],
        prop_oneof![
            Just(None),
            Just(Some("Tier 2".to_string())),
            Just(Some("Gold".to_string()))
        ],
        decimal(),
        any::<bool>(),
    )
        .prop_map(
            |(
                id,
                name,
                status,
                tags,
                contacts,
                addresses,
                prices,
                currency,
                tier,
                credit,
                hold,
            )| SourceCustomer {
                name,
                status,
                tags,
                contacts,
                addresses,
                currency,
                price_tier: tier,
                credit_limit: credit,
                on_credit_hold: hold,
                product_prices: prices
                    .into_iter()
                    .map(|(sku, price)| CustomerPrice { sku, price })
                    .collect(),
                ..SourceCustomer::new(id)
            },
        )
}

/// Any generated customer made mappable: active, tagged `b2b`, with a default contact whose
/// email is valid (everything else stays arbitrary), so properties of a mapped customer are
/// checked on every case rather than on the few that happen to map.
fn mappable() -> impl Strategy<Value = SourceCustomer> {
    (customer(), "[a-z]{1,8}@[a-z]{1,8}\\.com").prop_map(|(mut c, email)| {
        c.status = RecordStatus::Active;
        c.tags.push("b2b".into());
        c.contacts.insert(
            0,
            SourceContact {
                email: Some(email),
                default: true,
                ..c.contacts.first().cloned().unwrap_or_default()
            },
        );
        c
    })
}

fn account() -> AccountInfo {
    AccountInfo {
        base_currency: "AUD".into(),
        price_tiers: (1..=10)
            .map(|code| PriceTier {
                code,
                name: format!("Tier {code}"),
            })
            .collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// C1: scope is stable under tag case and spacing.
    #[test]
    fn c1_scope_stable_under_case_and_spacing(v in tag_variant("b2b"), others in prop::collection::vec("[a-z]{1,6}", 0..3)) {
        let mut tags = others.clone();
        tags.push(v);
        prop_assert!(has_included_tag(&tags, &["B2B".to_string()]));
        let other_tags: Vec<String> = others.into_iter().filter(|t| t != "b2b").collect();
        prop_assert!(!has_included_tag(&other_tags, &["b2b".to_string()]));
    }

    /// C1, C7: the allocation-free tag comparison agrees with comparing normalised tags, for
    /// any text (ASCII fast path and Unicode fallback, odd whitespace included).
    #[test]
    fn c1_c7_same_tag_agrees_with_normalize_tag(
        a in "[ \t\x0B\u{a0}aAbBΣσßİ-]{0,8}",
        b in "[ \t\x0B\u{a0}aAbBΣσßİ-]{0,8}",
    ) {
        prop_assert_eq!(same_tag(&a, &b), normalize_tag(&a) == normalize_tag(&b));
        prop_assert!(same_tag(&a, &a));
        let padded = format!("  {a}\t");
        prop_assert!(same_tag(&a, &padded), "surrounding spaces do not matter");
    }

    /// C2: the email is the first default contact's, trimmed; never another contact's without the fallback.
    #[test]
    fn c2_identity_is_the_default_contacts_email(c in customer(), fallback in any::<bool>()) {
        match pick_email(&c, fallback) {
            Ok(email) => {
                prop_assert!(is_valid_email(&email));
                let first_default = c.contacts.iter().find(|x| x.default);
                let from_default = first_default.and_then(|d| d.email.as_deref()).map(str::trim) == Some(email.as_str());
                if !fallback {
                    prop_assert!(from_default);
                } else {
                    prop_assert!(from_default || c.contacts.iter().any(|x| x.email.as_deref().map(str::trim) == Some(email.as_str())));
                }
            }
            Err(e) => prop_assert!([SkipReason::NoDefaultContactEmail, SkipReason::InvalidEmail].contains(&e.reason())),
        }
    }

    /// C3: a customer never appears twice; at most one keeper per email, and it is the linked one.
    #[test]
    fn c3_duplicates_one_keeper_per_email(
        rows in prop::collection::vec(("[a-d]", "[xy]@e\\.com"), 1..12),
        linked_pick in prop::collection::vec(any::<bool>(), 12),
    ) {
        let customers: Vec<(String, String)> = rows.iter().map(|(i, e)| (i.clone(), e.clone())).collect();
        let linked: HashSet<(String, String)> = customers.iter().zip(&linked_pick).filter(|(_, l)| **l).map(|(c, _)| (c.0.clone(), c.1.to_lowercase())).collect();
        let verdicts = resolve_duplicates(&customers, &linked);
        prop_assert_eq!(verdicts.len(), customers.len());
        let mut keepers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for ((id, email), v) in customers.iter().zip(&verdicts) {
            if *v == DuplicateVerdict::Keep {
                keepers.entry(email.to_lowercase()).or_default().insert(id.clone());
            }
        }
        for (email, ids) in &keepers {
            prop_assert_eq!(ids.len(), 1, "two Cin7 customers kept for {}", email);
            let distinct: BTreeSet<&String> = customers.iter().filter(|(_, e)| e.to_lowercase() == *email).map(|(i, _)| i).collect();
            if distinct.len() > 1 {
                let id = ids.iter().next().cloned().unwrap_or_default();
                prop_assert!(linked.contains(&(id, email.clone())));
            }
        }
    }

    /// C4: first name is the first word, last name the rest; together they are the name.
    #[test]
    fn c4_name_split_round_trips(words in prop::collection::vec("[A-Za-zé]{1,8}", 0..5), pad in "[ \t]{0,3}") {
        let name = format!("{pad}{}{pad}", words.join("  "));
        let (first, last) = split_name(Some(&name));
        match words.len() {
            0 => prop_assert_eq!((first, last), (None, None)),
            1 => { prop_assert_eq!(first.as_deref(), Some(words[0].as_str())); prop_assert_eq!(last, None); }
            _ => {
                prop_assert_eq!(first.as_deref(), Some(words[0].as_str()));
                prop_assert_eq!(last.unwrap_or_default(), words[1..].join(" "));
            }
        }
    }

    /// C4: a picked phone is E.164 and normalising it again changes nothing.
    #[test]
    fn c4_phone_is_e164_and_idempotent(digits in "[0-9]{6,12}", prefix in prop_oneof![Just(""), Just("0"), Just("+61 "), Just("+1 ")], country in prop_oneof![Just(Some("AU")), Just(Some("US")), Just(None)]) {
        let raw = format!("{prefix}{digits}");
        match pick_phone(&[Some(&raw), None], country) {
            PhonePick::Valid(p) => {
                prop_assert!(p.starts_with('+') && p[1..].chars().all(|c| c.is_ascii_digit()));
                prop_assert_eq!(to_e164(&p, None), Some(p.clone()));
            }
            PhonePick::Invalid => prop_assert_eq!(to_e164(&raw, country), None),
            PhonePick::Absent => prop_assert!(false, "a phone was given"),
        }
    }

    /// C5: the picked address is one of the inputs and follows the precedence.
    #[test]
    fn c5_address_pick_follows_precedence(addrs in prop::collection::vec(address(), 0..6)) {
        let rank = |a: &SourceAddress| -> Option<usize> {
            let k = match a.kind { Some(AddressKind::Shipping) => 0, Some(AddressKind::Billing) => 1, Some(AddressKind::Business) => 2, _ => return None };
            Some(if a.default_for_type { k } else { 3 + k })
        };
        match pick_address(&addrs) {
            None => prop_assert!(addrs.iter().all(|a| rank(a).is_none())),
            Some(i) => {
                let r = rank(&addrs[i]);
                prop_assert!(r.is_some());
                for (j, a) in addrs.iter().enumerate() {
                    if let Some(rj) = rank(a) {
                        prop_assert!(r <= Some(rj));
                        if Some(rj) == r { prop_assert!(i <= j); }
                    }
                }
            }
        }
    }

    /// C5: country names map the same under case and spacing; aliases agree with canonical names.
    #[test]
    fn c5_country_names_are_case_and_space_insensitive(
        pick in prop::sample::select(vec![("Australia", "AU"), ("United States", "US"), ("USA", "US"), ("United States of America", "US"), ("UK", "GB"), ("Great Britain", "GB"), ("United Kingdom", "GB"), ("New Zealand", "NZ"), ("Germany", "DE"), ("Canada", "CA")]),
        caps in any::<Vec<bool>>(),
    ) {
        let varied: String = pick.0.chars().enumerate().map(|(i, c)| if caps.get(i).copied().unwrap_or(false) { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }).collect();
        let code = country_code(&format!("  {} ", varied));
        prop_assert_eq!(code.as_deref(), Some(pick.1));
    }

    /// C5: the province sent is always an ISO 3166-2 code of the address's country, or none
    /// (with warning `unknown_province` naming the state), whatever Cin7's `State` holds.
    #[test]
    fn c5_province_is_a_code_of_the_country_or_none(
        country in prop::sample::select(vec!["Australia", "United States", "Canada", "Germany", "New Zealand", "Mexico", "Uruguay", "UK", "Japan"]),
        state in prop_oneof![
            "[A-Za-z]{1,3}",
            "[A-Za-z -]{0,24}",
            "\\PC{0,12}",
            prop::sample::select(vec!["NSW", "vic", "New South Wales", "ontario", "Quebec", "Ciudad de Mexico", "Bayern", "AU-QLD", "California", "Tokyo", "Atlantis", "Auckland"]).prop_map(String::from),
        ],
    ) {
        let source = SourceAddress {
            line1: Some("1 Main St".into()),
            country: Some(country.into()),
            state: Some(state.clone()),
            kind: Some(AddressKind::Shipping),
            default_for_type: true,
            ..SourceAddress::default()
        };
        let mapped = map_address(&source, &AddressPerson::default()).expect("known country");
        let cc = mapped.address.country_code.clone();
        match &mapped.address.province_code {
            Some(code) => {
                let sub = rust_iso3166::iso3166_2::from_code(&format!("{cc}-{code}"));
                prop_assert!(sub.is_some(), "{code} is not a subdivision of {cc}");
                prop_assert_eq!(mapped.unknown_province, None);
            }
            None => {
                let trimmed = state.trim();
                prop_assert_eq!(mapped.unknown_province.is_some(), !trimmed.is_empty());
            }
        }
    }

    /// C5: every subdivision's own name and code resolve to its code, under case changes.
    #[test]
    fn c5_subdivision_names_and_codes_resolve(
        country in prop::sample::select(vec!["AU", "US", "CA", "NZ", "MX", "DE", "JP", "IT"]),
        pick in any::<prop::sample::Index>(),
        upper in any::<bool>(),
    ) {
        let c = rust_iso3166::from_alpha2(country).expect("country");
        let subs = c.subdivisions().expect("subdivisions");
        let sub = pick.get(subs);
        let name = if upper { sub.name.to_uppercase() } else { sub.name.to_lowercase() };
        // Two subdivisions of one country may share a name; the first one wins.
        let first = subs.iter().find(|s| s.name.to_lowercase() == sub.name.to_lowercase()).unwrap();
        let by_name = province_code(country, &name);
        prop_assert_eq!(by_name.as_deref(), Some(first.region_code));
        let by_code = province_code(country, &sub.region_code.to_lowercase());
        prop_assert_eq!(by_code.as_deref(), Some(sub.region_code));
    }

    /// C6: tax exemption is an exact, case-insensitive name match.
    #[test]
    fn c6_tax_exempt_case_insensitive(v in tag_variant("tax exempt"), other in "[a-z]{3,10}") {
        let rules = vec!["Tax Exempt".to_string()];
        prop_assert!(is_tax_exempt(Some(&v), &rules));
        let longer = format!("{} tax exempt", other);
        prop_assert!(!is_tax_exempt(Some(&longer), &rules));
        prop_assert!(!is_tax_exempt(None, &rules));
    }

    /// C7: the group is the first tag, in tag order, that names a group.
    #[test]
    fn c7_group_follows_tag_order(tags in prop::collection::vec(prop_oneof![Just("Gold"), Just("silver"), Just("other"), Just("b2b")], 0..5)) {
        let groups = vec![
            CustomerGroup { name: "gold".into(), slug: "gold-slug".into() },
            CustomerGroup { name: "Silver".into(), slug: "silver-slug".into() },
        ];
        let tags: Vec<String> = tags.into_iter().map(String::from).collect();
        let pick = pick_group(&tags, &groups);
        let first = tags.iter().find(|t| groups.iter().any(|g| g.name.eq_ignore_ascii_case(t)));
        prop_assert_eq!(pick.group.map(|g| g.name.to_lowercase()), first.map(|t| t.to_lowercase()));
        let distinct: BTreeSet<String> = tags.iter().filter(|t| groups.iter().any(|g| g.name.eq_ignore_ascii_case(t))).map(|t| t.to_lowercase()).collect();
        prop_assert_eq!(pick.multiple, distinct.len() > 1);
    }

    /// C8: the customer's own list comes first, then the tier list; slugs are at most 30 characters.
    #[test]
    fn c8_list_order(id in ".{1,60}", tier in proptest::option::of(1u8..=10), own in any::<bool>()) {
        let slug = customer_slug("cin7", &id);
        let key = tier.map(TierListKey::tier);
        let lists = assigned_lists(own.then_some(slug.as_str()), key.as_ref(), "cin7");
        prop_assert_eq!(lists.len(), usize::from(own) + usize::from(tier.is_some()));
        if own { prop_assert_eq!(&lists[0], &slug); }
        if let Some(t) = tier { prop_assert_eq!(lists.last().cloned(), Some(tier_slug("cin7", t))); }
        prop_assert!(lists.iter().all(|s| s.len() <= MAX_SLUG_LEN));
    }

    /// C9: payment_on_account is a JSON number equal to the credit limit, 0 on hold.
    #[test]
    fn c9_credit_is_a_json_number(credit in decimal(), hold in any::<bool>()) {
        let mf = customer_metafields(&MetafieldInputs { cin7_id: "x", company_name: None, group_slug: None, price_lists: &[], credit_limit: credit, on_credit_hold: hold, currency_code: None, discount: None });
        let poa = mf.iter().find(|m| m.key.key == "payment_on_account").map(|m| m.value.clone()).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&poa).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let n = v.get("credit_limit").cloned().unwrap_or_default();
        prop_assert!(n.is_number());
        let got: Decimal = n.to_string().parse().map_err(|_| TestCaseError::fail("not a decimal"))?;
        let want = if hold { Decimal::ZERO } else { credit.round_dp(4) };
        prop_assert_eq!(got, want);
    }

    /// C10: `cin7.customer_id` is always the Cin7 ID; `sparklayer.company_name` is the trimmed
    /// `Name` (at most 255 characters) and is absent when the name is blank. Metafields are
    /// sorted and unique. Mapping never panics, whatever the record.
    #[test]
    fn c10_company_and_id_metafields(c in mappable()) {
        let cfg = CustomersConfig { currency: CurrencyMode::All, ..CustomersConfig::default() };
        let account = account();
        let ctx = MappingContext { customers: &cfg, prefix: "cin7", zero_price: ZeroPrice::Skip, pricing_enabled: true, account: &account, groups: &[], currencies: Currencies::none() };
        let mapped = map_customer(&c, &ctx);
        prop_assert!(mapped.is_ok(), "a mappable customer maps: {:?}", mapped.err());
        if let Ok(m) = mapped {
            let value = |ns: &str, key: &str| m.desired.metafields.iter().find(|f| f.key.namespace == ns && f.key.key == key).map(|f| f.value.clone());
            prop_assert_eq!(value("cin7", "customer_id"), Some(c.id.clone()));
            let name = c.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
            prop_assert_eq!(value("sparklayer", "company_name"), name.map(|n| n.chars().take(255).collect::<String>()));
            let keys: Vec<_> = m.desired.metafields.iter().map(|f| f.key.clone()).collect();
            let mut sorted = keys.clone(); sorted.sort(); sorted.dedup();
            prop_assert_eq!(keys, sorted);
        }
    }

    /// C11: the only tag the sync manages is `customers.b2b_tag` (trimmed), whatever the
    /// customer's own Cin7 tags are.
    #[test]
    fn c11_managed_tag_is_the_configured_b2b_tag(c in mappable(), tag in "[ ]{0,2}[A-Za-z][A-Za-z0-9-]{0,10}[ ]{0,2}") {
        let cfg = CustomersConfig { b2b_tag: tag.clone(), currency: CurrencyMode::All, ..CustomersConfig::default() };
        let account = account();
        let ctx = MappingContext { customers: &cfg, prefix: "cin7", zero_price: ZeroPrice::Skip, pricing_enabled: true, account: &account, groups: &[], currencies: Currencies::none() };
        let m = map_customer(&c, &ctx);
        prop_assert!(m.is_ok(), "a mappable customer maps: {:?}", m.err());
        prop_assert_eq!(m.map(|m| m.desired.managed_tags).unwrap_or_default(), vec![tag.trim().to_string()]);
    }

    /// C12: with `base_only`, a customer is skipped `non_base_currency` exactly when its
    /// currency is set and differs from the base currency (case-insensitive); with `all`,
    /// currency never skips anyone.
    #[test]
    fn c12_currency_skips_exactly_other_currencies(c in prop_oneof![customer(), mappable()]) {
        let account = account();
        let other_currency = c.currency.as_deref().map(str::trim).is_some_and(|cur| !cur.is_empty() && !cur.eq_ignore_ascii_case("AUD"));
        for mode in [CurrencyMode::BaseOnly, CurrencyMode::All] {
            let cfg = CustomersConfig { currency: mode, ..CustomersConfig::default() };
            let ctx = MappingContext { customers: &cfg, prefix: "cin7", zero_price: ZeroPrice::Skip, pricing_enabled: true, account: &account, groups: &[], currencies: Currencies::none() };
            let skipped_for_currency = matches!(map_customer(&c, &ctx), Err(ref s) if s.reason == SkipReason::NonBaseCurrency);
            let in_scope = check_scope(&c, &cfg.include_tags).is_ok();
            let valid_record = c.credit_limit.abs() < Decimal::from(10_000_000_000_000i64);
            let expected = mode == CurrencyMode::BaseOnly && other_currency && in_scope && valid_record;
            prop_assert_eq!(skipped_for_currency, expected);
        }
    }

    /// P1: tier lists hold only active products with a SKU and a positive price, and do not
    /// depend on the order products are read in.
    #[test]
    fn p1_tier_lists_order_independent(products in prop::collection::vec((prop_oneof![Just(RecordStatus::Active), Just(RecordStatus::Deprecated)], prop_oneof![Just(None), Just(Some("".to_string())), "[A-C]{1,2}".prop_map(Some)], prop::collection::vec(proptest::option::of(decimal()), 10)), 0..20), seed in any::<u64>()) {
        let products: Vec<SourceProduct> = products.into_iter().enumerate().map(|(i, (status, sku, prices))| {
            let mut tier_prices = [None; 10];
            for (t, p) in prices.into_iter().enumerate() { tier_prices[t] = p; }
            SourceProduct { id: format!("p{i:03}"), sku, status, tier_prices, last_modified: None }
        }).collect();
        let build = |ps: &[SourceProduct]| {
            let mut b = TierListBuilder::new(ZeroPrice::Skip);
            for p in ps { b.add(p); }
            b.finish(&(1..=10).collect(), &account(), "cin7").0
        };
        let a = build(&products);
        let mut shuffled = products.clone();
        let n = shuffled.len();
        if n > 1 { for i in 0..n { let j = ((seed as usize).wrapping_mul(31).wrapping_add(i * 7)) % n; shuffled.swap(i, j); } }
        prop_assert_eq!(&a, &build(&shuffled));
        for list in &a {
            let skus: BTreeSet<_> = list.rows.iter().map(|r| &r.sku).collect();
            prop_assert_eq!(skus.len(), list.rows.len());
            for r in &list.rows {
                prop_assert!(r.pricing.iter().all(|b| b.price > Decimal::ZERO));
                prop_assert!(products.iter().any(|p| p.status.is_active() && p.sku.as_deref() == Some(r.sku.as_str())));
            }
        }
    }

    /// P2: customer slugs are at most 30 characters of a-z0-9-, stable, and names at most 64 characters.
    #[test]
    fn p2_customer_slug_shape(id in ".{0,200}", name in proptest::option::of(".{0,300}"), prefix in "[a-z][a-z0-9-]{0,14}") {
        let s = customer_slug(&prefix, &id);
        prop_assert!(s.len() <= MAX_SLUG_LEN);
        prop_assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        prop_assert_eq!(&s, &customer_slug(&prefix, &id));
        prop_assert!(validate_prefix(&prefix).is_ok());
        prop_assert!(customer_list_name(name.as_deref(), &id).chars().count() <= MAX_LIST_NAME_LEN);
    }

    /// P3: applying the planned rows to the baseline gives exactly the desired list; an
    /// unchanged list plans nothing; rows written are only the changed ones.
    #[test]
    fn p3_plan_is_minimal_and_complete(
        base in prop::collection::btree_map("[a-f]{1,2}", 1i64..50, 0..15),
        want in prop::collection::btree_map("[a-f]{1,2}", 1i64..50, 0..15),
    ) {
        let rows = |m: &BTreeMap<String, i64>| m.iter().map(|(s, p)| PriceRow::single(s.clone(), Decimal::from(*p))).collect::<Vec<_>>();
        let desired = DesiredPriceList { header: PriceListHeader { slug: "cin7-tier-1".into(), name: "T".into(), currency: "AUD".into() }, origin: PriceListOrigin::Tier { code: 1 }, rows: rows(&want) };
        let baseline: BTreeMap<String, u64> = rows(&base).iter().map(|r| (r.sku.clone(), price_hash(&r.pricing))).collect();
        let plan = plan_list(desired.clone(), Baseline::Known(&baseline), Coverage::Complete, true);
        let mut applied = baseline.clone();
        for r in &plan.rows {
            if r.pricing.is_empty() { applied.remove(&r.sku); } else { applied.insert(r.sku.clone(), price_hash(&r.pricing)); }
        }
        let target: BTreeMap<String, u64> = desired.rows.iter().map(|r| (r.sku.clone(), price_hash(&r.pricing))).collect();
        prop_assert_eq!(&applied, &target);
        let changed = want.iter().filter(|(s, p)| base.get(*s) != Some(p)).count() + base.keys().filter(|s| !want.contains_key(*s)).count();
        prop_assert_eq!(plan.rows.len(), changed);
        prop_assert!(plan.batches(4).all(|b| b.len() <= 4));
        let again = plan_list(desired.clone(), Baseline::Known(&target), Coverage::Complete, true);
        prop_assert!(again.is_noop());
    }
}
