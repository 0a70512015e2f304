//! abs, minimum, `reduce_min`, argmin, sort, `reduce_mean`, division by a
//! public value and cumsum against plaintext f64 over the fixed-point range
//! (a grid, its edges ±2^20 and the smallest step 2^−16, ties, random
//! values), with their rounds and bytes per server against the costs that
//! `order.rs`, `division.rs` and `Protocol::mean` document:
//!
//! | op | rounds | bytes per element per server |
//! |---|---|---|
//! | abs, minimum | 8 | ≤ 45 (msb ≈ 16.3 + injection ≤ 24, + block padding) |
//! | reduce_min, argmin | 8 per level, ⌈log2 k⌉ levels | as reduce_max, argmax |
//! | sort (n along the axis) | 8 per layer, k(k+1)/2 layers, k = ⌈log2 n⌉ | ≤ 45 per comparator and lane |
//! | reduce_mean, div_public | 2 | ≤ 16 per output element (one truncation) |
//! | cumsum | 0 | 0 |

use super::Steps;
use super::order::sorting_network;
use super::tests::{CLIENT, private_op, values, with_eight_round_sign};
use crate::fixed::FixedConfig;
use crate::net::Counters;
use crate::protocol::Protocol;
use crate::protocol::bounds;
use crate::vocabulary::SortOrder;

/// The edges of the range, zero, the smallest steps and ties, then a grid
/// of random values within ±`range`.
fn domain(n: usize, seed: u64, range: f64) -> Vec<f64> {
    let ulp = 1.0 / 65536.0;
    let mut x = vec![0.0, 1048576.0, -1048576.0, ulp, -ulp, 1.0, -1.0, 1048576.0 - ulp, -1048576.0 + ulp, -1.0];
    x.extend(values(n, seed, range));
    x.truncate(n);
    x
}

/// Bytes of the msb of `m` elements at the busiest server: 130 words per
/// block of 64 (`tests_compare.rs`).
fn msb_bytes(m: usize) -> u64 {
    8 * 130 * m.div_ceil(64) as u64
}

fn assert_servers(costs: &[Counters], max_rounds: u64, max_bytes: u64, what: &str) {
    for (i, c) in costs[..3].iter().enumerate() {
        assert!(c.rounds <= max_rounds, "{what}: server {i} took {} rounds (max {max_rounds})", c.rounds);
        assert!(c.bytes_sent <= max_bytes, "{what}: server {i} sent {} bytes (max {max_bytes})", c.bytes_sent);
    }
    assert_eq!(costs[CLIENT], Counters::default(), "{what}: the client takes no part");
}

#[test]
fn abs_is_exact_over_the_range_in_eight_rounds() {
    with_eight_round_sign(|| {
        let n = 7 * 31;
        let x = domain(n, 61, 1048576.0);
        let (got, costs) =
            private_op(&[(x.clone(), vec![7, 31])], |net, p, s| p.abs(net, &mut super::tests::steps(10), &s[0]));
        assert_eq!(got, x.iter().map(|v| v.abs()).collect::<Vec<_>>());
        assert_servers(&costs, 8, msb_bytes(n) + 24 * n as u64, "abs");
    });
}

#[test]
fn minimum_is_exact_with_ties_and_broadcasting_in_eight_rounds() {
    with_eight_round_sign(|| {
        let n = 9 * 13;
        let x = domain(n, 62, 1048576.0);
        let mut y = values(n, 63, 1048576.0);
        for i in (0..n).step_by(5) {
            y[i] = x[i];
        }
        y[1] = -1048576.0;
        let inputs = [(x.clone(), vec![9, 13]), (y.clone(), vec![9, 13])];
        let (got, costs) = private_op(&inputs, |net, p, s| p.minimum(net, &mut super::tests::steps(10), &s[0], &s[1]));
        assert_eq!(got, x.iter().zip(&y).map(|(a, b)| a.min(*b)).collect::<Vec<_>>());
        assert_servers(&costs, 8, msb_bytes(n) + 24 * n as u64, "minimum");
        let row = values(13, 64, 100.0);
        let inputs = [(row.clone(), vec![13]), (x.clone(), vec![9, 13])];
        let (got, _) = private_op(&inputs, |net, p, s| p.minimum(net, &mut super::tests::steps(10), &s[0], &s[1]));
        assert_eq!(got, (0..n).map(|i| row[i % 13].min(x[i])).collect::<Vec<_>>());
    });
}

