//! ABY3 kernels against plaintext arithmetic, and their costs against the
//! cost table of docs/architecture.md. Players run on threads over in-memory
//! channels; sessions over TCP are tested in `tests/`.

use std::cell::Cell;
use std::time::Duration;

use proptest::prelude::*;

use super::{Aby3, OpContext, SeedSource, Share};
use crate::error::Result;
use crate::fixed::FixedConfig;
use crate::net::{Counters, Endpoint, memory};
use crate::protocol::Protocol;
use crate::ring::RingTensor;

const SERVERS: [usize; 3] = [0, 1, 2];
pub(super) const CLIENT: usize = 3;

thread_local! {
    /// The most elements a sign takes in three rounds at the players this
    /// test thread starts, when the test chose (see `sign_lists.rs`).
    static THREE_ROUND_SIGN_MAX: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Runs `f` with signs of up to `max` elements in three rounds, larger
/// ones in eight.
pub(super) fn with_three_round_sign_max<T>(max: usize, f: impl FnOnce() -> T) -> T {
    THREE_ROUND_SIGN_MAX.with(|m| m.set(Some(max)));
    let out = f();
    THREE_ROUND_SIGN_MAX.with(|m| m.set(None));
    out
}

/// Runs `f` with every sign in 8 rounds, the form large tensors take, so
/// that tests on small tensors check it too.
pub(super) fn with_eight_round_sign<T>(f: impl FnOnce() -> T) -> T {
    with_three_round_sign_max(0, f)
}

/// Runs `f` at the three servers and a client, each on its own thread.
pub(super) fn run_players<T: Send>(f: impl Fn(&mut Endpoint, &Aby3) -> Result<T> + Sync) -> Vec<(T, Counters)> {
    run_players_with(FixedConfig::default(), f)
}

/// [`run_players`] with a fixed-point configuration of the test's choice.
pub(super) fn run_players_with<T: Send>(
    fixed: FixedConfig,
    f: impl Fn(&mut Endpoint, &Aby3) -> Result<T> + Sync,
) -> Vec<(T, Counters)> {
    let names: Vec<String> = ["server0", "server1", "server2", "client"].map(String::from).to_vec();
    let endpoints = memory::mesh(&names, Duration::from_secs(20), None);
    let three_round_sign_max = THREE_ROUND_SIGN_MAX.with(Cell::get);
    std::thread::scope(|scope| {
        let handles: Vec<_> = endpoints
            .into_iter()
            .map(|mut net| {
                let f = &f;
                scope.spawn(move || {
                    let mut proto = Aby3::setup(&mut net, SERVERS, fixed, &SeedSource::OsEntropy).expect("setup");
                    if let Some(max) = three_round_sign_max {
                        proto.three_round_sign_max = max;
                    }
                    let before = net.counters();
                    let out = f(&mut net, &proto).expect("player failed");
                    (out, net.counters() - before)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("player panicked")).collect()
    })
}

pub(super) fn ctx(op: u32) -> OpContext {
    OpContext::new(1, op)
}

/// The primitive steps of a composite op run as graph node `op`.
pub(super) fn steps(op: u32) -> super::Steps {
    super::Steps::new(ctx(op))
}

pub(super) fn encode(values: &[f64], shape: &[usize]) -> RingTensor {
    FixedConfig::default().encode(shape, values).unwrap()
}

/// Shares `values` from the client, applies `op` at the servers, reveals to
/// the client and returns the decoded result and per-player costs of `op`.
pub(super) fn private_op(
    inputs: &[(Vec<f64>, Vec<usize>)],
    op: impl Fn(&mut Endpoint, &Aby3, &[Share]) -> Result<Share> + Sync,
) -> (Vec<f64>, Vec<Counters>) {
    let results = run_players(|net, proto| {
        let mut shares = Vec::new();
        for (k, (values, shape)) in inputs.iter().enumerate() {
            let value = (net.me() == CLIENT).then(|| encode(values, shape));
            shares.push(proto.input(net, ctx(k as u32), CLIENT, shape, value.as_ref())?);
        }
        let before = net.counters();
        let out = match proto.server_index() {
            Some(_) => Some(op(net, proto, &shares.into_iter().map(Option::unwrap).collect::<Vec<_>>())?),
            None => None,
        };
        let cost = net.counters() - before;
        let shape = out.as_ref().map(|s| s.shape().to_vec());
        // Everyone learns the output shape from server 0's computation.
        let shape = broadcast_shape(net, shape)?;
        let revealed = proto.reveal(net, ctx(1000), out.as_ref(), &shape, Some(CLIENT))?;
        Ok((revealed.map(|t| FixedConfig::default().decode(&t)), cost))
    });
    let values = results[CLIENT].0.0.clone().unwrap();
    (values, results.iter().map(|r| r.0.1).collect())
}

/// Server 0 tells the client the shape of a result (test plumbing only).
pub(super) fn broadcast_shape(net: &mut Endpoint, shape: Option<Vec<usize>>) -> Result<Vec<usize>> {
    let tag = ctx(999).tag(0);
    match net.me() {
        0 => {
            let s = shape.unwrap();
            net.send(CLIENT, tag, &s.iter().map(|&d| d as u64).collect::<Vec<_>>())?;
            Ok(s)
        }
        CLIENT => Ok(net.recv(0, tag)?.into_iter().map(|d| d as usize).collect()),
        _ => Ok(shape.unwrap()),
    }
}

pub(super) fn assert_close(got: &[f64], want: &[f64], tolerance: f64) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let bound = tolerance * (1.0 + w.abs());
        assert!((g - w).abs() <= bound, "element {i}: got {g}, want {w} (bound {bound})");
    }
}

fn matmul_f64(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for p in 0..k {
            for j in 0..n {
                out[i * n + j] += a[i * k + p] * b[p * n + j];
            }
        }
    }
    out
}

const TOL: f64 = 1.0 / 4096.0;

/// Pseudo-random values in [-range, range] on the fixed-point grid, so that
/// plaintext f64 arithmetic on them measures the protocol's error, not the
/// rounding of the inputs (at most 2^-17 each, and the same in any encoding).
pub(super) fn values(len: usize, seed: u64, range: f64) -> Vec<f64> {
    let fixed = FixedConfig::default();
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let v = ((state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * range;
            fixed.decode_value(fixed.encode_value(v).unwrap())
        })
        .collect()
}

#[test]
fn linear_ops_match_plaintext() {
    let x = values(12, 1, 100.0);
    let y = values(12, 2, 100.0);
    let inputs = [(x.clone(), vec![3, 4]), (y.clone(), vec![3, 4])];
    let (got, costs) = private_op(&inputs, |_, p, s| p.add(&s[0], &p.neg(&s[1]))?.sub(&s[1]));
    let want: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a - 2.0 * b).collect();
    assert_close(&got, &want, TOL);
    assert!(costs.iter().all(|c| c.bytes_sent == 0 && c.rounds == 0), "{costs:?}");

    let c = encode(&[1.5, -2.0, 0.25, 10.0], &[4]);
    let (got, _) = private_op(&inputs, |_, p, s| {
        let t = s[0].add_public(p.server_index().unwrap(), &c)?;
        p.rsub_public(&t.transpose(&[1, 0])?.sum(Some(0))?, &encode(&[1.0], &[]))
    });
    let row = [1.5, -2.0, 0.25, 10.0];
    let want: Vec<f64> = (0..3).map(|i| 1.0 - (0..4).map(|j| x[i * 4 + j] + row[j]).sum::<f64>()).collect();
    assert_close(&got, &want, TOL);
}

