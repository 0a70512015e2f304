//! Conversion of convolutions, pooling and batch normalization. ONNX is
//! NCHW with [O, C, KH, KW] filters; the graph's convolution and pooling
//! are NHWC with [KH, KW, C, O] filters, so a private input is transposed
//! (free: a layout op on shares) and the result transposed back, and the
//! known filter is permuted in plaintext.

use super::convert::{Converter, Value, shape_error};
use super::convert_nn::private;
use super::decode::{Attributes, Tensor};
use super::proto::NodeProto;
use crate::error::{Error, Result};
use crate::graph::TensorId;
use crate::ring::layout::{Padding, window_output};

/// What fills a window's positions outside the input.
#[derive(Clone, Copy, PartialEq)]
enum Fill {
    /// Zeros (convolutions; average pooling that counts the padding).
    Zero,
    /// Nothing: an average over the positions inside the input.
    AverageInside,
    /// Nothing: a maximum over the positions inside the input.
    Max,
}

/// A batch normalization folded into the layer before it: (its node, the
/// per-channel scale and shift).
type Folded = (usize, Vec<f64>, Vec<f64>);

impl Converter<'_> {
    /// A 2-D convolution; a batch normalization that alone reads the
    /// result is folded into its filter and bias.
    pub(super) fn conv(&mut self, index: usize, node: &NodeProto, nodes: &[NodeProto]) -> Result<Vec<Value>> {
        let a = Attributes::of(node);
        a.only(&["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])?;
        let x = self.private_computed(node, 0)?;
        let xs = self.shape(x)?;
        let Some(w) = self.known_input(node, 1, "W")? else { return Err(Error::invalid("input 1 (W) is missing")) };
        let group = a.int("group", 1);
        let groups = usize::try_from(group).ok().filter(|&g| g > 0);
        let fits = |g: usize| {
            w.shape.len() == 4
                && w.shape[1].checked_mul(g) == Some(xs[1])
                && w.shape[0] % g == 0
                && w.shape[2] > 0
                && w.shape[3] > 0
        };
        let Some(groups) = groups.filter(|&g| xs.len() == 4 && fits(g)) else {
            return Err(Error::invalid(format!(
                "expected a 2-D convolution of an NCHW input [N, C, H, W] with a filter [O, C/group, KH, KW] (O a \
                 multiple of group, KH and KW positive), found shapes {} and {} with group {group}",
                crate::ring::shape::fmt_shape(&xs),
                crate::ring::shape::fmt_shape(&w.shape)
            )));
        };
        let [o, kh, kw] = [w.shape[0], w.shape[2], w.shape[3]];
        if a.ints("kernel_shape").is_some_and(|k| k != [kh as i64, kw as i64]) {
            return Err(Error::invalid("kernel_shape does not match the filter's shape"));
        }
        let dilations = pair(&a, "dilations")?;
        let strides = pair(&a, "strides")?;
        let mut bias = match self.known_input(node, 2, "B")? {
            None => vec![0.0; o],
            Some(b) if b.data.len() == o => b.data,
            Some(b) => return Err(shape_error(&format!("a bias of {o} values"), &b.shape)),
        };
        let (mut filter, [fh, fw, c, _]) = dense_filter(&w, xs[1], groups, dilations)?;
        let out_name = node.output.first().cloned().unwrap_or_default();
        let mut folded_into = None;
        if let Some((bn, scale, shift)) = self.foldable_batch_norm(index, &out_name, nodes, o) {
            filter.iter_mut().enumerate().for_each(|(i, v)| *v *= scale[i % o]);
            bias.iter_mut().enumerate().for_each(|(i, b)| *b = *b * scale[i] + shift[i]);
            self.folded[bn] = true;
            folded_into = Some(nodes[bn].output[0].clone());
        }
        let key = format!("{}#conv{index}", node.input[1]);
        let wv = self.lift(&key, &Tensor::new(vec![fh, fw, c, o], filter)?)?;
        let bv = self.lift(&format!("{key}.bias"), &Tensor::new(vec![o], bias)?)?;
        let xn = self.nhwc_of(x)?;
        let (xn, padding) = self.padding(&a, xn, (fh, fw), strides, Fill::Zero)?;
        let y = self.g.conv2d(xn, wv, strides, padding)?;
        let y = self.g.add(y, bv)?;
        let y = self.nchw_of(y)?;
        if let Some(name) = folded_into {
            self.values.insert(name, private(y));
        }
        Ok(vec![private(y)])
    }

    /// `MaxPool` and `AveragePool` over 2-D windows.
    pub(super) fn pool(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&[
            "auto_pad",
            "ceil_mode",
            "count_include_pad",
            "dilations",
            "kernel_shape",
            "pads",
            "storage_order",
            "strides",
        ])?;
        let x = self.private_computed(node, 0)?;
        let xs = self.shape(x)?;
        if xs.len() != 4 {
            return Err(shape_error("an NCHW input [N, C, H, W]", &xs));
        }
        let size = match a.ints("kernel_shape") {
            Some(&[h, w]) if h > 0 && w > 0 => (h as usize, w as usize),
            _ => return Err(Error::invalid("expected kernel_shape of two positive sizes")),
        };
        check_ones(&a, "dilations")?;
        let strides = pair(&a, "strides")?;
        let max = node.op_type() == "MaxPool";
        let fill = match (max, a.int("count_include_pad", 0)) {
            (true, _) => Fill::Max,
            (false, 0) => Fill::AverageInside,
            (false, _) => Fill::Zero,
        };
        if a.int("ceil_mode", 0) != 0 {
            let pads = explicit_pads(&a)?;
            for (i, (n, k, s)) in [(xs[2], size.0, strides.0), (xs[3], size.1, strides.1)].into_iter().enumerate() {
                let span = (n + pads[i] + pads[i + 2]).saturating_sub(k);
                if span % s != 0 {
                    return Err(Error::invalid("ceil_mode=1 with windows past the end is not supported"));
                }
            }
        }
        let xn = self.nhwc_of(x)?;
        let (xn, padding) = self.padding(&a, xn, size, strides, fill)?;
        let y = if max {
            self.g.max_pool2d(xn, size, strides, padding)?
        } else {
            self.g.avg_pool2d(xn, size, strides, padding)?
        };
        self.nchw_of(y).map(private)
    }

    pub(super) fn global_average_pool(&mut self, node: &NodeProto) -> Result<Value> {
        Attributes::of(node).only(&[])?;
        let x = self.private_computed(node, 0)?;
        let xs = self.shape(x)?;
        if xs.len() != 4 {
            return Err(shape_error("an NCHW input [N, C, H, W]", &xs));
        }
        let xn = self.nhwc_of(x)?;
        let y = self.g.global_avg_pool2d(xn)?;
        self.g.reshape(y, &[xs[0], xs[1], 1, 1]).map(private)
    }

    /// A batch normalization no convolution or Gemm took: a private
    /// per-channel scale and shift (channels on axis 1).
    pub(super) fn batch_norm(&mut self, node: &NodeProto) -> Result<Value> {
        let x = self.private_computed(node, 0)?;
        let xs = self.shape(x)?;
        if xs.len() < 2 {
            return Err(shape_error("an input [N, C, ...]", &xs));
        }
        let (scale, shift) = self.batch_norm_affine(node, xs[1])?;
        let mut shape = vec![xs[1]];
        shape.resize(xs.len() - 1, 1);
        let key = node.output.first().cloned().unwrap_or_default();
        let s = self.lift(&format!("{key}#scale"), &Tensor::new(shape.clone(), scale)?)?;
        let t = self.lift(&format!("{key}#shift"), &Tensor::new(shape, shift)?)?;
        let y = self.g.mul(x, s)?;
        self.g.add(y, t).map(private)
    }

    /// The per-channel scale γ/√(σ² + ε) and shift β − μ·scale.
    fn batch_norm_affine(&self, node: &NodeProto, channels: usize) -> Result<(Vec<f64>, Vec<f64>)> {
        let a = Attributes::of(node);
        a.only(&["epsilon", "momentum", "training_mode", "spatial"])?;
        if a.int("training_mode", 0) != 0 || a.int("spatial", 1) != 1 {
            return Err(Error::invalid("training_mode=1 and spatial=0 are not supported"));
        }
        let eps = a.float("epsilon", 1e-5);
        let mut params = Vec::new();
        for (i, what) in [(1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")] {
            match self.known_input(node, i, what)? {
                Some(t) if t.data.len() == channels => params.push(t.data),
                Some(t) => return Err(shape_error(&format!("{what} of {channels} values"), &t.shape)),
                None => return Err(Error::invalid(format!("input {i} ({what}) is missing"))),
            }
        }
        if params[3].iter().any(|&v| v + eps <= 0.0) {
            return Err(Error::invalid("input_var + epsilon must be positive"));
        }
        let scale: Vec<f64> = (0..channels).map(|c| params[0][c] / (params[3][c] + eps).sqrt()).collect();
        let shift = (0..channels).map(|c| params[1][c] - params[2][c] * scale[c]).collect();
        Ok((scale, shift))
    }

    /// The batch normalization that alone reads `output` (of `channels`
    /// channels), if it can be folded into the node before it.
    pub(super) fn foldable_batch_norm(
        &self,
        index: usize,
        output: &str,
        nodes: &[NodeProto],
        channels: usize,
    ) -> Option<Folded> {
        if self.readers.get(output) != Some(&1) || self.outputs.iter().any(|o| o == output) {
            return None;
        }
        let bn = (index + 1..nodes.len()).find(|&j| nodes[j].input.first().is_some_and(|i| i == output))?;
        let node = &nodes[bn];
        let single_output = node.output.iter().filter(|o| !o.is_empty()).count() == 1;
        if node.op_type() != "BatchNormalization" || !matches!(node.domain(), "" | "ai.onnx") || !single_output {
            return None;
        }
        // Unfoldable (parameters computed later, or unsupported attributes):
        // the node is converted on its own and reports its own error.
        self.batch_norm_affine(node, channels).ok().map(|(scale, shift)| (bn, scale, shift))
    }

    /// An NCHW private value in NHWC (transposed once, however many
    /// convolutions or poolings read it).
    fn nhwc_of(&mut self, x: TensorId) -> Result<TensorId> {
        if let Some(&t) = self.nhwc.get(&x) {
            return Ok(t);
        }
        let t = self.g.transpose(x, Some(&[0, 2, 3, 1]))?;
        self.nhwc.insert(x, t);
        Ok(t)
    }

    /// An NHWC result back in NCHW, remembering its NHWC twin. A session
    /// runs only the nodes its fetches need, so the transpose costs nothing
    /// when every reader takes the twin (elementwise ops, the next
    /// convolution or pooling).
    pub(super) fn nchw_of(&mut self, y: TensorId) -> Result<TensorId> {
        let t = self.g.transpose(y, Some(&[0, 3, 1, 2]))?;
        self.nhwc.insert(t, y);
        Ok(t)
    }

    /// The padding of an NHWC input `x` for `size` windows: a graph
    /// padding when ONNX's equals it, or `x` padded explicitly (zeros, or
    /// for a maximum, copies of the edge, which every window that reaches
    /// past the edge contains already) and VALID windows.
    fn padding(
        &mut self,
        a: &Attributes,
        x: TensorId,
        size: (usize, usize),
        strides: (usize, usize),
        fill: Fill,
    ) -> Result<(TensorId, Padding)> {
        let xs = self.shape(x)?;
        let same = |n: usize, k: usize, s: usize, upper: bool| -> Result<(usize, usize)> {
            let (out, before) = window_output(n, k, s, Padding::Same)?;
            let total = ((out - 1) * s + k).saturating_sub(n);
            Ok(if upper { (before, total - before) } else { (total - before, before) })
        };
        let pads = match a.string("auto_pad").as_deref().unwrap_or("NOTSET") {
            "NOTSET" => explicit_pads(a)?,
            "VALID" => [0; 4],
            mode @ ("SAME_UPPER" | "SAME_LOWER") => {
                let upper = mode == "SAME_UPPER";
                let (t, b) = same(xs[1], size.0, strides.0, upper)?;
                let (l, r) = same(xs[2], size.1, strides.1, upper)?;
                [t, l, b, r]
            }
            other => return Err(Error::invalid(format!("auto_pad '{}' is not supported", other.escape_debug()))),
        };
        if pads == [0; 4] {
            return Ok((x, Padding::Valid));
        }
        let (t, b) = same(xs[1], size.0, strides.0, true)?;
        let (l, r) = same(xs[2], size.1, strides.1, true)?;
        if pads == [t, l, b, r] && fill != Fill::Zero {
            return Ok((x, Padding::Same));
        }
        match fill {
            Fill::Zero => {
                let y = self.g.pad(x, &[(0, 0), (pads[0], pads[2]), (pads[1], pads[3]), (0, 0)])?;
                Ok((y, Padding::Valid))
            }
            Fill::AverageInside => Err(Error::invalid(format!(
                "pads {pads:?} with count_include_pad=0 are supported only as SAME_UPPER padding ({:?})",
                [t, l, b, r]
            ))),
            Fill::Max => {
                if pads[0].max(pads[2]) >= size.0 || pads[1].max(pads[3]) >= size.1 {
                    return Err(Error::invalid(format!("pads {pads:?} must be smaller than the window {size:?}")));
                }
                let mut y = x;
                for (axis, before, after) in [(1, pads[0], pads[2]), (2, pads[1], pads[3])] {
                    let n = xs[axis];
                    let index: Vec<usize> =
                        std::iter::repeat_n(0, before).chain(0..n).chain(std::iter::repeat_n(n - 1, after)).collect();
                    y = self.g.gather(y, &index, axis)?;
                }
                Ok((y, Padding::Valid))
            }
        }
    }
}

/// The most weights a convolution's dense filter may hold, unless the
/// model's own filter holds more: 2^26 (512 MiB as f64; `MobileNetV2`'s
/// widest depthwise filter, 3x3 of 960 channels, makes 8.3 million). A
/// plain convolution's dense filter is the model's own, so it always fits;
/// the zeros of groups and dilations must fit within the larger of the two.
const MAX_DENSE_FILTER: usize = 1 << 26;

/// ONNX's filter `w` [O, C/groups, KH, KW] as the graph's dense NHWC
/// filter [FH, FW, C, O] for an input of `c` channels: the weights between
/// an output channel and the input channels of other groups are zeros, and
/// so are the positions between dilated taps (FH = (KH − 1)·dh + 1). The
/// zeros cost what weights cost (groups times the products of a grouped
/// convolution; docs/onnx.md).
fn dense_filter(w: &Tensor, c: usize, groups: usize, dilations: (usize, usize)) -> Result<(Vec<f64>, [usize; 4])> {
    let [o, per_group, kh, kw] = [w.shape[0], w.shape[1], w.shape[2], w.shape[3]];
    let [fh, fw, _, _] = dense_filter_shape(&w.shape, c, groups, dilations)?;
    let (dh, dw) = dilations;
    let outputs_per_group = o / groups;
    let mut filter = vec![0.0; fh * fw * c * o];
    for (i, &v) in w.data.iter().enumerate() {
        let (oi, ci, y, x) = (i / (per_group * kh * kw), i / (kh * kw) % per_group, i / kw % kh, i % kw);
        let channel = oi / outputs_per_group * per_group + ci;
        filter[((y * dh * fw + x * dw) * c + channel) * o + oi] = v;
    }
    Ok((filter, [fh, fw, c, o]))
}

/// The dense filter's shape [FH, FW, C, O] for ONNX's filter shape
/// [O, C/groups, KH, KW], or the error when it would hold more than the
/// larger of [`MAX_DENSE_FILTER`] and the model's own filter.
fn dense_filter_shape(shape: &[usize], c: usize, groups: usize, (dh, dw): (usize, usize)) -> Result<[usize; 4]> {
    let [o, per_group, kh, kw] = [shape[0], shape[1], shape[2], shape[3]];
    let given = o * per_group * kh * kw;
    let span = |k: usize, d: usize| (k - 1).checked_mul(d).map(|s| s + 1);
    let (fh, fw) = (span(kh, dh), span(kw, dw));
    let elements = fh.zip(fw).and_then(|(fh, fw)| fh.checked_mul(fw)?.checked_mul(c)?.checked_mul(o));
    match (fh, fw, elements) {
        (Some(fh), Some(fw), Some(n)) if n <= MAX_DENSE_FILTER.max(given) => Ok([fh, fw, c, o]),
        _ => Err(Error::invalid(format!(
            "the filter {} with group {groups} and dilations ({dh}, {dw}) as one dense filter would hold more than \
             {} weights, the larger of {MAX_DENSE_FILTER} and the filter's own (docs/onnx.md)",
            crate::ring::shape::fmt_shape(shape),
            MAX_DENSE_FILTER.max(given)
        ))),
    }
}

/// ONNX's pads [top, left, bottom, right] (zeros when absent).
fn explicit_pads(a: &Attributes) -> Result<[usize; 4]> {
    match a.ints("pads") {
        None => Ok([0; 4]),
        Some(&[t, l, b, r]) if [t, l, b, r].iter().all(|&p| p >= 0) => {
            Ok([t as usize, l as usize, b as usize, r as usize])
        }
        Some(other) => Err(Error::invalid(format!("pads {other:?}: expected four sizes of 0 or more"))),
    }
}

/// A pair of positive sizes (1, 1 when absent).
fn pair(a: &Attributes, name: &str) -> Result<(usize, usize)> {
    match a.ints(name) {
        None => Ok((1, 1)),
        Some(&[h, w]) if h > 0 && w > 0 => Ok((h as usize, w as usize)),
        Some(other) => Err(Error::invalid(format!("{name} {other:?}: expected two positive sizes"))),
    }
}

fn check_ones(a: &Attributes, name: &str) -> Result<()> {
    match a.ints(name) {
        Some(d) if d.iter().any(|&v| v != 1) => Err(Error::invalid(format!("{name} {d:?} are not supported (only 1)"))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::dense_filter_shape;

    #[test]
    fn a_dense_filter_may_hold_2_to_the_26_weights_or_the_models_own_if_more() {
        // VGG's fc6 as a 7x7 convolution: 102,760,448 weights, all the model's own.
        assert_eq!(dense_filter_shape(&[4096, 512, 7, 7], 512, 1, (1, 1)).unwrap(), [7, 7, 512, 4096]);
        // The same as two groups, or dilated, would add as many zeros or more.
        let cases = [([4096, 256, 7, 7], 2, (1, 1), 51_380_224), ([4096, 512, 7, 7], 1, (2, 1), 102_760_448)];
        for (shape, groups, dilations, own) in cases {
            let msg = dense_filter_shape(&shape, 512, groups, dilations).unwrap_err().to_string();
            let limit = own.max(1 << 26);
            assert!(msg.contains(&format!("would hold more than {limit} weights, the larger of")), "{msg}");
        }
        // Below the model's own size, 2^26 holds: a depthwise 3x3 of 4,096 channels makes 151 million.
        assert!(dense_filter_shape(&[4096, 1, 3, 3], 4096, 4096, (1, 1)).is_err());
        assert!(dense_filter_shape(&[960, 1, 3, 3], 960, 960, (1, 1)).is_ok());
    }
}
