//! Approximations against f64 on chosen points, with the bounds of the
//! table (`protocol/bounds.rs`; `tests_bounds.rs` checks each whole
//! domain), and their round and byte counts.

use super::tests::{private_op, steps, values, with_eight_round_sign};
use crate::protocol::bounds::{self, Bound, UNIT};

/// (relative, absolute) error allowed for `op` by the table's first row.
fn table(op: &str) -> (f64, f64) {
    match bounds::rows(op)[0].bound {
        Bound::Absolute(a) => (0.0, a),
        Bound::Relative { rel, units } => (rel, units * UNIT),
        Bound::OfDividend { .. } => panic!("{op} divides by a public value"),
    }
}

/// Asserts |got − want| ≤ rel·|want| + abs for every element.
fn assert_within(what: &str, x: &[f64], got: &[f64], want: &[f64], rel: f64, abs: f64) {
    for i in 0..got.len() {
        let bound = rel * want[i].abs() + abs;
        assert!(
            (got[i] - want[i]).abs() <= bound,
            "{what}({}): got {}, want {} (bound {bound})",
            x[i],
            got[i],
            want[i]
        );
    }
}

/// `n` points evenly spread over [lo, hi] on the fixed-point grid, plus
/// pseudo-random ones.
fn spread(n: usize, lo: f64, hi: f64) -> Vec<f64> {
    let mut out: Vec<f64> = (0..n).map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64).collect();
    let mid = f64::midpoint(lo, hi);
    out.extend(values(n, 77, (hi - lo) / 2.0).iter().map(|v| v + mid));
    out.iter().map(|v| (v * 65536.0).round() / 65536.0).collect()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[test]
fn sigmoids_are_within_their_bounds_everywhere() {
    let mut x = spread(101, -12.0, 12.0);
    x.extend([-1000.0, 1000.0, -2.5, 2.5, 0.0, 6.0, -6.0]);
    let inputs = [(x.clone(), vec![x.len()])];
    let (got, costs) = private_op(&inputs, |net, p, s| p.hard_sigmoid(net, &mut steps(10), &s[0]));
    let hard: Vec<f64> = x.iter().map(|&v| (0.2 * v + 0.5).clamp(0.0, 1.0)).collect();
    let (rel, abs) = table("hard_sigmoid");
    assert_within("hard sigmoid vs its formula", &x, &got, &hard, rel, abs);
    let exact: Vec<f64> = x.iter().map(|&v| sigmoid(v)).collect();
    assert_within("hard sigmoid", &x, &got, &exact, 0.0, 0.076);
    assert!(costs[..3].iter().all(|c| c.rounds <= 10), "{costs:?}");
    let (got, _) = private_op(&inputs, |net, p, s| p.sigmoid(net, &mut steps(10), &s[0]));
    let (rel, abs) = table("sigmoid");
    assert_within("sigmoid", &x, &got, &exact, rel, abs);
}

#[test]
fn exp_is_within_its_relative_bound() {
    let mut x = spread(97, -16.0, 10.0);
    x.extend([0.0, -16.0, 10.0, -40.0, -1000.0]);
    let (got, costs) = private_op(&[(x.clone(), vec![x.len()])], |net, p, s| p.exp(net, &mut steps(10), &s[0]));
    let want: Vec<f64> = x.iter().map(|&v| v.max(-16.0).exp()).collect();
    let (rel, abs) = table("exp");
    assert_within("exp", &x, &got, &want, rel, abs);
    assert!(costs[..3].iter().all(|c| c.rounds <= 26), "{costs:?}");
}

/// Points of [2^−6, 2^10): spread, powers of two and just below them.
fn positive_domain() -> Vec<f64> {
    let mut x: Vec<f64> = spread(60, 1.0 / 64.0, 1023.0);
    x.extend((-6..10).flat_map(|k| [2f64.powi(k), 1.99 * 2f64.powi(k)]));
    for v in &mut x {
        *v = v.max(1.0 / 64.0);
    }
    x
}