#[test]
fn fixed_point_mul_and_matmul_match_plaintext_and_cost_table() {
    for (m, k, n) in [(1, 1, 1), (5, 10, 10), (17, 3, 9), (64, 64, 64)] {
        let a = values(m * k, 3 + m as u64, 100.0);
        let b = values(k * n, 4 + n as u64, 1.0);
        let inputs = [(a.clone(), vec![m, k]), (b.clone(), vec![k, n])];
        let (got, costs) = private_op(&inputs, |net, p, s| p.matmul(net, ctx(7), &s[0], &s[1]));
        assert_close(&got, &matmul_f64(&a, &b, m, k, n), TOL);
        for c in &costs[..3] {
            assert!(c.rounds <= 2 && c.bytes_sent <= 40 * (m * n) as u64, "{m}x{k}x{n}: {c:?}");
        }
    }
    let a = values(300, 5, 1000.0);
    let b = values(300, 6, 1000.0);
    let inputs = [(a.clone(), vec![300]), (b.clone(), vec![300])];
    let (got, costs) = private_op(&inputs, |net, p, s| p.mul(net, ctx(7), &s[0], &s[1]));
    let want: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
    assert_close(&got, &want, TOL);
    assert!(costs[..3].iter().all(|c| c.rounds <= 2 && c.bytes_sent <= 40 * 300), "{costs:?}");
}

