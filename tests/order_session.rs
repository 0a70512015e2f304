//! `reduce_mean`, `div_public`, abs, minimum, `reduce_min`, argmin, cumsum and
//! sort through the graph builder, a saved and loaded graph, and a local
//! session over TCP: results against plaintext f64, public operands
//! computed by every player, and the costs per op kind from the stats.

mod common;

use common::grid_values;
use tfe::SortOrder;
use tfe::graph::Graph;
use tfe::session::{Feeds, LocalOptions, LocalSession};

#[test]
fn order_and_reduction_ops_match_plaintext_through_a_session() {
    let (rows, cols) = (3, 5);
    let mut x = grid_values(rows * cols, 11, 60.0);
    let y = grid_values(rows * cols, 12, 60.0);
    x[3] = x[1]; // a tie in row 0
    let mut g = Graph::default();
    let xi = g.private_input("x", "alice", &[rows, cols]).unwrap();
    let yi = g.private_input("y", "bob", &[rows, cols]).unwrap();
    let mean = g.reduce_mean(xi, Some(1)).unwrap();
    let mean_all = g.reduce_mean(xi, None).unwrap();
    let quotient = g.div_public(xi, -4.0).unwrap();
    let abs = g.abs(xi).unwrap();
    let min = g.minimum(xi, yi).unwrap();
    let rmin = g.reduce_min(xi, 1).unwrap();
    let amin = g.argmin(xi, 0).unwrap();
    let csum = g.cumsum(xi, 1, true, true).unwrap();
    let sorted = g.sort(xi, 1, SortOrder::Ascending).unwrap();
    let descending = g.sort(xi, 0, SortOrder::Descending).unwrap();
    // Public operands: every player computes the same values in plaintext.
    let c = g.constant(&[4], vec![1.0, -2.0, 3.5, 6.0]).unwrap();
    let public = g.reduce_mean(c, None).unwrap();
    let public = g.div_public(public, 2.0).unwrap();
    let public_sum = g.cumsum(c, 0, false, false).unwrap();
    let public_total = g.reduce_sum(public_sum, None).unwrap();
    let shifted = g.add(mean_all, public).unwrap();
    let shifted = g.add(shifted, public_total).unwrap();
    let results = [mean, shifted, quotient, abs, min, rmin, amin, csum, sorted, descending];
    let fetches: Vec<_> = results.iter().map(|&t| g.reveal(t, Some("alice")).unwrap()).collect();
    // The graph survives the canonical encoding.
    let g = Graph::from_bytes(&g.to_bytes()).unwrap();
    let mut session = LocalSession::new(&g, LocalOptions::default()).unwrap();
    let mut feeds = Feeds::new();
    feeds.insert("x", x.clone()).insert("y", y.clone());
    let r = session.run(&fetches, &feeds).unwrap();
    let out = |i: usize| r.outputs[i].iter().copied().collect::<Vec<f64>>();
    let ulp = 1.0 / 65536.0;
    let near = |got: Vec<f64>, want: Vec<f64>, bound: f64| {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() <= bound, "got {got:?}, want {want:?}");
        }
    };
    let row = |i: usize| &x[i * cols..(i + 1) * cols];
    let row_sums: Vec<f64> = (0..rows).map(|i| row(i).iter().sum()).collect();
    // Within |sum|·2^−17 + 2^−16.
    near(out(0), row_sums.iter().map(|s| s / cols as f64).collect(), 300.0 * ulp / 2.0 + ulp);
    let total: f64 = x.iter().sum();
    // mean(c) / 2 = 1.0625 exactly, and the cumulative sums of c add to 11.
    near(out(1), vec![total / 15.0 + 1.0625 + 11.0], 900.0 * ulp / 2.0 + 2.0 * ulp);
    near(out(2), x.iter().map(|v| v / -4.0).collect(), ulp);
    assert_eq!(out(3), x.iter().map(|v| v.abs()).collect::<Vec<_>>());
    assert_eq!(out(4), x.iter().zip(&y).map(|(a, b)| a.min(*b)).collect::<Vec<_>>());
    assert_eq!(out(5), (0..rows).map(|i| row(i).iter().copied().fold(f64::MAX, f64::min)).collect::<Vec<_>>());
    let column = |j: usize| (0..rows).map(|i| x[i * cols + j]).collect::<Vec<_>>();
    let argmin: Vec<f64> = (0..cols)
        .map(|j| {
            let c = column(j);
            let m = c.iter().copied().fold(f64::MAX, f64::min);
            c.iter().position(|&v| v == m).unwrap() as f64
        })
        .collect();
    assert_eq!(out(6), argmin);
    let mut csum = vec![0.0; rows * cols];
    for i in 0..rows {
        let mut acc = 0.0;
        for j in (0..cols).rev() {
            csum[i * cols + j] = acc;
            acc += x[i * cols + j];
        }
    }
    assert_eq!(out(7), csum);
    let mut sorted = Vec::new();
    for i in 0..rows {
        let mut r = row(i).to_vec();
        r.sort_by(f64::total_cmp);
        sorted.extend(r);
    }
    assert_eq!(out(8), sorted);
    let mut descending = vec![0.0; rows * cols];
    for j in 0..cols {
        let mut c = column(j);
        c.sort_by(|a, b| b.total_cmp(a));
        for (i, v) in c.into_iter().enumerate() {
            descending[i * cols + j] = v;
        }
    }
    assert_eq!(out(9), descending);
    for server in ["server0", "server1", "server2"] {
        let p = r.stats.player(server).unwrap();
        for op in ["reduce_mean", "div_public"] {
            let c = p.by_op[op].counters;
            // Two ops each (reduce_mean of a row and of everything) at most.
            assert!(c.rounds <= 4 && c.bytes_sent <= 16 * (rows * cols + rows) as u64, "{server} {op}: {c:?}");
        }
        for op in ["abs", "minimum"] {
            let c = p.by_op[op].counters;
            // Three rounds on tensors this small, at most 43 words per
            // element (from server 0; docs/protocols.md).
            assert!(c.rounds == 3 && c.bytes_sent <= 8 * 43 * 15, "{server} {op}: {c:?}");
        }
        assert!(!p.by_op.contains_key("cumsum") || p.by_op["cumsum"].counters.bytes_sent == 0);
        // Five along the rows: 6 layers of 3 rounds; three along the columns: 3 layers.
        let c = p.by_op["sort"].counters;
        assert!(c.rounds <= 3 * (6 + 3), "{server}: {c:?}");
        let c = p.by_op["reduce_min"].counters;
        assert!(c.rounds <= 3 * 3, "{server}: {c:?}");
    }
}
