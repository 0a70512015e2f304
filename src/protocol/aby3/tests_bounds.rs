//! Every row of the approximation table ([`crate::protocol::bounds`])
//! checked over its whole domain against f64, with the table's own numbers:
//! a dense grid, a finer one where the smooth functions bend most,
//! log-spaced magnitudes, the edges (powers of two and the units around
//! them) and pseudo-random points. Softmax and the average poolings, whose
//! inputs are rows and windows, have tests of their own below; the mean and
//! the division by a public value theirs in `tests_order.rs`.

use super::tests::{ctx, private_op, steps, values};
use super::{Aby3, Share};
use crate::error::Result;
use crate::net::Endpoint;
use crate::protocol::bounds::{self, Approximation, Domain, UNIT};

/// The default fixed-point range, ±2^20.
const RANGE: f64 = 1048576.0;

fn on_grid(v: f64) -> f64 {
    (v / UNIT).round() * UNIT
}

/// Test points of `domain`, on the fixed-point grid.
fn points(domain: Domain) -> Vec<f64> {
    let (lo, hi) = match domain {
        Domain::Range | Domain::Rows { .. } => (-RANGE, RANGE),
        Domain::Interval { hi, magnitude: true, .. } => (-hi, hi),
        Domain::Interval { lo, hi, .. } => (lo, hi),
    };
    let mut x = Vec::new();
    // Dense where the functions vary, finer where they bend most.
    for (a, b, n) in [(-16.0, 16.0, 8192), (-2.0, 2.0, 4096), (0.0, 2.0, 2048)] {
        let (a, b) = (f64::max(a, lo), f64::min(b, hi));
        if a < b {
            x.extend((0..=n).map(|i| a + (b - a) * f64::from(i) / f64::from(n)));
        }
    }
    // Every octave from one unit to the range, 16 points each, both signs;
    // the powers of two and the units around them.
    for e in -16..=20 {
        for i in 0..16 {
            let v = 2f64.powf(f64::from(e) + f64::from(i) / 16.0);
            x.extend([v, -v]);
        }
        let p = 2f64.powi(e);
        x.extend([p - UNIT, p + UNIT, -p - UNIT, -p + UNIT]);
    }
    x.extend([lo, lo + UNIT, hi, hi - UNIT, 0.0, UNIT, -UNIT]);
    let span = f64::min(hi - lo, 64.0);
    let mid = f64::midpoint(f64::max(lo, -32.0), f64::min(hi, 32.0));
    x.extend(values(512, 91, span / 2.0).iter().map(|v| v + mid));
    x.extend(values(512, 92, 1.0).iter().map(|v| v.signum() * (v.abs() * 20.0 * std::f64::consts::LN_2).exp()));
    let mut x: Vec<f64> = x.into_iter().map(on_grid).filter(|&v| domain.contains(v, RANGE)).collect();
    x.sort_by(f64::total_cmp);
    x.dedup();
    x
}

type Kernel = fn(&Aby3, &mut Endpoint, &Share) -> Result<Share>;

/// The protocol kernel and the exact f64 function of an elementwise op.
fn kernel(op: &str) -> (Kernel, fn(f64) -> f64) {
    match op {
        "sigmoid" => (|p, net, x| p.sigmoid(net, &mut steps(10), x), |x| 1.0 / (1.0 + (-x).exp())),
        "hard_sigmoid" => (|p, net, x| p.hard_sigmoid(net, &mut steps(10), x), |x| (0.2 * x + 0.5).clamp(0.0, 1.0)),
        "tanh" => (|p, net, x| p.tanh(net, &mut steps(10), x), f64::tanh),
        "exp" => (|p, net, x| p.exp(net, &mut steps(10), x), f64::exp),
        "log" => (|p, net, x| p.log(net, &mut steps(10), x), f64::ln),
        "reciprocal" => (|p, net, x| p.reciprocal(net, &mut steps(10), x), |x| 1.0 / x),
        "inv_sqrt" => (|p, net, x| p.inv_sqrt(net, &mut steps(10), x), |x| 1.0 / x.sqrt()),
        "sqrt" => (|p, net, x| p.sqrt(net, &mut steps(10), x), f64::sqrt),
        other => panic!("no elementwise kernel for '{other}'"),
    }
}

