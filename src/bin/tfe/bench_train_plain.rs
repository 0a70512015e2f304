//! The plaintext f64 baseline of `tfe bench --only training`: one training
//! step (forward, the loss's gradient, backward, update) of a network of
//! Dense, Conv2D (as im2col products), 2x2 max pooling, ReLU, Flatten and a
//! final sigmoid, on ndarray, with SGD, Adam or `AMSgrad`. It is a timing
//! baseline only: the private step's correctness is tested against
//! `nn::train::reference` elsewhere.

use std::time::{Duration, Instant};

use ndarray::{Array1, Array2, Axis};
use tfe::Padding;
use tfe::nn::Layer;

/// The median time of `runs` plaintext steps of `layers` on the batch `x`
/// (`batch` rows of `input` shape) with targets `y`; sigmoid outputs when
/// the network ends in a sigmoid, softmax with cross-entropy otherwise.
pub fn step_time(
    layers: &[Layer],
    input: &[usize],
    batch: usize,
    x: &[f64],
    y: &[f64],
    optimizer: &str,
    runs: usize,
) -> Duration {
    let mut net = Net::new(layers, input);
    let x = Array2::from_shape_vec((batch, x.len() / batch), x.to_vec()).expect("a batch");
    let y = Array2::from_shape_vec((batch, y.len() / batch), y.to_vec()).expect("labels");
    let mut times: Vec<Duration> = (1..=runs)
        .map(|t| {
            let started = Instant::now();
            net.step(&x, &y, optimizer, t);
            std::hint::black_box(&net.params);
            started.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// A layer as the baseline runs it; activations are [batch, h·w·c] (NHWC).
enum Op {
    /// Index into `Net::params`.
    Dense(usize),
    Conv {
        param: usize,
        geometry: ConvGeometry,
    },
    /// 2x2 max pooling, stride 2, of an h x w x c image.
    MaxPool {
        h: usize,
        w: usize,
        c: usize,
    },
    ReLU,
    Sigmoid,
}

#[derive(Clone, Copy)]
struct ConvGeometry {
    h: usize,
    w: usize,
    c: usize,
    kh: usize,
    kw: usize,
    stride: (usize, usize),
    pad: (usize, usize),
    oh: usize,
    ow: usize,
}

struct Net {
    ops: Vec<Op>,
    /// Weights [fan-in, units] (a filter flattened to [kh·kw·c, o]) and bias.
    params: Vec<(Array2<f64>, Array1<f64>)>,
    /// Per parameter, for Adam and `AMSgrad`.
    moments: Vec<Moments>,
}

/// Adam's first and second moments of a weight matrix and of its bias.
type Moments = (Array2<f64>, Array2<f64>, Array1<f64>, Array1<f64>);

impl Net {
    fn new(layers: &[Layer], input: &[usize]) -> Net {
        let (mut ops, mut params) = (Vec::new(), Vec::new());
        let mut shape = input.to_vec();
        for layer in layers {
            match layer {
                Layer::Dense { inputs, units, weights, bias } => {
                    ops.push(Op::Dense(params.len()));
                    params.push(param(*inputs, *units, weights, bias));
                    shape = vec![*units];
                }
                Layer::Conv2D { kernel: [kh, kw, c, o], weights, bias, strides, padding } => {
                    let (h, w) = (shape[0], shape[1]);
                    let (oh, top) = axis(h, *kh, strides.0, *padding);
                    let (ow, left) = axis(w, *kw, strides.1, *padding);
                    let geometry =
                        ConvGeometry { h, w, c: *c, kh: *kh, kw: *kw, stride: *strides, pad: (top, left), oh, ow };
                    ops.push(Op::Conv { param: params.len(), geometry });
                    params.push(param(kh * kw * c, *o, weights, bias));
                    shape = vec![oh, ow, *o];
                }
                Layer::MaxPooling2D { .. } => {
                    ops.push(Op::MaxPool { h: shape[0], w: shape[1], c: shape[2] });
                    shape = vec![shape[0] / 2, shape[1] / 2, shape[2]];
                }
                Layer::ReLU => ops.push(Op::ReLU),
                Layer::Sigmoid => ops.push(Op::Sigmoid),
                Layer::Flatten => shape = vec![shape.iter().product()],
                other => panic!("the plaintext baseline has no {other:?}"),
            }
        }
        let moments = params
            .iter()
            .map(|(w, b)| {
                (Array2::zeros(w.raw_dim()), Array2::zeros(w.raw_dim()), Array1::zeros(b.len()), Array1::zeros(b.len()))
            })
            .collect();
        Net { ops, params, moments }
    }

    fn step(&mut self, x: &Array2<f64>, y: &Array2<f64>, optimizer: &str, t: usize) {
        // Forward, keeping each op's input (a conv keeps its im2col matrix).
        let mut saved = Vec::with_capacity(self.ops.len());
        let mut a = x.clone();
        for op in &self.ops {
            let out = match op {
                Op::Dense(p) => a.dot(&self.params[*p].0) + &self.params[*p].1,
                Op::Conv { param, geometry } => {
                    let cols = im2col(&a, geometry);
                    let out = cols.dot(&self.params[*param].0) + &self.params[*param].1;
                    a = cols;
                    out.into_shape_with_order((x.nrows(), geometry.oh * geometry.ow * self.params[*param].1.len()))
                        .expect("conv output")
                }
                Op::MaxPool { h, w, c } => max_pool(&a, *h, *w, *c),
                Op::ReLU => a.mapv(|v| v.max(0.0)),
                Op::Sigmoid => a.mapv(|z| 1.0 / (1.0 + (-z).exp())),
            };
            saved.push(std::mem::replace(&mut a, out));
        }
        let ends_in_sigmoid = matches!(self.ops.last(), Some(Op::Sigmoid));
        let p = if ends_in_sigmoid { a } else { softmax(a) };
        let mut d = (p - y) / x.nrows() as f64;
        // Backward: the sigmoid's gradient is folded into the loss's.
        for (i, op) in self.ops.iter().enumerate().rev() {
            let input = &saved[i];
            d = match op {
                Op::Sigmoid => d,
                Op::ReLU => d * input.mapv(|v| f64::from(u8::from(v > 0.0))),
                Op::MaxPool { h, w, c } => max_pool_backward(input, &d, *h, *w, *c),
                Op::Dense(p) => {
                    let dx = d.dot(&self.params[*p].0.t());
                    let (gw, gb) = (input.t().dot(&d), d.sum_axis(Axis(0)));
                    update(&mut self.params[*p], &mut self.moments[*p], &gw, &gb, optimizer, t);
                    dx
                }
                Op::Conv { param, geometry } => {
                    let units = self.params[*param].1.len();
                    let d2 = d.into_shape_with_order((input.nrows(), units)).expect("conv gradient");
                    let dcols = d2.dot(&self.params[*param].0.t());
                    let (gw, gb) = (input.t().dot(&d2), d2.sum_axis(Axis(0)));
                    update(&mut self.params[*param], &mut self.moments[*param], &gw, &gb, optimizer, t);
                    col2im(&dcols, geometry, x.nrows())
                }
            };
        }
    }
}

fn param(fan_in: usize, units: usize, weights: &[f64], bias: &[f64]) -> (Array2<f64>, Array1<f64>) {
    (Array2::from_shape_vec((fan_in, units), weights.to_vec()).expect("a matrix"), Array1::from(bias.to_vec()))
}

/// Output size and padding before along one axis.
fn axis(size: usize, kernel: usize, stride: usize, padding: Padding) -> (usize, usize) {
    match padding {
        Padding::Valid => ((size - kernel) / stride + 1, 0),
        Padding::Same => {
            let out = size.div_ceil(stride);
            (out, ((out - 1) * stride + kernel).saturating_sub(size) / 2)
        }
    }
}

/// The windows of `a` ([batch, h·w·c]) as rows: [batch·oh·ow, kh·kw·c].
fn im2col(a: &Array2<f64>, g: &ConvGeometry) -> Array2<f64> {
    let width = g.kh * g.kw * g.c;
    let mut cols = Array2::zeros((a.nrows() * g.oh * g.ow, width));
    for (n, image) in a.rows().into_iter().enumerate() {
        for (oy, ox) in (0..g.oh).flat_map(|oy| (0..g.ow).map(move |ox| (oy, ox))) {
            let mut row = cols.row_mut((n * g.oh + oy) * g.ow + ox);
            for_window(g, oy, ox, |k, pixel| row[k] = image[pixel]);
        }
    }
    cols
}

/// The adjoint of [`im2col`]: window gradients summed back into pixels.
fn col2im(dcols: &Array2<f64>, g: &ConvGeometry, batch: usize) -> Array2<f64> {
    let mut dx = Array2::zeros((batch, g.h * g.w * g.c));
    for n in 0..batch {
        let mut image = dx.row_mut(n);
        for (oy, ox) in (0..g.oh).flat_map(|oy| (0..g.ow).map(move |ox| (oy, ox))) {
            let row = dcols.row((n * g.oh + oy) * g.ow + ox);
            for_window(g, oy, ox, |k, pixel| image[pixel] += row[k]);
        }
    }
    dx
}

/// Calls `f(k, pixel)` for each in-bounds tap k of the window at (oy, ox),
/// with `pixel` its index in the h·w·c image.
fn for_window(g: &ConvGeometry, oy: usize, ox: usize, mut f: impl FnMut(usize, usize)) {
    for ky in 0..g.kh {
        let Some(y) = (oy * g.stride.0 + ky).checked_sub(g.pad.0).filter(|&y| y < g.h) else { continue };
        for kx in 0..g.kw {
            let Some(x) = (ox * g.stride.1 + kx).checked_sub(g.pad.1).filter(|&x| x < g.w) else { continue };
            for ch in 0..g.c {
                f((ky * g.kw + kx) * g.c + ch, (y * g.w + x) * g.c + ch);
            }
        }
    }
}

/// The pixel indices of the 2x2 window of output pixel (oy, ox, ch).
fn pool_window(w: usize, c: usize, oy: usize, ox: usize, ch: usize) -> [usize; 4] {
    let at = |y: usize, x: usize| (y * w + x) * c + ch;
    [at(2 * oy, 2 * ox), at(2 * oy, 2 * ox + 1), at(2 * oy + 1, 2 * ox), at(2 * oy + 1, 2 * ox + 1)]
}

fn pooled(h: usize, w: usize, c: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    (0..h / 2).flat_map(move |oy| (0..w / 2).flat_map(move |ox| (0..c).map(move |ch| (oy, ox, ch))))
}

fn max_pool(a: &Array2<f64>, h: usize, w: usize, c: usize) -> Array2<f64> {
    let mut out = Array2::zeros((a.nrows(), (h / 2) * (w / 2) * c));
    for (image, mut row) in a.rows().into_iter().zip(out.rows_mut()) {
        for (o, (oy, ox, ch)) in pooled(h, w, c).enumerate() {
            row[o] = pool_window(w, c, oy, ox, ch).iter().map(|&p| image[p]).fold(f64::MIN, f64::max);
        }
    }
    out
}

/// Each output's gradient goes to the first maximum of its window.
fn max_pool_backward(a: &Array2<f64>, d: &Array2<f64>, h: usize, w: usize, c: usize) -> Array2<f64> {
    let mut dx = Array2::zeros(a.raw_dim());
    for ((image, grad), mut dimage) in a.rows().into_iter().zip(d.rows()).zip(dx.rows_mut()) {
        for (o, (oy, ox, ch)) in pooled(h, w, c).enumerate() {
            let window = pool_window(w, c, oy, ox, ch);
            let best = window.iter().copied().fold(window[0], |b, p| if image[p] > image[b] { p } else { b });
            dimage[best] += grad[o];
        }
    }
    dx
}

fn softmax(mut z: Array2<f64>) -> Array2<f64> {
    for mut row in z.rows_mut() {
        let m = row.fold(f64::MIN, |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - m).exp());
        let s = row.sum();
        row /= s;
    }
    z
}

/// SGD, or Adam / `AMSgrad` (for timing, the running maximum is kept in
/// place of v: the same operations as `AMSgrad`'s).
fn update(
    (w, b): &mut (Array2<f64>, Array1<f64>),
    (mw, vw, mb, vb): &mut Moments,
    gw: &Array2<f64>,
    gb: &Array1<f64>,
    optimizer: &str,
    t: usize,
) {
    if optimizer == "sgd" {
        w.scaled_add(-0.1, gw);
        b.scaled_add(-0.1, gb);
        return;
    }
    let (b1, b2, eps, lr) = (0.9, 0.999, 1.0 / 256.0, 0.001);
    let scale = lr * (1.0 - f64::powi(b2, t as i32)).sqrt() / (1.0 - f64::powi(b1, t as i32));
    let ams = optimizer == "amsgrad";
    *mw = &*mw * b1 + gw * (1.0 - b1);
    let vnew = &*vw * b2 + gw.mapv(|g| g * g) * (1.0 - b2);
    if ams {
        vw.zip_mut_with(&vnew, |a, &b| *a = a.max(b));
    } else {
        *vw = vnew;
    }
    *w -= &(&*mw / vw.mapv(|v| (v + eps * eps).sqrt()) * scale);
    *mb = &*mb * b1 + gb * (1.0 - b1);
    *vb = &*vb * b2 + gb.mapv(|g| g * g) * (1.0 - b2);
    *b -= &(&*mb / vb.mapv(|v| (v + eps * eps).sqrt()) * scale);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The baseline's conv gradient is the adjoint of its forward: for any
    /// x and g, <im2col(x), g> = <x, col2im(g)> (what backward relies on).
    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        for (stride, padding) in [((1, 1), Padding::Valid), ((2, 2), Padding::Same)] {
            let (h, w, c, kh, kw) = (7, 6, 2, 3, 3);
            let (oh, top) = axis(h, kh, stride.0, padding);
            let (ow, left) = axis(w, kw, stride.1, padding);
            let g = ConvGeometry { h, w, c, kh, kw, stride, pad: (top, left), oh, ow };
            let x = Array2::from_shape_fn((2, h * w * c), |(i, j)| ((i * 31 + j * 7) % 13) as f64 - 6.0);
            let cols = im2col(&x, &g);
            let grad = Array2::from_shape_fn(cols.raw_dim(), |(i, j)| ((i * 5 + j * 3) % 11) as f64 - 5.0);
            let left_side = (&cols * &grad).sum();
            let right_side = (&x * &col2im(&grad, &g, 2)).sum();
            assert!((left_side - right_side).abs() < 1e-9, "{left_side} vs {right_side}");
        }
    }

    /// Max pooling's backward sends each gradient to its window's maximum.
    #[test]
    fn max_pool_backward_routes_to_the_maximum() {
        let a = Array2::from_shape_vec((1, 4), vec![1.0, 5.0, 2.0, 3.0]).unwrap();
        assert_eq!(max_pool(&a, 2, 2, 1), Array2::from_shape_vec((1, 1), vec![5.0]).unwrap());
        let d = Array2::from_shape_vec((1, 1), vec![0.5]).unwrap();
        assert_eq!(max_pool_backward(&a, &d, 2, 2, 1).row(0).to_vec(), vec![0.0, 0.5, 0.0, 0.0]);
    }
}
