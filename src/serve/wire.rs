//! The serving protocol's frames, version 1, over one TCP connection per
//! (client, server) pair.
//!
//! A frame is its length (u32, of what follows), a kind (u8), a request id
//! (u64) and a payload; every number is little-endian. A frame longer than
//! the reader's bound is refused before any of it is buffered, so a
//! stranger cannot make a server (or a client) allocate more than it
//! agreed to.
//!
//! | kind | from | payload |
//! |---|---|---|
//! | `Hello` | client | version (u16), server index (u8), client key (16 bytes) |
//! | `Welcome` | server | version (u16), max batch, fractional bits, integer bits (u32 each), the input's shape per sample, the number of outputs and each one's shape per sample (a shape is its rank then its dimensions, u32 each) |
//! | `Predict` | client | samples (u32), then the client's additive part for this server of the fixed-point input (u64 words, row-major) |
//! | `Result` | server | the number of outputs (u32), then per output its word count (u32) and this server's additive part of it (u64 words) |
//! | `Error` | server | what was wrong (UTF-8); never holds a value |

use std::io::Read;

use crate::error::{Error, Result};

/// The protocol version both sides must speak.
pub const VERSION: u16 = 1;

/// Bytes of a frame after its length: kind and request id.
const HEADER: usize = 1 + 8;

/// What a frame carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// The client names the server it talks to.
    Hello = 1,
    /// The server describes the model it serves.
    Welcome = 2,
    /// A prediction request: the client's part of the input.
    Predict = 3,
    /// A prediction: the server's part of each output.
    Result = 4,
    /// A refused or failed request.
    Error = 5,
}

impl Kind {
    fn from_code(code: u8) -> Option<Kind> {
        [Kind::Hello, Kind::Welcome, Kind::Predict, Kind::Result, Kind::Error].into_iter().find(|k| *k as u8 == code)
    }
}

/// One frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// What it carries.
    pub kind: Kind,
    /// The request it belongs to (0 for `Hello` and `Welcome`).
    pub id: u64,
    /// The payload, read with [`Payload`].
    pub payload: Vec<u8>,
}

impl Frame {
    /// The frame's bytes on the wire, length first.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + HEADER + self.payload.len());
        out.extend_from_slice(&((HEADER + self.payload.len()) as u32).to_le_bytes());
        out.push(self.kind as u8);
        out.extend_from_slice(&self.id.to_le_bytes());
        out.extend_from_slice(&self.payload);
        out
    }

    /// An `Error` frame for request `id`.
    pub fn error(id: u64, message: &str) -> Frame {
        Frame { kind: Kind::Error, id, payload: message.as_bytes().to_vec() }
    }
}

/// Reads one frame of at most `max_len` bytes after its length. `None`
/// when the peer closed the connection cleanly before a new frame.
pub fn read_frame(r: &mut impl Read, max_len: usize, peer: &str) -> Result<Option<Frame>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len[..1]) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(io_error(peer, &e)),
    }
    r.read_exact(&mut len[1..]).map_err(|e| io_error(peer, &e))?;
    let len = u32::from_le_bytes(len) as usize;
    if !(HEADER..=max_len).contains(&len) {
        return Err(Error::protocol(peer, format!("a frame of {len} bytes, expected {HEADER} to {max_len}")));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).map_err(|e| io_error(peer, &e))?;
    let kind = Kind::from_code(body[0])
        .ok_or_else(|| Error::protocol(peer, format!("unknown frame kind {}, expected 1 to 5", body[0])))?;
    let id = u64::from_le_bytes(body[1..HEADER].try_into().expect("8 bytes"));
    body.drain(..HEADER);
    Ok(Some(Frame { kind, id, payload: body }))
}

/// A timeout or a closed connection, named after the peer.
pub fn io_error(peer: &str, e: &std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => Error::Timeout {
            player: peer.to_string(),
            timeout_ms: 0,
            waiting_for: "a frame of the serving protocol".to_string(),
        },
        _ => Error::network(peer, e),
    }
}

/// Builds a payload.
#[derive(Default)]
pub struct PayloadWriter(pub Vec<u8>);

