//! Conversion of arithmetic, activations, products, and reductions.
//! Convolution, pooling and batch normalization are in `convert_conv.rs`.

use super::convert::{ArgMaxOf, Converter, Value, axis, shape_error};
use super::decode::{Attributes, Tensor};
use super::proto::NodeProto;
use crate::error::{Error, Result};
use crate::graph::{Graph, TensorId};

impl Converter<'_> {
    /// Add, Sub, Mul (a known operand is the owner's weight) and Div by a
    /// known divisor (a product with its private reciprocal).
    pub(super) fn arithmetic(&mut self, node: &NodeProto) -> Result<Value> {
        Attributes::of(node).only(&[])?;
        let (a, b) = (self.input(node, 0)?, self.input(node, 1)?);
        if let (Value::Known(_), Value::Known(_)) = (&a, &b) {
            return Err(Error::invalid("both operands are constants; expected at least one computed from the input"));
        }
        if node.op_type() == "Div" {
            let Value::Known(d) = b else {
                return Err(Error::invalid("the divisor is computed from the input; expected a constant"));
            };
            if d.data.contains(&0.0) {
                return Err(Error::invalid("the divisor has a zero"));
            }
            let reciprocal = Tensor::new(d.shape.clone(), d.data.iter().map(|v| 1.0 / v).collect())?;
            let x = self.private(&node.input[0], a)?;
            let r = self.lift(&format!("{}#reciprocal", node.input[1]), &reciprocal)?;
            return self.g.mul(x, r).map(private);
        }
        let x = self.private(&node.input[0], a)?;
        let y = self.private(&node.input[1], b)?;
        let op = node.op_type();
        let apply = |g: &mut Graph, x, y| match op {
            "Add" => g.add(x, y),
            "Sub" => g.sub(x, y),
            _ => g.mul(x, y),
        };
        // Two results of convolutions (a residual connection): in their NHWC layout.
        if let (Some(&xn), Some(&yn)) = (self.nhwc.get(&x), self.nhwc.get(&y))
            && self.shape(x)? == self.shape(y)?
        {
            let out = apply(self.g, xn, yn)?;
            return self.nchw_of(out).map(private);
        }
        apply(self.g, x, y).map(private)
    }

    /// Neg, Relu, Sigmoid, Tanh.
    pub(super) fn elementwise(&mut self, node: &NodeProto) -> Result<Value> {
        Attributes::of(node).only(&[])?;
        let x = self.private_computed(node, 0)?;
        let op = node.op_type();
        let apply = |g: &mut Graph, x| match op {
            "Neg" => g.neg(x),
            "Relu" => g.relu(x),
            "Sigmoid" => g.sigmoid(x),
            _ => g.tanh(x),
        };
        // After a convolution: in its NHWC layout, for the next one.
        if let Some(&xn) = self.nhwc.get(&x) {
            let out = apply(self.g, xn)?;
            return self.nchw_of(out).map(private);
        }
        apply(self.g, x).map(private)
    }

    /// max(x, αx) for α ≤ 1 (min for α > 1): one product and one comparison.
    pub(super) fn leaky_relu(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["alpha"])?;
        let alpha = a.float("alpha", 0.01);
        let x = self.private_computed(node, 0)?;
        let c = self.scalar(alpha)?;
        let ax = self.g.mul(x, c)?;
        if alpha <= 1.0 { self.g.maximum(x, ax) } else { self.g.minimum(x, ax) }.map(private)
    }

    /// Clip to public bounds (structure, such as `ReLU6`'s 6).
    pub(super) fn clip(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&[])?;
        let mut y = self.private_computed(node, 0)?;
        for (i, what) in [(1, "min"), (2, "max")] {
            let Some(bound) = self.known_input(node, i, what)? else { continue };
            if bound.data.len() != 1 {
                return Err(shape_error(&format!("a scalar {what}"), &bound.shape));
            }
            let c = self.scalar(bound.data[0])?;
            y = if i == 1 { self.g.maximum(y, c)? } else { self.g.minimum(y, c)? };
        }
        Ok(private(y))
    }

    /// Softmax along `axis` (opset 13+), or over the axes from `axis` on
    /// (before 13: the input coerced to 2-D there).
    pub(super) fn softmax(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["axis"])?;
        let x = self.private_computed(node, 0)?;
        let shape = self.shape(x)?;
        let rank = shape.len();
        if self.opset < 13 {
            let k = axis(a.int("axis", 1), rank, "axis")?;
            let rows: usize = shape[..k].iter().product();
            let flat = self.g.reshape(x, &[rows, shape[k..].iter().product()])?;
            let y = self.g.softmax(flat)?;
            return self.g.reshape(y, &shape).map(private);
        }
        let k = axis(a.int("axis", -1), rank, "axis")?;
        if k + 1 == rank {
            let y = self.g.softmax(x)?;
            self.normalized.insert(y);
            return Ok(private(y));
        }
        let mut perm: Vec<usize> = (0..rank).collect();
        perm.swap(k, rank - 1);
        let t = self.g.transpose(x, Some(&perm))?;
        let y = self.g.softmax(t)?;
        self.g.transpose(y, Some(&perm)).map(private)
    }

    /// A product with a [K, N] matrix; inputs of higher rank are taken as
    /// rows of their last axis.
    pub(super) fn matmul(&mut self, node: &NodeProto) -> Result<Value> {
        Attributes::of(node).only(&[])?;
        let x = self.private_input(node, 0)?;
        let w = self.private_input(node, 1)?;
        let (xs, ws) = (self.shape(x)?, self.shape(w)?);
        if ws.len() != 2 || xs.len() < 2 {
            return Err(Error::invalid(format!(
                "expected a [.., K] input and a [K, N] matrix, found shapes {} and {}",
                crate::ring::shape::fmt_shape(&xs),
                crate::ring::shape::fmt_shape(&ws)
            )));
        }
        if xs.len() == 2 {
            return self.g.matmul(x, w).map(private);
        }
        let k = xs[xs.len() - 1];
        let rows: usize = xs[..xs.len() - 1].iter().product();
        let flat = self.g.reshape(x, &[rows, k])?;
        let y = self.g.matmul(flat, w)?;
        let mut out = xs.clone();
        *out.last_mut().expect("rank 2 or more") = ws[1];
        self.g.reshape(y, &out).map(private)
    }

    /// alpha·A'·B' + beta·C; a batch normalization that alone reads the
    /// result is folded into B' and C.
    pub(super) fn gemm(&mut self, index: usize, node: &NodeProto, nodes: &[NodeProto]) -> Result<Vec<Value>> {
        let a = Attributes::of(node);
        a.only(&["alpha", "beta", "transA", "transB"])?;
        let (alpha, beta) = (a.float("alpha", 1.0), a.float("beta", 1.0));
        let mut x = self.private_computed(node, 0)?;
        if a.int("transA", 0) != 0 {
            x = self.g.transpose(x, None)?;
        }
        let Some(mut w) = self.known_input(node, 1, "B")? else { return Err(Error::invalid("input 1 (B) is missing")) };
        if w.shape.len() != 2 {
            return Err(shape_error("a matrix B", &w.shape));
        }
        if a.int("transB", 0) != 0 {
            w = transpose2(&w);
        }
        let units = w.shape[1];
        w.data.iter_mut().for_each(|v| *v *= alpha);
        let mut bias = match self.known_input(node, 2, "C")? {
            None => Tensor::new(vec![units], vec![0.0; units])?,
            Some(c) => {
                let data: Vec<f64> = match c.data.len() {
                    1 => vec![c.data[0] * beta; units],
                    n if n == units && c.shape.iter().rev().skip(1).all(|&d| d == 1) => {
                        c.data.iter().map(|v| v * beta).collect()
                    }
                    _ => return Err(shape_error(&format!("a bias C of {units} values (one per unit)"), &c.shape)),
                };
                Tensor::new(vec![units], data)?
            }
        };
        let out_name = node.output.first().cloned().unwrap_or_default();
        let mut folded_into = None;
        if let Some((bn, scale, shift)) = self.foldable_batch_norm(index, &out_name, nodes, units) {
            for (i, v) in w.data.iter_mut().enumerate() {
                *v *= scale[i % units];
            }
            for (o, b) in bias.data.iter_mut().enumerate() {
                *b = *b * scale[o] + shift[o];
            }
            self.folded[bn] = true;
            folded_into = Some(nodes[bn].output[0].clone());
        }
        let key = format!("{}#gemm{index}", node.input[1]);
        let wv = self.lift(&key, &w)?;
        let bv = self.lift(&format!("{key}.bias"), &bias)?;
        let y = self.g.matmul(x, wv)?;
        let y = self.g.add(y, bv)?;
        // The batch normalization's output is this result (nothing else
        // reads the Gemm's own output).
        if let Some(name) = folded_into {
            self.values.insert(name, private(y));
        }
        Ok(vec![private(y)])
    }

    /// `ArgMax` along `axis`: the index as a fixed-point integer.
    pub(super) fn argmax(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["axis", "keepdims", "select_last_index"])?;
        if a.int("select_last_index", 0) != 0 {
            return Err(Error::invalid("select_last_index=1 is not supported (the first maximum is taken)"));
        }
        let x = self.private_computed(node, 0)?;
        let k = axis(a.int("axis", 0), self.shape(x)?.len(), "axis")?;
        let keepdims = a.int("keepdims", 1) != 0;
        let mut y = self.g.argmax(x, k)?;
        if keepdims {
            y = self.g.expand_dims(y, k)?;
        }
        Ok(Value::Private { id: y, argmax: Some(ArgMaxOf { source: x, axis: k }) })
    }

    /// `ReduceSum`, or `ReduceMean` (the sum divided by the count, one truncation).
    pub(super) fn reduce(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["axes", "keepdims", "noop_with_empty_axes"])?;
        let x = self.private_computed(node, 0)?;
        let shape = self.shape(x)?;
        let axes_are_input = if node.op_type() == "ReduceSum" { self.opset >= 13 } else { self.opset >= 18 };
        let listed: Option<Vec<i64>> = if axes_are_input {
            self.known_input(node, 1, "axes")?.map(|t| t.ints("axes")).transpose()?
        } else {
            a.ints("axes").map(<[i64]>::to_vec)
        };
        let listed = listed.unwrap_or_default();
        if listed.is_empty() && a.int("noop_with_empty_axes", 0) != 0 {
            return Ok(private(x));
        }
        let mut axes: Vec<usize> = if listed.is_empty() {
            (0..shape.len()).collect()
        } else {
            listed.iter().map(|&k| axis(k, shape.len(), "axis")).collect::<Result<_>>()?
        };
        axes.sort_unstable();
        axes.dedup();
        let count: usize = axes.iter().map(|&k| shape[k]).product();
        let mut y = x;
        for &k in axes.iter().rev() {
            y = self.g.reduce_sum(y, Some(k))?;
        }
        if node.op_type() == "ReduceMean" {
            y = self.g.div_public(y, count as f64)?;
        }
        if a.int("keepdims", 1) != 0 {
            let kept: Vec<usize> =
                shape.iter().enumerate().map(|(i, &d)| if axes.contains(&i) { 1 } else { d }).collect();
            y = self.g.reshape(y, &kept)?;
        }
        Ok(private(y))
    }

    /// Input `i`, which must be computed from the model's input.
    pub(super) fn private_computed(&self, node: &NodeProto, i: usize) -> Result<TensorId> {
        match self.input(node, i)? {
            Value::Private { id, .. } => Ok(id),
            Value::Known(_) => Err(Error::invalid(format!(
                "input {i} is a constant; expected a value computed from the model's input"
            ))),
        }
    }
}

pub(super) fn private(id: TensorId) -> Value {
    Value::Private { id, argmax: None }
}

/// The transpose of a known matrix.
pub(super) fn transpose2(t: &Tensor) -> Tensor {
    let (r, c) = (t.shape[0], t.shape[1]);
    let mut data = vec![0.0; r * c];
    for i in 0..r {
        for j in 0..c {
            data[j * r + i] = t.data[i * c + j];
        }
    }
    Tensor { shape: vec![c, r], data, integer: t.integer }
}
