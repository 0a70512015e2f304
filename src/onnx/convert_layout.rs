//! Conversion of the shape and layout ops: free on shares (no
//! communication). Flatten, Reshape, Squeeze, Unsqueeze and Transpose of a
//! known value are computed in plaintext; the others take private values
//! (a known operand is lifted).

use super::convert::{Converter, Value, axis, shape_error};
use super::convert_nn::private;
use super::decode::{Attributes, Tensor};
use super::proto::NodeProto;
use crate::error::{Error, Result};
use crate::ring::shape::fmt_shape;

impl Converter<'_> {
    pub(super) fn flatten(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["axis"])?;
        let x = self.input(node, 0)?;
        let shape = self.shape_of(&x)?;
        let k = if a.int("axis", 1) == shape.len() as i64 {
            shape.len()
        } else {
            axis(a.int("axis", 1), shape.len(), "axis")?
        };
        let out = [shape[..k].iter().product::<usize>(), shape[k..].iter().product()];
        self.reshaped(x, &out)
    }

    pub(super) fn reshape(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["allowzero"])?;
        let x = self.input(node, 0)?;
        let shape = self.shape_of(&x)?;
        let Some(target) = self.known_input(node, 1, "shape")? else {
            return Err(Error::invalid("input 1 (shape) is missing"));
        };
        let target = target.ints("shape")?;
        let allow_zero = a.int("allowzero", 0) != 0;
        let mut out = Vec::with_capacity(target.len());
        let mut infer = None;
        for (i, &d) in target.iter().enumerate() {
            match d {
                -1 if infer.is_none() => {
                    infer = Some(i);
                    out.push(1);
                }
                0 if !allow_zero => out.push(*shape.get(i).ok_or_else(|| {
                    Error::invalid(format!("shape {target:?} copies axis {i}, which input {} lacks", fmt_shape(&shape)))
                })?),
                d if d >= 0 => out.push(d as usize),
                _ => return Err(Error::invalid(format!("shape {target:?}: expected sizes, one -1 at most"))),
            }
        }
        let total: usize = shape.iter().product();
        if let Some(i) = infer {
            // Sizes from the file: their product may overflow (found by fuzzing).
            let rest = crate::ring::shape::checked_numel(&out).unwrap_or(0);
            if rest == 0 || !total.is_multiple_of(rest) {
                return Err(Error::invalid(format!("shape {target:?} does not fit input {}", fmt_shape(&shape))));
            }
            out[i] = total / rest;
        }
        self.reshaped(x, &out)
    }

    /// Squeeze (the listed unit axes, or all) and Unsqueeze.
    pub(super) fn squeeze(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["axes"])?;
        let x = self.input(node, 0)?;
        let shape = self.shape_of(&x)?;
        let listed = if self.opset >= 13 {
            self.known_input(node, 1, "axes")?.map(|t| t.ints("axes")).transpose()?
        } else {
            a.ints("axes").map(<[i64]>::to_vec)
        };
        let out = if node.op_type() == "Squeeze" {
            let axes = match listed {
                None => (0..shape.len()).filter(|&i| shape[i] == 1).collect(),
                Some(l) => l.iter().map(|&k| axis(k, shape.len(), "axis")).collect::<Result<Vec<_>>>()?,
            };
            if let Some(&k) = axes.iter().find(|&&k| shape[k] != 1) {
                return Err(Error::invalid(format!("axis {k} of shape {} is not of size 1", fmt_shape(&shape))));
            }
            shape.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, &d)| d).collect()
        } else {
            let listed = listed.ok_or_else(|| Error::invalid("axes are missing"))?;
            let rank = shape.len() + listed.len();
            let mut axes = listed.iter().map(|&k| axis(k, rank, "axis")).collect::<Result<Vec<_>>>()?;
            axes.sort_unstable();
            let mut out = shape.clone();
            for k in axes {
                out.insert(k, 1);
            }
            out
        };
        self.reshaped(x, &out)
    }

    pub(super) fn transpose(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["perm"])?;
        let x = self.input(node, 0)?;
        let rank = self.shape_of(&x)?.len();
        let perm: Vec<usize> = match a.ints("perm") {
            None => (0..rank).rev().collect(),
            Some(p) => p.iter().map(|&k| axis(k, rank, "perm entry")).collect::<Result<_>>()?,
        };
        match x {
            Value::Known(t) => Ok(Value::Known(permute(&t, &perm)?)),
            Value::Private { id, .. } => {
                // NHWC -> NCHW -> NHWC around a convolution: reuse the twin.
                if perm == [0, 2, 3, 1]
                    && let Some(&t) = self.nhwc.get(&id)
                {
                    return Ok(private(t));
                }
                let y = self.g.transpose(id, Some(&perm))?;
                if perm == [0, 3, 1, 2] {
                    self.nhwc.insert(y, id);
                }
                Ok(private(y))
            }
        }
    }

    pub(super) fn concat(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["axis"])?;
        let first = self.input(node, 0)?;
        let rank = self.shape_of(&first)?.len();
        let k = axis(a.opt_int("axis").ok_or_else(|| Error::invalid("attribute 'axis' is missing"))?, rank, "axis")?;
        let parts = (0..node.input.len()).map(|i| self.input(node, i)).collect::<Result<Vec<_>>>()?;
        if parts.iter().all(|p| matches!(p, Value::Known(_))) {
            let known: Vec<Tensor> =
                parts.into_iter().filter_map(|p| if let Value::Known(t) = p { Some(t) } else { None }).collect();
            return concat_known(&known, k).map(Value::Known);
        }
        let mut y = self.private_input(node, 0)?;
        for i in 1..node.input.len() {
            let z = self.private_input(node, i)?;
            y = self.g.concat(y, z, k)?;
        }
        Ok(private(y))
    }

    /// Slice with known starts, ends, axes and steps: one slice of the
    /// step-1 axes, a gather per other axis (of a known input: in plaintext).
    pub(super) fn slice(&mut self, node: &NodeProto) -> Result<Value> {
        Attributes::of(node).only(&[])?;
        let x = self.input(node, 0)?;
        let shape = self.shape_of(&x)?;
        let rank = shape.len();
        let ints = |t: Option<Tensor>, what: &str| t.map(|t| t.ints(what)).transpose();
        let missing = |what: &str| Error::invalid(format!("input ({what}) is missing"));
        let starts = ints(self.known_input(node, 1, "starts")?, "starts")?.ok_or_else(|| missing("starts"))?;
        let ends = ints(self.known_input(node, 2, "ends")?, "ends")?.ok_or_else(|| missing("ends"))?;
        let axes =
            ints(self.known_input(node, 3, "axes")?, "axes")?.unwrap_or_else(|| (0..starts.len() as i64).collect());
        let steps = ints(self.known_input(node, 4, "steps")?, "steps")?.unwrap_or_else(|| vec![1; starts.len()]);
        if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
            return Err(Error::invalid("starts, ends, axes and steps differ in length"));
        }
        let mut plan = Vec::with_capacity(starts.len());
        for i in 0..starts.len() {
            let k = axis(axes[i], rank, "axis")?;
            plan.push((k, slice_indices(starts[i], ends[i], steps[i], shape[k] as i64)?, steps[i] == 1));
        }
        let mut x = match x {
            Value::Known(mut t) => {
                for (k, index, _) in &plan {
                    t = take(&t, *k, index);
                }
                return Ok(Value::Known(t));
            }
            Value::Private { id, .. } => id,
        };
        let (mut begin, mut size) = (vec![0; rank], shape.clone());
        for (k, index, contiguous) in &plan {
            if *contiguous {
                begin[*k] = index.first().copied().unwrap_or(0);
                size[*k] = index.len();
            }
        }
        if begin.iter().any(|&b| b != 0) || size != shape {
            x = self.g.slice(x, &begin, &size)?;
        }
        for (k, index, contiguous) in plan {
            if !contiguous {
                x = self.g.gather(x, &index, k)?;
            }
        }
        Ok(private(x))
    }

    /// Gather with known indices (negative ones count from the end).
    pub(super) fn gather(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["axis"])?;
        let x = self.input(node, 0)?;
        let shape = self.shape_of(&x)?;
        let k = axis(a.int("axis", 0), shape.len(), "axis")?;
        let Some(indices) = self.known_input(node, 1, "indices")? else {
            return Err(Error::invalid("input 1 (indices) is missing"));
        };
        let n = shape[k] as i64;
        let flat = indices
            .ints("indices")?
            .iter()
            .map(|&i| {
                let j = if i < 0 { i + n } else { i };
                if (0..n).contains(&j) {
                    Ok(j as usize)
                } else {
                    Err(Error::invalid(format!("index {i} outside axis {k} of {n}")))
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let out = [&shape[..k], &indices.shape[..], &shape[k + 1..]].concat();
        let y = match x {
            Value::Known(t) => Value::Known(take(&t, k, &flat)),
            Value::Private { id, .. } => private(self.g.gather(id, &flat, k)?),
        };
        self.reshaped(y, &out)
    }

    /// Constant padding with zeros.
    pub(super) fn pad(&mut self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["mode"])?;
        if a.string("mode").is_some_and(|m| m != "constant") {
            return Err(Error::invalid("only mode 'constant' is supported"));
        }
        let x = self.private_input(node, 0)?;
        let shape = self.shape(x)?;
        let rank = shape.len();
        let pads = self.known_input(node, 1, "pads")?.ok_or_else(|| Error::invalid("input 1 (pads) is missing"))?;
        let pads = pads.ints("pads")?;
        if let Some(v) = self.known_input(node, 2, "constant_value")?
            && v.data.iter().any(|&c| c != 0.0)
        {
            return Err(Error::invalid("only a constant_value of 0 is supported"));
        }
        let axes: Vec<usize> = match self.known_input(node, 3, "axes")? {
            None => (0..rank).collect(),
            Some(t) => t.ints("axes")?.iter().map(|&k| axis(k, rank, "axis")).collect::<Result<_>>()?,
        };
        if pads.len() != 2 * axes.len() || pads.iter().any(|&p| p < 0) {
            return Err(Error::invalid(format!("pads {pads:?}: expected 2 sizes of 0 or more per padded axis")));
        }
        let mut pairs = vec![(0, 0); rank];
        for (i, &k) in axes.iter().enumerate() {
            pairs[k] = (pads[i] as usize, pads[i + axes.len()] as usize);
        }
        self.g.pad(x, &pairs).map(private)
    }

    /// `x` in `shape` (a known value in plaintext).
    fn reshaped(&mut self, x: Value, shape: &[usize]) -> Result<Value> {
        match x {
            Value::Known(t) => {
                if crate::ring::shape::checked_numel(shape) != Some(t.data.len()) {
                    return Err(shape_error(&format!("{} values", t.data.len()), shape));
                }
                Ok(Value::Known(Tensor { shape: shape.to_vec(), ..t }))
            }
            Value::Private { id, argmax } => {
                if self.shape(id)? == shape {
                    return Ok(Value::Private { id, argmax });
                }
                let y = self.g.reshape(id, shape)?;
                if self.integral.contains(&id) {
                    self.integral.insert(y);
                }
                Ok(Value::Private { id: y, argmax })
            }
        }
    }
}

