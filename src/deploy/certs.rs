//! Certificate sets for a hostmap: one self-signed certificate and private
//! key per player, so a new deployment is one command away from TLS.
//! Players pin each other's certificates through the hostmap, so no
//! certificate authority is involved.

use std::path::Path;

use super::hostmap::Hostmap;
use crate::error::{Error, Result};
use crate::net::{TlsSettings, self_signed};

/// Writes `<name>.pem` and `<name>.key` for every player of the hostmap
/// into `dir`, and returns the hostmap with its certificate paths set
/// (relative to the hostmap's folder when `dir` is inside it).
pub fn generate(hostmap: &Hostmap, dir: &Path) -> Result<Hostmap> {
    std::fs::create_dir_all(dir).map_err(|e| Error::config(format!("cannot create {}: {e}", dir.display())))?;
    let mut updated = hostmap.clone();
    for entry in &mut updated.players {
        let (cert, key) = self_signed::certificate(&entry.name)?;
        let cert_path = dir.join(format!("{}.pem", entry.name));
        let key_path = dir.join(format!("{}.key", entry.name));
        write(&cert_path, &cert, 0o644)?;
        write(&key_path, &key, 0o600)?;
        let relative = cert_path.strip_prefix(&hostmap.base_dir).map(Path::to_path_buf).unwrap_or(cert_path);
        entry.certificate = Some(relative);
    }
    Ok(updated)
}

fn write(path: &Path, text: &str, mode: u32) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| Error::config(format!("cannot write {}: {e}", path.display())))?;
    file.write_all(text.as_bytes()).map_err(|e| Error::config(format!("cannot write {}: {e}", path.display())))
}

/// The TLS settings of player `me`: its certificate and `key_path`, and the
/// pinned certificate of every player in the hostmap.
pub fn tls_settings(hostmap: &Hostmap, me: &str, key_path: &Path) -> Result<TlsSettings> {
    let read = |path: &Path, what: &str| {
        std::fs::read_to_string(path).map_err(|e| Error::config(format!("cannot read {what} {}: {e}", path.display())))
    };
    let own = read(&hostmap.certificate_path(me)?, "the certificate")?;
    let key = read(key_path, "the private key")?;
    let mut peers = Vec::new();
    for entry in &hostmap.players {
        peers.push((entry.name.clone(), read(&hostmap.certificate_path(&entry.name)?, "the certificate")?));
    }
    TlsSettings::from_pem(&own, &key, &peers)
}
