//! SPEC §6 configuration: defaults, unknown keys, environment overrides, validation, redaction.

use cin7_sparklayer_core::config::{
    Config, ConfigError, CurrencyMode, OnLeave, TierSelection, ZeroPrice,
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
        c.cin7.base_url,
        "https://inventory.dearsystems.com/ExternalApi/v2/"
    );
    assert_eq!(c.cin7.page_size, 1000);
    assert_eq!(c.cin7.calls_per_minute, 60);
    assert_eq!(c.shopify.api_version, "2026-10");
    assert_eq!(c.sparklayer.base_url, "https://app.sparklayer.io");
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
        c.schedule.interval().unwrap(),
        std::time::Duration::from_secs(6 * 3600)
    );
    assert_eq!(c.daemon.listen, "127.0.0.1:8080");
    assert_eq!(c.state.path, "cin7-sparklayer.sqlite");
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
