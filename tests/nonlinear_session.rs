//! The nonlinear, pooling, convolution and layout ops through the graph
//! builder and a local session over TCP: results against plaintext f64,
//! costs per op kind from the session's stats, and shape errors.

mod common;

use common::grid_values;
use tfe::Padding;
use tfe::graph::Graph;
use tfe::session::{Feeds, LocalOptions, LocalSession};

#[test]
fn relu_comparisons_and_maxima_match_plaintext_with_their_costs() {
    let x = grid_values(3 * 5, 1, 50.0);
    let y = grid_values(3 * 5, 2, 50.0);
    let mut g = Graph::default();
    let xi = g.private_input("x", "alice", &[3, 5]).unwrap();
    let yi = g.private_input("y", "bob", &[3, 5]).unwrap();
    let zero = g.constant(&[], vec![0.0]).unwrap();
    let relu = g.relu(xi).unwrap();
    let less = g.less(xi, yi).unwrap();
    let ge_zero = g.greater_equal(xi, zero).unwrap();
    let max = g.maximum(xi, yi).unwrap();
    let rmax = g.reduce_max(xi, 1).unwrap();
    let arg = g.argmax(xi, 1).unwrap();
    let hot = g.argmax_one_hot(xi, 1).unwrap();
    assert_eq!(g.shape(hot).unwrap(), &[3, 5]);
    let fetches: Vec<_> =
        [relu, less, ge_zero, max, rmax, arg, hot].iter().map(|&t| g.reveal(t, Some("alice")).unwrap()).collect();
    let mut session = LocalSession::new(&g, LocalOptions::default()).unwrap();
    let mut feeds = Feeds::new();
    feeds.insert("x", x.clone()).insert("y", y.clone());
    let r = session.run(&fetches, &feeds).unwrap();
    let out = |i: usize| r.outputs[i].iter().copied().collect::<Vec<f64>>();
    assert_eq!(out(0), x.iter().map(|v| v.max(0.0)).collect::<Vec<_>>());
    assert_eq!(out(1), (0..15).map(|i| f64::from(u8::from(x[i] < y[i]))).collect::<Vec<_>>());
    assert_eq!(out(2), x.iter().map(|&v| f64::from(u8::from(v >= 0.0))).collect::<Vec<_>>());
    assert_eq!(out(3), (0..15).map(|i| x[i].max(y[i])).collect::<Vec<_>>());
    let rows: Vec<&[f64]> = x.chunks(5).collect();
    assert_eq!(out(4), rows.iter().map(|r| r.iter().copied().fold(f64::MIN, f64::max)).collect::<Vec<_>>());
    let want_arg: Vec<f64> = rows
        .iter()
        .map(|r| r.iter().enumerate().fold((0, f64::MIN), |b, (i, &v)| if v > b.1 { (i, v) } else { b }).0 as f64)
        .collect();
    assert_eq!(out(5), want_arg);
    let want_hot: Vec<f64> = (0..15).map(|i| f64::from(u8::from(i % 5 == want_arg[i / 5] as usize))).collect();
    assert_eq!(out(6), want_hot);
    for server in ["server0", "server1", "server2"] {
        let p = r.stats.player(server).unwrap();
        for op in ["relu", "less", "greater_equal", "maximum"] {
            let c = p.by_op[op].counters;
            // Three rounds on tensors this small, at most 43 words per
            // element (from server 0; docs/protocols.md).
            assert!(c.rounds == 3 && c.bytes_sent <= 8 * 43 * 15, "{server} {op}: {c:?}");
        }
        // Three comparison layers for 5 candidates, 3 rounds each: a layer
        // multiplies its bits into at most 2·5 values per row (3 rows), few
        // enough for the three-round sign, at most 43 words per value.
        let c = p.by_op["argmax_one_hot"].counters;
        assert!(c.rounds == 9 && c.bytes_sent <= 3 * 30 * 43 * 8, "{server}: {c:?}");
    }
}

#[test]
fn select_picks_by_a_private_or_public_condition_with_broadcasting() {
    let x = grid_values(3 * 5, 3, 40.0);
    let y = grid_values(3 * 5, 4, 40.0);
    let mut g = Graph::default();
    let xi = g.private_input("x", "alice", &[3, 5]).unwrap();
    let yi = g.private_input("y", "bob", &[3, 5]).unwrap();
    let less = g.less(xi, yi).unwrap();
    let min = g.select(less, xi, yi).unwrap();
    // A public condition per column, broadcast over the rows; a public value.
    let columns = g.constant(&[5], vec![1.0, 0.0, 0.0, 1.0, 1.0]).unwrap();
    let seven = g.constant(&[], vec![7.0]).unwrap();
    let mixed = g.select(columns, xi, seven).unwrap();
    let fetches = [g.reveal(min, None).unwrap(), g.reveal(mixed, None).unwrap()];
    let mut session = LocalSession::new(&g, LocalOptions::default()).unwrap();
    let mut feeds = Feeds::new();
    feeds.insert("x", x.clone()).insert("y", y.clone());
    let r = session.run(&fetches, &feeds).unwrap();
    let out = |i: usize| r.outputs[i].iter().copied().collect::<Vec<f64>>();
    // Exact: the condition is 0 or 1, so the product needs no rounding.
    assert_eq!(out(0), (0..15).map(|i| x[i].min(y[i])).collect::<Vec<_>>());
    let keep = [true, false, false, true, true];
    assert_eq!(out(1), (0..15).map(|i| if keep[i % 5] { x[i] } else { 7.0 }).collect::<Vec<_>>());
    for server in ["server0", "server1", "server2"] {
        let c = r.stats.player(server).unwrap().by_op["select"].counters;
        assert!(c.rounds <= 4 && c.bytes_sent <= 2 * 40 * 15, "{server}: {c:?}");
    }
}

