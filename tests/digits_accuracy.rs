//! Private inference on real data: two small models trained in plaintext on
//! scikit-learn's 8x8 digits (tests/data/digits, with provenance and the
//! training script). On the 360 held-out images, private inference must give
//! the plaintext class on at least 99% of them, with logits within 0.05.

use std::collections::HashMap;

use tfe::Padding;
use tfe::nn::{Layer, PrivatePredictor, Sequential};
use tfe::session::LocalOptions;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/digits/");
const TRAIN: usize = 1437;
const BATCH: usize = 120;

/// (pixels / 16, label) of every image.
fn digits() -> Vec<(Vec<f64>, usize)> {
    let text = std::fs::read_to_string(format!("{DATA}digits.txt")).unwrap();
    text.lines()
        .map(|line| {
            let (label, pixels) = line.split_once(' ').unwrap();
            let pixels: Vec<f64> = pixels.chars().map(|c| f64::from(c.to_digit(17).unwrap()) / 16.0).collect();
            assert_eq!(pixels.len(), 64);
            (pixels, label.parse().unwrap())
        })
        .collect()
}

fn weights(file: &str) -> HashMap<String, Vec<f64>> {
    let text = std::fs::read_to_string(format!("{DATA}{file}")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()))
        .collect()
}

fn mlp() -> Sequential {
    let mut w = weights("mlp.json");
    let mut take = |k: &str| w.remove(k).unwrap();
    let layers = vec![
        Layer::dense(64, 32, take("w1"), take("b1")).unwrap(),
        Layer::ReLU,
        Layer::dense(32, 10, take("w2"), take("b2")).unwrap(),
    ];
    Sequential::new(&[64], layers).unwrap()
}

fn cnn() -> Sequential {
    let mut w = weights("cnn.json");
    let mut take = |k: &str| w.remove(k).unwrap();
    let layers = vec![
        Layer::conv2d([3, 3, 1, 8], take("conv_w"), take("conv_b"), (1, 1), Padding::Same).unwrap(),
        Layer::ReLU,
        Layer::MaxPooling2D { size: (2, 2), strides: (2, 2), padding: Padding::Valid },
        Layer::Flatten,
        Layer::dense(128, 10, take("dense_w"), take("dense_b")).unwrap(),
    ];
    Sequential::new(&[8, 8, 1], layers).unwrap()
}

fn argmax(row: &[f64]) -> usize {
    (0..row.len()).fold(0, |best, i| if row[i] > row[best] { i } else { best })
}

/// Runs the held-out images through private and plaintext inference;
/// returns (agreeing classes, plaintext accuracy).
fn check(name: &str, model: &Sequential) -> (usize, f64) {
    let held_out = &digits()[TRAIN..];
    assert_eq!(held_out.len(), 3 * BATCH);
    let mut predictor =
        PrivatePredictor::local(model, BATCH, "model-owner", "client", LocalOptions::default()).unwrap();
    let (mut agree, mut correct, mut worst) = (0, 0, 0.0f64);
    for chunk in held_out.chunks(BATCH) {
        let x: Vec<f64> = chunk.iter().flat_map(|(p, _)| p.iter().copied()).collect();
        let private = predictor.predict(&x).unwrap();
        let plain = model.predict_plain(&x, BATCH).unwrap();
        for (i, (_, label)) in chunk.iter().enumerate() {
            let (p, q) = (&private[i * 10..(i + 1) * 10], &plain[i * 10..(i + 1) * 10]);
            worst = p.iter().zip(q).map(|(a, b)| (a - b).abs()).fold(worst, f64::max);
            agree += usize::from(argmax(p) == argmax(q));
            correct += usize::from(argmax(q) == *label);
        }
    }
    assert!(worst <= 0.05, "{name}: a private logit is {worst} away from plaintext");
    (agree, correct as f64 / held_out.len() as f64)
}

#[test]
fn private_mlp_and_cnn_agree_with_plaintext_on_held_out_digits() {
    for (name, model, accuracy) in [("mlp", mlp(), 0.9), ("cnn", cnn(), 0.85)] {
        let (agree, plain_accuracy) = check(name, &model);
        assert!(agree * 100 >= 99 * 3 * BATCH, "{name}: private and plaintext classes agree on {agree} of 360");
        // The models are real: they classify most held-out digits.
        assert!(plain_accuracy >= accuracy, "{name}: plaintext accuracy {plain_accuracy}");
    }
}