#[test]
fn a_mul_sent_in_parts_is_exact_and_costs_two_rounds() {
    use super::truncation::PART;
    // Three whole parts of the truncation's messages and a short fourth.
    let n = 3 * PART + 5;
    let (a, b) = (values(n, 11, 100.0), values(n, 12, 100.0));
    let inputs = [(a.clone(), vec![n]), (b.clone(), vec![n])];
    let (got, costs) = private_op(&inputs, |net, p, s| p.mul(net, ctx(7), &s[0], &s[1]));
    let want: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
    assert_close(&got, &want, TOL);
    // Servers 0 and 1 send in both rounds, server 2 in the first; each
    // sends two messages per part. Server 2 sends 8 bytes per element to
    // server 1, and a packed half word to server 0.
    let server_2_bytes = 8 * (3 * PART / 2 + 3 + n) as u64;
    for (c, (rounds, bytes)) in costs[..3].iter().zip([(2, 16 * n as u64), (2, 16 * n as u64), (1, server_2_bytes)]) {
        assert_eq!((c.rounds, c.messages_sent, c.bytes_sent), (rounds, 8, bytes), "{c:?}");
    }
}

#[test]
fn a_large_matmul_truncated_in_parts_matches_plaintext() {
    // 90 000 results: six parts.
    let (m, k, n) = (300, 200, 300);
    let a = values(m * k, 21, 10.0);
    let b = values(k * n, 22, 1.0);
    let inputs = [(a.clone(), vec![m, k]), (b.clone(), vec![k, n])];
    let (got, costs) = private_op(&inputs, |net, p, s| p.matmul(net, ctx(7), &s[0], &s[1]));
    assert_close(&got, &matmul_f64(&a, &b, m, k, n), TOL);
    for c in &costs[..3] {
        assert!(c.rounds <= 2 && c.bytes_sent <= 16 * (m * n) as u64 + 64, "{c:?}");
    }
}

#[test]
fn a_small_mul_costs_44_bytes_per_element_and_server_2_only_sends() {
    let n = 300;
    let (a, b) = (values(n, 13, 100.0), values(n, 14, 100.0));
    let inputs = [(a.clone(), vec![n]), (b.clone(), vec![n])];
    let (got, costs) = private_op(&inputs, |net, p, s| p.mul(net, ctx(7), &s[0], &s[1]));
    let want: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
    assert_close(&got, &want, TOL);
    // Server 2 folds its share into the mask: it sends only its parts of
    // r_hi (8 bytes) and of r_msb (4, two to a word).
    let bytes: Vec<u64> = costs[..3].iter().map(|c| c.bytes_sent).collect();
    assert_eq!(bytes, [16 * n as u64, 16 * n as u64, 12 * n as u64]);
    // It takes part in the first round only: it receives nothing.
    assert_eq!(costs[2].rounds, 1, "{:?}", costs[2]);
}

#[test]
fn chains_of_five_multiplications_stay_within_bound() {
    let x = values(64, 7, 2.0);
    let inputs = [(x.clone(), vec![64])];
    let (got, _) = private_op(&inputs, |net, p, s| {
        let mut acc = s[0].clone();
        for step in 0..5 {
            acc = p.mul(net, ctx(10 + step), &acc, &s[0])?;
        }
        Ok(acc)
    });
    let want: Vec<f64> = x.iter().map(|v| v.powi(6)).collect();
    assert_close(&got, &want, TOL);
    let (got, _) = private_op(&inputs, |net, p, s| p.square(net, ctx(20), &s[0]));
    assert_close(&got, &x.iter().map(|v| v * v).collect::<Vec<_>>(), TOL);
}

#[test]
fn ring_matmul_costs_one_round_and_8mn_bytes_whatever_k() {
    for k in [1, 16, 300] {
        let (m, n) = (4, 6);
        let a = values(m * k, 9, 1.0);
        let b = values(k * n, 10, 1.0);
        let inputs = [(a, vec![m, k]), (b, vec![k, n])];
        let (_, costs) = private_op(&inputs, |net, p, s| p.matmul_ring(net, ctx(7), &s[0], &s[1]));
        for c in &costs[..3] {
            assert_eq!((c.rounds, c.bytes_sent, c.messages_sent), (1, 8 * (m * n) as u64, 1), "k={k}");
        }
        assert_eq!(costs[CLIENT], Counters::default());
    }
}

#[test]
fn input_and_reveal_costs() {
    let results = run_players(|net, proto| {
        let value = (net.me() == CLIENT).then(|| encode(&[1.0; 100], &[100]));
        let before = net.counters();
        let share = proto.input(net, ctx(1), CLIENT, &[100], value.as_ref())?;
        let input_cost = net.counters() - before;
        let before = net.counters();
        let all = proto.reveal(net, ctx(2), share.as_ref(), &[100], None)?;
        let reveal_cost = net.counters() - before;
        assert_eq!(all.is_some(), proto.server_index().is_some());
        Ok((input_cost, reveal_cost))
    });
    let client_input = results[CLIENT].0.0;
    // Two elements per value leave the owner, plus 16 words of seeds.
    assert_eq!(client_input.bytes_sent, 8 * (2 * 100 + 16));
    assert_eq!(client_input.rounds, 1);
    for r in &results[..3] {
        assert_eq!((r.0.1.bytes_sent, r.0.1.rounds), (800, 1));
    }
}