impl PayloadWriter {
    /// Appends a u16.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Appends a u32.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Appends raw bytes.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.0.extend_from_slice(v);
        self
    }

    /// Appends a shape: its rank, then its dimensions.
    pub fn shape(&mut self, shape: &[usize]) -> &mut Self {
        self.u32(shape.len() as u32);
        for &d in shape {
            self.u32(d as u32);
        }
        self
    }

    /// Appends ring words.
    pub fn words(&mut self, words: &[u64]) -> &mut Self {
        self.0.reserve(words.len() * 8);
        for w in words {
            self.0.extend_from_slice(&w.to_le_bytes());
        }
        self
    }
}

/// Reads a payload from the front; every read fails with a protocol error
/// naming the peer when the payload is too short.
pub struct Payload<'a> {
    rest: &'a [u8],
    peer: &'a str,
}

impl<'a> Payload<'a> {
    /// Reads `frame`'s payload, from `peer`.
    pub fn new(payload: &'a [u8], peer: &'a str) -> Self {
        Payload { rest: payload, peer }
    }

    /// The payload of the frame that opens a connection (the client's Hello,
    /// the server's Welcome), after the serving protocol version it starts
    /// with: a frame of another kind, or another version, is a protocol error.
    pub fn opening(frame: &'a Frame, kind: Kind, peer: &'a str) -> Result<Self> {
        if frame.kind != kind {
            return Err(Error::protocol(
                peer,
                format!("the connection opened with a {:?} frame, expected a {kind:?}", frame.kind),
            ));
        }
        let mut p = Payload::new(&frame.payload, peer);
        let version = p.u16("the version")?;
        if version != VERSION {
            return Err(Error::protocol(peer, format!("serving protocol version {version}, expected {VERSION}")));
        }
        Ok(p)
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if self.rest.len() < n {
            return Err(Error::protocol(
                self.peer,
                format!("the payload ends before {what}: {} bytes left, expected {n}", self.rest.len()),
            ));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    /// A u16.
    pub fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.take(2, what)?.try_into().expect("2 bytes")))
    }

    /// A u32.
    pub fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }

    /// `n` raw bytes.
    pub fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        self.take(n, what)
    }

    /// A shape of at most 8 axes.
    pub fn shape(&mut self, what: &str) -> Result<Vec<usize>> {
        let rank = self.u32(what)? as usize;
        if rank > 8 {
            return Err(Error::protocol(self.peer, format!("{what} has rank {rank}, expected at most 8")));
        }
        (0..rank).map(|_| Ok(self.u32(what)? as usize)).collect()
    }

    /// `n` ring words.
    pub fn words(&mut self, n: usize, what: &str) -> Result<Vec<u64>> {
        let bytes = self.take(n.saturating_mul(8), what)?;
        Ok(bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
    }

    /// The number of bytes left.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_reads_back_and_an_oversized_one_is_refused_before_it_is_read() {
        let frame = Frame { kind: Kind::Predict, id: 7, payload: vec![1, 2, 3] };
        let bytes = frame.encode();
        assert_eq!(read_frame(&mut &bytes[..], 64, "client").unwrap(), Some(frame));
        let err = read_frame(&mut &bytes[..], HEADER + 2, "client").unwrap_err();
        assert!(err.to_string().contains("a frame of 12 bytes, expected 9 to 11"), "{err}");
        assert_eq!(read_frame(&mut &[][..], 64, "client").unwrap(), None);
        let mut bad = bytes.clone();
        bad[4] = 9;
        assert!(read_frame(&mut &bad[..], 64, "client").unwrap_err().to_string().contains("unknown frame kind 9"));
        let err = read_frame(&mut &bytes[..6], 64, "client").unwrap_err();
        assert!(matches!(err, Error::Network { .. }), "{err}");
    }

    #[test]
    fn a_short_payload_is_an_error_naming_what_is_missing() {
        let mut p = Payload::new(&[1, 0, 0], "server1");
        assert_eq!(p.u16("the version").unwrap(), 1);
        let err = p.u32("the batch").unwrap_err();
        assert!(err.to_string().contains("ends before the batch: 1 bytes left, expected 4"), "{err}");
    }
}
