//! Tests of endpoints over plain TCP sockets read by the player's thread:
//! simultaneous large sends, frames cut at every byte, many frames per
//! read, malformed or cut-off input from a raw socket, and an abort that
//! must survive the close after it.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use super::endpoint::{Endpoint, Peer};
use super::frame::{self, Tag};
use super::pool::BufferPool;
use super::socket_peer::{SocketPeer, Wire};
use crate::error::Error;

const TIMEOUT: Duration = Duration::from_secs(5);

fn socket_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (client, server)
}

/// Player `me` of two ("a", "b") with its socket to the other.
fn endpoint(me: usize, stream: TcpStream) -> Endpoint {
    let buffers = BufferPool::default();
    let names = vec!["a".to_string(), "b".to_string()];
    let other = 1 - me;
    let socket = SocketPeer::new(Wire::Plain(stream), names[other].clone(), 1 << 30, buffers.clone()).unwrap();
    let mut peers: Vec<Option<Peer>> = vec![None, None];
    peers[other] = Some(Peer::Socket(Box::new(socket)));
    Endpoint::new(me, names, peers, TIMEOUT, buffers)
}

fn tag(op: u32) -> Tag {
    Tag { run: 0, op, step: 0 }
}

#[test]
fn both_players_send_megabytes_to_each_other_at_once() {
    // Far above what the socket buffers hold: each send completes only
    // because the sender takes in the other's frame meanwhile.
    let (x, y) = socket_pair();
    let words = |seed: u64| (0..(4u64 << 20)).map(|i| i.wrapping_mul(seed)).collect::<Vec<u64>>();
    let b = std::thread::spawn(move || {
        let mut b = endpoint(1, y);
        b.send(0, tag(1), &words(3)).unwrap();
        b.recv(0, tag(1)).unwrap()
    });
    let mut a = endpoint(0, x);
    a.send(1, tag(1), &words(5)).unwrap();
    assert_eq!(a.recv(1, tag(1)).unwrap(), words(3));
    assert_eq!(b.join().unwrap(), words(5));
}

#[test]
fn frames_cut_at_every_byte_and_many_frames_in_one_write_arrive_whole() {
    let (mut raw, socket) = socket_pair();
    raw.set_nodelay(true).unwrap();
    let mut a = endpoint(0, socket);
    let mut wire = Vec::new();
    frame::write_data(&mut wire, tag(7), &[1, 2, u64::MAX]).unwrap();
    let writer = std::thread::spawn(move || {
        for byte in &wire {
            raw.write_all(std::slice::from_ref(byte)).unwrap();
            std::thread::sleep(Duration::from_micros(200));
        }
        let mut many = Vec::new();
        for op in 0..1000 {
            frame::write_data(&mut many, tag(100 + op), &[u64::from(op); 5]).unwrap();
        }
        raw.write_all(&many).unwrap();
        raw
    });
    assert_eq!(a.recv(1, tag(7)).unwrap(), vec![1, 2, u64::MAX]);
    // Asked for out of order: the others wait in the stash.
    assert_eq!(a.recv(1, tag(100 + 999)).unwrap(), vec![999; 5]);
    for op in 0..999 {
        assert_eq!(a.recv(1, tag(100 + op)).unwrap(), vec![u64::from(op); 5]);
    }
    drop(writer.join().unwrap());
}

#[test]
fn small_frames_after_large_ones_and_large_after_small_arrive_whole() {
    // After a large payload the reader takes the next header alone; the
    // frames behind it, small or large, must still parse.
    let (mut raw, socket) = socket_pair();
    let mut a = endpoint(0, socket);
    let large = |seed: u64| (0..(1u64 << 14)).map(|i| i ^ seed).collect::<Vec<u64>>();
    let mut wire = Vec::new();
    for round in 0..3u32 {
        frame::write_data(&mut wire, tag(10 * round), &large(u64::from(round))).unwrap();
        for op in 1..6 {
            frame::write_data(&mut wire, tag(10 * round + op), &[u64::from(op); 3]).unwrap();
        }
    }
    let writer = std::thread::spawn(move || raw.write_all(&wire).map(|()| raw));
    for round in 0..3u32 {
        assert_eq!(a.recv(1, tag(10 * round)).unwrap(), large(u64::from(round)));
        for op in 1..6 {
            assert_eq!(a.recv(1, tag(10 * round + op)).unwrap(), vec![u64::from(op); 3]);
        }
    }
    drop(writer.join().unwrap().unwrap());
}

