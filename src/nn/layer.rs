//! The layers of a sequential model, their weights in plaintext (as the
//! model owner holds them), and how each adds itself to a graph.

use crate::error::{Error, Result};
use crate::graph::{Graph, TensorId};
use crate::ring::layout::Padding;
use crate::ring::shape::fmt_shape;

/// One layer. Shapes exclude the batch axis; weights are row-major.
#[derive(Clone, Debug, PartialEq)]
pub enum Layer {
    /// `x · W + b` with W of shape [inputs, units].
    Dense {
        /// Features in.
        inputs: usize,
        /// Features out.
        units: usize,
        /// W, row-major [inputs, units].
        weights: Vec<f64>,
        /// b, one per unit.
        bias: Vec<f64>,
    },
    /// NHWC convolution with a [KH, KW, C, O] filter, plus a bias per output channel.
    Conv2D {
        /// Filter shape [KH, KW, C, O].
        kernel: [usize; 4],
        /// The filter, row-major.
        weights: Vec<f64>,
        /// One per output channel.
        bias: Vec<f64>,
        /// (height, width) strides.
        strides: (usize, usize),
        /// How the input is padded.
        padding: Padding,
    },
    /// Exact max(x, 0).
    ReLU,
    /// Sigmoid within 0.003 (piecewise linear with 25 knots).
    Sigmoid,
    /// Softmax over the last axis.
    Softmax,
    /// Maximum over each window (NHWC).
    MaxPooling2D {
        /// (height, width) of the window.
        size: (usize, usize),
        /// (height, width) strides.
        strides: (usize, usize),
        /// How the input is padded.
        padding: Padding,
    },
    /// Average over each window (NHWC).
    AveragePooling2D {
        /// (height, width) of the window.
        size: (usize, usize),
        /// (height, width) strides.
        strides: (usize, usize),
        /// How the input is padded.
        padding: Padding,
    },
    /// Average over the whole height and width: [N, C].
    GlobalAveragePooling2D,
    /// [N, everything else].
    Flatten,
    /// Inference-time batch normalization over the last axis. Folded into a
    /// preceding Dense or Conv2D layer by [`super::Sequential::new`];
    /// otherwise a private per-channel scale and shift.
    BatchNormalization {
        /// Scale per channel.
        gamma: Vec<f64>,
        /// Shift per channel.
        beta: Vec<f64>,
        /// Running mean per channel.
        mean: Vec<f64>,
        /// Running variance per channel.
        variance: Vec<f64>,
        /// Added to the variance before its square root.
        epsilon: f64,
    },
}

impl Layer {
    /// A dense layer; checks the sizes.
    pub fn dense(inputs: usize, units: usize, weights: Vec<f64>, bias: Vec<f64>) -> Result<Layer> {
        check_len("Dense weights", &[inputs, units], weights.len())?;
        check_len("Dense bias", &[units], bias.len())?;
        Ok(Layer::Dense { inputs, units, weights, bias })
    }

    /// A convolution with a [KH, KW, C, O] kernel; checks the sizes.
    pub fn conv2d(
        kernel: [usize; 4],
        weights: Vec<f64>,
        bias: Vec<f64>,
        strides: (usize, usize),
        padding: Padding,
    ) -> Result<Layer> {
        check_len("Conv2D weights", &kernel, weights.len())?;
        check_len("Conv2D bias", &[kernel[3]], bias.len())?;
        Ok(Layer::Conv2D { kernel, weights, bias, strides, padding })
    }

    /// Batch normalization from its statistics; checks the sizes.
    pub fn batch_norm(
        gamma: Vec<f64>,
        beta: Vec<f64>,
        mean: Vec<f64>,
        variance: Vec<f64>,
        epsilon: f64,
    ) -> Result<Layer> {
        let c = gamma.len();
        for (what, v) in [("beta", &beta), ("mean", &mean), ("variance", &variance)] {
            check_len(&format!("BatchNormalization {what}"), &[c], v.len())?;
        }
        if variance.iter().any(|&v| v + epsilon <= 0.0) {
            return Err(Error::invalid("BatchNormalization: variance + epsilon must be positive"));
        }
        Ok(Layer::BatchNormalization { gamma, beta, mean, variance, epsilon })
    }

