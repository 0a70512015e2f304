//! What crosses the wire, watched by a proxy between two players: the bytes
//! at the socket match the session counters within framing overhead, and a
//! frame tampered with under TLS ends the run with an error.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tfe::SeedSource;
use tfe::graph::{Graph, TensorId};
use tfe::internals::net::{self_signed, tcp};
use tfe::session::{Feeds, Party, PartyRun, TcpJoin};
use tfe::{PlayerAddr, TcpOptions, TlsSettings};

/// Forwards one connection from `listener` to `target`; counts the bytes
/// going towards `target` and, when `tamper` is set, flips one byte of that
/// direction once more than `after` bytes have passed.
struct Proxy {
    to_target: Arc<AtomicU64>,
}

impl Proxy {
    fn start(listener: TcpListener, target: String, tamper: Option<u64>) -> Proxy {
        let to_target = Arc::new(AtomicU64::new(0));
        let counter = to_target.clone();
        std::thread::spawn(move || {
            let Ok((client, _)) = listener.accept() else { return };
            let server = TcpStream::connect(&target).unwrap();
            let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let flipped = AtomicBool::new(false);
            let up = std::thread::spawn(move || {
                let mut buf = vec![0u8; 65536];
                while let Ok(n) = c_read.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let before = counter.fetch_add(n as u64, Ordering::SeqCst);
                    if let Some(after) = tamper
                        && before + n as u64 > after
                        && !flipped.swap(true, Ordering::SeqCst)
                    {
                        buf[n - 1] ^= 0x01;
                    }
                    if s_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = s_write.shutdown(std::net::Shutdown::Write);
            });
            let (mut s_read, mut c_write) = (server, client);
            let _ = std::io::copy(&mut s_read, &mut c_write);
            let _ = c_write.shutdown(std::net::Shutdown::Write);
            let _ = up.join();
        });
        Proxy { to_target }
    }
}

fn graph() -> (Graph, TensorId) {
    let mut g = Graph::default();
    let x = g.private_input("x", "server1", &[100, 100]).unwrap();
    let y = g.private_input("y", "server0", &[100, 100]).unwrap();
    let xy = g.matmul(x, y).unwrap();
    let out = g.reveal(xy, None).unwrap();
    (g, out)
}

/// Runs the three servers on threads; server1 reaches server0 through a
/// proxy. Returns each server's run, what server1's counters say it sent
/// to server0, and the bytes server1 sent to server0 as seen at the socket.
fn run_with_proxy(tls: bool, tamper: Option<u64>) -> (Vec<tfe::Result<PartyRun>>, u64, u64) {
    let (g, out) = graph();
    let names = g.players().to_vec();
    let listeners: Vec<TcpListener> = names.iter().map(|n| tcp::bind(n, "127.0.0.1:0").unwrap()).collect();
    let proxy_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let real_0 = listeners[0].local_addr().unwrap().to_string();
    let addrs: Vec<PlayerAddr> = names
        .iter()
        .zip(&listeners)
        .map(|(n, l)| PlayerAddr { name: n.clone(), addr: l.local_addr().unwrap().to_string() })
        .collect();
    // server1 connects to server0 through the proxy; the others directly.
    let mut addrs_for_1 = addrs.clone();
    addrs_for_1[0].addr = proxy_listener.local_addr().unwrap().to_string();
    let proxy = Proxy::start(proxy_listener, real_0, tamper);
    let settings: Vec<Option<TlsSettings>> = if tls {
        self_signed::ephemeral_set(&names).unwrap().into_iter().map(Some).collect()
    } else {
        names.iter().map(|_| None).collect()
    };
    let options = TcpOptions {
        connect_timeout: Duration::from_secs(10),
        recv_timeout: Duration::from_secs(5),
        ..TcpOptions::default()
    };
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = listeners
            .into_iter()
            .zip(&settings)
            .enumerate()
            .map(|(i, (listener, tls))| {
                let (g, names, addrs) = (g.clone(), &names, if i == 1 { &addrs_for_1 } else { &addrs });
                scope.spawn(move || {
                    let join = TcpJoin::new(addrs, listener, [3; 16], options, tls.as_ref());
                    let mut party = Party::connect_tcp(Arc::new(g), &names[i], join, &SeedSource::OsEntropy)?;
                    let mut feeds = Feeds::new();
                    feeds.insert(if i == 1 { "x" } else { "y" }, vec![0.5; 10_000]);
                    let run = party.run(&[out], &feeds);
                    Ok((run, party.wire_bytes_sent_to("server0")?))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect::<Vec<tfe::Result<_>>>()
    });
    std::thread::sleep(Duration::from_millis(100));
    let counted = results.get(1).and_then(|r| r.as_ref().ok()).map_or(0, |r| r.1);
    let runs = results.into_iter().map(|r| r.and_then(|(run, _)| run)).collect();
    (runs, counted, proxy.to_target.load(Ordering::SeqCst))
}

#[test]
fn bytes_at_the_socket_match_the_counters_within_framing() {
    let (results, counted, at_socket) = run_with_proxy(false, None);
    for r in results {
        assert!(r.unwrap().outputs[0].as_ref().unwrap().iter().all(|&v| (v - 25.0).abs() < 1e-3));
    }
    // The socket carries the handshake, then exactly the counted frames
    // (payload plus a 24-byte header each, progress frames included), then
    // the progress frame of a party that runs no more (sent when dropped).
    let handshake = 4 + 2 + 1 + "server1".len() as u64 + 16 + 32;
    assert_eq!(at_socket, handshake + counted + 24);
    // Input shares, truncation parts and the reveal: at least 8 bytes per element.
    assert!(counted >= 8 * 10_000, "{counted}");
}

#[test]
fn a_tampered_tls_frame_ends_the_run_with_an_error() {
    // Flip a byte well after the handshake (in the share data).
    let (results, _, _) = run_with_proxy(true, Some(20_000));
    let errors: Vec<String> =
        results.iter().filter_map(|r| r.as_ref().err()).map(std::string::ToString::to_string).collect();
    assert!(!errors.is_empty(), "tampering went unnoticed");
    let server0 = results[0].as_ref().unwrap_err().to_string();
    assert!(server0.contains("server1") && (server0.contains("TLS") || server0.contains("connection")), "{server0}");
}

#[test]
fn without_tampering_tls_runs_through_the_proxy() {
    let (results, _, _) = run_with_proxy(true, None);
    for r in results {
        let r = r.unwrap();
        assert!(r.outputs[0].as_ref().unwrap().iter().all(|&v| (v - 25.0).abs() < 1e-3));
    }
}