#[test]
fn reveal_to_one_server_only_reaches_it() {
    let results = run_players(|net, proto| {
        let value = (net.me() == CLIENT).then(|| encode(&[2.5, -1.0], &[2]));
        let share = proto.input(net, ctx(1), CLIENT, &[2], value.as_ref())?;
        proto.reveal(net, ctx(2), share.as_ref(), &[2], Some(1))
    });
    let revealed: Vec<bool> = results.iter().map(|r| r.0.is_some()).collect();
    assert_eq!(revealed, [false, true, false, false]);
    assert_eq!(FixedConfig::default().decode(results[1].0.as_ref().unwrap()), vec![2.5, -1.0]);
}

#[test]
fn server_owned_inputs_work() {
    let results = run_players(|net, proto| {
        let value = (net.me() == 2).then(|| encode(&[3.0, 4.0], &[2]));
        let share = proto.input(net, ctx(1), 2, &[2], value.as_ref())?;
        proto.reveal(net, ctx(2), share.as_ref(), &[2], Some(CLIENT))
    });
    assert_eq!(FixedConfig::default().decode(results[CLIENT].0.as_ref().unwrap()), vec![3.0, 4.0]);
}

/// Truncates `raw` (ring values) and checks every result is ⌊x/2^f⌋ or one more.
fn check_truncation(raw: &[i64]) -> std::result::Result<(), String> {
    let f = FixedConfig::default().frac_bits;
    let len = raw.len();
    let results = run_players(|net, proto| {
        let value =
            (net.me() == CLIENT).then(|| RingTensor::new(vec![len], raw.iter().map(|&v| v as u64).collect()).unwrap());
        let share = proto.input(net, ctx(1), CLIENT, &[len], value.as_ref())?;
        let truncated = match share {
            Some(s) => Some(proto.truncate(net, ctx(2), &s)?),
            None => None,
        };
        proto.reveal(net, ctx(3), truncated.as_ref(), &[len], Some(CLIENT))
    });
    let got = results[CLIENT].0.as_ref().unwrap();
    for (g, &x) in got.data().iter().zip(raw) {
        let (floor, g) = (x >> f, *g as i64);
        if g != floor && g != floor + 1 {
            return Err(format!("x={x}: got {g}, floor {floor}"));
        }
    }
    Ok(())
}

#[test]
fn truncation_in_parts_is_exact_up_to_one_unit() {
    // Values over the whole range |x| < 2^62, in parts.
    let n = 3 * super::truncation::PART + 7;
    let limit = (1u64 << 63) - 1;
    let raw: Vec<i64> =
        (0..n as u64).map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) % limit) as i64 - (1i64 << 62) + 1).collect();
    assert!(raw.iter().any(|&x| x > 1 << 61) && raw.iter().any(|&x| x < -(1 << 61)));
    check_truncation(&raw).unwrap();
}

#[test]
fn truncation_and_products_agree_at_every_vector_level() {
    use crate::ring::vectorized::{Level, LevelCapForTests, detected_level};
    let n = 2 * super::truncation::PART + 5;
    let limit = (1u64 << 63) - 1;
    let raw: Vec<i64> =
        (0..n as u64).map(|i| (i.wrapping_mul(0xD6E8_FEB8_6659_FD93) % limit) as i64 - (1i64 << 62) + 1).collect();
    let (a, b) = (values(n, 15, 100.0), values(n, 16, 100.0));
    let want: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
    let inputs = [(a, vec![n]), (b, vec![n])];
    for level in [Level::Baseline, Level::Avx2, Level::Avx512] {
        if level > detected_level() {
            continue;
        }
        let _cap = LevelCapForTests::new(level);
        check_truncation(&raw).unwrap_or_else(|e| panic!("{level:?}: {e}"));
        let (got, _) = private_op(&inputs, |net, p, s| p.mul(net, ctx(7), &s[0], &s[1]));
        assert_close(&got, &want, TOL);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Truncation is off by at most one unit for every |x| < 2^62.
    #[test]
    fn truncation_is_exact_up_to_one_unit(raw in prop::collection::vec(-(1i64 << 62) + 1..(1i64 << 62), 1..200)) {
        prop_assert_eq!(check_truncation(&raw), Ok(()));
    }
}
