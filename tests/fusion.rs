//! A dense layer and its ReLU run as one step (`session/fusion.rs`): in
//! four rounds, agreeing with plaintext, and only where nothing else reads
//! the product or the sum.

mod common;

use common::{grid_values, matmul_f64};
use tfe::graph::{Graph, TensorId};
use tfe::session::{Feeds, LocalOptions, LocalSession, RunResult, Transport};

const SERVERS: [&str; 3] = ["server0", "server1", "server2"];
/// One unit in the last place, and the inputs' own rounding.
const BOUND: f64 = 2.0 / 65536.0;

/// relu(x·w + b) for x [rows, 8], w [8, 6], b [6] from two owners; the
/// graph, the ReLU, and the product and the sum it is made of.
fn dense_relu(rows: usize) -> (Graph, [TensorId; 3]) {
    let mut g = Graph::default();
    let x = g.private_input("x", "alice", &[rows, 8]).unwrap();
    let w = g.private_input("w", "bob", &[8, 6]).unwrap();
    let b = g.private_input("b", "bob", &[6]).unwrap();
    let product = g.matmul(x, w).unwrap();
    let sum = g.add(product, b).unwrap();
    let relu = g.relu(sum).unwrap();
    (g, [relu, product, sum])
}

fn run(g: &Graph, rows: usize, fetches: &[TensorId]) -> (RunResult, Vec<f64>) {
    let mut session =
        LocalSession::new(g, LocalOptions { transport: Transport::Memory, ..LocalOptions::default() }).unwrap();
    let (x, w, b) = (grid_values(rows * 8, 1, 4.0), grid_values(48, 2, 2.0), grid_values(6, 3, 3.0));
    let mut want = matmul_f64(&x, &w, rows, 8, 6);
    want.iter_mut().enumerate().for_each(|(i, v)| *v = (*v + b[i % 6]).max(0.0));
    let mut feeds = Feeds::new();
    feeds.insert("x", x).insert("w", w).insert("b", b);
    (session.run(fetches, &feeds).unwrap(), want)
}

/// The most rounds a server spent on `node`, or `None` if no server ran it.
fn rounds(result: &RunResult, node: TensorId) -> Option<u64> {
    SERVERS
        .iter()
        .filter_map(|s| result.stats.player(s).unwrap().spans.iter().find(|span| span.node == node.0))
        .map(|span| span.counters.rounds)
        .max()
}

fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= BOUND, "element {i}: got {g}, want {w}");
    }
}

#[test]
fn a_dense_layer_and_its_relu_take_four_rounds_and_agree_with_plaintext() {
    let (mut g, [relu, product, sum]) = dense_relu(8);
    let out = g.reveal(relu, None).unwrap();
    let (result, want) = run(&g, 8, &[out]);
    assert!(want.contains(&0.0) && want.iter().any(|v| *v > 0.0), "both signs");
    assert_close(result.outputs[0].as_slice().unwrap(), &want);
    assert_eq!(rounds(&result, relu), Some(4));
    assert_eq!((rounds(&result, product), rounds(&result, sum)), (None, None), "absorbed into the ReLU");
}

#[test]
fn a_product_or_sum_that_is_read_elsewhere_keeps_its_own_node() {
    for kept in [1, 2] {
        let (mut g, nodes) = dense_relu(8);
        let out = g.reveal(nodes[0], None).unwrap();
        let also = g.reveal(nodes[kept], None).unwrap();
        let (result, want) = run(&g, 8, &[out, also]);
        assert_close(result.outputs[0].as_slice().unwrap(), &want);
        assert_eq!(rounds(&result, nodes[0]), Some(3), "kept {kept}: the ReLU alone");
        assert_eq!(rounds(&result, nodes[1]), Some(2), "kept {kept}: the product");
    }
}

#[test]
fn a_layer_too_large_for_the_three_round_sign_is_not_fused() {
    let (mut g, [relu, product, _]) = dense_relu(64);
    let out = g.reveal(relu, None).unwrap();
    let (result, want) = run(&g, 64, &[out]);
    assert_close(result.outputs[0].as_slice().unwrap(), &want);
    assert_eq!((rounds(&result, relu), rounds(&result, product)), (Some(8), Some(2)));
}

/// relu(conv2d(x, w) + b) for x [1, 6, 6, 2], w [3, 3, 2, 4] (VALID), b [4]:
/// 64 outputs, fused in 4 rounds, within twice the dense layer's bound of
/// the ReLU of the unfused convolution of a second run (each run is within
/// that bound of the exact value).
#[test]
fn a_convolution_and_its_relu_take_four_rounds_too() {
    let build = |keep_conv: bool| {
        let mut g = Graph::default();
        let x = g.private_input("x", "alice", &[1, 6, 6, 2]).unwrap();
        let w = g.private_input("w", "bob", &[3, 3, 2, 4]).unwrap();
        let b = g.private_input("b", "bob", &[4]).unwrap();
        let conv = g.conv2d(x, w, (1, 1), tfe::Padding::Valid).unwrap();
        let sum = g.add(conv, b).unwrap();
        let relu = g.relu(sum).unwrap();
        let mut fetches = vec![g.reveal(relu, None).unwrap()];
        if keep_conv {
            fetches.push(g.reveal(conv, None).unwrap());
        }
        (g, relu, conv, fetches)
    };
    let (x, w, b) = (grid_values(72, 4, 3.0), grid_values(72, 5, 1.0), grid_values(4, 6, 2.0));
    let mut outputs = Vec::new();
    for keep_conv in [false, true] {
        let (g, relu, conv, fetches) = build(keep_conv);
        let options = LocalOptions { transport: Transport::Memory, ..LocalOptions::default() };
        let mut session = LocalSession::new(&g, options).unwrap();
        let mut feeds = Feeds::new();
        feeds.insert("x", x.clone()).insert("w", w.clone()).insert("b", b.clone());
        let result = session.run(&fetches, &feeds).unwrap();
        let fused = (rounds(&result, relu), rounds(&result, conv));
        assert_eq!(fused, if keep_conv { (Some(3), Some(2)) } else { (Some(4), None) });
        outputs.push(result.outputs.iter().map(|o| o.as_slice().unwrap().to_vec()).collect::<Vec<_>>());
    }
    let want: Vec<f64> = outputs[1][1].iter().enumerate().map(|(i, c)| (c + b[i % 4]).max(0.0)).collect();
    assert!(want.contains(&0.0) && want.iter().any(|v| *v > 0.0), "both signs");
    for (i, (got, want)) in outputs[0][0].iter().zip(&want).enumerate() {
        assert!((got - want).abs() <= 2.0 * BOUND, "element {i}: got {got}, want {want}");
    }
}