    /// The per-channel (scale, shift) of a batch normalization.
    pub(super) fn bn_affine(&self) -> Option<(Vec<f64>, Vec<f64>)> {
        let Layer::BatchNormalization { gamma, beta, mean, variance, epsilon } = self else { return None };
        let scale: Vec<f64> = (0..gamma.len()).map(|c| gamma[c] / (variance[c] + epsilon).sqrt()).collect();
        let shift = (0..gamma.len()).map(|c| beta[c] - mean[c] * scale[c]).collect();
        Some((scale, shift))
    }

    /// Adds the layer to `g`; its weights become private variables of
    /// `owner` named `prefix.w`, `prefix.b` (returned with their values, for
    /// the owner to provide when the variables are first needed). When `g`
    /// has them already (the same model built again, for another batch
    /// size), the layer reads those and returns no new weights.
    pub(super) fn build(
        &self,
        g: &mut Graph,
        x: TensorId,
        owner: &str,
        prefix: &str,
        weights: &mut Vec<(String, Vec<f64>)>,
    ) -> Result<TensorId> {
        let mut var = |g: &mut Graph, name: &str, shape: &[usize], values: &[f64]| -> Result<TensorId> {
            let full = format!("{prefix}.{name}");
            if let Some(id) = g.find_named(&full) {
                return Ok(id);
            }
            let id = g.private_variable(&full, owner, shape)?;
            weights.push((full, values.to_vec()));
            Ok(id)
        };
        match self {
            Layer::Dense { inputs, units, weights: w, bias } => {
                let shape = g.shape(x)?.to_vec();
                if shape.len() != 2 || shape[1] != *inputs {
                    return Err(Error::invalid(format!(
                        "Dense layer of {inputs} inputs cannot take shape {} (expected [batch, {inputs}])",
                        fmt_shape(&shape)
                    )));
                }
                let wv = var(g, "w", &[*inputs, *units], w)?;
                let bv = var(g, "b", &[*units], bias)?;
                let y = g.matmul(x, wv)?;
                g.add(y, bv)
            }
            Layer::Conv2D { kernel, weights: w, bias, strides, padding } => {
                let wv = var(g, "w", kernel, w)?;
                let bv = var(g, "b", &[kernel[3]], bias)?;
                let y = g.conv2d(x, wv, *strides, *padding)?;
                g.add(y, bv)
            }
            Layer::ReLU => g.relu(x),
            Layer::Sigmoid => g.sigmoid(x),
            Layer::Softmax => g.softmax(x),
            Layer::MaxPooling2D { size, strides, padding } => g.max_pool2d(x, *size, *strides, *padding),
            Layer::AveragePooling2D { size, strides, padding } => g.avg_pool2d(x, *size, *strides, *padding),
            Layer::GlobalAveragePooling2D => g.global_avg_pool2d(x),
            Layer::Flatten => g.flatten(x),
            Layer::BatchNormalization { .. } => {
                let (scale, shift) = self.bn_affine().expect("a batch normalization");
                let c = scale.len();
                let sv = var(g, "scale", &[c], &scale)?;
                let tv = var(g, "shift", &[c], &shift)?;
                let y = g.mul(x, sv)?;
                g.add(y, tv)
            }
        }
    }
}

fn check_len(what: &str, shape: &[usize], found: usize) -> Result<()> {
    let Some(want) = crate::ring::shape::checked_numel(shape) else {
        return Err(Error::invalid(format!("{what}: shape {} has too many elements", fmt_shape(shape))));
    };
    if want != found {
        return Err(Error::invalid(format!("{what}: shape {} needs {want} values, found {found}", fmt_shape(shape))));
    }
    Ok(())
}
