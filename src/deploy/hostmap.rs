//! The hostmap: where each player of a deployment listens, which
//! certificate it presents, and the session's timeouts. A JSON file, like
//! TF Encrypted's `config.json`:
//!
//! ```json
//! {
//!   "players": [
//!     {"name": "server0", "address": "10.0.0.1:4000", "certificate": "certs/server0.pem"},
//!     {"name": "server1", "address": "10.0.0.2:4000", "certificate": "certs/server1.pem"},
//!     {"name": "server2", "address": "10.0.0.3:4000", "certificate": "certs/server2.pem"},
//!     {"name": "input-provider", "address": "10.0.0.4:4000", "certificate": "certs/input-provider.pem"}
//!   ],
//!   "connect_timeout_ms": 30000,
//!   "recv_timeout_ms": 30000,
//!   "link": {"rtt_ms": 40, "mbit_per_s": 352}
//! }
//! ```
//!
//! `link` (optional) declares the network between the servers: its round
//! trip and bandwidth. The servers then take the forms of their ops that are
//! fastest across it (`Party::assume_link`): across a WAN, the three-round
//! sign on tensors of thousands of elements instead of a few hundred. It is
//! part of the session: players whose hostmaps declare different links
//! refuse each other. Without it, the servers measure the link when they
//! connect (`Party::measure_link`).
//!
//! Certificate paths are relative to the hostmap's folder. Every problem is
//! an error that names the entry: unknown keys, duplicate or missing
//! players, bad names, addresses and timeouts, unreadable files. Two players
//! on one address, or with one certificate, are an error that names both:
//! the second could never be reached, or either could be the other.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::graph::{Graph, SERVERS, validate_player_name};
use crate::net::PlayerAddr;
use crate::net::memory::LinkModel;

/// One player of the hostmap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostEntry {
    /// The player's name, as the graph names it.
    pub name: String,
    /// `host:port` where the player listens.
    pub address: String,
    /// The player's certificate (PEM), relative to the hostmap's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<PathBuf>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostmapFile {
    players: Vec<HostEntry>,
    #[serde(default = "default_timeout_ms")]
    connect_timeout_ms: u64,
    #[serde(default = "default_timeout_ms")]
    recv_timeout_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    link: Option<LinkFile>,
}

/// The `link` of a hostmap file.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkFile {
    rtt_ms: f64,
    mbit_per_s: f64,
}

impl LinkFile {
    fn model(self) -> Result<LinkModel> {
        let ok = |v: f64, most: f64| v.is_finite() && v > 0.0 && v <= most;
        if !ok(self.rtt_ms, MAX_TIMEOUT_MS as f64) {
            return Err(Error::config(format!(
                "link.rtt_ms is {}: expected above 0 and at most {MAX_TIMEOUT_MS}",
                self.rtt_ms
            )));
        }
        if !ok(self.mbit_per_s, 1e7) {
            return Err(Error::config(format!(
                "link.mbit_per_s is {}: expected above 0 and at most 10^7",
                self.mbit_per_s
            )));
        }
        Ok(LinkModel {
            rtt: Duration::from_secs_f64(self.rtt_ms / 1000.0),
            bits_per_second: (self.mbit_per_s * 1e6) as u64,
        })
    }
}

fn default_timeout_ms() -> u64 {
    30_000
}

/// Longest timeout accepted: one day.
const MAX_TIMEOUT_MS: u64 = 24 * 3600 * 1000;

/// A validated hostmap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hostmap {
    /// Every player, in the hostmap's order.
    pub players: Vec<HostEntry>,
    /// How long a player keeps trying to connect to a peer.
    pub connect_timeout: Duration,
    /// How long a player waits for a message before it names the silent peer.
    pub recv_timeout: Duration,
    /// The folder certificate paths are relative to.
    pub base_dir: PathBuf,
    /// The network between the servers, if the hostmap declares it.
    pub link: Option<LinkModel>,
}

