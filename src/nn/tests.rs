//! Models against plaintext: shape checks, batch-normalization folding,
//! private prediction of networks A, B and D.

use super::networks::{network_a, network_b, network_c, network_d};
use super::{Layer, PrivatePredictor, Sequential};
use crate::ring::layout::Padding;
use crate::session::LocalOptions;

fn inputs(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 40) as f64 / (1u64 << 24) as f64 * 65536.0).round() / 65536.0
        })
        .collect()
}

fn assert_logits_close(got: &[f64], want: &[f64], bound: f64) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= bound, "output {i}: got {g}, want {w}");
    }
}

#[test]
fn shape_errors_name_the_layer_and_shapes() {
    let err = Sequential::new(&[5], vec![Layer::dense(4, 2, vec![0.0; 8], vec![0.0; 2]).unwrap()]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("layer 0 (Dense)") && msg.contains("[1, 5]"), "{msg}");
    assert!(Layer::dense(4, 2, vec![0.0; 7], vec![0.0; 2]).unwrap_err().to_string().contains("[4, 2]"));
    let conv = Layer::conv2d([3, 3, 2, 4], vec![0.0; 72], vec![0.0; 4], (1, 1), Padding::Valid).unwrap();
    let msg = Sequential::new(&[5, 5, 3], vec![conv]).unwrap_err().to_string();
    assert!(msg.contains("Conv2D") && msg.contains("[1, 5, 5, 3]"), "{msg}");
}

#[test]
fn batch_normalization_is_folded_or_applied_privately() {
    let dense = Layer::dense(3, 2, vec![0.5, -1.0, 0.25, 2.0, -0.75, 1.5], vec![0.1, -0.2]).unwrap();
    let bn = Layer::batch_norm(vec![1.5, 0.5], vec![0.1, -0.3], vec![0.2, -1.0], vec![4.0, 0.25], 1e-3).unwrap();
    let folded = Sequential::new(&[3], vec![dense.clone(), bn.clone(), Layer::ReLU, bn.clone()]).unwrap();
    // The first batch normalization disappears into the Dense layer.
    assert_eq!(folded.layers().len(), 3);
    let x = [0.5, -2.0, 1.25, 3.0, 0.75, -1.5];
    let want: Vec<f64> = {
        let mut out = Vec::new();
        let (scale, shift) = bn.bn_affine().unwrap();
        for r in 0..2 {
            for o in 0..2 {
                let z = 0.1 * f64::from(u8::from(o == 0)) - 0.2 * f64::from(u8::from(o == 1))
                    + (0..3).map(|k| x[r * 3 + k] * [0.5, -1.0, 0.25, 2.0, -0.75, 1.5][k * 2 + o]).sum::<f64>();
                let y = (z * scale[o] + shift[o]).max(0.0);
                out.push(y * scale[o] + shift[o]);
            }
        }
        out
    };
    assert_logits_close(&folded.predict_plain(&x, 2).unwrap(), &want, 1e-9);
    let mut private = PrivatePredictor::local(&folded, 2, "owner", "client", LocalOptions::default()).unwrap();
    assert_logits_close(&private.predict(&x).unwrap(), &want, 2e-3);
}

#[test]
fn networks_a_b_and_d_predict_privately_like_plaintext() {
    for (name, model, batch) in
        [("A", network_a(1).unwrap(), 2), ("B", network_b(2).unwrap(), 1), ("D", network_d(3).unwrap(), 1)]
    {
        assert_eq!(model.output_shape(batch).unwrap(), vec![batch, 10], "network {name}");
        let x = inputs(batch * 784, 7);
        let want = model.predict_plain(&x, batch).unwrap();
        let mut private = PrivatePredictor::local(&model, batch, "owner", "client", LocalOptions::default()).unwrap();
        let got = private.predict(&x).unwrap();
        assert_logits_close(&got, &want, 0.05);
        // A second prediction reuses the shared weights: no input from the owner.
        let again = private.predict(&x).unwrap();
        assert_logits_close(&again, &want, 0.05);
        let stats = private.last_stats().unwrap();
        assert_eq!(stats.player("owner").unwrap().counters.bytes_sent, 0, "network {name}");
        let client = stats.player("client").unwrap().counters;
        assert!(client.bytes_sent > 0 && client.bytes_sent < 8 * 3 * 784 * batch as u64, "{client:?}");
    }
    assert_eq!(network_c(4).unwrap().output_shape(3).unwrap(), vec![3, 10]);
}

/// Network A at batch 1: the input (1 round), each of its two dense layers
/// with its ReLU in 4 (`session/fusion.rs`), the last dense layer (2) and
/// the reveal (1): 12 rounds, the target of issue 19.
#[test]
fn network_a_predicts_one_sample_in_twelve_rounds() {
    let model = network_a(1).unwrap();
    let mut private = PrivatePredictor::local(&model, 1, "owner", "client", LocalOptions::default()).unwrap();
    let x = inputs(784, 11);
    for _ in 0..2 {
        assert_logits_close(&private.predict(&x).unwrap(), &model.predict_plain(&x, 1).unwrap(), 0.05);
    }
    let stats = private.last_stats().unwrap();
    assert_eq!(stats.players.iter().map(|p| p.counters.rounds).max(), Some(12));
}

/// One predictor serves every batch size up to its maximum (padding to the
/// graph of the next size up), and only the first prediction shares the
/// weights: later ones, of other batch sizes too, get nothing from the owner.
#[test]
fn one_predictor_serves_any_batch_up_to_its_maximum_and_shares_the_weights_once() {
    let dense = Layer::dense(3, 2, vec![0.5, -1.0, 0.25, 2.0, -0.75, 1.5], vec![0.1, -0.2]).unwrap();
    let model = Sequential::new(&[3], vec![dense, Layer::ReLU]).unwrap();
    let options = LocalOptions { transport: crate::session::Transport::Memory, ..LocalOptions::default() };
    let mut private = PrivatePredictor::local(&model, 8, "owner", "client", options).unwrap();
    assert_eq!((private.max_batch(), private.input_shape(), private.output_shape()), (8, &[8, 3][..], &[8, 2][..]));
    for (i, batch) in [7, 1, 8, 3, 2].into_iter().enumerate() {
        let x = inputs(batch * 3, i as u64);
        let got = private.predict(&x).unwrap();
        assert_logits_close(&got, &model.predict_plain(&x, batch).unwrap(), 2e-3);
        let owner = private.last_stats().unwrap().player("owner").unwrap().counters.bytes_sent;
        if i == 0 {
            assert!(owner > 0, "the first prediction shares the weights");
        } else {
            assert_eq!(owner, 0, "batch {batch} shared the weights again");
        }
    }
    for (len, found) in [(27, "27 input values"), (4, "4 input values"), (0, "0 input values")] {
        let msg = private.predict(&inputs(len, 1)).unwrap_err().to_string();
        assert!(msg.contains(found) && msg.contains("expected 1 to 8 samples of 3 values each (shape [8, 3]"), "{msg}");
    }
    assert!(PrivatePredictor::local(&model, 0, "owner", "client", LocalOptions::default()).is_err());
}
