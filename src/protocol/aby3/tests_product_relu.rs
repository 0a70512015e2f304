//! The fused layer and ReLU (`product_relu.rs`) against plaintext:
//! ReLU(x·w + b) within the truncation's one unit, exactly zero where the
//! product is negative, with private and public weights and biases and on
//! the edges of the range; 4 rounds (server 2 takes part in 3).

use super::tests::{CLIENT, ctx, encode, private_op, run_players, steps, values, with_three_round_sign_max};
use crate::net::Counters;
use crate::protocol::{Operand, Product, Protocol};
use crate::ring::RingTensor;

/// One unit in the last place of the default fixed-point configuration.
const ULP: f64 = 1.0 / 65536.0;

/// ReLU(x·w + b) in f64 for x [m, k], w [k, n], b [n].
fn plain_dense_relu(x: &[f64], w: &[f64], b: &[f64], (m, k, n): (usize, usize, usize)) -> Vec<f64> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            let dot: f64 = (0..k).map(|p| x[i * k + p] * w[p * n + j]).sum();
            out[i * n + j] = (dot + b[j]).max(0.0);
        }
    }
    out
}

fn assert_relu_within_a_unit(got: &[f64], want: &[f64]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if *w == 0.0 {
            assert!(*g == 0.0 || *g <= ULP, "element {i}: got {g}, want 0");
        } else {
            assert!((g - w).abs() <= ULP, "element {i}: got {g}, want {w}");
        }
    }
}

/// The sign's width: 16 fractional + 20 integer + 3 bits.
const K: u64 = 39;

/// Servers 0 and 1 take part in all four rounds, server 2 in three (it
/// sends nothing in the second). Bytes per element: the truncation's 16,
/// 16 and 12, the reshare's 8 each, and the sign's k words of a list at
/// servers 0 and 2, three words of m1 and offers at server 2, and m2 and
/// two offers at server 1: the words of the truncation and the ReLU apart.
fn assert_four_rounds(costs: &[Counters], n: u64) {
    let bytes = [16 + 8 * K + 8, 16 + 24 + 8, 12 + 8 * K + 24 + 8];
    for (i, (c, (rounds, bytes))) in costs[..3].iter().zip([4, 4, 3].into_iter().zip(bytes)).enumerate() {
        assert_eq!((c.rounds, c.bytes_sent), (rounds, n * bytes), "server {i}: {c:?}");
    }
    assert_eq!(costs[CLIENT], Counters::default(), "the client takes no part");
}

#[test]
fn a_private_dense_layer_and_its_relu_agree_with_plaintext_in_four_rounds() {
    let dims = (16, 8, 12);
    let (x, w, b) = (values(16 * 8, 5, 30.0), values(8 * 12, 6, 3.0), values(12, 7, 20.0));
    let inputs = [(x.clone(), vec![16, 8]), (w.clone(), vec![8, 12]), (b.clone(), vec![12])];
    let (got, costs) = private_op(&inputs, |net, p, s| {
        p.product_relu(
            net,
            ctx(20),
            Product::MatMul(Operand::Private(&s[0]), Operand::Private(&s[1])),
            Some(Operand::Private(&s[2])),
        )
    });
    let want = plain_dense_relu(&x, &w, &b, dims);
    assert!(want.iter().filter(|v| **v == 0.0).count() > 20, "the test needs negative products");
    assert_relu_within_a_unit(&got, &want);
    assert_four_rounds(&costs, 16 * 12);
}

#[test]
fn public_weights_a_public_bias_and_no_bias_agree_with_plaintext() {
    let dims = (4, 8, 8);
    let (x, w, b) = (values(4 * 8, 8, 30.0), values(8 * 8, 9, 3.0), values(8, 10, 20.0));
    let inputs = [(x.clone(), vec![4, 8]), (x.clone(), vec![8, 4])];
    let (public_w, public_b) = (encode(&w, &[8, 8]), encode(&b, &[1, 8]));
    let (got, costs) = private_op(&inputs, |net, p, s| {
        let product = Product::MatMul(Operand::Private(&s[0]), Operand::Public(&public_w));
        p.product_relu(net, ctx(20), product, Some(Operand::Public(&public_b)))
    });
    assert_relu_within_a_unit(&got, &plain_dense_relu(&x, &w, &b, dims));
    assert_four_rounds(&costs, 4 * 8);
    let (got, _) = private_op(&inputs, |net, p, s| {
        p.product_relu(net, ctx(20), Product::MatMul(Operand::Public(&public_w), Operand::Private(&s[1])), None)
    });
    // w·x for the same values as an [8, 4] matrix.
    let wx = plain_dense_relu(&w, &x, &[0.0; 4], (8, 8, 4));
    assert_relu_within_a_unit(&got, &wx);
}

