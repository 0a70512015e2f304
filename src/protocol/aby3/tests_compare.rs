//! Boolean shares, conversions, comparisons and ReLU against plaintext, with
//! their rounds and bytes per element against DESIGN.md section 3 and the
//! issue's limits (A2B ≤ 8 rounds; comparisons and ReLU ≤ 10 rounds and
//! ≤ 160 bytes per element per server).

use super::tests::{CLIENT, assert_close, ctx, private_op, run_players, values};
use super::{Aby3, BoolShare, Share};
use crate::error::Result;
use crate::net::{Counters, Endpoint};
use crate::ring::RingTensor;

/// Shares raw ring words from the client, runs `op` at the servers and
/// returns the words it reveals (to every server) and the servers' costs.
fn ring_op(
    inputs: &[Vec<u64>],
    op: impl Fn(&mut Endpoint, &Aby3, &[Share]) -> Result<RingTensor> + Sync,
) -> (Vec<u64>, Vec<Counters>) {
    let results = run_players(|net, proto| {
        let mut shares = Vec::new();
        for (k, words) in inputs.iter().enumerate() {
            let shape = [words.len()];
            let value = (net.me() == CLIENT).then(|| RingTensor::new(shape.to_vec(), words.clone()).unwrap());
            shares.push(proto.input(net, ctx(k as u32), CLIENT, &shape, value.as_ref())?);
        }
        if proto.server_index().is_none() {
            return Ok((Vec::new(), Counters::default()));
        }
        let shares: Vec<Share> = shares.into_iter().map(Option::unwrap).collect();
        let before = net.counters();
        let out = op(net, proto, &shares)?;
        Ok((out.into_data(), net.counters() - before))
    });
    let words = results[0].0.0.clone();
    assert!(results[..3].iter().all(|r| r.0.0 == words), "servers disagree");
    (words, results[..3].iter().map(|r| r.0.1).collect())
}

/// Reveals a boolean share and subtracts the cost of the reveal (one round,
/// 8 bytes per word) so that costs are those of the op alone.
fn open(net: &mut Endpoint, proto: &Aby3, x: &BoolShare) -> Result<RingTensor> {
    proto.reveal_bool(net, ctx(900), x)
}

fn without_open(costs: &[Counters], n: usize) -> Vec<Counters> {
    costs
        .iter()
        .map(|c| Counters {
            rounds: c.rounds - 1,
            bytes_sent: c.bytes_sent - 8 * n as u64,
            messages_sent: c.messages_sent - 1,
            wire_bytes_sent: c.wire_bytes_sent,
        })
        .collect()
}

/// Words that exercise carries: extremes, small and random values.
fn test_words(n: usize, seed: u64) -> Vec<u64> {
    let mut state = seed;
    let mut out = vec![0, 1, u64::MAX, 1 << 63, (1 << 63) - 1, (1 << 63) + 1, 0x5555_5555_5555_5555, 0xffff_ffff];
    while out.len() < n {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        out.push(state ^ (state >> 29));
    }
    out.truncate(n);
    out
}

fn assert_costs(costs: &[Counters], n: usize, max_rounds: u64, max_bytes_per_element: u64, what: &str) {
    for (i, c) in costs.iter().enumerate() {
        assert!(c.rounds <= max_rounds, "{what}: server {i} took {} rounds (max {max_rounds})", c.rounds);
        let limit = max_bytes_per_element * n as u64;
        assert!(c.bytes_sent <= limit, "{what}: server {i} sent {} bytes for {n} elements (max {limit})", c.bytes_sent);
    }
}

#[test]
fn a2b_is_exact_on_all_words_in_eight_rounds() {
    let x = test_words(301, 1);
    let (got, costs) = ring_op(std::slice::from_ref(&x), |net, p, s| {
        let b = p.a2b(net, ctx(10), &s[0])?;
        open(net, p, &b)
    });
    assert_eq!(got, x);
    assert_costs(&without_open(&costs, 301), 301, 8, 112, "a2b");
}

#[test]
fn and_xor_not_and_shifts_match_plaintext() {
    let (x, y) = (test_words(77, 2), test_words(77, 3));
    let (got, costs) = ring_op(&[x.clone(), y.clone()], |net, p, s| {
        let a = p.a2b(net, ctx(10), &s[0])?;
        let b = p.a2b(net, ctx(11), &s[1])?;
        let before = net.counters();
        let and = p.and_bool(net, ctx(12), &a, &b)?;
        assert_eq!((net.counters() - before).bytes_sent, 8 * 77);
        let me = p.server_index().unwrap();
        let mixed = and.xor(&a.not(me).shl(3))?.xor(&b.shr_logical(5))?.xor(&b.shr_arithmetic(7))?;
        open(net, p, &mixed)
    });
    let want: Vec<u64> =
        (0..77).map(|i| (x[i] & y[i]) ^ (!x[i] << 3) ^ (y[i] >> 5) ^ (((y[i] as i64) >> 7) as u64)).collect();
    assert_eq!(got, want);
    assert!(costs.iter().all(|c| c.rounds <= 8 + 8 + 1 + 1), "{costs:?}");
}