/// A known tensor with its axes permuted.
fn permute(t: &Tensor, perm: &[usize]) -> Result<Tensor> {
    let rank = t.shape.len();
    let mut seen = vec![false; rank];
    if perm.len() != rank || perm.iter().any(|&p| std::mem::replace(&mut seen[p], true)) {
        return Err(Error::invalid(format!("perm {perm:?} is not a permutation of {rank} axes")));
    }
    let out: Vec<usize> = perm.iter().map(|&p| t.shape[p]).collect();
    let mut strides = vec![1; rank];
    for i in (0..rank.saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * t.shape[i + 1];
    }
    let mut data = Vec::with_capacity(t.data.len());
    let mut index = vec![0; rank];
    for _ in 0..t.data.len() {
        data.push(t.data[index.iter().zip(perm).map(|(&i, &p)| i * strides[p]).sum::<usize>()]);
        for k in (0..rank).rev() {
            index[k] += 1;
            if index[k] < out[k] {
                break;
            }
            index[k] = 0;
        }
    }
    Ok(Tensor { shape: out, data, integer: t.integer })
}

/// The indices a slice from `start` to `end` by `step` takes along an axis
/// of `n` (ONNX's clamping of out-of-range and negative bounds).
fn slice_indices(start: i64, end: i64, step: i64, n: i64) -> Result<Vec<usize>> {
    if step == 0 {
        return Err(Error::invalid("a step of 0"));
    }
    let clamp = |v: i64, lo: i64, hi: i64| if v < 0 { v.saturating_add(n) } else { v }.clamp(lo, hi);
    let mut index = Vec::new();
    if step > 0 {
        let (mut p, e) = (clamp(start, 0, n), clamp(end, 0, n));
        while p < e {
            index.push(p as usize);
            p += step;
        }
    } else {
        let (mut p, e) = (clamp(start, -1, n - 1), clamp(end, -1, n - 1));
        while p > e {
            index.push(p as usize);
            p += step;
        }
    }
    Ok(index)
}