/// A product in two parts of the truncation's messages (2^14 elements
/// each), as a declared link allows: four rounds, as for one part.
#[test]
fn a_product_of_several_truncation_parts_agrees_with_plaintext() {
    let dims = (2500, 4, 8);
    let (x, w, b) = (values(2500 * 4, 11, 30.0), values(4 * 8, 12, 3.0), values(8, 13, 20.0));
    let inputs = [(x.clone(), vec![2500, 4]), (w.clone(), vec![4, 8]), (b.clone(), vec![8])];
    let (got, costs) = with_three_round_sign_max(1 << 16, || {
        private_op(&inputs, |net, p, s| {
            let product = Product::MatMul(Operand::Private(&s[0]), Operand::Private(&s[1]));
            p.product_relu(net, ctx(20), product, Some(Operand::Private(&s[2])))
        })
    });
    assert_relu_within_a_unit(&got, &plain_dense_relu(&x, &w, &b, dims));
    assert_four_rounds(&costs, 2500 * 8);
}

/// Products at the edges: 0, ±1 unit, and ±the largest fixed-point value
/// (2^20 − 1 unit), each times an identity, so that p = x·2^f exactly.
#[test]
fn the_fused_relu_is_exact_on_the_edges_of_the_range() {
    let largest = (1u64 << 20) as f64 - ULP;
    let edges = [0.0, ULP, -ULP, largest, -largest, 2.0 * ULP, -2.0 * ULP, 1.0];
    let x: Vec<f64> = (0..64).map(|i| edges[i % 8] * if i / 8 % 2 == 0 { 1.0 } else { -1.0 }).collect();
    let identity: Vec<f64> = (0..64).map(|i| f64::from(u8::from(i / 8 == i % 8))).collect();
    let inputs = [(x.clone(), vec![8, 8])];
    let public_w = encode(&identity, &[8, 8]);
    let (got, _) = private_op(&inputs, |net, p, s| {
        p.product_relu(net, ctx(20), Product::MatMul(Operand::Private(&s[0]), Operand::Public(&public_w)), None)
    });
    let want: Vec<f64> = x.iter().map(|v| v.max(0.0)).collect();
    assert_eq!(got, want);
}

/// 2^20 untruncated products p, as raw ring words: the ends of the
/// interval whose truncation v = ⌊p / 2^f⌋ + e the sign is exact on,
/// −2^(k−1) ≤ v < 2^(k−1), then 0, ±1 and ±2^f, then random ones across
/// it. Every negative one gives exactly 0, every other one ⌊p / 2^f⌋ or one
/// more.
#[test]
fn a_million_random_products_all_get_the_right_sign() {
    let (n, chunk, limit) = (1usize << 20, 1usize << 16, 1u64 << (K - 1 + 16));
    let top = limit - (1 << 16) - 1;
    let edges = [top, limit.wrapping_neg(), 0, 1, u64::MAX, 1 << 16, (1 << 16) - 1, (1u64 << 16).wrapping_neg()];
    let words: Vec<u64> = crate::test_data::xorshift(0x2545_f491_4f6c_dd1d)
        .take(n - edges.len())
        .map(|w| (w % (limit + top)).wrapping_sub(limit))
        .collect();
    let words = [&edges[..], &words].concat();
    let results = with_three_round_sign_max(chunk, || {
        run_players(|net, p| {
            let mut out = Vec::with_capacity(n);
            for (c, part) in words.chunks(chunk).enumerate() {
                let op = 10 * c as u32;
                let shape = [part.len()];
                let value = (net.me() == CLIENT).then(|| RingTensor::new(shape.to_vec(), part.to_vec()).unwrap());
                let shared = p.input(net, ctx(op), CLIENT, &shape, value.as_ref())?;
                // The first share of a replicated share is an additive part.
                let relu = match shared {
                    Some(s) if p.server_index().is_some() => Some(p.truncate_relu(net, &mut steps(op + 1), s.a)?),
                    _ => None,
                };
                if let Some(t) = p.reveal(net, ctx(op + 2), relu.as_ref(), &shape, Some(CLIENT))? {
                    out.extend_from_slice(t.data());
                }
            }
            Ok(out)
        })
    });
    let got = &results[CLIENT].0;
    let wrong = words
        .iter()
        .zip(got)
        .filter(|&(&p, &r)| {
            let p = p as i64;
            if p < 0 { r != 0 } else { r != (p >> 16) as u64 && r != (p >> 16) as u64 + 1 }
        })
        .count();
    assert_eq!(wrong, 0, "wrong results among {n}");
}
