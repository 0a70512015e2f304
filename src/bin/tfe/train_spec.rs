//! `tfe train --model SPEC`: the layer language, the initial weights
//! (Glorot-uniform from a seed, or read from `.npy` files) and the file
//! names of the weights.
//!
//! SPEC is a comma-separated list of layers, the input shape coming from
//! the data: `dense:UNITS`, `relu`, `sigmoid`, `softmax`, `flatten`,
//! `batchnorm`, `conv2d:FILTERS:K[:STRIDE[:same|valid]]` (K×K kernel),
//! `maxpool:K[:STRIDE]`, `avgpool:K[:STRIDE]` (VALID padding, stride K by
//! default) and `globalavgpool`; for example `dense:64,relu,dense:10`.

use std::path::Path;

use tfe::Padding;
use tfe::deploy::data::read_values;
use tfe::nn::{Layer, Sequential};

/// A layer of the SPEC before it has weights.
#[derive(Clone, Debug, PartialEq)]
enum Item {
    Dense(usize),
    Conv { filters: usize, k: usize, stride: usize, padding: Padding },
    Pool { max: bool, k: usize, stride: usize },
    Plain(Layer),
    BatchNorm,
}

/// Parses SPEC into layers for inputs of `input_shape`, with initial
/// weights from `init` (a directory of `.npy` files as `--output` writes
/// them) or Glorot-uniform from `seed`.
pub fn layers(spec: &str, input_shape: &[usize], init: Option<&Path>, seed: u64) -> Result<Vec<Layer>, String> {
    let items = spec.split(',').map(|s| item(s.trim())).collect::<Result<Vec<_>, _>>()?;
    let mut rng = SplitMix(seed);
    let mut shape = input_shape.to_vec();
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let at = |what: &str| format!("--model layer {i} ({}): {what}", describe(spec, i));
        let layer = match item {
            Item::Dense(units) => {
                let [inputs] = shape[..] else {
                    return Err(at(&format!("input shape {shape:?}, expected one axis (add flatten before it)")));
                };
                let w = rng.glorot(inputs * units, inputs, units);
                Layer::dense(inputs, units, w, vec![0.0; units]).map_err(|e| at(&e.to_string()))?
            }
            Item::Conv { filters, k, stride, padding } => {
                let [_, _, c] = shape[..] else {
                    return Err(at(&format!("input shape {shape:?}, expected [height, width, channels]")));
                };
                let w = rng.glorot(k * k * c * filters, k * k * c, k * k * filters);
                Layer::conv2d([k, k, c, filters], w, vec![0.0; filters], (stride, stride), padding)
                    .map_err(|e| at(&e.to_string()))?
            }
            Item::Pool { max, k, stride } => {
                let (size, strides, padding) = ((k, k), (stride, stride), Padding::Valid);
                if max {
                    Layer::MaxPooling2D { size, strides, padding }
                } else {
                    Layer::AveragePooling2D { size, strides, padding }
                }
            }
            Item::BatchNorm => {
                let c = *shape.last().unwrap_or(&0);
                Layer::batch_norm(vec![1.0; c], vec![0.0; c], vec![0.0; c], vec![1.0; c], 1e-3)
                    .map_err(|e| at(&e.to_string()))?
            }
            Item::Plain(layer) => layer,
        };
        let layer = match init {
            Some(dir) => with_weights(layer, dir, i)?,
            None => layer,
        };
        out.push(layer);
        let model = Sequential::new(input_shape, out.clone()).map_err(|e| at(&e.to_string()))?;
        shape = model.output_shape(1).map_err(|e| at(&e.to_string()))?[1..].to_vec();
    }
    Ok(out)
}

fn describe(spec: &str, i: usize) -> String {
    spec.split(',').nth(i).unwrap_or("").trim().to_string()
}