#[test]
fn reduce_min_and_argmin_find_the_first_minimum_along_each_axis() {
    with_eight_round_sign(|| {
        let (rows, cols) = (6, 7);
        let mut x = domain(rows * cols, 65, 1048576.0);
        x[8] = -5.0; // row 1: a tie of two minima, the first at column 1
        x[12] = -5.0;
        x[7] = 3.0;
        for c in 0..cols {
            x[5 * cols + c] = 2.5; // row 5: all equal, index 0
        }
        for axis in [0, 1] {
            let lanes = if axis == 0 { cols } else { rows };
            let len = if axis == 0 { rows } else { cols };
            let at = |lane: usize, k: usize| if axis == 0 { x[k * cols + lane] } else { x[lane * cols + k] };
            let min: Vec<f64> = (0..lanes).map(|l| (0..len).map(|k| at(l, k)).fold(f64::MAX, f64::min)).collect();
            let arg: Vec<f64> = (0..lanes).map(|l| (0..len).position(|k| at(l, k) == min[l]).unwrap() as f64).collect();
            let inputs = [(x.clone(), vec![rows, cols])];
            let ctx = super::tests::ctx(10);
            let (got, costs) = private_op(&inputs, |net, p, s| p.reduce_min(net, &mut Steps::new(ctx), &s[0], axis));
            assert_eq!(got, min, "reduce_min along {axis}");
            let levels = (len as f64).log2().ceil() as u64;
            // Each level: one maximum of `lanes` values per pair, pairs ≤ len / 2.
            let bytes = levels * (msb_bytes(lanes * len / 2) + 24 * (lanes * len / 2) as u64);
            assert_servers(&costs, 8 * levels, bytes, "reduce_min");
            let (got, costs) = private_op(&inputs, |net, p, s| p.argmin(net, &mut Steps::new(ctx), &s[0], axis));
            assert_eq!(got, arg, "argmin along {axis}");
            assert_servers(&costs, 8 * levels, 2 * bytes, "argmin");
        }
    });
}

/// Sorts every lane of `x` (shape `shape`) along `axis` in plaintext.
fn sorted_ref(x: &[f64], shape: &[usize], axis: usize, order: SortOrder) -> Vec<f64> {
    let inner: usize = shape[axis + 1..].iter().product();
    let n = shape[axis];
    let outer: usize = shape[..axis].iter().product();
    let mut out = x.to_vec();
    for o in 0..outer {
        for i in 0..inner {
            let at = |k: usize| (o * n + k) * inner + i;
            let mut lane: Vec<f64> = (0..n).map(|k| x[at(k)]).collect();
            lane.sort_by(f64::total_cmp);
            if order == SortOrder::Descending {
                lane.reverse();
            }
            for (k, v) in lane.into_iter().enumerate() {
                out[at(k)] = v;
            }
        }
    }
    out
}

