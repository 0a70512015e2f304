//! Self-signed certificates, made in memory. Players pin each other's
//! certificates, so no certificate authority is involved: a deployment
//! writes them to files (`deploy::certs`), local mode runs over TLS with a
//! set that lives only as long as the session.

use super::TlsSettings;
use crate::error::{Error, Result};

/// A fresh self-signed certificate for `name` and its private key, both PEM.
pub fn certificate(name: &str) -> Result<(String, String)> {
    let certified = rcgen::generate_simple_self_signed(vec![name.to_string()])
        .map_err(|e| Error::internal(format!("certificate generation failed: {e}")))?;
    Ok((certified.cert.pem(), certified.signing_key.serialize_pem()))
}

/// TLS settings for every player of `names`, from fresh certificates that
/// live only in memory: TLS in local mode, to measure what it costs.
pub fn ephemeral_set(names: &[String]) -> Result<Vec<TlsSettings>> {
    let mut pems = Vec::new();
    for name in names {
        let (cert, key) = certificate(name)?;
        pems.push((name.clone(), cert, key));
    }
    let peers: Vec<(String, String)> = pems.iter().map(|(n, c, _)| (n.clone(), c.clone())).collect();
    pems.iter().map(|(_, cert, key)| TlsSettings::from_pem(cert, key, &peers)).collect()
}
