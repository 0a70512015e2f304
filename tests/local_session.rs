//! Local sessions over loopback TCP and in memory: the seed program, private
//! results against plaintext f64, variables across runs, and stats.

mod common;

use std::sync::Arc;

use common::{grid_values, matmul_f64, max_error};
use tfe::graph::Graph;
use tfe::session::{Feeds, LocalOptions, LocalSession, Transport};

const BOUND: f64 = 1.0 / 4096.0; // 2^-12, absolute plus relative

fn options(transport: Transport) -> LocalOptions {
    LocalOptions { transport, ..LocalOptions::default() }
}

#[test]
fn seed_program_gives_ten_everywhere_over_tcp_tls_and_memory() {
    for transport in [Transport::Tcp, Transport::Tls, Transport::Memory] {
        let mut g = Graph::default();
        let w = g.private_variable("w", "server0", &[10, 10]).unwrap();
        let x = g.private_input("x", "input-provider", &[5, 10]).unwrap();
        let y = g.matmul(x, w).unwrap();
        let out = g.reveal(y, None).unwrap();
        let mut session = LocalSession::new(&g, options(transport)).unwrap();
        session.set_variable_values("w", vec![1.0; 100]).unwrap();
        let provider_thread = Arc::new(std::sync::Mutex::new(None));
        let seen = provider_thread.clone();
        session
            .set_provider(
                "x",
                Arc::new(move |req| {
                    *seen.lock().unwrap() = std::thread::current().name().map(String::from);
                    Ok(vec![1.0; req.shape.iter().product()])
                }),
            )
            .unwrap();
        let result = session.run(&[out], &Feeds::new()).unwrap();
        assert_eq!(result.outputs[0].shape(), &[5, 10]);
        assert!(result.outputs[0].iter().all(|&v| v == 10.0), "{}", result.outputs[0]);
        // The callback ran on the input provider's own thread.
        assert_eq!(provider_thread.lock().unwrap().as_deref(), Some("tfe-input-provider"));
        let stats = &result.stats;
        assert_eq!(stats.players.len(), 4);
        for server in ["server0", "server1", "server2"] {
            let p = stats.player(server).unwrap();
            assert!(p.counters.bytes_sent > 0 && p.counters.rounds > 0, "{p:?}");
            assert!(p.by_op["matmul"].counters.rounds <= 2);
        }
        assert_eq!(session.last_stats(), Some(stats));
        // The trace is JSON with one span per op per player.
        let trace: serde_json::Value = serde_json::from_str(&stats.chrome_trace()).unwrap();
        let spans = trace["traceEvents"].as_array().unwrap().iter().filter(|e| e["ph"] == "X").count();
        assert_eq!(spans, stats.players.iter().map(|p| p.spans.len()).sum::<usize>());
        assert_eq!(stats.player("server0").unwrap().spans.len(), 4);
    }
}

#[test]
fn random_matrices_match_plaintext_within_bound() {
    for (m, k, n) in [(1, 1, 1), (3, 7, 2), (64, 64, 64), (17, 64, 33)] {
        let a = grid_values(m * k, 11 + m as u64, 100.0);
        let b = grid_values(k * n, 12 + n as u64, 100.0);
        let mut g = Graph::default();
        let x = g.private_input("a", "alice", &[m, k]).unwrap();
        let y = g.private_input("b", "bob", &[k, n]).unwrap();
        let xy = g.matmul(x, y).unwrap();
        let sum = g.add(x, x).unwrap();
        let diff = g.sub(sum, x).unwrap();
        let out_mm = g.reveal(xy, Some("alice")).unwrap();
        let out_diff = g.reveal(diff, None).unwrap();
        let mut session = LocalSession::new(&g, options(Transport::Memory)).unwrap();
        let mut feeds = Feeds::new();
        feeds.insert("a", a.clone()).insert("b", b.clone());
        let result = session.run(&[out_mm, out_diff], &feeds).unwrap();
        let got: Vec<f64> = result.outputs[0].iter().copied().collect();
        let err = max_error(&got, &matmul_f64(&a, &b, m, k, n));
        assert!(err <= BOUND, "{m}x{k}x{n}: error {err}");
        let got: Vec<f64> = result.outputs[1].iter().copied().collect();
        assert!(max_error(&got, &a) <= BOUND);
    }
}

