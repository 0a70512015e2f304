//! The three-round sign (`sign_lists.rs`) against plaintext: ReLU,
//! comparisons, maximum, minimum and abs exact on random values, on the
//! edges of the range it is exact in, and on 10^7 random signs; its costs
//! (3 rounds; server 0 sends k + 4 words per element, server 1 k + 1,
//! server 2 4, with k = 39 by default).

use super::tests::{CLIENT, ctx, private_op, run_players_with, steps, values, with_three_round_sign_max};
use super::{Aby3, Share};
use crate::fixed::FixedConfig;
use crate::net::Counters;
use crate::protocol::Protocol;
use crate::ring::RingTensor;

/// The default comparison width: 16 fractional + 20 integer + 3 bits.
const K: u64 = 39;

fn assert_three_rounds(costs: &[Counters], n: usize, what: &str) {
    let n = n as u64;
    let words = [(K + 4) * n, (K + 1) * n, 4 * n];
    for (i, (c, words)) in costs[..3].iter().zip(words).enumerate() {
        assert_eq!(c.rounds, 3, "{what}: server {i}: {c:?}");
        assert_eq!(c.bytes_sent, 8 * words, "{what}: server {i}: {c:?}");
    }
    assert_eq!(costs[CLIENT], Counters::default(), "{what}: the client takes no part");
}

/// A kernel on two shares, and its plaintext counterpart.
type Kernel = fn(&Aby3, &mut crate::net::Endpoint, &mut super::Steps, &Share, &Share) -> crate::Result<Share>;
type Plain = fn(f64, f64) -> f64;

#[test]
fn relu_comparisons_maximum_minimum_and_abs_are_exact_in_three_rounds() {
    let n = 7 * 36;
    let x = values(n, 71, 1000.0);
    let mut y = values(n, 72, 1000.0);
    y[..20].copy_from_slice(&x[..20]); // ties
    let inputs = [(x.clone(), vec![7, 36]), (y.clone(), vec![7, 36])];
    let cases: [(&str, Kernel, Plain); 6] = [
        ("less", Aby3::less, |a, b| f64::from(u8::from(a < b))),
        ("greater_equal", Aby3::greater_equal, |a, b| f64::from(u8::from(a >= b))),
        ("maximum", Aby3::maximum, f64::max),
        ("minimum", Aby3::minimum, f64::min),
        ("relu", |p, net, s, x, _| p.relu(net, s, x), |a, _| a.max(0.0)),
        ("abs", |p, net, s, x, _| p.abs(net, s, x), |a, _| a.abs()),
    ];
    for (name, kernel, want) in cases {
        let (got, costs) = private_op(&inputs, |net, p, s| kernel(p, net, &mut steps(10), &s[0], &s[1]));
        let expected: Vec<f64> = (0..n).map(|i| want(x[i], y[i])).collect();
        assert_eq!(got, expected, "{name}");
        assert_three_rounds(&costs, n, name);
    }
}

/// Raw ring words d at the edges: 0, ±1 unit, ±the largest fixed-point
/// value (2^(f+i) units) and ±the difference of two of them, and the ends
/// of the interval the sign is exact in, −2^(k−1) ≤ d < 2^(k−1).
#[test]
fn the_sign_is_exact_on_the_edges_of_its_range() {
    let range = 1i64 << 36;
    let limit = 1i64 << (K - 1);
    let edges = [0, 1, -1, 2, -2, range, -range, 2 * range, -2 * range, limit - 1, -limit, limit - 2, -limit + 1];
    let words: Vec<u64> = edges.iter().map(|&d| d as u64).collect();
    let signs = ring_signs(&words, words.len());
    let want: Vec<u64> = edges.iter().map(|&d| u64::from(d < 0)).collect();
    assert_eq!(signs, want);
}

/// 10^7 random words within the exact interval, in tensors of 2^17:
/// every sign right.
#[test]
fn ten_million_random_signs_are_all_right() {
    let n = 10_000_000;
    let limit = 1u64 << (K - 1);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let words: Vec<u64> = (0..n)
        .map(|_| {
            // splitmix64: any spread of values will do, negative ones included.
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) % (2 * limit)).wrapping_sub(limit)
        })
        .collect();
    let signs = ring_signs(&words, 1 << 17);
    let wrong = words.iter().zip(&signs).filter(|&(&d, &s)| u64::from((d as i64) < 0) != s).count();
    assert_eq!(wrong, 0, "wrong signs among {n}");
}

/// msb(d) of raw words, as 0/1 ring words, through the three-round form in
/// tensors of `chunk` elements.
fn ring_signs(words: &[u64], chunk: usize) -> Vec<u64> {
    let results = with_three_round_sign_max(chunk, || {
        run_players_with(FixedConfig::default(), |net, p| {
            let mut signs = Vec::with_capacity(words.len());
            for (c, part) in words.chunks(chunk).enumerate() {
                let op = 10 * c as u32;
                let shape = [part.len()];
                let value = (net.me() == CLIENT).then(|| RingTensor::new(shape.to_vec(), part.to_vec()).unwrap());
                let d = p.input(net, ctx(op), CLIENT, &shape, value.as_ref())?;
                let out = match p.server_index() {
                    Some(_) => {
                        let d = d.unwrap();
                        let one = p.share_public(&RingTensor::filled(&shape, 1))?;
                        Some(p.sign_times(net, &mut steps(op + 1), &d, false, &one)?)
                    }
                    None => None,
                };
                if let Some(t) = p.reveal(net, ctx(op + 2), out.as_ref(), &shape, Some(CLIENT))? {
                    signs.extend_from_slice(t.data());
                }
            }
            Ok(signs)
        })
    });
    results[CLIENT].0.clone()
}

/// The three-round sign pays up to a few hundred elements in local mode, a
/// few hundred across TF Encrypted's LAN (its rounds cost little more), and
/// over ten thousand across its WAN, where it saves 100 ms of round trips.
#[test]
fn the_three_round_limit_follows_the_link() {
    use crate::net::memory::LinkModel;
    use std::time::Duration;
    assert_eq!(super::sign_lists::three_round_sign_limit(&LinkModel::LAN), 256);
    let wan = super::sign_lists::three_round_sign_limit(&LinkModel::WAN);
    assert!((12_000..13_000).contains(&wan), "{wan}");
    let far = LinkModel { rtt: Duration::from_secs(1), bits_per_second: 10_000_000_000 };
    assert_eq!(super::sign_lists::three_round_sign_limit(&far), 1 << 16);
}