fn item(text: &str) -> Result<Item, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let number = |i: usize, what: &str| -> Result<usize, String> {
        let s = parts.get(i).ok_or_else(|| format!("--model: '{text}' lacks its {what}"))?;
        s.parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("--model: '{text}': {what} '{s}', expected a positive integer"))
    };
    let at_most = |n: usize| -> Result<(), String> {
        if parts.len() > n {
            return Err(format!("--model: '{text}' has {} fields, expected at most {n}", parts.len()));
        }
        Ok(())
    };
    let item = match parts[0] {
        "dense" => {
            at_most(2)?;
            Item::Dense(number(1, "number of units")?)
        }
        "conv2d" => {
            at_most(5)?;
            let filters = number(1, "number of filters")?;
            let k = number(2, "kernel size")?;
            let stride = if parts.len() > 3 { number(3, "stride")? } else { 1 };
            let padding = match parts.get(4).copied() {
                None | Some("valid") => Padding::Valid,
                Some("same") => Padding::Same,
                Some(p) => return Err(format!("--model: '{text}': padding '{p}', expected same or valid")),
            };
            Item::Conv { filters, k, stride, padding }
        }
        "maxpool" | "avgpool" => {
            at_most(3)?;
            let k = number(1, "window size")?;
            let stride = if parts.len() > 2 { number(2, "stride")? } else { k };
            Item::Pool { max: parts[0] == "maxpool", k, stride }
        }
        plain => {
            // The name first: "dens:4" is an unknown layer, not a relu with a field too many.
            let item = match plain {
                "relu" => Item::Plain(Layer::ReLU),
                "sigmoid" => Item::Plain(Layer::Sigmoid),
                "softmax" => Item::Plain(Layer::Softmax),
                "flatten" => Item::Plain(Layer::Flatten),
                "globalavgpool" => Item::Plain(Layer::GlobalAveragePooling2D),
                "batchnorm" => Item::BatchNorm,
                other => {
                    return Err(format!(
                        "--model: unknown layer '{other}', expected dense:UNITS, relu, sigmoid, softmax, flatten, \
                         batchnorm, conv2d:FILTERS:K[:STRIDE[:same|valid]], maxpool:K[:STRIDE], \
                         avgpool:K[:STRIDE] or globalavgpool"
                    ));
                }
            };
            at_most(1)?;
            item
        }
    };
    Ok(item)
}

/// The files of layer `i`'s weights: (name, shape) in the order the
/// trainer lists them.
pub fn weight_files(layer: &Layer, i: usize) -> Vec<(String, Vec<usize>)> {
    match layer {
        Layer::Dense { inputs, units, .. } => {
            vec![(format!("layer{i}.w"), vec![*inputs, *units]), (format!("layer{i}.b"), vec![*units])]
        }
        Layer::Conv2D { kernel, .. } => {
            vec![(format!("layer{i}.w"), kernel.to_vec()), (format!("layer{i}.b"), vec![kernel[3]])]
        }
        Layer::BatchNormalization { gamma, .. } => ["gamma", "beta", "moving_mean", "moving_variance"]
            .iter()
            .map(|n| (format!("layer{i}.{n}"), vec![gamma.len()]))
            .collect(),
        _ => Vec::new(),
    }
}

/// The values of a layer's weights, in [`weight_files`]'s order.
pub fn weight_values(layer: &Layer) -> Vec<&Vec<f64>> {
    match layer {
        Layer::Dense { weights, bias, .. } | Layer::Conv2D { weights, bias, .. } => vec![weights, bias],
        Layer::BatchNormalization { gamma, beta, mean, variance, .. } => vec![gamma, beta, mean, variance],
        _ => Vec::new(),
    }
}

/// `layer` with its weights read from `dir`, shapes checked.
fn with_weights(mut layer: Layer, dir: &Path, i: usize) -> Result<Layer, String> {
    let files = weight_files(&layer, i);
    let mut read = Vec::new();
    for (name, shape) in &files {
        let path = dir.join(format!("{name}.npy"));
        let (got, values) = read_values(&path).map_err(|e| format!("--init: {e}"))?;
        if got != *shape {
            return Err(format!("--init: {} has shape {got:?}, expected {shape:?} for the model", path.display()));
        }
        read.push(values);
    }
    let mut read = read.into_iter();
    match &mut layer {
        Layer::Dense { weights, bias, .. } | Layer::Conv2D { weights, bias, .. } => {
            *weights = read.next().expect("two files");
            *bias = read.next().expect("two files");
        }
        Layer::BatchNormalization { gamma, beta, mean, variance, .. } => {
            for v in [gamma, beta, mean, variance] {
                *v = read.next().expect("four files");
            }
        }
        _ => {}
    }
    Ok(layer)
}

/// A small generator for the initial weights (`SplitMix64`).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Glorot-uniform: within ±√(6 / (inputs + outputs)).
    fn glorot(&mut self, n: usize, fan_in: usize, fan_out: usize) -> Vec<f64> {
        let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
        (0..n).map(|_| (self.next() * 2.0 - 1.0) * limit).collect()
    }
}