/// Checks one elementwise row over its domain.
fn check(row: &Approximation) {
    let (op, exact) = kernel(row.op);
    let x = points(row.domain);
    let (got, _) = private_op(&[(x.clone(), vec![x.len()])], |net, p, s| op(p, net, &s[0]));
    let mut bad = Vec::new();
    for (i, &v) in x.iter().enumerate() {
        let want = exact(v);
        let allowed = row.bound.allows(want, 0.0);
        let err = (got[i] - want).abs();
        if err > allowed {
            bad.push(format!("x = {v}: got {}, want {want}", got[i]));
        }
    }
    assert!(
        bad.is_empty(),
        "{} on {} breaks `{}` at {} of {} points, e.g. {:?}",
        row.op,
        row.domain.text(),
        row.bound.text(),
        bad.len(),
        x.len(),
        &bad[..bad.len().min(5)]
    );
}

fn check_op(op: &str) {
    let rows = bounds::rows(op);
    assert!(!rows.is_empty(), "'{op}' has no row in the table");
    for row in rows {
        check(row);
    }
}

#[test]
fn sigmoid_is_within_its_bound_everywhere() {
    check_op("sigmoid");
}

#[test]
fn hard_sigmoid_is_within_its_bound_everywhere() {
    check_op("hard_sigmoid");
}

#[test]
fn tanh_is_within_its_bound_everywhere() {
    check_op("tanh");
}

#[test]
fn exp_is_within_its_bound_on_its_domain() {
    check_op("exp");
}

#[test]
fn log_is_within_its_bound_on_its_domain() {
    check_op("log");
}

#[test]
fn reciprocal_is_within_its_bound_on_its_domain() {
    check_op("reciprocal");
}

#[test]
fn inv_sqrt_is_within_its_bound_on_its_domain() {
    check_op("inv_sqrt");
}

#[test]
fn sqrt_is_within_its_bounds_on_its_domain() {
    check_op("sqrt");
}

#[test]
fn every_row_of_the_table_is_tested() {
    let tested = ["sigmoid", "hard_sigmoid", "tanh", "exp", "log", "reciprocal", "inv_sqrt", "sqrt"];
    // Softmax and the averages here; the mean and the division by a public
    // value in `tests_order.rs`, with the table's bound.
    let by_rows = ["softmax", "avg_pool2d", "global_avg_pool2d", "mean", "div_public"];
    for row in bounds::APPROXIMATIONS {
        assert!(tested.contains(&row.op) || by_rows.contains(&row.op), "no test for '{}'", row.op);
        let partial = bounds::rows(row.op).iter().all(|r| r.domain != Domain::Range);
        let said = bounds::rows(row.op).iter().any(|r| !r.outside.is_empty());
        assert!(partial == said, "'{}': say what an input outside the domain produces, and only then", row.op);
    }
}

/// Softmax of `rows` rows of `width` logits against f64, with the table's bound.
fn check_softmax(rows: usize, width: usize, logits: &[f64]) {
    let bound = bounds::rows("softmax")[0].bound;
    let (got, _) =
        private_op(&[(logits.to_vec(), vec![rows, width])], |net, p, s| p.softmax(net, &mut steps(10), &s[0]));
    for r in 0..rows {
        let row = &logits[r * width..(r + 1) * width];
        let m = row.iter().copied().fold(f64::MIN, f64::max);
        let total: f64 = row.iter().map(|v| (v - m).exp()).sum();
        for c in 0..width {
            let want = (row[c] - m).exp() / total;
            let g = got[r * width + c];
            assert!(
                (g - want).abs() <= bound.allows(want, 0.0),
                "width {width}, row {r}, col {c}: got {g}, want {want} (`{}`)",
                bound.text()
            );
        }
    }
}

#[test]
fn softmax_of_random_rows_with_equal_logits_is_within_its_bound() {
    let (rows, cols) = (7, 10);
    let mut x = values(rows * cols, 78, 8.0);
    x[3] = x[5];
    check_softmax(rows, cols, &x);
}