#[test]
fn msb_is_exact_on_all_words() {
    let x = test_words(513, 4);
    let (got, costs) = ring_op(std::slice::from_ref(&x), |net, p, s| {
        let b = p.msb(net, ctx(10), &s[0])?;
        open(net, p, &b)
    });
    assert_eq!(got, x.iter().map(|w| w >> 63).collect::<Vec<_>>());
    assert_costs(&without_open(&costs, 513), 513, 8, 34, "msb");
}

#[test]
fn b2a_inverts_a2b_and_bit_injection_multiplies() {
    let x = test_words(65, 5);
    let (got, _) = ring_op(std::slice::from_ref(&x), |net, p, s| {
        let b = p.a2b(net, ctx(10), &s[0])?;
        let back = p.b2a(net, ctx(11), &b)?;
        Ok(p.reveal(net, ctx(12), Some(&back), &[65], None)?.unwrap())
    });
    assert_eq!(got, x);
    let y = test_words(65, 6);
    let (got, costs) = ring_op(&[x.clone(), y.clone()], |net, p, s| {
        let bit = p.a2b(net, ctx(10), &s[0])?.and_public(1);
        let before = net.counters();
        let product = p.bit_inject(net, ctx(11), &bit, &s[1])?;
        let cost = net.counters() - before;
        assert!(cost.rounds <= 2 && cost.bytes_sent <= 24 * 65, "{cost:?}");
        Ok(p.reveal(net, ctx(12), Some(&product), &[65], None)?.unwrap())
    });
    assert_eq!(got, (0..65).map(|i| (x[i] & 1) * y[i]).collect::<Vec<_>>());
    assert!(costs.iter().all(|c| c.rounds <= 8 + 2 + 1));
}

/// Fixed-point values with ties, zeros and both signs, in an odd shape.
fn pairs(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut x = values(n, 21, 1000.0);
    let mut y = values(n, 22, 1000.0);
    for i in (0..n).step_by(7) {
        y[i] = x[i];
    }
    x[1] = 0.0;
    y[2] = 0.0;
    x[3] = -1.0 / 65536.0;
    y[3] = 0.0;
    x[4] = 1048576.0;
    y[4] = -1048576.0;
    (x, y)
}

#[test]
fn comparisons_match_plaintext_and_cost_at_most_ten_rounds() {
    let n = 3 * 37;
    let (x, y) = pairs(n);
    type Cmp = fn(&Aby3, &mut Endpoint, super::OpContext, &Share, &Share) -> Result<Share>;
    type Case = (&'static str, Cmp, fn(f64, f64) -> bool);
    let cases: [Case; 5] = [
        ("less", Aby3::less, |a, b| a < b),
        ("less_equal", Aby3::less_equal, |a, b| a <= b),
        ("greater", Aby3::greater, |a, b| a > b),
        ("greater_equal", Aby3::greater_equal, |a, b| a >= b),
        ("equal", Aby3::equal, |a, b| a == b),
    ];
    let inputs = [(x.clone(), vec![3, 37]), (y.clone(), vec![3, 37])];
    for (name, kernel, want) in cases {
        let (got, costs) = private_op(&inputs, |net, p, s| kernel(p, net, ctx(10), &s[0], &s[1]));
        let expected: Vec<f64> = (0..n).map(|i| want(x[i], y[i]) as u8 as f64).collect();
        assert_eq!(got, expected, "{name}");
        assert_costs(&costs[..3], n, 10, 160, name);
    }
    let (got, _) = private_op(&inputs[..1], |net, p, s| p.is_negative(net, ctx(10), &s[0]));
    assert_eq!(got, x.iter().map(|&v| (v < 0.0) as u8 as f64).collect::<Vec<_>>());
}

#[test]
fn relu_is_exact_and_costs_at_most_ten_rounds_and_160_bytes() {
    let (x, _) = pairs(5 * 41);
    let (got, costs) = private_op(&[(x.clone(), vec![5, 41])], |net, p, s| p.relu(net, ctx(10), &s[0]));
    assert_eq!(got, x.iter().map(|&v| v.max(0.0)).collect::<Vec<_>>());
    assert_costs(&costs[..3], 5 * 41, 10, 60, "relu");
    assert_eq!(costs[3], Counters::default());
}

#[test]
fn maximum_and_select_match_plaintext() {
    let (x, y) = pairs(45);
    let inputs = [(x.clone(), vec![9, 5]), (y.clone(), vec![9, 5])];
    let (got, costs) = private_op(&inputs, |net, p, s| p.maximum(net, ctx(10), &s[0], &s[1]));
    assert_close(&got, &x.iter().zip(&y).map(|(a, b)| a.max(*b)).collect::<Vec<_>>(), 0.0);
    assert_costs(&costs[..3], 45, 10, 160, "maximum");
    // Broadcasting a row against a matrix.
    let row = values(5, 30, 10.0);
    let inputs = [(x.clone(), vec![9, 5]), (row.clone(), vec![5])];
    let (got, _) = private_op(&inputs, |net, p, s| p.maximum(net, ctx(10), &s[0], &s[1]));
    assert_eq!(got, (0..45).map(|i| x[i].max(row[i % 5])).collect::<Vec<_>>());
}
