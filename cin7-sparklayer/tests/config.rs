//! SPEC §6 configuration as the facade composes it from the sections each crate owns: defaults,
//! unknown keys, environment overrides, validation, redaction.

use cin7_sparklayer::Config;
use cin7_sparklayer::ConfigError;
use cin7_sparklayer::core::config::{
    ContactsMode, CurrencyMode, OnLeave, TierSelection, ZeroPrice,
};

const MINIMAL: &str = r#"
[cin7]
account_id = "acc"
application_key = "key-from-file"
[shopify]
shop = "acme.myshopify.com"
access_token = "shpat_file"
[sparklayer]
site_id = "acme"
client_id = "cid"
client_secret = "csecret"
"#;

fn no_env(_: &str) -> Option<String> {
    None
}

#[test]
fn defaults_are_as_documented() {
    let c = Config::from_toml_str(MINIMAL, no_env).unwrap();
    assert_eq!(
        c.cin7.base_url.as_str(),
        "https://inventory.dearsystems.com/ExternalApi/v2/"
    );
    assert_eq!(c.cin7.page_size, 1000);
    assert_eq!(c.cin7.calls_per_minute, 60);
    assert_eq!(c.shopify.api_version, "2026-10");
    assert_eq!(c.sparklayer.base_url.as_str(), "https://app.sparklayer.io/");
    assert_eq!(c.customers.include_tags, vec!["b2b"]);
    assert_eq!(c.customers.b2b_tag, "b2b");
    assert!(c.customers.send_invites);
    assert_eq!(c.customers.on_leave, OnLeave::Keep);
    assert!(!c.customers.email_fallback);
    assert_eq!(c.customers.currency, CurrencyMode::BaseOnly);
    assert!(c.pricing.enabled);
    assert_eq!(c.pricing.prefix, "cin7");
    assert_eq!(c.pricing.tiers, TierSelection::Assigned);
    assert_eq!(c.pricing.zero_price, ZeroPrice::Skip);
    assert_eq!(c.pricing.batch_size, 500);
    assert_eq!(
        c.schedule.interval,
        std::time::Duration::from_secs(6 * 3600)
    );
    assert_eq!(c.schedule.poll, Some(std::time::Duration::from_secs(30)));
    assert_eq!(c.daemon.listen.to_string(), "127.0.0.1:8080");
    assert!(c.daemon.public_url.is_none() && c.daemon.webhook_token.is_none());
    assert_eq!(
        c.state.path,
        std::path::PathBuf::from("cin7-sparklayer.sqlite")
    );
}

#[test]
fn schedule_poll_takes_a_duration_or_off() {
    for (value, want) in [
        ("\"20s\"", Some(std::time::Duration::from_secs(20))),
        ("\"1m\"", Some(std::time::Duration::from_secs(60))),
        ("\"off\"", None),
        ("\" OFF \"", None),
    ] {
        let c = Config::from_toml_str(&format!("{MINIMAL}\n[schedule]\npoll = {value}\n"), no_env)
            .expect(value);
        assert_eq!(c.schedule.poll, want, "{value}");
    }
}

#[test]
fn unknown_key_is_named() {
    let text = format!("{MINIMAL}\n[pricing]\nbatchsize = 10\n");
    let err = Config::from_toml_str(&text, no_env)
        .unwrap_err()
        .to_string();
    assert!(err.contains("batchsize"), "{err}");
    assert!(!err.contains('\n'), "one line: {err}");
}

#[test]
fn environment_wins_over_the_file() {
    let c = Config::from_toml_str(MINIMAL, |k| {
        (k == "CIN7_APPLICATION_KEY").then(|| "key-from-env".to_string())
    })
    .unwrap();
    assert_eq!(c.cin7.application_key.unwrap().expose(), "key-from-env");
}

#[test]
fn missing_secret_names_key_and_variable() {
    let text = MINIMAL.replace("access_token = \"shpat_file\"\n", "");
    let err = Config::from_toml_str(&text, no_env).unwrap_err();
    assert_eq!(
        err,
        ConfigError::Missing {
            key: "shopify.access_token",
            env: "SHOPIFY_ACCESS_TOKEN"
        }
    );
    assert!(err.to_string().contains("SHOPIFY_ACCESS_TOKEN"));
    assert!(
        Config::from_toml_str(&text, |k| (k == "SHOPIFY_ACCESS_TOKEN")
            .then(|| "t".to_string()))
        .is_ok()
    );
}