#[test]
fn softmax_is_within_its_bound_for_every_row_width() {
    for width in [1, 2, 3, 100, 1100, 1500, 2048, 65536] {
        // Equal logits (the widest sum), random ones, and one row whose
        // maximum stands out (the narrowest sum, near 1).
        let mut logits = vec![3.5; width];
        logits.extend(values(width, 93, 8.0));
        let mut spike = vec![-20.0; width];
        spike[width / 2] = 100.0;
        logits.extend(spike);
        check_softmax(3, width, &logits.iter().map(|&v| on_grid(v)).collect::<Vec<_>>());
    }
}

#[test]
fn average_pooling_is_within_its_bound() {
    use crate::ring::layout::{Padding, Window};
    let bound = bounds::rows("avg_pool2d")[0].bound;
    assert_eq!(bound, bounds::rows("global_avg_pool2d")[0].bound);
    // Large values make the rounding of 1/count visible: 7x7 windows (1/49),
    // sums up to 81·10^4 for the global mean.
    let (n, h, w, c) = (1, 9, 9, 2);
    let x: Vec<f64> = values(n * h * w * c, 94, 10000.0).iter().map(|&v| on_grid(v)).collect();
    let shape = vec![n, h, w, c];
    let window = Window { kh: 7, kw: 7, sh: 2, sw: 2, padding: Padding::Valid };
    let (got, _) = private_op(&[(x.clone(), shape.clone())], |net, p, s| p.avg_pool2d(net, ctx(10), &s[0], window));
    let at = |y: usize, xx: usize, ch: usize| x[(y * w + xx) * c + ch];
    for oy in 0..2 {
        for ox in 0..2 {
            for ch in 0..c {
                let sum: f64 = (0..7)
                    .flat_map(|ky| (0..7).map(move |kx| (ky, kx)))
                    .map(|(ky, kx)| at(2 * oy + ky, 2 * ox + kx, ch))
                    .sum();
                let g = got[(oy * 2 + ox) * c + ch];
                assert!(
                    (g - sum / 49.0).abs() <= bound.allows(sum / 49.0, sum),
                    "avg at ({oy}, {ox}, {ch}): got {g}, want {}",
                    sum / 49.0
                );
            }
        }
    }
    let (got, _) = private_op(&[(x.clone(), shape)], |net, p, s| p.global_avg_pool2d(net, ctx(10), &s[0]));
    for ch in 0..c {
        let sum: f64 = (0..h * w).map(|i| x[i * c + ch]).sum();
        let want = sum / 81.0;
        assert!((got[ch] - want).abs() <= bound.allows(want, sum), "global avg {ch}: got {}, want {want}", got[ch]);
    }
}

#[test]
fn outside_their_domains_the_results_are_as_the_table_says() {
    // [0, 2^-6): a grid and the smallest units.
    let mut x: Vec<f64> = (0..512).map(|i| on_grid(f64::from(i) / 512.0 / 64.0)).collect();
    x.extend((1..16).map(|u| f64::from(u) * UNIT));
    let run = |op: &str, x: &[f64]| {
        let (k, _) = kernel(op);
        private_op(&[(x.to_vec(), vec![x.len()])], |net, p, s| k(p, net, &s[0])).0
    };
    let bound = |op: &str| bounds::rows(op)[0].bound;
    let got = run("log", &x);
    for (&v, &g) in x.iter().zip(&got) {
        assert!(g >= v.ln() - 1e-4 && g <= -4.15, "log({v}) = {g}");
    }
    assert!((got[0] + 6.8).abs() < 0.05, "log(0) = {}", got[0]);
    let got = run("inv_sqrt", &x);
    assert!((got[0] - 46.8).abs() < 0.05, "inv_sqrt(0) = {}", got[0]);
    for (&v, &g) in x.iter().zip(&got).skip(1) {
        let exact = 1.0 / v.sqrt();
        assert!(g <= 46.8 && g <= exact + bound("inv_sqrt").allows(exact, 0.0), "inv_sqrt({v}) = {g}");
    }
    assert!((run("reciprocal", &[0.0])[0] - 1365.33).abs() < 0.01);
    // exp from 10 to 14: within a relative 6·10^-4.
    let x: Vec<f64> = (0..=64).map(|i| 10.0 + f64::from(i) / 16.0).collect();
    for (&v, &g) in x.iter().zip(&run("exp", &x)) {
        assert!((g - v.exp()).abs() <= 6e-4 * v.exp(), "exp({v}) = {g}");
    }
}
