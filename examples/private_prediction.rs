//! Private prediction: a model owner, a client and three servers.
//!
//! The model owner supplies the weights of a digits classifier (trained in
//! plaintext by `tests/data/digits/train_digits.py`); they are shared once
//! among the servers. The client supplies an image; the servers compute
//! the logits on shares and reveal them to the client only. Run with
//! `cargo run --release --example private_prediction`.

use tfe::nn::{Layer, PrivatePredictor, Sequential};
use tfe::session::LocalOptions;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/digits/");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The model owner's plaintext weights: Dense 64-32, ReLU, Dense 32-10.
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{DATA}mlp.json"))?)?;
    let w = |k: &str| -> Vec<f64> { json[k].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect() };
    let model = Sequential::new(
        &[64],
        vec![Layer::dense(64, 32, w("w1"), w("b1"))?, Layer::ReLU, Layer::dense(32, 10, w("w2"), w("b2"))?],
    )?;

    // The client's image: the last digit of the data set (held out from training).
    let digits = std::fs::read_to_string(format!("{DATA}digits.txt"))?;
    let (label, pixels) = digits.lines().last().unwrap().split_once(' ').unwrap();
    let image: Vec<f64> = pixels.chars().map(|c| f64::from(c.to_digit(17).unwrap()) / 16.0).collect();

    // All five players in this process, each on its own thread, over loopback TCP.
    let mut predictor = PrivatePredictor::local(&model, 1, "model-owner", "client", LocalOptions::default())?;
    let logits = predictor.predict(&image)?;
    let class = (0..10).fold(0, |best, i| if logits[i] > logits[best] { i } else { best });
    println!("the client learns the logits {logits:.3?}");
    println!("predicted class {class}, true label {label}");

    let stats = predictor.last_stats().unwrap();
    for player in &stats.players {
        println!(
            "{:<12} sent {:>7} bytes in {:>3} rounds",
            player.player, player.counters.bytes_sent, player.counters.rounds
        );
    }
    Ok(())
}