#[test]
fn validation_rejects_bad_values() {
    for (extra, key) in [
        ("[customers]\ninclude_tags = []\n", "customers.include_tags"),
        (
            "[customers]\ninclude_tags = [\"  \"]\n",
            "customers.include_tags",
        ),
        ("[pricing]\nbatch_size = 0\n", "pricing.batch_size"),
        (
            "[pricing]\nprefix = \"Way-Too-Long-Prefix-Here\"\n",
            "pricing.prefix",
        ),
        ("[schedule]\ninterval = \"soon\"\n", "schedule.interval"),
        ("[schedule]\npoll = \"soon\"\n", "schedule.poll"),
        ("[schedule]\npoll = 30\n", "schedule.poll"),
        ("[daemon]\nlisten = \"localhost\"\n", "daemon.listen"),
        (
            "[daemon]\npublic_url = \"sync.example.com\"\n",
            "daemon.public_url",
        ),
        (
            "[daemon]\npublic_url = \"https://sync.example.com/?x=1\"\n",
            "daemon.public_url",
        ),
    ] {
        let err = Config::from_toml_str(&format!("{MINIMAL}\n{extra}"), no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{extra}: {err}");
    }
    let bad_enum = format!("{MINIMAL}\n[customers]\non_leave = \"delete\"\n");
    assert!(
        Config::from_toml_str(&bad_enum, no_env)
            .unwrap_err()
            .to_string()
            .contains("delete")
    );
}

#[test]
fn shopify_api_version_must_be_a_supported_stable_version() {
    let with = |version: &str| {
        Config::from_toml_str(
            &MINIMAL.replace(
                "shop = \"acme.myshopify.com\"",
                &format!("shop = \"acme.myshopify.com\"\napi_version = \"{version}\""),
            ),
            no_env,
        )
    };
    for ok in ["2025-04", "2025-10", "2026-10", "2027-01", "unstable"] {
        assert!(with(ok).is_ok(), "{ok}");
    }
    for (bad, says) in [
        ("2024-10", "too old"),
        ("2025-01", "too old"),
        ("2026-11", "not a Shopify API version"),
        ("latest", "not a Shopify API version"),
        ("", "not a Shopify API version"),
    ] {
        let err = with(bad).unwrap_err().to_string();
        assert!(
            err.contains("shopify.api_version") && err.contains(says),
            "{bad}: {err}"
        );
    }
}

#[test]
fn shopify_client_credentials_replace_the_access_token() {
    let text = MINIMAL.replace(
        "access_token = \"shpat_file\"",
        "client_id = \"app-id-3f\"\nclient_secret = \"shpss_file_secret\"",
    );
    let c = Config::from_toml_str(&text, no_env).expect("client credentials alone are enough");
    let dbg = format!("{c:?}");
    assert!(
        !dbg.contains("shpss_file_secret") && !dbg.contains("app-id-3f"),
        "{dbg}"
    );
    // The environment can provide them too, and wins over the file.
    let only_id = MINIMAL.replace("access_token = \"shpat_file\"", "client_id = \"app-id-3f\"");
    let err = Config::from_toml_str(&only_id, no_env)
        .unwrap_err()
        .to_string();
    assert!(err.contains("SHOPIFY_CLIENT_SECRET"), "{err}");
    let c = Config::from_toml_str(&only_id, |k| {
        (k == "SHOPIFY_CLIENT_SECRET").then(|| "shpss_env".to_string())
    })
    .expect("secret from the environment");
    assert!(
        c.shopify
            .client_secret
            .is_some_and(|s| s.expose() == "shpss_env")
    );
    // Both ways at once is a mistake named in one line.
    let both = MINIMAL.replace(
        "access_token = \"shpat_file\"",
        "access_token = \"shpat_file\"\nclient_id = \"app-id-3f\"\nclient_secret = \"shpss_file_secret\"",
    );
    let err = Config::from_toml_str(&both, no_env)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not both") && !err.contains("shpss_file_secret"),
        "{err}"
    );
}

#[test]
fn secrets_never_show_in_debug() {
    let c = Config::from_toml_str(MINIMAL, no_env).unwrap();
    let dbg = format!("{c:?}");
    for secret in ["key-from-file", "shpat_file", "csecret"] {
        assert!(!dbg.contains(secret), "{secret} leaked");
    }
}