/// The slices of a known tensor at `index` along `axis`.
fn take(t: &Tensor, axis: usize, index: &[usize]) -> Tensor {
    let inner: usize = t.shape[axis + 1..].iter().product();
    let (outer, n) = (t.shape[..axis].iter().product::<usize>(), t.shape[axis]);
    let mut data = Vec::with_capacity(outer * index.len() * inner);
    for o in 0..outer {
        for &i in index {
            let at = (o * n + i) * inner;
            data.extend_from_slice(&t.data[at..at + inner]);
        }
    }
    let mut shape = t.shape.clone();
    shape[axis] = index.len();
    Tensor { shape, data, integer: t.integer }
}

/// Known tensors joined along `axis`.
fn concat_known(parts: &[Tensor], axis: usize) -> Result<Tensor> {
    let first = &parts[0];
    let mut shape = first.shape.clone();
    shape[axis] = 0;
    for p in parts {
        let same = p.shape.len() == first.shape.len()
            && p.shape.iter().zip(&first.shape).enumerate().all(|(i, (a, b))| i == axis || a == b);
        if !same {
            return Err(Error::invalid(format!(
                "shapes {} and {} do not join along axis {axis}",
                fmt_shape(&first.shape),
                fmt_shape(&p.shape)
            )));
        }
        shape[axis] += p.shape[axis];
    }
    let outer: usize = first.shape[..axis].iter().product();
    let mut data = Vec::with_capacity(parts.iter().map(|p| p.data.len()).sum());
    for o in 0..outer {
        for p in parts {
            let chunk = p.data.len() / outer.max(1);
            data.extend_from_slice(&p.data[o * chunk..(o + 1) * chunk]);
        }
    }
    Ok(Tensor { shape, data, integer: parts.iter().all(|p| p.integer) })
}