impl Hostmap {
    /// Reads and validates a hostmap file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("cannot read hostmap {}: {e}", path.display())))?;
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let in_file = |e| match e {
            Error::Config(m) => Error::config(format!("hostmap {}: {m}", path.display())),
            other => other,
        };
        let hostmap = Hostmap::parse(&text, base_dir).map_err(in_file)?;
        hostmap.check_distinct_certificates().map_err(in_file)?;
        Ok(hostmap)
    }

    /// An error naming both players when two of them pin the same
    /// certificate, by path or by content: whoever holds its key could be
    /// either. Certificate files that cannot be read or parsed yet are
    /// left to [`certs::tls_settings`](super::certs::tls_settings), which
    /// needs them (a plaintext deployment does not).
    pub fn check_distinct_certificates(&self) -> Result<()> {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let mut seen: Vec<(usize, Vec<u8>)> = Vec::new();
        for (i, entry) in self.players.iter().enumerate() {
            let Some(cert) = &entry.certificate else { continue };
            let path = self.base_dir.join(cert);
            let der = std::fs::read(&path)
                .ok()
                .and_then(|pem| CertificateDer::from_pem_slice(&pem).ok())
                .map(|der| der.as_ref().to_vec());
            for (j, other) in self.players[..i].iter().enumerate() {
                let same_file = other.certificate.as_ref().is_some_and(|c| self.base_dir.join(c) == path);
                let same_der = der.is_some() && seen.iter().any(|(k, d)| *k == j && Some(d) == der.as_ref());
                if same_file || same_der {
                    return Err(Error::config(format!(
                        "players[{j}] ('{}') and players[{i}] ('{}') have the same certificate ({}): \
                         whoever holds its key could be either; give each player its own (tfe keygen)",
                        other.name,
                        entry.name,
                        path.display()
                    )));
                }
            }
            if let Some(der) = der {
                seen.push((i, der));
            }
        }
        Ok(())
    }

    /// Parses and validates hostmap JSON.
    pub fn parse(text: &str, base_dir: PathBuf) -> Result<Self> {
        let file: HostmapFile = serde_json::from_str(text).map_err(|e| Error::config(format!("{e}")))?;
        let mut seen = std::collections::HashSet::new();
        let mut addresses: Vec<String> = Vec::new();
        for (i, entry) in file.players.iter().enumerate() {
            let at = |m: String| Error::config(format!("players[{i}] ('{}'): {m}", entry.name));
            validate_player_name(&entry.name).map_err(|e| at(e.to_string()))?;
            if !seen.insert(entry.name.as_str()) {
                return Err(at("the player is listed twice".into()));
            }
            check_address(&entry.address).map_err(at)?;
            let address = same_address_key(&entry.address);
            if let Some(j) = addresses.iter().position(|a| *a == address) {
                return Err(Error::config(format!(
                    "players[{j}] ('{}') and players[{i}] ('{}') have the same address {}: \
                     every player needs an address of its own",
                    file.players[j].name, entry.name, entry.address
                )));
            }
            addresses.push(address);
        }
        for server in SERVERS {
            if !seen.contains(server) {
                return Err(Error::config(format!("the compute server '{server}' is missing from players")));
            }
        }
        for (key, ms) in [("connect_timeout_ms", file.connect_timeout_ms), ("recv_timeout_ms", file.recv_timeout_ms)] {
            if ms == 0 || ms > MAX_TIMEOUT_MS {
                return Err(Error::config(format!("{key} is {ms}: expected 1 to {MAX_TIMEOUT_MS}")));
            }
        }
        Ok(Hostmap {
            players: file.players,
            connect_timeout: Duration::from_millis(file.connect_timeout_ms),
            recv_timeout: Duration::from_millis(file.recv_timeout_ms),
            base_dir,
            link: file.link.map(LinkFile::model).transpose()?,
        })
    }

    /// The JSON text of this hostmap.
    pub fn to_json(&self) -> String {
        let file = HostmapFile {
            players: self.players.clone(),
            connect_timeout_ms: self.connect_timeout.as_millis() as u64,
            recv_timeout_ms: self.recv_timeout.as_millis() as u64,
            link: self
                .link
                .map(|l| LinkFile { rtt_ms: l.rtt.as_secs_f64() * 1000.0, mbit_per_s: l.bits_per_second as f64 / 1e6 }),
        };
        serde_json::to_string_pretty(&file).expect("a hostmap always serializes") + "\n"
    }

    /// Returns the entry of the player called `name`, or an error naming the players there are.
    pub fn entry(&self, name: &str) -> Result<&HostEntry> {
        self.players.iter().find(|p| p.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.players.iter().map(|p| p.name.as_str()).collect();
            Error::config(format!("player '{name}' is not in the hostmap (it has {})", names.join(", ")))
        })
    }

    /// Where each player of `graph` listens, in the graph's player order.
    pub fn addresses_for(&self, graph: &Graph) -> Result<Vec<PlayerAddr>> {
        graph
            .players()
            .iter()
            .map(|name| Ok(PlayerAddr { name: name.clone(), addr: self.entry(name)?.address.clone() }))
            .collect()
    }

    /// The certificate file of a player, resolved against the hostmap's folder.
    pub fn certificate_path(&self, name: &str) -> Result<PathBuf> {
        let entry = self.entry(name)?;
        let cert = entry.certificate.as_ref().ok_or_else(|| {
            Error::config(format!(
                "player '{name}' has no certificate in the hostmap (pin one with `tfe hostmap pin`, or use --insecure-plaintext)"
            ))
        })?;
        Ok(self.base_dir.join(cert))
    }
}

