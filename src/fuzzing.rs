//! The entry points of the fuzz targets in `fuzz/` (cargo-fuzz): each hands
//! arbitrary bytes to one reader of untrusted input the way the product
//! does, so a panic, an abort, a hang or an unbounded allocation there is a
//! finding. Errors are the expected outcome and are dropped. Not part of the
//! API (reached through `tfe::internals::fuzz`); docs/fuzzing.md says what
//! each target covers and what the runs found.

use std::io::{Cursor, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::deploy::data;
use crate::deploy::hostmap::Hostmap;
use crate::graph::Graph;
use crate::net::endpoint::Incoming;
use crate::net::handshake::Hello;
use crate::net::pool::BufferPool;
use crate::net::socket_peer::{SocketPeer, Wire, poll};
use crate::nn::Model;
use crate::onnx::OnnxModel;

/// The largest payload a frame may announce in the frame target: larger
/// ones must be refused before anything is allocated.
const FRAME_MAX_PAYLOAD: usize = 1 << 16;

/// Bytes sent down one connection at most: more than one read of the
/// reader's staging buffer, and still within the loopback socket's
/// buffer, so the writer never waits for the reader.
const FRAME_MAX_INPUT: usize = 96 * 1024;

/// Sends `bytes` over a loopback TCP connection and reads them with the
/// players' own frame reader (`net::socket_peer`) until the connection ends.
///
/// # Panics
/// When a frame announces more than the reader allows, or the reader does
/// not finish within a second of the connection closing (a hang).
pub fn frames(bytes: &[u8]) {
    let bytes = &bytes[..bytes.len().min(FRAME_MAX_INPUT)];
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let mut writer = TcpStream::connect(listener.local_addr().expect("its address")).expect("a loopback connection");
    let (reader, _) = listener.accept().expect("the connection");
    writer.write_all(bytes).expect("loopback takes the bytes");
    writer.shutdown(Shutdown::Write).expect("half-close");
    let mut peer = SocketPeer::new(Wire::Plain(reader), "fuzz-peer".into(), FRAME_MAX_PAYLOAD, BufferPool::default())
        .expect("a non-blocking socket");
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut frames = Vec::new();
    loop {
        peer.read_ready(&mut frames);
        for frame in frames.drain(..) {
            match frame {
                Incoming::Closed(_) => return,
                Incoming::Data(_, words) => assert!(words.len() * 8 <= FRAME_MAX_PAYLOAD, "oversized data frame"),
                Incoming::Abort { .. } | Incoming::Progress(_) => {}
            }
        }
        assert!(Instant::now() < deadline, "the frame reader did not finish after the peer closed");
        let mut fd = [libc::pollfd { fd: peer.fd(), events: libc::POLLIN, revents: 0 }];
        poll(&mut fd, Duration::from_millis(100)).expect("poll");
    }
}

/// Reads a peer's handshake hello and checks it against ours; a hello that
/// reads back must write out to the bytes it was read from.
///
/// # Panics
/// When a hello read from the input does not write back to its bytes.
pub fn hello(bytes: &[u8]) {
    let mut input = Cursor::new(bytes);
    let Ok(theirs) = Hello::read(&mut input, "fuzz-peer") else { return };
    let ours = Hello::new("server1", [7; 16], [9; 32]);
    let _ = ours.check_peer(&theirs, "server1");
    let read = usize::try_from(input.position()).expect("a position within the input");
    let mut written = Vec::new();
    theirs.write(&mut written).expect("writing to memory");
    assert_eq!(written, bytes[..read], "a hello does not write back to the bytes it was read from");
}

/// Decodes a graph file; a graph that decodes must encode to bytes that
/// decode to the same graph.
///
/// # Panics
/// When a decoded graph does not survive its own encoding.
pub fn graph(bytes: &[u8]) {
    let Ok(graph) = Graph::from_bytes(bytes) else { return };
    let again = Graph::from_bytes(&graph.to_bytes()).expect("a graph's own bytes decode");
    assert_eq!(graph, again, "a graph changed through its own encoding");
    let _ = graph.digest();
}

/// Parses a hostmap (JSON); certificate paths resolve against a folder
/// that does not exist, so only the text itself is read.
pub fn hostmap(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let _ = Hostmap::parse(text, PathBuf::from("/nonexistent/tfe-fuzz"));
}

/// Reads a `.npy` file's bytes.
///
/// # Panics
/// When the values read do not fill the shape read.
pub fn npy(bytes: &[u8]) {
    if let Ok((shape, values)) = data::parse_npy(bytes) {
        assert_eq!(shape.iter().product::<usize>(), values.len(), "values do not fill the .npy shape");
    }
}

/// Reads a `.csv` file's bytes.
///
/// # Panics
/// When the values read do not fill the shape read.
pub fn csv(bytes: &[u8]) {
    if let Ok((shape, values)) = data::parse_csv(bytes) {
        assert_eq!(shape.iter().product::<usize>(), values.len(), "values do not fill the CSV shape");
    }
}

/// Imports an ONNX model and, when it imports, builds its private graph
/// for a batch of two.
pub fn onnx(bytes: &[u8]) {
    let Ok(model) = OnnxModel::from_bytes(bytes) else { return };
    let mut graph = Graph::default();
    let shape: Vec<usize> = [2].into_iter().chain(model.input_shape().iter().copied()).collect();
    // Shapes the importer accepts may still be too large to build: that is
    // an error of the builder, found without allocating the tensors.
    if shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).is_none_or(|n| n > 1 << 24) {
        return;
    }
    let Ok(x) = graph.private_input("x", "client", &shape) else { return };
    let _ = model.build_outputs(&mut graph, x, "model-owner");
}