#[test]
fn elementwise_ops_and_chains_of_five_multiplications() {
    let x = grid_values(64, 21, 4.0);
    let c = grid_values(64, 22, 1.5);
    let mut g = Graph::default();
    let xi = g.private_input("x", "alice", &[8, 8]).unwrap();
    let ci = g.constant(&[8, 8], c.clone()).unwrap();
    let mut acc = xi;
    for _ in 0..5 {
        acc = g.mul(acc, ci).unwrap();
    }
    let private_chain = {
        let mut p = g.square(xi).unwrap();
        for _ in 0..4 {
            p = g.mul(p, xi).unwrap();
        }
        p
    };
    let scaled = g.reshape(private_chain, &[64]).unwrap();
    let t = g.transpose(xi, None).unwrap();
    let s = g.reduce_sum(t, Some(1)).unwrap();
    let neg = g.neg(s).unwrap();
    let outs: Vec<_> = [acc, scaled, neg].iter().map(|&v| g.reveal(v, Some("carol")).unwrap()).collect();
    let mut session = LocalSession::new(&g, LocalOptions::default()).unwrap();
    let mut feeds = Feeds::new();
    feeds.insert("x", x.clone());
    let r = session.run(&outs, &feeds).unwrap();
    let v = |i: usize| r.outputs[i].iter().copied().collect::<Vec<f64>>();
    let want: Vec<f64> = x.iter().zip(&c).map(|(a, b)| a * b.powi(5)).collect();
    assert!(max_error(&v(0), &want) <= BOUND, "{}", max_error(&v(0), &want));
    // x^6 with |x| <= 4 exceeds the range; use the relative part of the bound.
    let want: Vec<f64> = x.iter().map(|a| a.powi(6)).collect();
    assert!(max_error(&v(1), &want) <= BOUND, "{}", max_error(&v(1), &want));
    let want: Vec<f64> = (0..8).map(|j| -(0..8).map(|i| x[i * 8 + j]).sum::<f64>()).collect();
    assert!(max_error(&v(2), &want) <= BOUND);
}

#[test]
fn variables_keep_their_shares_across_runs_and_can_be_assigned() {
    let mut g = Graph::default();
    let total = g.private_variable("total", "server1", &[3]).unwrap();
    let x = g.private_input("x", "alice", &[3]).unwrap();
    let next = g.add(total, x).unwrap();
    let update = g.assign(total, next).unwrap();
    let read = g.reveal(total, Some("bob")).unwrap();
    let mut session = LocalSession::new(&g, LocalOptions::default()).unwrap();
    let err = |r: tfe::Result<()>| r.unwrap_err().to_string();
    assert!(err(session.set_variable_values("x", vec![0.0; 3])).contains("'x' is an input"));
    assert!(err(session.set_variable_values("nope", vec![0.0; 3])).contains("no variable named 'nope'"));
    assert!(err(session.set_variable_values("total", vec![0.0; 2])).contains("2 values, expected 3"));
    let e = err(session.set_variable_values("total", vec![0.0, 1e300, 0.0]));
    assert!(e.contains("element 1 of shape [3] is 1e300"), "{e}");
    session.set_variable_values("total", vec![0.0; 3]).unwrap();
    for step in 1..=3 {
        let mut feeds = Feeds::new();
        feeds.insert("x", vec![1.0, -2.0, 0.5]);
        let r = session.run(&[update], &feeds).unwrap();
        assert_eq!(r.outputs[0].len(), 0);
        let r = session.run(&[read], &Feeds::new()).unwrap();
        let got: Vec<f64> = r.outputs[0].iter().copied().collect();
        assert_eq!(got, vec![f64::from(step), -2.0 * f64::from(step), 0.5 * f64::from(step)]);
    }
    session.reset_variables().unwrap();
    let r = session.run(&[read], &Feeds::new()).unwrap();
    assert!(r.outputs[0].iter().all(|&v| v == 0.0));
}