/// What two addresses share when they are the same: an IP address and
/// port in canonical form (`[::1]:4000` and `[0::1]:4000`), or a host
/// name and port regardless of case.
fn same_address_key(address: &str) -> String {
    match address.parse::<std::net::SocketAddr>() {
        Ok(socket) => socket.to_string(),
        Err(_) => address.to_ascii_lowercase(),
    }
}

/// `host:port` with a port from 1 to 65535 and a non-empty host.
fn check_address(address: &str) -> std::result::Result<(), String> {
    let bad = || format!("address '{address}' is not host:port (such as 10.0.0.1:4000 or [::1]:4000)");
    let (host, port) = address.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    if host.is_empty() || port == 0 || host.contains(char::is_whitespace) {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Hostmap> {
        Hostmap::parse(text, PathBuf::from("/etc/tfe"))
    }

    const GOOD: &str = r#"{"players": [
        {"name": "server0", "address": "127.0.0.1:4000", "certificate": "certs/server0.pem"},
        {"name": "server1", "address": "127.0.0.1:4001"},
        {"name": "server2", "address": "[::1]:4002"},
        {"name": "alice", "address": "alice.example:4003"}
    ], "recv_timeout_ms": 5000}"#;

    #[test]
    fn a_good_hostmap_round_trips() {
        let h = parse(GOOD).unwrap();
        assert_eq!(h.players.len(), 4);
        assert_eq!(h.recv_timeout, Duration::from_secs(5));
        assert_eq!(h.connect_timeout, Duration::from_secs(30));
        assert_eq!(h.certificate_path("server0").unwrap(), PathBuf::from("/etc/tfe/certs/server0.pem"));
        assert!(h.certificate_path("server1").unwrap_err().to_string().contains("no certificate"));
        assert_eq!(parse(&h.to_json()).unwrap(), h);
    }

    #[test]
    fn each_problem_names_its_entry() {
        let cases = [
            (GOOD.replace("\"recv_timeout_ms\"", "\"recv_timeout\""), "unknown field `recv_timeout`"),
            (GOOD.replace("alice\"", "server1\""), "players[3] ('server1'): the player is listed twice"),
            (GOOD.replace("server2", "server9"), "'server2' is missing"),
            (GOOD.replace("alice.example:4003", "alice.example"), "players[3] ('alice'): address"),
            (GOOD.replace("4001", "99999"), "players[1] ('server1'): address '127.0.0.1:99999'"),
            (GOOD.replace("\"alice\"", "\"al ice\""), "players[3] ('al ice'): invalid argument: player name"),
            (GOOD.replace("5000", "0"), "recv_timeout_ms is 0"),
            (
                GOOD.replace("127.0.0.1:4001", "127.0.0.1:4000"),
                "players[0] ('server0') and players[1] ('server1') have the same address 127.0.0.1:4000",
            ),
            (
                GOOD.replace("alice.example:4003", "[0:0::1]:4002"),
                "players[2] ('server2') and players[3] ('alice') have the same address",
            ),
            ("{\"players\": [".to_string(), "EOF"),
        ];
        for (text, expected) in cases {
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.contains(expected), "expected '{expected}' in: {err}");
        }
        let err = Hostmap::load("/nonexistent/hosts.json").unwrap_err().to_string();
        assert!(err.contains("cannot read hostmap /nonexistent/hosts.json"), "{err}");
    }

    #[test]
    fn a_declared_link_round_trips_and_bad_ones_name_the_field() {
        let with = |link: &str| {
            GOOD.replace("\"recv_timeout_ms\": 5000", &format!("\"recv_timeout_ms\": 5000, \"link\": {link}"))
        };
        let h = parse(&with(r#"{"rtt_ms": 40, "mbit_per_s": 352}"#)).unwrap();
        assert_eq!(h.link, Some(LinkModel::WAN));
        assert_eq!(parse(&h.to_json()).unwrap(), h);
        assert_eq!(parse(GOOD).unwrap().link, None);
        for (link, expected) in [
            (r#"{"rtt_ms": 0, "mbit_per_s": 352}"#, "link.rtt_ms is 0"),
            (r#"{"rtt_ms": 40, "mbit_per_s": -1}"#, "link.mbit_per_s is -1"),
            (r#"{"rtt_ms": 40}"#, "missing field `mbit_per_s`"),
            (r#"{"rtt_ms": 40, "mbit_per_s": 352, "jitter_ms": 1}"#, "unknown field `jitter_ms`"),
        ] {
            let err = parse(&with(link)).unwrap_err().to_string();
            assert!(err.contains(expected), "expected '{expected}' in: {err}");
        }
    }

    #[test]
    fn one_certificate_for_two_players_is_refused_by_path_and_by_content() {
        let dir = std::env::temp_dir().join(format!("tfe-hostmap-certs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (cert, _) = crate::net::self_signed::certificate("server0").unwrap();
        let (other, _) = crate::net::self_signed::certificate("server1").unwrap();
        std::fs::write(dir.join("a.pem"), &cert).unwrap();
        std::fs::write(dir.join("copy.pem"), format!("\n{cert}")).unwrap();
        std::fs::write(dir.join("b.pem"), &other).unwrap();
        let hostmap = |c0: &str, c1: &str| {
            format!(
                r#"{{"players": [
                {{"name": "server0", "address": "127.0.0.1:4000", "certificate": "{c0}"}},
                {{"name": "server1", "address": "127.0.0.1:4001", "certificate": "{c1}"}},
                {{"name": "server2", "address": "127.0.0.1:4002", "certificate": "missing.pem"}}]}}"#
            )
        };
        let load = |c0: &str, c1: &str| {
            std::fs::write(dir.join("hosts.json"), hostmap(c0, c1)).unwrap();
            Hostmap::load(dir.join("hosts.json"))
        };
        load("a.pem", "b.pem").unwrap();
        for (c0, c1) in [("a.pem", "a.pem"), ("a.pem", "copy.pem")] {
            let err = load(c0, c1).unwrap_err().to_string();
            assert!(
                err.contains("players[0] ('server0') and players[1] ('server1') have the same certificate"),
                "{err}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn graph_players_must_all_be_in_the_hostmap() {
        let h = parse(GOOD).unwrap();
        let mut g = Graph::default();
        g.private_input("x", "bob", &[1]).unwrap();
        let err = h.addresses_for(&g).unwrap_err().to_string();
        assert!(err.contains("'bob' is not in the hostmap"), "{err}");
    }
}
