//! Serving (issue 17, item 4): a service that stays up across requests,
//! over real TCP. Every prediction is compared with plaintext inference of
//! the same model; bad requests, garbage and strangers get errors while
//! the service keeps answering; clients reconnect; concurrent clients each
//! get their own answers; `tfe serve` in its own process answers a client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use tfe::nn::networks::network_a;
use tfe::nn::{Layer, Sequential};
use tfe::serve::{Client, Server, ServerOptions};

/// Fixed-point error of a small network: a few units of 2^-16 per layer.
const BOUND: f64 = 1e-3;

/// 4 inputs, a hidden ReLU layer of 8, 3 outputs.
fn small_model() -> Sequential {
    let w1: Vec<f64> = (0..32).map(|i| f64::from((i * 7) % 11) / 8.0 - 0.6).collect();
    let w2: Vec<f64> = (0..24).map(|i| f64::from((i * 5) % 13) / 10.0 - 0.5).collect();
    Sequential::new(
        &[4],
        vec![
            Layer::dense(4, 8, w1, vec![0.1; 8]).unwrap(),
            Layer::ReLU,
            Layer::dense(8, 3, w2, vec![-0.2, 0.0, 0.3]).unwrap(),
        ],
    )
    .unwrap()
}

/// `rows` samples of `width` values in [-2, 2], different for every `seed`.
fn samples(rows: usize, width: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..rows * width)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 40) as f64 / (1u64 << 24) as f64) * 4.0 - 2.0
        })
        .collect()
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= BOUND, "{what}, value {i}: got {g}, want {w}");
    }
}

fn start(model: &Sequential, max_batch: usize) -> Server {
    Server::start(model, "127.0.0.1:0", ServerOptions { max_batch, ..ServerOptions::default() }).unwrap()
}

#[test]
fn a_thousand_requests_are_answered_and_a_bad_one_in_the_middle_gets_an_error() {
    let model = small_model();
    let server = start(&model, 4);
    let mut client = Client::connect(&server.local_addr().to_string()).unwrap();
    assert_eq!(client.info().input_shape, [4]);
    assert_eq!(client.info().output_shapes, [vec![3]]);
    for i in 0..1000u64 {
        if i == 500 {
            // 9 values: not a whole number of 4-value samples.
            let err = client.predict(&[0.5; 9]).unwrap_err().to_string();
            assert!(err.contains("refused request") && err.contains("expected 1 to 4 samples of 4 values"), "{err}");
            continue;
        }
        let rows = (i % 4 + 1) as usize;
        let x = samples(rows, 4, i);
        let y = client.predict(&x).unwrap();
        assert_close(&y, &model.predict_plain(&x, rows).unwrap(), &format!("request {i}"));
    }
    let stats = server.stats();
    assert_eq!(stats.predictions.load(std::sync::atomic::Ordering::Relaxed), 999);
    assert_eq!(stats.errors.load(std::sync::atomic::Ordering::Relaxed), 1);
}

#[test]
fn requests_too_large_or_out_of_range_are_refused_and_the_client_goes_on() {
    let model = small_model();
    let server = start(&model, 2);
    let mut client = Client::connect(&server.local_addr().to_string()).unwrap();
    let err = client.predict(&[0.5; 12]).unwrap_err().to_string();
    assert!(err.contains("3 samples") && err.contains("expected 1 to 2 samples"), "{err}");
    let err = client.predict(&[]).unwrap_err().to_string();
    assert!(err.contains("0 samples"), "{err}");
    // Checked at the client, before anything is sent.
    let err = client.predict(&[0.5, 1e9, 0.0, 0.0]).unwrap_err().to_string();
    assert!(err.contains("invalid input 'x'") && err.contains("element 1"), "{err}");
    let x = samples(2, 4, 7);
    assert_close(&client.predict(&x).unwrap(), &model.predict_plain(&x, 2).unwrap(), "after the errors");
}

#[test]
fn a_client_that_disconnects_can_reconnect_and_others_are_not_disturbed() {
    let model = small_model();
    let server = start(&model, 4);
    let addr = server.local_addr().to_string();
    let x = samples(1, 4, 1);
    let want = model.predict_plain(&x, 1).unwrap();
    let mut first = Client::connect(&addr).unwrap();
    assert_close(&first.predict(&x).unwrap(), &want, "before");
    drop(first);
    let mut second = Client::connect(&addr).unwrap();
    assert_close(&second.predict(&x).unwrap(), &want, "a new client");
    second.reconnect().unwrap();
    assert_close(&second.predict(&x).unwrap(), &want, "after reconnecting");

    // A client that sends its part to one server only and leaves: its
    // request never completes, and the service goes on.
    let mut half = Client::connect(&addr).unwrap();
    let mut raw = TcpStream::connect(&addr).unwrap();
    raw.write_all(&hello(0, [9; 16])).unwrap();
    raw.write_all(&predict_frame(1, 1, &[0; 4])).unwrap();
    drop(raw);
    assert_close(&half.predict(&x).unwrap(), &want, "beside a half request");
}

