//! Opening a party of a deployment: bind the player's address from the
//! hostmap, load its TLS identity, connect to every other player of the
//! graph and set up the protocol.

use std::path::PathBuf;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::certs;
use super::hostmap::Hostmap;
use crate::error::{Error, Result};
use crate::graph::{Graph, Op, TensorId};
use crate::net::{Cancel, TcpOptions, tcp};
use crate::protocol::SeedSource;
use crate::session::{Party, TcpJoin};

/// How a deployed player secures its channels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelSecurity {
    /// TLS 1.3 with the certificates of the hostmap and this private key.
    Tls {
        /// This player's private key (PEM).
        key: PathBuf,
    },
    /// Plaintext TCP: anyone on the network path reads and changes shares.
    InsecurePlaintext,
}

impl ChannelSecurity {
    /// The transport, as a player's output and stats name it.
    pub fn transport(&self) -> &'static str {
        match self {
            ChannelSecurity::Tls { .. } => "TLS 1.3 with pinned certificates",
            ChannelSecurity::InsecurePlaintext => "INSECURE plaintext TCP",
        }
    }

    /// The warning a player prints at start and with each run when its
    /// channels are not secured, or `None` over TLS.
    pub fn warning(&self) -> Option<&'static str> {
        match self {
            ChannelSecurity::Tls { .. } => None,
            ChannelSecurity::InsecurePlaintext => Some(
                "--insecure-plaintext: channels are plain TCP without authentication; anyone on the \
                 network path can read and change every share (use --key for TLS)",
            ),
        }
    }
}

/// Opens the party of player `me` as the hostmap describes it. Its servers
/// assume the hostmap's `link`, or, where it declares none, the link they
/// measure before the first run ([`Party::measure_link`]).
pub fn open(hostmap: &Hostmap, graph: Arc<Graph>, me: &str, security: &ChannelSecurity) -> Result<Party> {
    open_cancellable(hostmap, graph, me, security, Cancel::NEVER)
}

/// As [`open`], giving up with [`Error::Aborted`] when `cancel` says so
/// while waiting for the other players to connect (within about a second;
/// see [`Cancel`]). Measuring the link afterwards is not cancelled: it
/// takes nine half round trips between connected servers.
pub fn open_cancellable(
    hostmap: &Hostmap,
    graph: Arc<Graph>,
    me: &str,
    security: &ChannelSecurity,
    cancel: Cancel<'_>,
) -> Result<Party> {
    let entry = hostmap.entry(me)?;
    graph.player_index(me).map_err(|_| {
        Error::config(format!(
            "player '{me}' takes no part in this graph (its players: {})",
            graph.players().join(", ")
        ))
    })?;
    let addrs = hostmap.addresses_for(&graph)?;
    let tls = match security {
        ChannelSecurity::Tls { key } => Some(certs::tls_settings(hostmap, me, key)?),
        ChannelSecurity::InsecurePlaintext => None,
    };
    let listener = tcp::bind(me, &entry.address)?;
    let options = TcpOptions {
        connect_timeout: hostmap.connect_timeout,
        recv_timeout: hostmap.recv_timeout,
        ..TcpOptions::default()
    };
    let session = session_id(hostmap);
    let join = TcpJoin { cancel, ..TcpJoin::new(&addrs, listener, session, options, tls.as_ref()) };
    let mut party = Party::connect_tcp(graph, me, join, &SeedSource::OsEntropy)?;
    let link = match hostmap.link {
        Some(declared) => Some(declared),
        None => party.measure_link()?,
    };
    if let Some(link) = &link {
        log::info!(
            target: "tfe::deploy",
            "{me}: assuming a link of {:.1} ms round trip and {} Mbit/s between the servers ({})",
            link.rtt.as_secs_f64() * 1e3,
            link.bits_per_second / 1_000_000,
            if hostmap.link.is_some() { "the hostmap's" } else { "round trip measured" }
        );
        party.assume_link(link);
    }
    Ok(party)
}

/// Every player derives the same session id from the hostmap's addresses
/// and its declared link, so no extra coordination is needed to start, and
/// players that would take different forms of an op refuse each other.
/// (The graph digest is compared on its own, so that a different graph is
/// named as such.)
fn session_id(hostmap: &Hostmap) -> [u8; 16] {
    let mut hash = Sha256::new();
    hash.update(b"tfe session v1");
    for p in &hostmap.players {
        hash.update(p.name.as_bytes());
        hash.update([0]);
        hash.update(p.address.as_bytes());
        hash.update([0]);
    }
    if let Some(link) = &hostmap.link {
        hash.update(b"link");
        hash.update(link.rtt.as_nanos().to_le_bytes());
        hash.update(link.bits_per_second.to_le_bytes());
    }
    hash.finalize()[..16].try_into().expect("16 bytes")
}

/// What a deployed run fetches: every reveal and every assignment, so
/// every player runs the same ops without being told.
pub fn default_fetches(graph: &Graph) -> Vec<TensorId> {
    graph
        .nodes()
        .iter()
        .enumerate()
        .filter(|(_, n)| matches!(n.op, Op::Reveal { .. } | Op::Assign))
        .map(|(i, _)| TensorId(i as u32))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{Hostmap, session_id};
    use crate::net::memory::LinkModel;

    #[test]
    fn hostmaps_that_declare_different_links_make_different_sessions() {
        let text = r#"{"players": [
            {"name": "server0", "address": "127.0.0.1:4000"},
            {"name": "server1", "address": "127.0.0.1:4001"},
            {"name": "server2", "address": "127.0.0.1:4002"}
        ]}"#;
        let plain = Hostmap::parse(text, PathBuf::new()).unwrap();
        let (mut wan, mut lan) = (plain.clone(), plain.clone());
        (wan.link, lan.link) = (Some(LinkModel::WAN), Some(LinkModel::LAN));
        let ids = [&plain, &wan, &lan].map(session_id);
        assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2], "{ids:?}");
        assert_eq!(session_id(&wan.clone()), ids[1]);
    }
}
