//! Networks A–D of the SecureNN / TF Encrypted benchmarks, on 28x28x1
//! (MNIST-sized) inputs, with pseudo-random He-uniform weights from a seed:
//! for benchmarks and tests, where only shapes and costs matter.
//!
//! - A: FC 784-128, ReLU, FC 128-128, ReLU, FC 128-10.
//! - B: Conv 5x5x16, MaxPool 2, ReLU, Conv 5x5x16, MaxPool 2, ReLU, FC 100, ReLU, FC 10.
//! - C: Conv 5x5x20, MaxPool 2, ReLU, Conv 5x5x50, MaxPool 2, ReLU, FC 500, ReLU, FC 10.
//! - D: Conv 5x5x5 stride 2 (SAME), ReLU, FC 100, ReLU, FC 10.
//!
//! Convolutions are VALID unless noted, as in TF Encrypted's examples.

use super::{Layer, Sequential};
use crate::error::Result;
use crate::ring::layout::Padding;

/// Deterministic uniform values in [−bound, bound].
struct Weights(u64);

impl Weights {
    fn take(&mut self, n: usize, fan_in: usize) -> Vec<f64> {
        let bound = (6.0 / fan_in as f64).sqrt();
        (0..n)
            .map(|_| {
                self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = self.0;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                ((z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * bound
            })
            .collect()
    }

    fn dense(&mut self, inputs: usize, units: usize) -> Result<Layer> {
        Layer::dense(inputs, units, self.take(inputs * units, inputs), vec![0.0; units])
    }

    fn conv(&mut self, kernel: [usize; 4], strides: (usize, usize), padding: Padding) -> Result<Layer> {
        let fan_in = kernel[0] * kernel[1] * kernel[2];
        Layer::conv2d(kernel, self.take(kernel.iter().product(), fan_in), vec![0.0; kernel[3]], strides, padding)
    }
}

fn pool() -> Layer {
    Layer::MaxPooling2D { size: (2, 2), strides: (2, 2), padding: Padding::Valid }
}

/// Network A on flattened 784-value inputs.
pub fn network_a(seed: u64) -> Result<Sequential> {
    let mut w = Weights(seed);
    Sequential::new(&[784], vec![w.dense(784, 128)?, Layer::ReLU, w.dense(128, 128)?, Layer::ReLU, w.dense(128, 10)?])
}

/// Network B on 28x28x1 inputs.
pub fn network_b(seed: u64) -> Result<Sequential> {
    let mut w = Weights(seed);
    Sequential::new(
        &[28, 28, 1],
        vec![
            w.conv([5, 5, 1, 16], (1, 1), Padding::Valid)?,
            pool(),
            Layer::ReLU,
            w.conv([5, 5, 16, 16], (1, 1), Padding::Valid)?,
            pool(),
            Layer::ReLU,
            Layer::Flatten,
            w.dense(256, 100)?,
            Layer::ReLU,
            w.dense(100, 10)?,
        ],
    )
}

/// Network C on 28x28x1 inputs.
pub fn network_c(seed: u64) -> Result<Sequential> {
    let mut w = Weights(seed);
    Sequential::new(
        &[28, 28, 1],
        vec![
            w.conv([5, 5, 1, 20], (1, 1), Padding::Valid)?,
            pool(),
            Layer::ReLU,
            w.conv([5, 5, 20, 50], (1, 1), Padding::Valid)?,
            pool(),
            Layer::ReLU,
            Layer::Flatten,
            w.dense(800, 500)?,
            Layer::ReLU,
            w.dense(500, 10)?,
        ],
    )
}

/// Network D on 28x28x1 inputs.
pub fn network_d(seed: u64) -> Result<Sequential> {
    let mut w = Weights(seed);
    Sequential::new(
        &[28, 28, 1],
        vec![
            w.conv([5, 5, 1, 5], (2, 2), Padding::Same)?,
            Layer::ReLU,
            Layer::Flatten,
            w.dense(980, 100)?,
            Layer::ReLU,
            w.dense(100, 10)?,
        ],
    )
}