#[test]
fn a_small_cnn_matches_plaintext() {
    // conv 3x3 SAME (private filter) -> relu -> max pool 2x2 -> flatten -> softmax.
    let (h, w, c, o) = (6, 5, 2, 3);
    let x = grid_values(h * w * c, 3, 2.0);
    let f = grid_values(3 * 3 * c * o, 4, 0.5);
    let mut g = Graph::default();
    let xi = g.private_input("x", "client", &[1, h, w, c]).unwrap();
    let fi = g.private_variable("f", "owner", &[3, 3, c, o]).unwrap();
    let conv = g.conv2d(xi, fi, (1, 1), Padding::Same).unwrap();
    let act = g.relu(conv).unwrap();
    let pool = g.max_pool2d(act, (2, 2), (2, 2), Padding::Valid).unwrap();
    let flat = g.flatten(pool).unwrap();
    let probs = g.softmax(flat).unwrap();
    let out_pool = g.reveal(pool, Some("client")).unwrap();
    let out_probs = g.reveal(probs, Some("client")).unwrap();
    let mut session = LocalSession::new(&g, LocalOptions::default()).unwrap();
    session.set_variable_values("f", f.clone()).unwrap();
    let mut feeds = Feeds::new();
    feeds.insert("x", x.clone());
    let r = session.run(&[out_pool, out_probs], &feeds).unwrap();
    // Plaintext reference.
    let mut conv_ref = vec![0.0; h * w * o];
    for y in 0..h {
        for xx in 0..w {
            for k in 0..o {
                let mut acc = 0.0;
                for ky in 0..3 {
                    for kx in 0..3 {
                        let (iy, ix) = (y as isize + ky as isize - 1, xx as isize + kx as isize - 1);
                        if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                            continue;
                        }
                        for ch in 0..c {
                            acc += x[(iy as usize * w + ix as usize) * c + ch] * f[((ky * 3 + kx) * c + ch) * o + k];
                        }
                    }
                }
                conv_ref[(y * w + xx) * o + k] = acc.max(0.0);
            }
        }
    }
    let mut pool_ref = Vec::new();
    for y in 0..h / 2 {
        for xx in 0..w / 2 {
            for k in 0..o {
                let at = |dy: usize, dx: usize| conv_ref[((2 * y + dy) * w + 2 * xx + dx) * o + k];
                pool_ref.push(at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1)));
            }
        }
    }
    let got_pool: Vec<f64> = r.outputs[0].iter().copied().collect();
    assert_eq!(r.outputs[0].shape(), &[1, 3, 2, 3]);
    for (g, w) in got_pool.iter().zip(&pool_ref) {
        assert!((g - w).abs() <= 1e-3, "pool: got {g}, want {w}");
    }
    let m = pool_ref.iter().copied().fold(f64::MIN, f64::max);
    let total: f64 = pool_ref.iter().map(|v| (v - m).exp()).sum();
    for (g, v) in r.outputs[1].iter().zip(&pool_ref) {
        let want = (v - m).exp() / total;
        assert!((g - want).abs() <= 0.01, "softmax: got {g}, want {want}");
    }
    let p = r.stats.player("server0").unwrap();
    // The convolution and its ReLU run as one step (`session/fusion.rs`).
    assert!(!p.by_op.contains_key("conv2d") && p.by_op["relu"].counters.rounds == 4);
    assert!(p.by_op["max_pool2d"].counters.rounds <= 20);
}

#[test]
fn shape_errors_name_the_shapes_and_public_operands_are_refused() {
    let mut g = Graph::default();
    let x = g.private_input("x", "alice", &[2, 6, 6, 3]).unwrap();
    let bad_filter = g.private_input("f", "alice", &[3, 3, 4, 8]).unwrap();
    let err = g.conv2d(x, bad_filter, (1, 1), Padding::Valid).unwrap_err().to_string();
    assert!(err.contains("conv2d") && err.contains("[2, 6, 6, 3]") && err.contains("[3, 3, 4, 8]"), "{err}");
    let err = g.max_pool2d(x, (7, 2), (1, 1), Padding::Valid).unwrap_err().to_string();
    assert!(err.contains("max_pool2d") && err.contains("[2, 6, 6, 3]"), "{err}");
    let m = g.private_input("m", "alice", &[4, 5]).unwrap();
    let err = g.less(x, m).unwrap_err().to_string();
    assert!(err.contains("[2, 6, 6, 3]") && err.contains("[4, 5]"), "{err}");
    assert!(g.reduce_max(m, 2).unwrap_err().to_string().contains("[4, 5]"));
    let c = g.constant(&[2], vec![1.0, 2.0]).unwrap();
    assert!(g.relu(c).unwrap_err().to_string().contains("public"));
    assert!(g.slice(m, &[3, 0], &[2, 5]).unwrap_err().to_string().contains("[4, 5]"));
    // Layout ops work on public values too.
    let cc = g.concat(c, c, 0).unwrap();
    let padded = g.pad(cc, &[(1, 0)]).unwrap();
    assert_eq!(g.shape(padded).unwrap(), &[5]);
    let mut session = LocalSession::new(&g, LocalOptions::default()).unwrap();
    let r = session.run(&[padded], &Feeds::new()).unwrap();
    assert_eq!(r.outputs[0].iter().copied().collect::<Vec<_>>(), vec![0.0, 1.0, 2.0, 1.0, 2.0]);
}
