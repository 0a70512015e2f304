//! Certificates and keys of a deployment. In a real one each player makes
//! its own key and self-signed certificate where it runs ([`keygen`]), only
//! certificates travel, and one command pins them into the hostmap
//! ([`pin`]). [`generate`] makes every player's key on one machine, for
//! local tests only: whoever runs it can be any player. Players pin each
//! other's certificates, so no certificate authority is involved.

use std::path::{Path, PathBuf};

use super::hostmap::Hostmap;
use crate::error::{Error, Result};
use crate::net::{TlsSettings, self_signed};

/// Writes one player's new private key and self-signed certificate into
/// `dir` (created if missing) as `<name>.key` (mode 0600, also when it
/// replaces a file) and `<name>.pem`, and returns their paths. The key
/// never needs to leave the player's machine; the certificate goes to
/// whoever pins the hostmap.
pub fn keygen(name: &str, dir: &Path) -> Result<(PathBuf, PathBuf)> {
    crate::graph::validate_player_name(name)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::config(format!("cannot create {}: {e}", dir.display())))?;
    let (cert, key) = self_signed::certificate(name)?;
    let cert_path = dir.join(format!("{name}.pem"));
    let key_path = dir.join(format!("{name}.key"));
    write(&key_path, &key, 0o600)?;
    write(&cert_path, &cert, 0o644)?;
    Ok((cert_path, key_path))
}

/// The hostmap with the certificate of each `(player, file)` pinned: each
/// file must hold a PEM certificate, each player must be in the hostmap,
/// and no two players may end up with the same certificate. A path is
/// written relative to the hostmap's folder when the file is inside it.
pub fn pin(hostmap: &Hostmap, certificates: &[(String, PathBuf)]) -> Result<Hostmap> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let base = absolute(if hostmap.base_dir.as_os_str().is_empty() { Path::new(".") } else { &hostmap.base_dir });
    let mut updated = hostmap.clone();
    for (name, file) in certificates {
        hostmap.entry(name)?;
        let pem = std::fs::read(file)
            .map_err(|e| Error::config(format!("cannot read the certificate of '{name}' {}: {e}", file.display())))?;
        CertificateDer::from_pem_slice(&pem)
            .map_err(|e| Error::config(format!("{} (for '{name}') holds no PEM certificate: {e}", file.display())))?;
        let path = absolute(file);
        let relative = path.strip_prefix(&base).map(Path::to_path_buf).unwrap_or(path);
        for entry in updated.players.iter_mut().filter(|p| p.name == *name) {
            entry.certificate = Some(relative.clone());
        }
    }
    updated.check_distinct_certificates()?;
    Ok(updated)
}

/// Writes `<name>.pem` and `<name>.key` for every player of the hostmap
/// into `dir`, and returns the hostmap with its certificate paths set
/// (relative to the hostmap's folder when `dir` is inside it). Every
/// private key is made here, so whoever runs this can be any player: for
/// local tests only; a deployment uses [`keygen`] at each player and [`pin`].
pub fn generate(hostmap: &Hostmap, dir: &Path) -> Result<Hostmap> {
    std::fs::create_dir_all(dir).map_err(|e| Error::config(format!("cannot create {}: {e}", dir.display())))?;
    let mut updated = hostmap.clone();
    for entry in &mut updated.players {
        let (cert, key) = self_signed::certificate(&entry.name)?;
        let cert_path = dir.join(format!("{}.pem", entry.name));
        let key_path = dir.join(format!("{}.key", entry.name));
        write(&key_path, &key, 0o600)?;
        write(&cert_path, &cert, 0o644)?;
        let relative = cert_path.strip_prefix(&hostmap.base_dir).map(Path::to_path_buf).unwrap_or(cert_path);
        entry.certificate = Some(relative);
    }
    Ok(updated)
}

/// Writes `text` to `path` with permissions `mode`. The mode given at
/// creation applies only to a new file, so an existing one (say, a key
/// file left at 0644) is set to `mode` before anything is written to it.
fn write(path: &Path, text: &str, mode: u32) -> Result<()> {
    use std::io::Write;
    let failed = |e: std::io::Error| Error::config(format!("cannot write {}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    let mut file = options.open(path).map_err(failed)?;
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(mode)).map_err(failed)?;
    #[cfg(not(unix))]
    let _ = mode;
    file.write_all(text.as_bytes()).map_err(failed)
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
