//! TLS for `sslmode=require`: rustls (the workspace's TLS stack, with aws-lc-rs) verifying the
//! server's certificate and name against the operating system's trust store.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls_platform_verifier::BuilderVerifierExt;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::PgOpenError;

/// The TLS connector. Stricter than libpq's `require`, which encrypts without verifying: a
/// server whose certificate the system does not trust is refused (install its CA in the
/// system's trust store).
pub(crate) fn connector() -> Result<MakeRustlsConnect, PgOpenError> {
    let tls = |source| PgOpenError::Tls { source };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls)?
        .with_platform_verifier()
        .map_err(tls)?
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}
