//! The handshake each side of a new connection sends first: magic, wire
//! version, player name, session id and graph digest. A peer that differs in
//! any of them is refused with an error that says what differed.

use std::fmt::Write as _;
use std::io::{Read, Write};

use crate::error::{Error, Result};

/// The first bytes on every tfe connection.
pub const MAGIC: [u8; 4] = *b"TFE\0";
/// The version of the frame and handshake format.
/// 2: runs are 64 bits wide, and progress frames carry flow control.
/// 3: a deployment whose hostmap declares no link measures it before its
/// first run (`session/probe.rs`).
pub const WIRE_VERSION: u16 = 3;
/// Longest player name, in bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// What a player says about itself when it connects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    pub wire_version: u16,
    pub player: String,
    pub session_id: [u8; 16],
    pub graph_digest: [u8; 32],
}

impl Hello {
    pub fn new(player: &str, session_id: [u8; 16], graph_digest: [u8; 32]) -> Self {
        Hello { wire_version: WIRE_VERSION, player: player.to_string(), session_id, graph_digest }
    }

    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        let name = self.player.as_bytes();
        let mut bytes = Vec::with_capacity(4 + 2 + 1 + name.len() + 16 + 32);
        bytes.extend_from_slice(&MAGIC);
        bytes.extend_from_slice(&self.wire_version.to_le_bytes());
        bytes.push(name.len().min(MAX_NAME_BYTES) as u8);
        bytes.extend_from_slice(&name[..name.len().min(MAX_NAME_BYTES)]);
        bytes.extend_from_slice(&self.session_id);
        bytes.extend_from_slice(&self.graph_digest);
        out.write_all(&bytes)?;
        out.flush()
    }

    /// Reads a peer's hello; `peer` names who we believe it is, for errors.
    pub fn read(input: &mut impl Read, peer: &str) -> Result<Self> {
        let io = |e: std::io::Error| Error::network(peer, format!("handshake failed: {e}"));
        let mut head = [0u8; 7];
        input.read_exact(&mut head).map_err(io)?;
        if head[..4] != MAGIC {
            return Err(Error::protocol(
                peer,
                format!("handshake magic {:?}: expected {:?}; is this a tfe player?", &head[..4], MAGIC),
            ));
        }
        let wire_version = u16::from_le_bytes([head[4], head[5]]);
        if wire_version != WIRE_VERSION {
            return Err(Error::protocol(
                peer,
                format!("peer speaks wire version {wire_version}, expected {WIRE_VERSION}"),
            ));
        }
        let mut name = vec![0u8; head[6] as usize];
        input.read_exact(&mut name).map_err(io)?;
        let player =
            String::from_utf8(name).map_err(|_| Error::protocol(peer, "player name in the handshake is not UTF-8"))?;
        let mut session_id = [0u8; 16];
        input.read_exact(&mut session_id).map_err(io)?;
        let mut graph_digest = [0u8; 32];
        input.read_exact(&mut graph_digest).map_err(io)?;
        Ok(Hello { wire_version, player, session_id, graph_digest })
    }

    /// Checks a peer's hello against ours and the name we expect.
    pub fn check_peer(&self, peer: &Hello, expected_name: &str) -> Result<()> {
        if peer.player != expected_name {
            return Err(Error::protocol(
                expected_name,
                format!("peer introduced itself as '{}', expected '{expected_name}'", peer.player),
            ));
        }
        if peer.session_id != self.session_id {
            return Err(Error::protocol(
                expected_name,
                format!("peer is in session {}, expected session {}", hex(&peer.session_id), hex(&self.session_id)),
            ));
        }
        if peer.graph_digest != self.graph_digest {
            return Err(Error::protocol(
                expected_name,
                format!(
                    "peer runs a different graph: digest {}, ours is {}",
                    hex(&peer.graph_digest[..8]),
                    hex(&self.graph_digest[..8])
                ),
            ));
        }
        Ok(())
    }
}

/// Lower-case hex of bytes, for messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_checks() {
        let ours = Hello::new("server0", [1; 16], [2; 32]);
        let mut wire = Vec::new();
        Hello::new("server1", [1; 16], [2; 32]).write(&mut wire).unwrap();
        let theirs = Hello::read(&mut &wire[..], "server1").unwrap();
        ours.check_peer(&theirs, "server1").unwrap();
        let err = ours.check_peer(&theirs, "server2").unwrap_err().to_string();
        assert!(err.contains("'server1'") && err.contains("'server2'"), "{err}");
        let other_graph = Hello::new("server1", [1; 16], [3; 32]);
        let err = ours.check_peer(&other_graph, "server1").unwrap_err().to_string();
        assert!(err.contains("different graph"), "{err}");
    }

    #[test]
    fn wrong_magic_and_version_are_named() {
        let mut wire = Vec::new();
        Hello::new("x", [0; 16], [0; 32]).write(&mut wire).unwrap();
        let mut bad_version = wire.clone();
        bad_version[4] = 9;
        let err = Hello::read(&mut &bad_version[..], "x").unwrap_err().to_string();
        assert!(err.contains("wire version 9, expected 3"), "{err}");
        let err = Hello::read(&mut &b"GET / HTTP/1.1\r\n"[..], "x").unwrap_err().to_string();
        assert!(err.contains("magic"), "{err}");
    }
}