#[test]
fn sort_is_exact_and_ordered_along_any_axis_in_eight_rounds_per_layer() {
    with_eight_round_sign(|| {
        let cases: [(&[usize], usize, SortOrder); 9] = [
            (&[4, 9], 1, SortOrder::Ascending),
            (&[4, 9], 0, SortOrder::Descending),
            (&[3, 5, 4], 1, SortOrder::Ascending),
            (&[16], 0, SortOrder::Ascending),
            (&[2, 13], 1, SortOrder::Descending),
            (&[5, 2], 1, SortOrder::Ascending),
            (&[6, 1], 1, SortOrder::Ascending),
            (&[300], 0, SortOrder::Ascending),
            (&[2, 70], 1, SortOrder::Descending),
        ];
        for (k, (shape, axis, order)) in cases.into_iter().enumerate() {
            let len: usize = shape.iter().product();
            let mut x = domain(len, 70 + k as u64, 1048576.0);
            // Ties: a few repeated values.
            for i in (3..len).step_by(4) {
                x[i] = x[i - 3];
            }
            let ctx = super::tests::ctx(10);
            let (got, costs) = private_op(&[(x.clone(), shape.to_vec())], |net, p, s| {
                p.sort(net, &mut Steps::new(ctx), &s[0], axis, order)
            });
            let want = sorted_ref(&x, shape, axis, order);
            assert_eq!(got, want, "shape {shape:?} along {axis}, {order:?}");
            // The cost: 8 rounds per layer; per layer the msb of every
            // comparator in every lane and one injection of the differences.
            let n = shape[axis];
            let lanes = len / n;
            let network = sorting_network(n);
            let bytes: u64 = network.iter().map(|l| msb_bytes(l.len() * lanes) + 24 * (l.len() * lanes) as u64).sum();
            assert_servers(&costs, 8 * network.len() as u64, bytes, "sort");
            let k = u64::from(n.next_power_of_two().trailing_zeros());
            assert!(network.len() as u64 <= k * (k + 1) / 2);
        }
    });
}

