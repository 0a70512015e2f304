//! Truncation at scale: a million private products and a 1024x1024 private
//! matmul, where plain ABY3 share truncation would fail with probability
//! about |x|/2^64 per element, have no result off by more than 2^-10.

mod common;

use common::{grid_values, max_abs_error};
use tfe::graph::{Graph, TensorId};
use tfe::session::{Feeds, LocalOptions, LocalSession};

const BOUND: f64 = 1.0 / 1024.0;

/// `product(a, b)` of alice's private `a` and bob's private `b`, both of
/// `shape`, revealed to alice.
fn private_product(
    a: &[f64],
    b: &[f64],
    shape: &[usize],
    product: fn(&mut Graph, TensorId, TensorId) -> tfe::Result<TensorId>,
) -> Vec<f64> {
    let mut g = Graph::default();
    let x = g.private_input("a", "alice", shape).unwrap();
    let y = g.private_input("b", "bob", shape).unwrap();
    let xy = product(&mut g, x, y).unwrap();
    let out = g.reveal(xy, Some("alice")).unwrap();
    let mut session = LocalSession::new(&g, LocalOptions::default()).unwrap();
    let mut feeds = Feeds::new();
    feeds.insert("a", a.to_vec()).insert("b", b.to_vec());
    let result = session.run(&[out], &feeds).unwrap();
    result.outputs[0].iter().copied().collect()
}

#[test]
fn a_million_products_are_all_within_bound() {
    let n = 1_000_000;
    let a = grid_values(n, 31, 1000.0);
    let b = grid_values(n, 32, 1000.0);
    let got = private_product(&a, &b, &[n], Graph::mul);
    let want: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
    let err = max_abs_error(&got, &want);
    assert!(err <= BOUND, "largest error {err}");
}

#[test]
fn a_1024_square_matmul_is_within_bound_everywhere() {
    let n = 1024;
    let a = grid_values(n * n, 41, 4.0);
    let b = grid_values(n * n, 42, 4.0);
    let got = private_product(&a, &b, &[n, n], Graph::matmul);
    // Exact plaintext reference through the ring: the grid values times
    // 2^16 are integers, so their integer products and sums are exact.
    let scale = 65536.0;
    let (ai, bi): (Vec<i64>, Vec<i64>) =
        (a.iter().map(|v| (v * scale) as i64).collect(), b.iter().map(|v| (v * scale) as i64).collect());
    let mut want = vec![0i64; n * n];
    for i in 0..n {
        for p in 0..n {
            let aip = ai[i * n + p];
            let row = &bi[p * n..(p + 1) * n];
            for (w, &bv) in want[i * n..(i + 1) * n].iter_mut().zip(row) {
                *w += aip * bv;
            }
        }
    }
    let want: Vec<f64> = want.iter().map(|&v| v as f64 / (scale * scale)).collect();
    let err = max_abs_error(&got, &want);
    assert!(err <= BOUND, "largest error {err}");
}