#[test]
fn malformed_cut_off_and_aborted_input_is_an_error_naming_the_peer() {
    type WriteWire = dyn Fn(&mut Vec<u8>);
    let cases: [(&WriteWire, &str); 3] = [
        (&|w| w.extend_from_slice(&[9u8; frame::HEADER_BYTES]), "malformed frame"),
        (&|w| w.extend_from_slice(&frame::data_header(tag(1), 4).unwrap()), "closed inside a frame"),
        (&|w| frame::write_abort(w, 0, "bad feed").unwrap(), "bad feed"),
    ];
    for (write, expected) in cases {
        let (mut raw, socket) = socket_pair();
        let mut a = endpoint(0, socket);
        let mut wire = Vec::new();
        write(&mut wire);
        raw.write_all(&wire).unwrap();
        drop(raw);
        let err = a.recv(1, tag(1)).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("'b'") && message.contains(expected), "{message}");
    }
}

#[test]
fn a_silent_peer_is_a_timeout_and_a_closed_one_a_network_error() {
    let (raw, socket) = socket_pair();
    let mut a = endpoint(0, socket);
    a.set_recv_timeout(Duration::from_millis(50));
    assert!(matches!(a.recv(1, tag(1)), Err(Error::Timeout { .. })));
    drop(raw);
    let err = a.recv(1, tag(1)).unwrap_err();
    assert!(err.to_string().contains("closed"), "{err}");
    // Sending to a closed peer fails, and never raises SIGPIPE.
    let mut failed = false;
    for _ in 0..100 {
        if a.send(1, tag(2), &vec![0; 1 << 16]).is_err() {
            failed = true;
            break;
        }
    }
    assert!(failed);
}

#[test]
fn an_abort_reaches_a_peer_whose_data_the_aborting_player_never_read() {
    // a has more for b than b's receive buffer holds, and b has sent a
    // bytes a never reads. a gives up on the run: its abort frame waits in
    // its send queue behind the rest. A plain close then resets the
    // connection, which discards the send queue: b would only see a broken
    // connection, blamed on a, never why a stopped.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let small = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    small.set_recv_buffer_size(1 << 16).unwrap();
    small.connect(&listener.local_addr().unwrap().into()).unwrap();
    let mut raw: TcpStream = small.into();
    let (x, _) = listener.accept().unwrap();
    socket2::SockRef::from(&x).set_send_buffer_size(1 << 20).unwrap();
    let mut a = endpoint(0, x);
    // More than b's receive buffer, less than that and a's send buffer.
    a.send(1, tag(1), &vec![3; 3 << 16]).unwrap();
    raw.set_nonblocking(true).unwrap();
    let chunk = vec![7u8; 1 << 16];
    while raw.write(&chunk).is_ok() {}
    a.abort(0, "a's input provider failed");
    // b reads only once a has closed (after waiting for b to close first,
    // for as long as it lingers: the receive timeout at most).
    a.set_recv_timeout(Duration::from_millis(200));
    drop(a);
    raw.set_nonblocking(false).unwrap();
    raw.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut arrived = Vec::new();
    let read = std::io::Read::read_to_end(&mut raw, &mut arrived);
    let text = String::from_utf8_lossy(&arrived);
    assert!(read.is_ok() && text.contains("input provider failed"), "{read:?} after {} bytes", arrived.len());
}
