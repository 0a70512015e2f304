//! The plaintext f64 reference of training, for the tests: the training
//! forward pass (batch normalization with batch statistics), the losses as
//! the graph defines them (summed over the batch), gradients by central
//! differences of that f64 loss, and the optimizers' updates.

use super::{CLIP, EXP_FLOOR, Loss, Optimizer};
use crate::nn::Layer;
use crate::nn::plain::{self, Batch};

/// The training-mode forward pass of `layers` on `x` ([batch, input...]),
/// and the input of a final sigmoid or softmax (the logits).
pub fn forward(layers: &[Layer], x: &Batch) -> (Batch, Batch) {
    let mut b = x.clone();
    let mut before = x.clone();
    for layer in layers {
        before = b.clone();
        b = match layer {
            Layer::BatchNormalization { gamma, beta, epsilon, .. } => {
                let c = gamma.len();
                let rows = b.data.len() / c;
                let mut out = b.data.clone();
                for ch in 0..c {
                    let col: Vec<f64> = (0..rows).map(|r| b.data[r * c + ch]).collect();
                    let mu = col.iter().sum::<f64>() / rows as f64;
                    let var = col.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / rows as f64;
                    for r in 0..rows {
                        out[r * c + ch] = (col[r] - mu) / (var + epsilon).sqrt() * gamma[ch] + beta[ch];
                    }
                }
                Batch { shape: b.shape.clone(), data: out }
            }
            _ => plain::forward(layer, &b).expect("a valid layer"),
        };
    }
    (b, before)
}

/// The batch's summed loss as the graph computes it: cross-entropies from
/// logits where the model ends in the matching activation or `from_logits`,
/// else on probabilities clipped to [CLIP, 1 − CLIP].
pub fn loss(loss: Loss, layers: &[Layer], x: &Batch, y: &[f64]) -> f64 {
    let (pred, before) = forward(layers, x);
    let outputs = pred.shape[1];
    let last = layers.last();
    let rows = pred.data.len() / outputs;
    let mut total = 0.0;
    for r in 0..rows {
        let p = &pred.data[r * outputs..(r + 1) * outputs];
        let zb = &before.data[r * outputs..(r + 1) * outputs];
        let t = &y[r * outputs..(r + 1) * outputs];
        total += match loss {
            Loss::MeanSquaredError => p.iter().zip(t).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / outputs as f64,
            Loss::BinaryCrossentropy { from_logits } => {
                let fused = !from_logits && last == Some(&Layer::Sigmoid);
                let z = if fused { zb } else { p };
                if from_logits || fused {
                    z.iter()
                        .zip(t)
                        .map(|(&z, &y)| z.max(0.0) - y * z + (1.0 + (-z.abs().min(EXP_FLOOR)).exp()).ln())
                        .sum::<f64>()
                        / outputs as f64
                } else {
                    let clip = |v: f64| v.clamp(CLIP, 1.0 - CLIP);
                    -p.iter().zip(t).map(|(&p, &y)| y * clip(p).ln() + (1.0 - y) * (1.0 - clip(p)).ln()).sum::<f64>()
                        / outputs as f64
                }
            }
            Loss::CategoricalCrossentropy { from_logits } => {
                let fused = !from_logits && last == Some(&Layer::Softmax);
                if from_logits || fused {
                    let z = if fused { zb } else { p };
                    let m = z.iter().copied().fold(f64::MIN, f64::max);
                    let lse = m + z.iter().map(|v| (v - m).max(-EXP_FLOOR).exp()).sum::<f64>().ln();
                    lse - z.iter().zip(t).map(|(a, b)| a * b).sum::<f64>()
                } else {
                    -p.iter().zip(t).map(|(&p, &y)| y * p.max(CLIP).ln()).sum::<f64>()
                }
            }
        };
    }
    total
}

/// The trained weights of `layers` in the order the training graph lists
/// them (per layer: `Dense` and `Conv2D` w then b, `BatchNormalization` γ then β).
pub fn weights_mut(layers: &mut [Layer]) -> Vec<&mut Vec<f64>> {
    let mut out = Vec::new();
    for layer in layers {
        match layer {
            Layer::Dense { weights, bias, .. } | Layer::Conv2D { weights, bias, .. } => {
                out.push(weights);
                out.push(bias);
            }
            Layer::BatchNormalization { gamma, beta, .. } => {
                out.push(gamma);
                out.push(beta);
            }
            _ => {}
        }
    }
    out
}

/// The gradient of the summed loss with respect to every trained weight,
/// by central differences (step 10^−6, error far below the fixed point's).
pub fn gradients(l: Loss, layers: &[Layer], x: &Batch, y: &[f64]) -> Vec<Vec<f64>> {
    let h = 1e-6;
    let mut work = layers.to_vec();
    let sizes: Vec<usize> = weights_mut(&mut work).iter().map(|w| w.len()).collect();
    let mut grads = Vec::new();
    for (k, &n) in sizes.iter().enumerate() {
        let mut g = Vec::with_capacity(n);
        for i in 0..n {
            let orig = weights_mut(&mut work)[k][i];
            weights_mut(&mut work)[k][i] = orig + h;
            let up = loss(l, &work, x, y);
            weights_mut(&mut work)[k][i] = orig - h;
            let down = loss(l, &work, x, y);
            weights_mut(&mut work)[k][i] = orig;
            g.push((up - down) / (2.0 * h));
        }
        grads.push(g);
    }
    grads
}

/// The optimizer's state for one weight vector, in f64.
#[derive(Clone, Debug, Default)]
pub struct State {
    velocity: Vec<f64>,
    m: Vec<f64>,
    v: Vec<f64>,
    vhat: Vec<f64>,
}

/// One update of the flat weights `w` from the summed gradient `grad` of
/// a batch of `batch`, at step `step` (from 0), as the graph defines it.
pub fn update(opt: Optimizer, state: &mut State, w: &mut [f64], grad: &[f64], batch: usize, step: usize) {
    let n = w.len();
    let scalar = opt.step_scalar(step, batch);
    match opt {
        Optimizer::Sgd { momentum, .. } => {
            state.velocity.resize(n, 0.0);
            for i in 0..n {
                state.velocity[i] = momentum * state.velocity[i] - scalar * grad[i];
                w[i] += state.velocity[i];
            }
        }
        Optimizer::Adam { beta1, beta2, epsilon, .. } | Optimizer::Amsgrad { beta1, beta2, epsilon, .. } => {
            let amsgrad = matches!(opt, Optimizer::Amsgrad { .. });
            for s in [&mut state.m, &mut state.v, &mut state.vhat] {
                s.resize(n, 0.0);
            }
            for i in 0..n {
                let g = grad[i] / batch as f64;
                state.m[i] = beta1 * state.m[i] + (1.0 - beta1) * g;
                state.v[i] = beta2 * state.v[i] + (1.0 - beta2) * g * g;
                state.vhat[i] = state.vhat[i].max(state.v[i]);
                let v = if amsgrad { state.vhat[i] } else { state.v[i] };
                w[i] -= scalar * state.m[i] / (v + epsilon * epsilon).sqrt();
            }
        }
    }
}