#[test]
fn public_values_are_computed_in_the_clear() {
    let mut g = Graph::default();
    let a = g.constant(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
    let b = g.matmul(a, a).unwrap();
    let c = g.mul(b, a).unwrap();
    let mut session = LocalSession::new(&g, options(Transport::Memory)).unwrap();
    let r = session.run(&[c], &Feeds::new()).unwrap();
    assert_eq!(r.outputs[0].iter().copied().collect::<Vec<_>>(), vec![7.0, 20.0, 45.0, 88.0]);
    assert!(r.stats.players.iter().all(|p| p.counters.bytes_sent == 0));
}

#[test]
fn a_tensor_defined_after_the_session_is_named_as_such() {
    let mut graph = Graph::default();
    let x = graph.private_input("x", "input-provider", &[2]).unwrap();
    let mut session = LocalSession::new(&graph, options(Transport::Memory)).unwrap();
    let revealed = graph.reveal(x, None).unwrap();
    let mut feeds = Feeds::new();
    feeds.insert("x", vec![1.0, 2.0]);
    let err = session.run(&[revealed], &feeds).unwrap_err().to_string();
    assert!(err.contains("tensor 1 was defined after the session was created"), "{err}");
    assert!(err.contains("snapshot of the graph as it was then (1 nodes)"), "{err}");
}

/// Every op that has a plaintext form, in every mix of public and private
/// operands: the servers' result equals the one every player computes from
/// public operands (within the truncation's one unit in the last place).
#[test]
fn every_op_agrees_in_every_mix_of_public_and_private_operands() {
    use tfe::graph::Op;
    /// An operand: its shape and values.
    type Operand = (Vec<usize>, Vec<f64>);
    let m = |r, c| (vec![r, c], grid_values(r * c, (r * 10 + c) as u64, 3.0));
    let cases: Vec<(Op, Vec<Operand>)> = vec![
        (Op::Add, vec![m(2, 3), m(2, 3)]),
        (Op::Sub, vec![m(2, 3), m(1, 3)]),
        (Op::Mul, vec![m(2, 3), m(2, 1)]),
        (Op::MatMul, vec![m(2, 3), m(3, 2)]),
        (Op::Neg, vec![m(2, 3)]),
        (Op::Square, vec![m(2, 3)]),
        (Op::Sum { axis: Some(1) }, vec![m(2, 3)]),
        (Op::CumSum { axis: 1, exclusive: true, reverse: true }, vec![m(2, 3)]),
        (Op::Transpose { perm: vec![1, 0] }, vec![m(2, 3)]),
        (Op::Reshape { shape: vec![3, 2] }, vec![m(2, 3)]),
        (Op::ExpandDims { axis: 1 }, vec![m(2, 3)]),
        (Op::Squeeze { axis: 0 }, vec![m(1, 3)]),
        (Op::Slice { begin: vec![1, 1], size: vec![1, 2] }, vec![m(2, 3)]),
        (Op::Pad { pads: vec![(1, 0), (0, 2)] }, vec![m(2, 3)]),
        (Op::Gather { indices: vec![2, 0, 2], axis: 1 }, vec![m(2, 3)]),
        (Op::Concat { axis: 0 }, vec![m(2, 3), m(1, 3)]),
        (Op::Mean { axis: None }, vec![m(2, 3)]),
        (Op::DivPublic { divisor: 3.0 }, vec![m(2, 3)]),
    ];
    for (op, operands) in cases {
        let mut results = Vec::new();
        for mix in 0..1usize << operands.len() {
            let mut g = Graph::default();
            let mut feeds = Feeds::new();
            let inputs: Vec<_> = operands
                .iter()
                .enumerate()
                .map(|(i, (shape, values))| {
                    if mix >> i & 1 == 1 {
                        feeds.insert(&format!("x{i}"), values.clone());
                        g.private_input(&format!("x{i}"), "alice", shape).unwrap()
                    } else {
                        g.constant(shape, values.clone()).unwrap()
                    }
                })
                .collect();
            let out = g.push(op.clone(), &inputs).unwrap();
            let fetch = if mix == 0 { out } else { g.reveal(out, None).unwrap() };
            let mut session = LocalSession::new(&g, options(Transport::Memory)).unwrap();
            let r = session.run(&[fetch], &feeds).unwrap_or_else(|e| panic!("{op:?}, operand mix {mix:b}: {e}"));
            results.push(r.outputs[0].clone());
        }
        for (mix, got) in results.iter().enumerate().skip(1) {
            assert_eq!(got.shape(), results[0].shape(), "{op:?}, operand mix {mix:b}");
            let err = max_error(got.as_slice().unwrap(), results[0].as_slice().unwrap());
            assert!(err <= 2.0 / 65536.0, "{op:?}, operand mix {mix:b}: off by {err}");
        }
    }
}

/// Across a modeled WAN a round costs 20 ms, so a ReLU of 1,000 values
/// takes the three-round sign (`Party::assume_link`), where in memory it
/// takes the eight-round one; both are exact.
#[test]
fn across_a_wan_a_relu_of_a_thousand_values_takes_three_rounds() {
    for (transport, rounds) in [(Transport::Memory, 8), (Transport::Modeled(tfe::session::LinkModel::WAN), 3)] {
        let mut g = Graph::default();
        let x = g.private_input("x", "alice", &[1000]).unwrap();
        let y = g.relu(x).unwrap();
        let out = g.reveal(y, None).unwrap();
        let mut session = LocalSession::new(&g, options(transport)).unwrap();
        let values = grid_values(1000, 4, 100.0);
        let mut feeds = Feeds::new();
        feeds.insert("x", values.clone());
        let result = session.run(&[out], &feeds).unwrap();
        let want: Vec<f64> = values.iter().map(|v| v.max(0.0)).collect();
        assert_eq!(result.outputs[0].as_slice().unwrap(), &want[..], "{transport:?}");
        let spent = ["server0", "server1", "server2"]
            .iter()
            .filter_map(|s| result.stats.player(s).unwrap().spans.iter().find(|span| span.node == y.0))
            .map(|span| span.counters.rounds)
            .max();
        assert_eq!(spent, Some(rounds), "{transport:?}");
    }
}