#[test]
fn an_unknown_key_in_a_section_is_named_with_its_section() {
    let text = MINIMAL.replace("access_token = ", "acess_token = ");
    let err = Config::from_toml_str(&text, no_env).unwrap_err();
    let line = err.to_string();
    assert!(
        line.starts_with("invalid shopify.acess_token: unknown field `acess_token`"),
        "{line}"
    );
    assert!(
        !line.contains("shpat_file") && !line.contains('\n'),
        "{line}"
    );
    // A whole unknown table, and a key at the top level of a known one.
    let err = Config::from_toml_str(&format!("{MINIMAL}\n[shopify.extra]\nx = 1\n"), no_env)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("invalid shopify.extra: unknown field"),
        "{err}"
    );
    let err = Config::from_toml_str(&format!("{MINIMAL}\n[stat]\npath = \"x\"\n"), no_env)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("invalid stat: unknown field `stat`"),
        "{err}"
    );
}

#[test]
fn values_refused_while_reading_keep_their_lines() {
    for (extra, line) in [
        (
            "[daemon]\nlisten = \"localhost\"\n",
            "invalid daemon.listen: must be an address and port such as \"127.0.0.1:8080\"",
        ),
        (
            "[daemon]\npublic_url = \"sync.example.com\"\n",
            "invalid daemon.public_url: must be an http(s) URL",
        ),
        (
            "[daemon]\npublic_url = \"https://sync.example.com/#x\"\n",
            "invalid daemon.public_url: give the base address only, e.g. \"https://sync.example.com\"",
        ),
        (
            "[schedule]\ninterval = \"5s\"\n",
            "invalid schedule.interval: must be at least 10s",
        ),
        (
            "[schedule]\npoll = \"2s\"\n",
            "invalid schedule.poll: must be at least 5s, or \"off\"",
        ),
        (
            "[state]\npath = \" \"\n",
            "invalid state.path: must not be empty",
        ),
        (
            "[state]\npath = \"s.sqlite\"\nurl = \"postgres://u:s3cret@db/state\"\n",
            "invalid state: state.path and state.url are both set: keep state.path for an SQLite \
             file or state.url for PostgreSQL",
        ),
        (
            "[state]\nurl = \"mysql://u:s3cret@db/state\"\n",
            "invalid state.url: must start with postgres:// or postgresql:// (for an SQLite file, \
             set state.path instead)",
        ),
        (
            "[state]\nurl = \"postgres://u:s3cret@db/state\"\nuri = \"x\"\n",
            "invalid state.uri: unknown field `uri`, expected `path` or `url`",
        ),
        (
            "[customers]\nb2b_tag = \"a,b\"\n",
            "invalid customers.b2b_tag: must be one non-empty tag without commas",
        ),
        (
            "[pricing]\nbatch_size = 1001\n",
            "invalid pricing.batch_size: must be between 1 and 1000",
        ),
    ] {
        let err = Config::from_toml_str(&format!("{MINIMAL}\n{extra}"), no_env).unwrap_err();
        assert_eq!(err.to_string(), line, "{extra}");
    }
    for (from, to, line) in [
        (
            "application_key = \"key-from-file\"",
            "application_key = \"key-from-file\"\nbase_url = \"ftp://cin7.example\"",
            "invalid cin7.base_url: must be an http(s) URL",
        ),
        (
            "application_key = \"key-from-file\"",
            "application_key = \"key-from-file\"\npage_size = 0",
            "invalid cin7.page_size: must be between 1 and 1000",
        ),
        (
            "site_id = \"acme\"",
            "site_id = \"acme\"\nbase_url = \"not a url\"",
            "invalid sparklayer.base_url: must be an http(s) URL",
        ),
        (
            "shop = \"acme.myshopify.com\"",
            "shop = \"acme.myshopify.com\"\nendpoint = \"graphql.json\"",
            "invalid shopify.endpoint: must be an http(s) URL",
        ),
        (
            "shop = \"acme.myshopify.com\"",
            "shop = \"\"",
            "invalid shopify.shop: give the shop's domain, e.g. \"acme.myshopify.com\"",
        ),
        (
            "site_id = \"acme\"",
            "site_id = \" \"",
            "invalid sparklayer.site_id: must not be empty",
        ),
    ] {
        let err = Config::from_toml_str(&MINIMAL.replace(from, to), no_env).unwrap_err();
        assert_eq!(err.to_string(), line, "{to}");
    }
}

#[test]
fn sparklayer_settings_are_needed_only_when_pricing_is_on() {
    let text = MINIMAL
        .replace("client_id = \"cid\"\n", "")
        .replace("client_secret = \"csecret\"\n", "")
        .replace("site_id = \"acme\"", "site_id = \"\"");
    let err = Config::from_toml_str(&text, no_env).unwrap_err();
    assert_eq!(
        err,
        ConfigError::Missing {
            key: "sparklayer.client_id",
            env: "SPARKLAYER_CLIENT_ID"
        }
    );
    let off = format!("{text}\n[pricing]\nenabled = false\n");
    assert!(Config::from_toml_str(&off, no_env).is_ok());
}