#[test]
fn mean_and_division_by_a_public_value_are_within_the_rounding_of_the_scaled_reciprocal_and_the_truncation() {
    let ulp = 1.0 / 65536.0;
    let fixed = FixedConfig::default();
    // 1/d carries k = 9 bits beyond the 16 fractional ones (`division.rs`).
    assert_eq!(crate::protocol::division::extra_bits(fixed), 9);
    // x / d as the kernel computes it: ⌊x·c / 2^25⌋ + {0, 1}, c = round(2^25 / d).
    let check = |got: &[f64], x: &[f64], d: f64, what: &str| {
        let reciprocal = crate::protocol::reciprocal_encoding(fixed, d).unwrap();
        let (c, s) = (i128::from(reciprocal.scale as i64), reciprocal.shift);
        assert_eq!(s, 25);
        assert!((c as f64 - 2f64.powi(25) / d).abs() <= 0.5, "{what}: scale {c}");
        for (i, (&g, &x)) in got.iter().zip(x).enumerate() {
            let enc = (x * 65536.0) as i128;
            let floor = (enc * c).div_euclid(1 << s);
            let g_enc = (g * 65536.0) as i128;
            assert!(g_enc == floor || g_enc == floor + 1, "{what}, element {i}: {g} for {x} / {d}");
            // The table's bound: |x|·2^−26 (the rounding of 2^25/d) + 2^−16;
            // with 1/d in 16 bits it was |x|·2^−17 + 2^−16.
            let bound =
                bounds::rows(if what.starts_with("mean") { "mean" } else { "div_public" })[0].bound.allows(x / d, x);
            assert!(bound <= x.abs() / 67108864.0 + ulp, "{what}: the table states a looser bound than the kernel's");
            assert!((g - x / d).abs() <= bound, "{what}, element {i}: {g} vs {} (bound {bound})", x / d);
        }
    };
    // Divisors across the domain 2^−20 ≤ |d| ≤ 2^16, with x such that
    // |x / d| stays within the range, including quotients at its edges.
    let divisors = [1.0f64, -1.0, 3.0, -7.0, 0.1, 1000.0, 65536.0, -65536.0, 1.0 / 1048576.0, -0.75, 1.0 / 3.0];
    for (k, d) in divisors.into_iter().enumerate() {
        let range = 1048576.0f64.min(1048576.0 * d.abs());
        let edge = (range * 65536.0).floor() / 65536.0;
        let mut x: Vec<f64> = vec![edge, -edge];
        x.extend(domain(120, 80 + k as u64, range).into_iter().filter(|v| (v / d).abs() <= 1048576.0));
        let n = x.len();
        let ctx = super::tests::ctx(10);
        let (got, costs) = private_op(&[(x.clone(), vec![n])], |net, p, s| p.div_public(net, ctx, &s[0], d));
        check(&got, &x, d, &format!("div_public by {d}"));
        assert_servers(&costs, 2, 16 * n as u64, "div_public");
    }
    assert!(crate::protocol::reciprocal_encoding(fixed, 0.0).is_err());
    assert!(crate::protocol::reciprocal_encoding(fixed, 65537.0).is_err());
    assert!(crate::protocol::reciprocal_encoding(fixed, f64::NAN).is_err());
    assert!(crate::protocol::reciprocal_encoding(fixed, 0.5 / 1048576.0).is_err());

    // The mean along each axis and of everything, at the edges of the range.
    let (rows, cols) = (5, 7);
    let x = domain(rows * cols, 90, 1048576.0);
    for axis in [None, Some(0), Some(1)] {
        let ctx = super::tests::ctx(10);
        let (got, costs) = private_op(&[(x.clone(), vec![rows, cols])], |net, p, s| p.mean(net, ctx, &s[0], axis));
        let sums: Vec<f64> = match axis {
            None => vec![x.iter().sum()],
            Some(0) => (0..cols).map(|c| (0..rows).map(|r| x[r * cols + c]).sum()).collect(),
            _ => x.chunks(cols).map(|r| r.iter().sum()).collect(),
        };
        let count = match axis {
            None => (rows * cols) as f64,
            Some(0) => rows as f64,
            _ => cols as f64,
        };
        check(&got, &sums, count, &format!("mean along {axis:?}"));
        assert_servers(&costs, 2, 16 * sums.len() as u64, "mean");
    }
    // Long axes of values at the edge: the sum's product with the scaled
    // reciprocal comes close to 2^61 and stays exact.
    for (n, value) in [(3000, 1048576.0), (4096, -1048576.0), (3000, -1048576.0 + ulp)] {
        let x = vec![value; n];
        let ctx = super::tests::ctx(10);
        let (got, _) = private_op(&[(x.clone(), vec![1, n])], |net, p, s| p.mean(net, ctx, &s[0], Some(1)));
        check(&got, &[value * n as f64], n as f64, &format!("mean of {n} values {value}"));
    }
}

#[test]
fn cumsum_is_exact_and_free_in_all_four_modes() {
    let (rows, cols) = (4, 6);
    let x = domain(rows * cols, 95, 1000.0);
    for axis in [0, 1] {
        for (exclusive, reverse) in [(false, false), (true, false), (false, true), (true, true)] {
            let (got, costs) = private_op(&[(x.clone(), vec![rows, cols])], |_, p, s| {
                Protocol::cumsum(p, &s[0], axis, exclusive, reverse)
            });
            let mut want = vec![0.0; x.len()];
            let (lanes, len) = if axis == 0 { (cols, rows) } else { (rows, cols) };
            let index = |lane: usize, k: usize| if axis == 0 { k * cols + lane } else { lane * cols + k };
            for lane in 0..lanes {
                let mut acc = 0.0;
                for step in 0..len {
                    let k = if reverse { len - 1 - step } else { step };
                    if exclusive {
                        want[index(lane, k)] = acc;
                        acc += x[index(lane, k)];
                    } else {
                        acc += x[index(lane, k)];
                        want[index(lane, k)] = acc;
                    }
                }
            }
            assert_eq!(got, want, "axis {axis}, exclusive {exclusive}, reverse {reverse}");
            assert!(costs.iter().all(|c| *c == Counters::default()), "{costs:?}");
        }
    }
}