#[test]
fn reciprocal_is_within_its_relative_bound_for_both_signs() {
    let positive = positive_domain();
    let mut x: Vec<f64> = positive.iter().flat_map(|&v| [v, -v]).collect();
    x.extend([-1.0 / 64.0, -1023.99, -3.0]);
    x.truncate(4 * (x.len() / 4));
    let inputs = [(x.clone(), vec![4, x.len() / 4])];
    let (got, costs) = private_op(&inputs, |net, p, s| p.reciprocal(net, &mut steps(10), &s[0]));
    let (rel, abs) = table("reciprocal");
    assert_within("reciprocal", &x, &got, &x.iter().map(|v| 1.0 / v).collect::<Vec<_>>(), rel, abs);
    assert!(costs[..3].iter().all(|c| c.rounds <= 24), "{costs:?}");
}

#[test]
fn inv_sqrt_is_within_its_relative_bound_on_positive_inputs() {
    let x = positive_domain();
    let inputs = [(x.clone(), vec![4, x.len() / 4])];
    let (got, costs) = private_op(&inputs, |net, p, s| p.inv_sqrt(net, &mut steps(10), &s[0]));
    let (rel, abs) = table("inv_sqrt");
    assert_within("inv_sqrt", &x, &got, &x.iter().map(|v| 1.0 / v.sqrt()).collect::<Vec<_>>(), rel, abs);
    assert!(costs[..3].iter().all(|c| c.rounds <= 34), "{costs:?}");
}

#[test]
fn outside_their_domains_reciprocal_and_inv_sqrt_behave_as_documented() {
    // At 0 (the documented values: 2^4·y0 and 1.5^4·y0) and for negative
    // inputs of inv_sqrt: a result, never an error.
    let x = vec![0.0, -0.01, -1.0, -100.0];
    let inputs = [(x.clone(), vec![4])];
    let (got, _) = private_op(&inputs, |net, p, s| p.reciprocal(net, &mut steps(10), &s[0]));
    assert!((got[0] - 16.0 * 2.0 / (3.0 / 128.0)).abs() < 0.01, "reciprocal(0) = {}", got[0]);
    let (got, _) = private_op(&inputs, |net, p, s| p.inv_sqrt(net, &mut steps(10), &s[0]));
    let at_zero = 1.5f64.powi(4) / (1.5f64 / 128.0).sqrt();
    assert!((got[0] - at_zero).abs() < 0.01, "inv_sqrt(0) = {}, expected {at_zero}", got[0]);
    assert!(got[1] > at_zero, "inv_sqrt(-0.01) = {}", got[1]);
}

/// Rounds and bytes sent per element (the most any server sends) of the
/// approximations of issue 11, as their docs state them.
#[test]
fn tanh_log_and_sqrt_cost_what_their_docs_say() {
    with_eight_round_sign(|| {
        let n = 64;
        let x: Vec<f64> = (1..=n).map(|i| i as f64 / 4.0).collect();
        let inputs = [(x.clone(), vec![n])];
        // tanh: one batch of 29 ReLUs and a truncation, like sigmoid's 25.
        // log: one batch of 16 comparisons, a bit injection, 4 products, a
        // truncation. sqrt: inv_sqrt's 34 rounds and one product.
        for (op, rounds, bytes) in [("tanh", 10, 1200), ("log", 18, 760), ("sqrt", 36, 880)] {
            let (_, costs) = private_op(&inputs, |net, p, s| match op {
                "tanh" => p.tanh(net, &mut steps(10), &s[0]),
                "log" => p.log(net, &mut steps(10), &s[0]),
                _ => p.sqrt(net, &mut steps(10), &s[0]),
            });
            for c in &costs[..3] {
                assert!(c.rounds <= rounds && c.bytes_sent <= bytes * n as u64, "{op}: {c:?}");
            }
            assert_eq!(costs[0].rounds, rounds, "{op}: {costs:?}");
        }
    });
}