#[test]
fn every_section_secret_is_listed_and_read_from_the_environment() {
    use cin7_sparklayer::config::{DaemonConfig, SECRET_ENV_VARS};
    let sections = cin7_sparklayer::cin7_client::Cin7Config::SECRET_ENV_VARS
        .into_iter()
        .chain(cin7_sparklayer::shopify_client::ShopifyConfig::SECRET_ENV_VARS)
        .chain(cin7_sparklayer::sparklayer_client::SparkLayerConfig::SECRET_ENV_VARS)
        .chain(DaemonConfig::SECRET_ENV_VARS)
        .collect::<Vec<_>>();
    assert_eq!(sections, SECRET_ENV_VARS.to_vec());
    // Every variable wins over the file: each one's value shows up in its key.
    let text = MINIMAL.replace("access_token = \"shpat_file\"\n", "");
    let c = Config::from_toml_str(&text, |k| Some(format!("env-{k}"))).unwrap_err();
    assert!(
        c.to_string().contains("not both"),
        "token and client credentials: {c}"
    );
    let c = Config::from_toml_str(&text, |k| {
        (k != "SHOPIFY_ACCESS_TOKEN").then(|| format!("env-{k}"))
    })
    .unwrap();
    let got = [
        c.cin7.account_id,
        c.cin7.application_key,
        c.shopify.client_id,
        c.shopify.client_secret,
        c.sparklayer.client_id,
        c.sparklayer.client_secret,
        c.daemon.webhook_token,
    ]
    .map(|s| s.map(|s| s.expose().to_owned()));
    let want = [
        "CIN7_ACCOUNT_ID",
        "CIN7_APPLICATION_KEY",
        "SHOPIFY_CLIENT_ID",
        "SHOPIFY_CLIENT_SECRET",
        "SPARKLAYER_CLIENT_ID",
        "SPARKLAYER_CLIENT_SECRET",
        "CIN7_WEBHOOK_TOKEN",
    ]
    .map(|k| Some(format!("env-{k}")));
    assert_eq!(got, want);
}

#[test]
fn the_engine_settings_come_from_the_rules_sections() {
    let text =
        format!("{MINIMAL}\n[customers]\non_leave = \"revoke\"\n[pricing]\nbatch_size = 7\n");
    let c = Config::from_toml_str(&text, no_env).unwrap();
    let s = cin7_sparklayer::EngineSettings::from_config(&c);
    assert_eq!(s.customers.on_leave, OnLeave::Revoke);
    assert_eq!(s.pricing.batch_size, 7);
}

