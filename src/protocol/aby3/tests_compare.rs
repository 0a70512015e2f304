//! Boolean shares, conversions, comparisons and ReLU against plaintext, with
//! their rounds and bytes per element against the costs docs/architecture.md
//! explains (A2B ≤ 8 rounds; comparisons and ReLU ≤ 10 rounds and ≤ 160
//! bytes per element per server).
//!
//! The msb reads the low 39 bits by default (16 fractional + 20 integer + 3,
//! see `msb.rs`): 6 rounds and, per 64 elements, 130 words from server 0
//! (73 shared, 31 + 26 in the AND rounds); with all 64 bits, 7 rounds and
//! 215 words.

use super::tests::{CLIENT, assert_close, ctx, private_op, run_players_with, steps, values, with_eight_round_sign};
use super::{Aby3, BoolShare, Share};
use crate::error::Result;
use crate::fixed::{ComparisonWidth, FixedConfig};
use crate::net::{Counters, Endpoint};
use crate::protocol::Protocol;
use crate::ring::RingTensor;

/// Shares raw ring words from the client, runs `op` at the servers and
/// returns the words it reveals (to every server) and the servers' costs.
pub(super) fn ring_op(
    inputs: &[Vec<u64>],
    op: impl Fn(&mut Endpoint, &Aby3, &[Share]) -> Result<RingTensor> + Sync,
) -> (Vec<u64>, Vec<Counters>) {
    ring_op_with(FULL, inputs, op)
}

/// Comparisons on all 64 bits, for tests on arbitrary words.
const FULL: FixedConfig = FixedConfig { frac_bits: 16, int_bits: 20, comparison: ComparisonWidth::Full };

/// Words the msb sends from server 0 per block of 64 elements (module docs).
const MSB_WORDS_RANGE: u64 = 130;
const MSB_WORDS_FULL: u64 = 215;

/// Bytes server 0 sends for the msb of n elements: whole blocks of 64.
fn msb_bytes(n: usize, words_per_block: u64) -> u64 {
    8 * words_per_block * n.div_ceil(64) as u64
}

