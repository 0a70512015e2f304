//! Maxima over windows and axes: max_pool2d, reduce_max, argmax.
//!
//! Each runs a tournament: the candidates of a level are paired, and all
//! pairs of the level go through one batched maximum (9 rounds, about 40 bytes
//! per pair per server), so k candidates take ⌈log2 k⌉ comparison layers —
//! 2 for a 2x2 pool. An odd candidate waits for the next level. argmax
//! carries each candidate's index (fixed-point encoded) next to its value
//! and selects both with the same bit; ties keep the lower index, like numpy.

use super::{Aby3, BoolShare, OpContext, Share, Steps};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::ring::RingTensor;
use crate::ring::layout::{self, Window};
use crate::ring::shape::{check_axis, fmt_shape};

impl Aby3 {
    /// Max pooling (NHWC); positions outside the input never win.
    pub fn max_pool2d(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, window: Window) -> Result<Share> {
        let (shape, maps, _) = layout::window_maps(x.shape(), window, false)?;
        let parts = maps.iter().map(|m| x.take(&shape, m)).collect::<Result<Vec<_>>>()?;
        self.max_tree(net, &mut Steps::new(ctx), parts)
    }

    /// Maximum along `axis` (removed from the shape).
    pub fn reduce_max(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, axis: usize) -> Result<Share> {
        let parts = split_axis(x, axis)?;
        self.max_tree(net, &mut Steps::new(ctx), parts)
    }

    /// The index of the maximum along `axis` (removed from the shape), as a
    /// fixed-point integer; the first one on ties.
    pub fn argmax(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, axis: usize) -> Result<Share> {
        let mut steps = Steps::new(ctx);
        let values = split_axis(x, axis)?;
        let shape = values[0].shape().to_vec();
        let mut cands = Vec::with_capacity(values.len());
        for (i, v) in values.into_iter().enumerate() {
            let index = self.public_share(&RingTensor::filled(&shape, (i as u64) << self.fixed.frac_bits))?;
            cands.push((v, index));
        }
        while cands.len() > 1 {
            let pairs = cands.len() / 2;
            let left: Vec<&Share> = (0..pairs).map(|p| &cands[2 * p].0).collect();
            let right: Vec<&Share> = (0..pairs).map(|p| &cands[2 * p + 1].0).collect();
            let (l, r) = (flat_concat(&left)?, flat_concat(&right)?);
            // b = [left < right]: then the right candidate wins.
            let bit = self.msb_steps(net, &mut steps, &l.sub(&r)?)?;
            let li: Vec<&Share> = (0..pairs).map(|p| &cands[2 * p].1).collect();
            let ri: Vec<&Share> = (0..pairs).map(|p| &cands[2 * p + 1].1).collect();
            let (lv, rv) = (Share::concat(&[&l, &flat_concat(&li)?], 0)?, Share::concat(&[&r, &flat_concat(&ri)?], 0)?);
            let both = BoolShare::new(
                crate::ring::layout::concat(&[&bit.a, &bit.a], 0)?,
                crate::ring::layout::concat(&[&bit.b, &bit.b], 0)?,
            );
            let won = self.select_steps(net, &mut steps, &both, &rv, &lv)?;
            let half = l.len();
            let vals = split_flat(&won.slice(&[0], &[half])?, pairs, &shape)?;
            let idxs = split_flat(&won.slice(&[half], &[half])?, pairs, &shape)?;
            let mut next: Vec<(Share, Share)> = vals.into_iter().zip(idxs).collect();
            if cands.len() % 2 == 1 {
                next.push(cands.pop().expect("an odd candidate"));
            }
            cands = next;
        }
        Ok(cands.pop().expect("at least one candidate").1)
    }

    /// The elementwise maximum of equally shaped shares, one batched
    /// comparison layer per level of the tournament.
    pub(super) fn max_tree(&self, net: &mut Endpoint, steps: &mut Steps, mut parts: Vec<Share>) -> Result<Share> {
        let shape = parts.first().ok_or_else(|| Error::invalid("a maximum of nothing"))?.shape().to_vec();
        while parts.len() > 1 {
            let pairs = parts.len() / 2;
            let left: Vec<&Share> = (0..pairs).map(|p| &parts[2 * p]).collect();
            let right: Vec<&Share> = (0..pairs).map(|p| &parts[2 * p + 1]).collect();
            let max = self.maximum_steps(net, steps, &flat_concat(&left)?, &flat_concat(&right)?)?;
            let mut next = split_flat(&max, pairs, &shape)?;
            if parts.len() % 2 == 1 {
                next.push(parts.pop().expect("an odd part"));
            }
            parts = next;
        }
        Ok(parts.pop().expect("one part left"))
    }
}

/// The slices of `x` along `axis`, each without that axis.
fn split_axis(x: &Share, axis: usize) -> Result<Vec<Share>> {
    check_axis(x.shape(), axis)?;
    if x.shape()[axis] == 0 {
        return Err(Error::invalid(format!("axis {axis} of shape {} is empty", fmt_shape(x.shape()))));
    }
    let mut out_shape = x.shape().to_vec();
    out_shape.remove(axis);
    (0..x.shape()[axis]).map(|i| x.gather(&[i], axis)?.reshape(&out_shape)).collect()
}

/// Shares flattened and concatenated into one vector.
fn flat_concat(parts: &[&Share]) -> Result<Share> {
    let flat = parts.iter().map(|p| p.reshape(&[p.len()])).collect::<Result<Vec<_>>>()?;
    Share::concat(&flat.iter().collect::<Vec<_>>(), 0)
}

/// The inverse of [`flat_concat`] for `count` parts of `shape`.
fn split_flat(x: &Share, count: usize, shape: &[usize]) -> Result<Vec<Share>> {
    let n = crate::ring::shape::numel(shape);
    (0..count).map(|k| x.slice(&[k * n], &[n])?.reshape(shape)).collect()
}
