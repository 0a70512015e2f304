//! Tensor ops on shares: layout (slice, pad, gather, concat, `expand_dims`,
//! squeeze), 2-D convolution through im2col and the GEMM, average pooling.
//!
//! Layout ops apply one index map to both components of a share: no
//! communication. conv2d is a matrix product of the im2col patches
//! [N·OH·OW, KH·KW·C] with the filter [KH·KW·C, O]: one truncated product,
//! 2 rounds and at most 40 bytes per output element. Average pooling sums
//! each window locally and multiplies by the public 1/count (TensorFlow's
//! count of elements inside the input), one truncation.

use super::truncation::AdditiveShare;
use super::{Aby3, OpContext, Share};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::protocol::Operand;
use crate::ring::RingTensor;
use crate::ring::layout::{self, Window};
use crate::ring::shape::{conv2d_filter_matrix, conv2d_shape, fmt_shape};

impl Share {
    /// Applies an index map (see [`layout`]) to both components.
    pub fn take(&self, shape: &[usize], index: &[usize]) -> Result<Share> {
        Ok(Share::new(self.a.take(shape, index)?, self.b.take(shape, index)?))
    }

    pub fn slice(&self, begin: &[usize], size: &[usize]) -> Result<Share> {
        let (shape, index) = layout::slice_map(self.shape(), begin, size)?;
        self.take(&shape, &index)
    }

    /// Zero padding, `(before, after)` per axis (the session pads through
    /// [`Share::take`] and `layout::pad_map`).
    #[cfg(test)]
    pub fn pad(&self, pads: &[(usize, usize)]) -> Result<Share> {
        let (shape, index) = layout::pad_map(self.shape(), pads)?;
        self.take(&shape, &index)
    }

    /// Elements `indices` (public) along `axis`.
    pub fn gather(&self, indices: &[usize], axis: usize) -> Result<Share> {
        let (shape, index) = layout::gather_map(self.shape(), indices, axis)?;
        self.take(&shape, &index)
    }

    pub fn concat(parts: &[&Share], axis: usize) -> Result<Share> {
        let a: Vec<&RingTensor> = parts.iter().map(|s| &s.a).collect();
        let b: Vec<&RingTensor> = parts.iter().map(|s| &s.b).collect();
        Ok(Share::new(layout::concat(&a, axis)?, layout::concat(&b, axis)?))
    }

    /// Inserts an axis of size 1 at `axis` (at most the rank); the session
    /// reshapes to the node's inferred shape instead.
    #[cfg(test)]
    pub fn expand_dims(&self, axis: usize) -> Result<Share> {
        self.reshape(&crate::ring::shape::expand_dims_shape(self.shape(), axis)?)
    }

    /// Removes the axis `axis`, which must have size 1 (test only, as
    /// [`Share::expand_dims`]).
    #[cfg(test)]
    pub fn squeeze(&self, axis: usize) -> Result<Share> {
        self.reshape(&crate::ring::shape::squeeze_shape(self.shape(), axis)?)
    }
}

impl Aby3 {
    /// 2-D convolution of a shared NHWC input with a shared or public
    /// [KH, KW, C, O] filter: im2col, then one truncated matrix product.
    pub fn conv2d(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: &Share,
        w: Operand<'_, Share>,
        strides: (usize, usize),
        padding: layout::Padding,
    ) -> Result<Share> {
        let product = self.conv2d_additive(net, x, w, strides, padding)?;
        self.truncate_additive(net, ctx, AdditiveShare::Whole(product))
    }

    /// This server's additive part of the untruncated convolution (no
    /// communication), in the output's NHWC shape: the input's im2col
    /// patches times the filter as a matrix.
    pub(super) fn conv2d_additive(
        &self,
        net: &Endpoint,
        x: &Share,
        w: Operand<'_, Share>,
        strides: (usize, usize),
        padding: layout::Padding,
    ) -> Result<RingTensor> {
        let w_shape = match w {
            Operand::Private(s) => s.shape(),
            Operand::Public(t) => t.shape(),
        };
        let out_shape = conv2d_shape(x.shape(), w_shape, strides, padding)?;
        let window = Window { kh: w_shape[0], kw: w_shape[1], sh: strides.0, sw: strides.1, padding };
        let matrix = conv2d_filter_matrix(x.shape(), w_shape, &window)?;
        let (patch_shape, index) = layout::im2col_map(x.shape(), window)?;
        let patches = Operand::Private(&x.take(&patch_shape, &index)?);
        let product = match w {
            Operand::Private(s) => self.matmul_additive(net, patches, Operand::Private(&s.reshape(&matrix)?))?,
            Operand::Public(t) => self.matmul_additive(net, patches, Operand::Public(&t.reshape(&matrix)?))?,
        };
        product.reshape(&out_shape)
    }

    /// Average pooling (NHWC); with SAME padding a window averages only
    /// the elements inside the input, like TensorFlow. 2 rounds.
    pub fn avg_pool2d(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, window: Window) -> Result<Share> {
        let (shape, maps, counts) = layout::window_maps(x.shape(), window, true)?;
        let mut sum = x.take(&shape, &maps[0])?;
        for map in &maps[1..] {
            sum = sum.add(&x.take(&shape, map)?)?;
        }
        let c = shape[3];
        let fixed = self.fixed;
        let scale =
            (0..sum.len()).map(|i| fixed.encode_value(1.0 / counts[i / c] as f64)).collect::<Result<Vec<_>>>()?;
        self.truncate(net, ctx, &sum.mul_public(&RingTensor::new(shape, scale)?)?)
    }

    /// Mean over the spatial axes of an NHWC tensor, to [N, C]. 2 rounds.
    pub fn global_avg_pool2d(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        if x.shape().len() != 4 {
            return Err(Error::invalid(format!(
                "global average pooling expects an NHWC input, found shape {}",
                fmt_shape(x.shape())
            )));
        }
        let area = (x.shape()[1] * x.shape()[2]) as f64;
        let sum = x.sum(Some(1))?.sum(Some(1))?;
        let scale = RingTensor::filled(&[], self.fixed.encode_value(1.0 / area)?);
        self.truncate(net, ctx, &sum.mul_public(&scale)?)
    }
}