/// [`ring_op`] with a chosen fixed-point configuration.
pub(super) fn ring_op_with(
    fixed: FixedConfig,
    inputs: &[Vec<u64>],
    op: impl Fn(&mut Endpoint, &Aby3, &[Share]) -> Result<RingTensor> + Sync,
) -> (Vec<u64>, Vec<Counters>) {
    let results = run_players_with(fixed, |net, proto| {
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

pub(super) fn without_open(costs: &[Counters], n: usize) -> Vec<Counters> {
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
pub(super) fn test_words(n: usize, seed: u64) -> Vec<u64> {
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
        let b = p.a2b(net, &mut steps(10), &s[0])?;
        open(net, p, &b)
    });
    assert_eq!(got, x);
    assert_costs(&without_open(&costs, 301), 301, 8, 112, "a2b");
}

#[test]
fn and_xor_not_and_shifts_match_plaintext() {
    let (x, y) = (test_words(77, 2), test_words(77, 3));
    let (got, costs) = ring_op(&[x.clone(), y.clone()], |net, p, s| {
        let a = p.a2b(net, &mut steps(10), &s[0])?;
        let b = p.a2b(net, &mut steps(11), &s[1])?;
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
fn msb_on_all_64_bits_is_exact_on_all_words_in_seven_rounds() {
    for n in [513, 64, 1] {
        let x = test_words(n, 4);
        let (got, costs) = ring_op(std::slice::from_ref(&x), |net, p, s| {
            let b = p.msb(net, &mut steps(10), &s[0])?;
            open(net, p, &b)
        });
        assert_eq!(got, x.iter().map(|w| w >> 63).collect::<Vec<_>>(), "n {n}");
        let costs = without_open(&costs, n);
        assert_eq!(costs[0].bytes_sent, msb_bytes(n, MSB_WORDS_FULL), "n {n}");
        // Per element of whole blocks (the last block is padded).
        assert_costs(&costs, n.next_multiple_of(64), 7, 27, "msb on 64 bits");
        assert!(costs.iter().all(|c| c.bytes_sent <= msb_bytes(n, MSB_WORDS_FULL)), "{costs:?}");
    }
    // 215 bits per element: under 27 bytes, below the 34 of the packed tree.
    assert_eq!(msb_bytes(64, MSB_WORDS_FULL), 64 * 215 / 8);
}

/// Words spread over [−2^(bits−1), 2^(bits−1)), the interval an msb on
/// `bits` bits reads exactly, with its ends and the neighbours of every
/// power of two (all words for 64 bits).
fn words_within(bits: u32, n: usize, seed: u64) -> Vec<u64> {
    if bits == 64 {
        return test_words(n, seed);
    }
    let half = 1i64 << (bits - 1);
    let mut out: Vec<u64> = vec![0, u64::MAX, (-half) as u64, (half - 1) as u64, (-half + 1) as u64];
    for j in 0..bits - 1 {
        for d in [-1i64, 0, 1] {
            out.push(((1i64 << j) + d) as u64);
            out.push((-(1i64 << j) + d) as u64);
        }
    }
    let spread = test_words(n, seed);
    out.extend(spread.iter().map(|w| (((w % (2 * half as u64)) as i64) - half) as u64));
    out.truncate(n);
    out
}

#[test]
fn msb_on_the_fixed_point_range_is_exact_within_it_in_six_rounds_and_17_bytes() {
    let k = FixedConfig::default().comparison_bits();
    assert_eq!(k, 39);
    for (n, seed) in [(3 * 97, 7), (4099, 8)] {
        let x = words_within(k, n, seed);
        let (got, costs) = ring_op_with(FixedConfig::default(), std::slice::from_ref(&x), |net, p, s| {
            let b = p.msb(net, &mut steps(10), &s[0])?;
            open(net, p, &b)
        });
        assert_eq!(got, x.iter().map(|w| w >> 63).collect::<Vec<_>>(), "n {n}");
        let costs = without_open(&costs, n);
        assert_eq!(costs[0].bytes_sent, msb_bytes(n, MSB_WORDS_RANGE));
        assert_costs(&costs, n.next_multiple_of(64), 6, 17, "msb on 39 bits");
        assert!(costs.iter().all(|c| c.bytes_sent <= msb_bytes(n, MSB_WORDS_RANGE)), "{costs:?}");
    }
    // 130 bits per element: 16.25 bytes.
    assert_eq!(msb_bytes(64, MSB_WORDS_RANGE), 64 * 130 / 8);
}

#[test]
fn msb_is_exact_within_the_range_of_other_configurations() {
    // k = 15, 30 (TF Encrypted's 16 + 11 bits), 41 and 64: pairs only,
    // a single position, triples, and the widest valid range.
    for (f, i, max_rounds) in [(8, 4, 5), (16, 11, 6), (24, 14, 6), (1, 60, 7)] {
        let fixed = FixedConfig::new(f, i).unwrap();
        let k = fixed.comparison_bits();
        let x = words_within(k, 700, u64::from(k));
        let (got, costs) = ring_op_with(fixed, std::slice::from_ref(&x), |net, p, s| {
            let b = p.msb(net, &mut steps(10), &s[0])?;
            open(net, p, &b)
        });
        assert_eq!(got, x.iter().map(|w| w >> 63).collect::<Vec<_>>(), "k {k}");
        assert!(without_open(&costs, 700).iter().all(|c| c.rounds <= max_rounds), "k {k}: {costs:?}");
    }
}

#[test]
fn msb_of_nothing_is_nothing() {
    let (got, _) = ring_op_with(FixedConfig::default(), &[vec![]], |net, p, s| {
        let b = p.msb(net, &mut steps(10), &s[0])?;
        open(net, p, &b)
    });
    assert!(got.is_empty());
}

#[test]
fn msb_outside_the_range_reads_the_sign_of_the_wrapped_value() {
    // The documented behaviour out of range: bit 38 of x, i.e. the sign of x
    // wrapped into 39 bits. 2^38 reads as negative, −2^38 − 1 as positive.
    let x = vec![1u64 << 38, (-(1i64 << 38) - 1) as u64, 3 << 38, 1 << 62];
    let (got, _) = ring_op_with(FixedConfig::default(), std::slice::from_ref(&x), |net, p, s| {
        let b = p.msb(net, &mut steps(10), &s[0])?;
        open(net, p, &b)
    });
    assert_eq!(got, x.iter().map(|w| (w >> 38) & 1).collect::<Vec<_>>());
    let (got, _) = ring_op(std::slice::from_ref(&x), |net, p, s| {
        let b = p.msb(net, &mut steps(10), &s[0])?;
        open(net, p, &b)
    });
    assert_eq!(got, vec![0, 1, 0, 0], "all 64 bits read the true sign");
}

#[test]
fn b2a_inverts_a2b_and_bit_injection_multiplies() {
    let x = test_words(65, 5);
    let (got, _) = ring_op(std::slice::from_ref(&x), |net, p, s| {
        let b = p.a2b(net, &mut steps(10), &s[0])?;
        let back = p.b2a(net, &mut steps(11), &b)?;
        Ok(p.reveal(net, ctx(12), Some(&back), &[65], None)?.unwrap())
    });
    assert_eq!(got, x);
    let y = test_words(65, 6);
    let (got, costs) = ring_op(&[x.clone(), y.clone()], |net, p, s| {
        let bit = p.a2b(net, &mut steps(10), &s[0])?.and_public(1);
        let before = net.counters();
        let product = p.bit_inject(net, &mut steps(11), &bit, &s[1])?;
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
fn comparisons_match_plaintext_and_cost_at_most_nine_rounds_equal_included() {
    type Cmp = fn(&Aby3, &mut Endpoint, &mut super::Steps, &Share, &Share) -> Result<Share>;
    type Case = (&'static str, Cmp, fn(f64, f64) -> bool);
    with_eight_round_sign(|| {
        let n = 3 * 37;
        let (x, y) = pairs(n);
        let cases: [Case; 5] = [
            ("less", Aby3::less, |a, b| a < b),
            ("less_equal", Aby3::less_equal, |a, b| a <= b),
            ("greater", Aby3::greater, |a, b| a > b),
            ("greater_equal", Aby3::greater_equal, |a, b| a >= b),
            ("equal", Aby3::equal, |a, b| a == b),
        ];
        let inputs = [(x.clone(), vec![3, 37]), (y.clone(), vec![3, 37])];
        for (name, kernel, want) in cases {
            let (got, costs) = private_op(&inputs, |net, p, s| kernel(p, net, &mut steps(10), &s[0], &s[1]));
            let expected: Vec<f64> = (0..n).map(|i| f64::from(u8::from(want(x[i], y[i])))).collect();
            assert_eq!(got, expected, "{name}");
            // equal: 1 + 6 + 2 rounds; the others msb (6) + injection (2).
            assert_costs(&costs[..3], n, if name == "equal" { 9 } else { 8 }, 160, name);
        }
        let (got, _) = private_op(&inputs[..1], |net, p, s| p.is_negative(net, &mut steps(10), &s[0]));
        assert_eq!(got, x.iter().map(|&v| f64::from(u8::from(v < 0.0))).collect::<Vec<_>>());
    });
}

#[test]
fn relu_is_exact_in_eight_rounds_and_at_most_45_bytes() {
    with_eight_round_sign(|| {
        let (x, _) = pairs(5 * 41);
        let (got, costs) = private_op(&[(x.clone(), vec![5, 41])], |net, p, s| p.relu(net, &mut steps(10), &s[0]));
        assert_eq!(got, x.iter().map(|&v| v.max(0.0)).collect::<Vec<_>>());
        // msb (6 rounds, 130 words per 64 elements) + injection (2 rounds, ≤ 24 bytes).
        let n = 5 * 41;
        assert!(costs[..3].iter().all(|c| c.bytes_sent <= msb_bytes(n, MSB_WORDS_RANGE) + 24 * n as u64), "{costs:?}");
        assert_costs(&costs[..3], n, 8, 45, "relu");
        assert_eq!(costs[3], Counters::default());
    });
}

#[test]
fn select_on_a_comparison_is_exact_in_two_rounds_and_broadcasts() {
    let (x, y) = pairs(7 * 9);
    let inputs = [(x.clone(), vec![7, 9]), (y.clone(), vec![7, 9])];
    let (got, costs) = private_op(&inputs, |net, p, s| {
        let c = p.less(net, &mut steps(10), &s[0], &s[1])?;
        let before = net.counters();
        let out = p.select(net, ctx(11), &c, &s[0], &s[1])?;
        let cost = net.counters() - before;
        assert!(cost.rounds <= 2 && cost.bytes_sent <= 40 * 63, "{cost:?}");
        Ok(out)
    });
    assert_eq!(got, (0..63).map(|i| if x[i] < y[i] { x[i] } else { y[i] }).collect::<Vec<_>>());
    assert!(costs[..3].iter().all(|c| c.rounds <= 8 + 2), "{costs:?}");
    // A condition per column, broadcast over the rows; values of both signs.
    let cond: Vec<f64> = (0..9).map(|j| f64::from(j % 2)).collect();
    let inputs = [(cond.clone(), vec![9]), (x.clone(), vec![7, 9]), (y.clone(), vec![7, 9])];
    let (got, _) = private_op(&inputs, |net, p, s| p.select(net, ctx(10), &s[0], &s[1], &s[2]));
    assert_eq!(got, (0..63).map(|i| if cond[i % 9] == 1.0 { x[i] } else { y[i] }).collect::<Vec<_>>());
}

#[test]
fn maximum_and_select_match_plaintext() {
    with_eight_round_sign(|| {
        let (x, y) = pairs(45);
        let inputs = [(x.clone(), vec![9, 5]), (y.clone(), vec![9, 5])];
        let (got, costs) = private_op(&inputs, |net, p, s| p.maximum(net, &mut steps(10), &s[0], &s[1]));
        assert_close(&got, &x.iter().zip(&y).map(|(a, b)| a.max(*b)).collect::<Vec<_>>(), 0.0);
        assert_costs(&costs[..3], 45, 10, 160, "maximum");
        // Broadcasting a row against a matrix.
        let row = values(5, 30, 10.0);
        let inputs = [(x.clone(), vec![9, 5]), (row.clone(), vec![5])];
        let (got, _) = private_op(&inputs, |net, p, s| p.maximum(net, &mut steps(10), &s[0], &s[1]));
        assert_eq!(got, (0..45).map(|i| x[i].max(row[i % 5])).collect::<Vec<_>>());
    });
}
