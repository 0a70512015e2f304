//! Plaintext f64 inference: the reference private inference is checked
//! against, and the baseline benchmarks compare with. Index maps come from
//! `ring::layout`, so padding and windows mean the same in both.

use super::Layer;
use crate::error::Result;
use crate::ring::layout::{self, Window};

/// A batch of values with its shape (batch axis first).
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

fn take(data: &[f64], index: &[usize]) -> Vec<f64> {
    index.iter().map(|&i| if i == layout::NONE { 0.0 } else { data[i] }).collect()
}

fn matmul_bias(x: &[f64], rows: usize, inner: usize, w: &[f64], bias: &[f64]) -> Vec<f64> {
    let cols = bias.len();
    let mut out = Vec::with_capacity(rows * cols);
    for r in 0..rows {
        let mut row = bias.to_vec();
        for k in 0..inner {
            let xv = x[r * inner + k];
            for (o, &wv) in row.iter_mut().zip(&w[k * cols..(k + 1) * cols]) {
                *o += xv * wv;
            }
        }
        out.extend(row);
    }
    out
}

/// One layer on a batch.
pub fn forward(layer: &Layer, x: &Batch) -> Result<Batch> {
    let s = &x.shape;
    Ok(match layer {
        Layer::Dense { inputs, weights, bias, .. } => {
            Batch { shape: vec![s[0], bias.len()], data: matmul_bias(&x.data, s[0], *inputs, weights, bias) }
        }
        Layer::Conv2D { kernel, weights, bias, strides, padding } => {
            let w = Window { kh: kernel[0], kw: kernel[1], sh: strides.0, sw: strides.1, padding: *padding };
            let ([n, oh, ow, _], _, _) = layout::window_geometry(s, w)?;
            let (pshape, index) = layout::im2col_map(s, w)?;
            let data = matmul_bias(&take(&x.data, &index), pshape[0], pshape[1], weights, bias);
            Batch { shape: vec![n, oh, ow, kernel[3]], data }
        }
        Layer::ReLU => Batch { shape: s.clone(), data: x.data.iter().map(|v| v.max(0.0)).collect() },
        Layer::Sigmoid => Batch { shape: s.clone(), data: x.data.iter().map(|v| 1.0 / (1.0 + (-v).exp())).collect() },
        Layer::Softmax => {
            let last = *s.last().unwrap_or(&1);
            let mut data = Vec::with_capacity(x.data.len());
            for row in x.data.chunks(last) {
                let m = row.iter().copied().fold(f64::MIN, f64::max);
                let total: f64 = row.iter().map(|v| (v - m).exp()).sum();
                data.extend(row.iter().map(|v| (v - m).exp() / total));
            }
            Batch { shape: s.clone(), data }
        }
        Layer::MaxPooling2D { size, strides, padding } | Layer::AveragePooling2D { size, strides, padding } => {
            let w = Window { kh: size.0, kw: size.1, sh: strides.0, sw: strides.1, padding: *padding };
            let max = matches!(layer, Layer::MaxPooling2D { .. });
            let (shape, maps, counts) = layout::window_maps(s, w, !max)?;
            let parts: Vec<Vec<f64>> = maps.iter().map(|m| take(&x.data, m)).collect();
            let c = shape[3];
            let data = (0..parts[0].len())
                .map(|i| {
                    if max {
                        parts.iter().map(|p| p[i]).fold(f64::MIN, f64::max)
                    } else {
                        parts.iter().map(|p| p[i]).sum::<f64>() / counts[i / c] as f64
                    }
                })
                .collect();
            Batch { shape, data }
        }
        Layer::GlobalAveragePooling2D => {
            let (n, hw, c) = (s[0], s[1] * s[2], s[3]);
            let mut data = vec![0.0; n * c];
            for b in 0..n {
                for p in 0..hw {
                    for ch in 0..c {
                        data[b * c + ch] += x.data[(b * hw + p) * c + ch] / hw as f64;
                    }
                }
            }
            Batch { shape: vec![n, c], data }
        }
        Layer::Flatten => Batch { shape: vec![s[0], s[1..].iter().product()], data: x.data.clone() },
        Layer::BatchNormalization { .. } => {
            let (scale, shift) = layer.bn_affine().expect("a batch normalization");
            let c = scale.len();
            let data = x.data.iter().enumerate().map(|(i, v)| v * scale[i % c] + shift[i % c]).collect();
            Batch { shape: s.clone(), data }
        }
    })
}