#[test]
fn concurrent_clients_each_get_their_own_answers() {
    let model = small_model();
    let server = start(&model, 8);
    let addr = server.local_addr().to_string();
    std::thread::scope(|scope| {
        for c in 0..8u64 {
            let (addr, model) = (&addr, &model);
            scope.spawn(move || {
                let mut client = Client::connect(addr).unwrap();
                for i in 0..40 {
                    let x = samples(1, 4, c * 1000 + i);
                    let y = client.predict(&x).unwrap();
                    assert_close(&y, &model.predict_plain(&x, 1).unwrap(), &format!("client {c}, request {i}"));
                }
            });
        }
    });
    let stats = server.stats();
    assert_eq!(stats.predictions.load(std::sync::atomic::Ordering::Relaxed), 320);
    assert_eq!(stats.samples.load(std::sync::atomic::Ordering::Relaxed), 320);
}

#[test]
fn garbage_silence_and_strangers_do_not_take_the_service_down() {
    let model = small_model();
    let server = start(&model, 4);
    let addr = server.local_addr().to_string();
    // Silent: holds a connection without a hello.
    let _silent = TcpStream::connect(&addr).unwrap();
    // Garbage instead of a hello: answered with an error, then closed.
    let mut garbage = TcpStream::connect(&addr).unwrap();
    garbage.write_all(&[0xff; 64]).unwrap();
    let answer = read_to_end(&mut garbage);
    assert!(String::from_utf8_lossy(&answer).contains("a frame of"), "{answer:?}");
    // A wrong version.
    let mut old = TcpStream::connect(&addr).unwrap();
    let mut frame = hello(0, [3; 16]);
    frame[13] = 9;
    old.write_all(&frame).unwrap();
    assert!(String::from_utf8_lossy(&read_to_end(&mut old)).contains("version 9, expected 1"));
    // A frame of unknown kind after a good hello: an error, then closed.
    let mut unknown = TcpStream::connect(&addr).unwrap();
    unknown.write_all(&hello(1, [4; 16])).unwrap();
    unknown.write_all(&[9, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    assert!(String::from_utf8_lossy(&read_to_end(&mut unknown)).contains("unknown frame kind 42"));
    // A frame larger than a full batch is refused before it is read.
    let mut huge = TcpStream::connect(&addr).unwrap();
    huge.write_all(&hello(2, [5; 16])).unwrap();
    huge.write_all(&u32::MAX.to_le_bytes()).unwrap();
    assert!(String::from_utf8_lossy(&read_to_end(&mut huge)).contains("expected 9 to"));

    let mut client = Client::connect(&addr).unwrap();
    let x = samples(3, 4, 5);
    assert_close(&client.predict(&x).unwrap(), &model.predict_plain(&x, 3).unwrap(), "beside strangers");
}

#[test]
fn tfe_serve_answers_a_client_in_another_process() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tfe"))
        .args(["serve", "--model", "network-a", "--listen", "127.0.0.1:0", "--max-batch", "4"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {line:?}")).to_string();
    let model = network_a(1).unwrap();
    let mut client = Client::connect(&addr).unwrap();
    for i in 0..3 {
        let x: Vec<f64> = samples(2, 784, i).iter().map(|v| v / 4.0).collect();
        let y = client.predict(&x).unwrap();
        let want = model.predict_plain(&x, 2).unwrap();
        assert_eq!(y.len(), want.len());
        for (g, w) in y.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-2, "request {i}: got {g}, want {w}");
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_tfe"))
        .args(["serve", "--model", "network-a", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--insecure-plaintext"));
}

fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    out
}

/// A frame of the serving protocol (docs/serving.md): length, kind, id, payload.
fn frame(kind: u8, id: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = ((9 + payload.len()) as u32).to_le_bytes().to_vec();
    out.push(kind);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn hello(server: u8, key: [u8; 16]) -> Vec<u8> {
    let mut payload = 1u16.to_le_bytes().to_vec();
    payload.push(server);
    payload.extend_from_slice(&key);
    frame(1, 0, &payload)
}

fn predict_frame(id: u64, rows: u32, words: &[u64]) -> Vec<u8> {
    let mut payload = rows.to_le_bytes().to_vec();
    for w in words {
        payload.extend_from_slice(&w.to_le_bytes());
    }
    frame(3, id, &payload)
}