#[test]
fn customers_contacts_is_default_or_all_and_a_bad_value_names_the_key() {
    let c = Config::from_toml_str(MINIMAL, no_env).unwrap();
    assert_eq!(c.customers.contacts, ContactsMode::Default, "C16 default");
    let all = format!("{MINIMAL}\n[customers]\ncontacts = \"all\"\n");
    let c = Config::from_toml_str(&all, no_env).unwrap();
    let s = cin7_sparklayer::EngineSettings::from_config(&c);
    assert_eq!(s.customers.contacts, ContactsMode::All);
    let bad = format!("{MINIMAL}\n[customers]\ncontacts = \"everyone\"\n");
    let err = Config::from_toml_str(&bad, no_env).unwrap_err().to_string();
    assert!(err.contains("customers.contacts"), "{err}");
    assert!(err.contains("everyone"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn every_secret_may_come_from_a_file_and_the_environment_still_wins() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("config-secret-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, value: &str| {
        let path = dir.join(name);
        std::fs::write(&path, value).unwrap();
        format!("{:?}", path.display().to_string())
    };
    let text = format!(
        "{}\n[daemon]\nwebhook_token_file = {}\n[state]\nurl_file = {}\n",
        MINIMAL
            .replace(
                "application_key = \"key-from-file\"",
                &format!("application_key_file = {}", file("key", "k-in-a-file\n"))
            )
            .replace(
                "client_secret = \"csecret\"",
                &format!("client_secret_file = {}", file("sl", "sl-in-a-file"))
            ),
        file("hook", "hook-in-a-file\r\n"),
        file("pg", "postgres://sync:pw-in-a-file@db/sync\n"),
    );
    let c = Config::from_toml_str(&text, no_env).unwrap();
    let shown =
        |s: &Option<cin7_sparklayer::core::Secret>| s.as_ref().map(|s| s.expose().to_owned());
    assert_eq!(
        shown(&c.cin7.application_key).as_deref(),
        Some("k-in-a-file")
    );
    assert_eq!(
        shown(&c.sparklayer.client_secret).as_deref(),
        Some("sl-in-a-file")
    );
    assert_eq!(
        shown(&c.daemon.webhook_token).as_deref(),
        Some("hook-in-a-file")
    );
    assert_eq!(
        shown(&c.state.url).as_deref(),
        Some("postgres://sync:pw-in-a-file@db/sync")
    );
    assert!(!format!("{c:?}").contains("in-a-file"), "redacted in Debug");
    let env = |k: &str| (k == "CIN7_APPLICATION_KEY").then(|| "k-from-env".to_owned());
    let c = Config::from_toml_str(&text, env).unwrap();
    assert_eq!(
        shown(&c.cin7.application_key).as_deref(),
        Some("k-from-env")
    );
    // Not a secret: no `_file` form.
    let err =
        Config::from_toml_str(&MINIMAL.replace("shop = ", "shop_file = "), no_env).unwrap_err();
    assert!(
        err.to_string().starts_with("invalid shopify.shop_file: "),
        "{err}"
    );
}

/// P5: `pricing.tier_currency` and `pricing.exchange_rates` are read from the TOML into the
/// core's checked currencies (codes in any case, rates as TOML floats, integers or strings kept
/// exact).
#[test]
fn currency_tables_are_read_exactly() {
    let text = format!(
        "{MINIMAL}\n[customers]\ncurrency = \"all\"\n[pricing]\n\
         tier_currency = {{ \"5\" = \"usd\" }}\n\
         exchange_rates = {{ USD = 0.65, NZD = 1.08, JPY = 97, BHD = \"0.245\" }}\n"
    );
    let c = Config::from_toml_str(&text, no_env).expect("valid");
    let currencies = c.pricing.currencies().expect("checked");
    assert_eq!(currencies.tier_currency(5, "AUD"), "USD");
    assert_eq!(currencies.tier_currency(1, "AUD"), "AUD");
    let usd = currencies.rate("usd").expect("USD rate");
    assert_eq!(usd.rate.to_string(), "0.65");
    assert_eq!(usd.minor_units, 2);
    assert_eq!(currencies.rate("JPY").map(|r| r.minor_units), Some(0));
    let bhd = currencies.rate("BHD").expect("BHD rate");
    assert_eq!(
        (bhd.rate.to_string().as_str(), bhd.minor_units),
        ("0.245", 3)
    );
    let s = cin7_sparklayer::EngineSettings::from_config(&c);
    assert_eq!(s.pricing.exchange_rates.len(), 4);
}

/// P5: an unknown currency code, a rate ≤ 0 and a tier code outside 1–10 are one line naming
/// the key to fix.
#[test]
fn currency_errors_name_the_key() {
    for (extra, line) in [
        (
            "exchange_rates = { XYZ = 1.5 }",
            "invalid pricing.exchange_rates.XYZ: \"XYZ\" is not an ISO 4217 currency code",
        ),
        (
            "exchange_rates = { USD = 0 }",
            "invalid pricing.exchange_rates.USD: rate 0 must be greater than 0",
        ),
        (
            "exchange_rates = { NZD = -1.08 }",
            "invalid pricing.exchange_rates.NZD: rate -1.08 must be greater than 0",
        ),
        (
            "tier_currency = { \"11\" = \"USD\" }",
            "invalid pricing.tier_currency.11: tier code \"11\" must be \"1\" to \"10\"",
        ),
        (
            "tier_currency = { \"gold\" = \"USD\" }",
            "invalid pricing.tier_currency.gold: tier code \"gold\" must be \"1\" to \"10\"",
        ),
        (
            "tier_currency = { \"3\" = \"DOLLARS\" }",
            "invalid pricing.tier_currency.3: \"DOLLARS\" is not an ISO 4217 currency code",
        ),
    ] {
        let text = format!("{MINIMAL}\n[pricing]\n{extra}\n");
        let err = Config::from_toml_str(&text, no_env)
            .unwrap_err()
            .to_string();
        assert_eq!(err, line, "{extra}");
        assert_eq!(err.lines().count(), 1);
    }
    // A rate that is no number is refused while reading, named the same way.
    let text = format!("{MINIMAL}\n[pricing]\nexchange_rates = {{ USD = true }}\n");
    let err = Config::from_toml_str(&text, no_env)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("invalid pricing.exchange_rates.USD:"),
        "{err}"
    );
}
