//! Maxima over windows and axes: `max_pool2d`, `reduce_max`, argmax.
//!
//! Each runs a tournament: the candidates of a level are paired, and all
//! pairs of the level go through one batched maximum (3 rounds for up to
//! 256 pairs, else 8 rounds and about 40 bytes per pair per server), so k
//! candidates take ⌈log2 k⌉ comparison layers — 2 for a 2x2 pool. An odd
//! candidate waits for the next level. argmax carries each candidate's
//! index (fixed-point encoded) next to its value and selects both with the
//! same bit; ties keep the lower index, like numpy. Its level multiplies
//! each pair's bit into several values: in 3 rounds when they number at
//! most 256 (the three-round sign of the pair's difference, repeated once
//! per value), else the msb and one injection of it (8 rounds).

use std::cmp::Ordering;

use super::{Aby3, BoolShare, Share, Steps};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::ring::RingTensor;
use crate::ring::layout::{self, Window};
use crate::ring::shape::{check_axis, fmt_shape};

impl Aby3 {
    /// Max pooling (NHWC); positions outside the input never win.
    pub fn max_pool2d(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, window: Window) -> Result<Share> {
        let (shape, maps, _) = layout::window_maps(x.shape(), window, false)?;
        let parts = maps.iter().map(|m| x.take(&shape, m)).collect::<Result<Vec<_>>>()?;
        self.max_tree(net, steps, parts)
    }

    /// Maximum along `axis` (removed from the shape).
    pub fn reduce_max(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, axis: usize) -> Result<Share> {
        let parts = split_axis(x, axis)?;
        self.max_tree(net, steps, parts)
    }

    /// The index of the maximum along `axis` (removed from the shape), as a
    /// fixed-point integer; the first one on ties.
    pub fn argmax(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, axis: usize) -> Result<Share> {
        let (winner, shape) = self.argmax_tournament(net, steps, x, axis, Carry::Index)?;
        winner.payload.reshape(&shape)
    }

    /// The maximum along `axis` as a one-hot vector: fixed-point 1.0 at the
    /// first maximum, 0.0 elsewhere; the shape of `x`. Same rounds as
    /// [`Aby3::argmax`]; each level injects its bit into the one-hot parts of
    /// both candidates, k values per lane instead of the pairs' indices.
    pub fn argmax_one_hot(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, axis: usize) -> Result<Share> {
        let (winner, shape) = self.argmax_tournament(net, steps, x, axis, Carry::OneHot)?;
        // Candidate-major [k, lanes] back to the axis's place.
        let k = x.shape()[axis];
        let hot = winner.payload.reshape(&[[k].as_slice(), &shape].concat())?;
        let perm: Vec<usize> = (0..x.shape().len())
            .map(|d| match d.cmp(&axis) {
                Ordering::Less => d + 1,
                Ordering::Equal => 0,
                Ordering::Greater => d,
            })
            .collect();
        hot.transpose(&perm)
    }

    /// The tournament of argmax: candidates carry their index or their
    /// one-hot part, chosen with the comparison bit of each level. Returns
    /// the winner and the shape of one lane set (`x` without `axis`).
    fn argmax_tournament(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        x: &Share,
        axis: usize,
        carry: Carry,
    ) -> Result<(Candidate, Vec<usize>)> {
        let values = split_axis(x, axis)?;
        let shape = values[0].shape().to_vec();
        let lanes = values[0].len();
        let one = 1u64 << self.fixed.frac_bits;
        let mut cands = Vec::with_capacity(values.len());
        for (i, v) in values.into_iter().enumerate() {
            let payload = match carry {
                Carry::Index => self.share_public(&RingTensor::filled(&[lanes], i as u64 * one))?,
                Carry::OneHot => self.share_public(&RingTensor::filled(&[lanes], one))?,
            };
            cands.push(Candidate { value: v.reshape(&[lanes])?, payload });
        }
        while cands.len() > 1 {
            let pairs = cands.len() / 2;
            let left: Vec<&Share> = (0..pairs).map(|p| &cands[2 * p].value).collect();
            let right: Vec<&Share> = (0..pairs).map(|p| &cands[2 * p + 1].value).collect();
            // b = [left < right] = msb(left − right): then the right candidate wins.
            let diff = flat_concat(&left)?.sub(&flat_concat(&right)?)?;
            // One injection of each pair's bit into: right − left value, then
            // right − left index, or both one-hot parts.
            let (mut operands, mut repeats) = (Vec::new(), Vec::new());
            for p in 0..pairs {
                let (l, r) = (&cands[2 * p], &cands[2 * p + 1]);
                let before = operands.len();
                operands.push(r.value.sub(&l.value)?);
                match carry {
                    Carry::Index => operands.push(r.payload.sub(&l.payload)?),
                    Carry::OneHot => operands.extend([l.payload.clone(), r.payload.clone()]),
                }
                repeats.push(operands[before..].iter().map(|o| o.len().checked_div(lanes).unwrap_or(0)).sum());
            }
            let operands = flat_concat(&operands.iter().collect::<Vec<_>>())?;
            let product = if self.sign_in_three_rounds(operands.len()) {
                let spread = |t: &RingTensor| repeat_lanes(t, lanes, &repeats);
                let diffs = Share::new(spread(&diff.a)?, spread(&diff.b)?);
                self.sign_times(net, steps, &diffs, false, &operands)?
            } else {
                let bit = self.msb(net, steps, &diff)?;
                let bits =
                    BoolShare::new(repeat_lanes(&bit.a, lanes, &repeats)?, repeat_lanes(&bit.b, lanes, &repeats)?);
                self.bit_inject(net, steps, &bits, &operands)?
            };
            let mut next = Vec::with_capacity(pairs + 1);
            let mut at = 0;
            let mut take = |len: usize| {
                at += len;
                product.slice(&[at - len], &[len])
            };
            for p in 0..pairs {
                let (l, r) = (&cands[2 * p], &cands[2 * p + 1]);
                let value = l.value.add(&take(lanes)?)?;
                let payload = match carry {
                    Carry::Index => l.payload.add(&take(lanes)?)?,
                    Carry::OneHot => {
                        let lost = l.payload.sub(&take(l.payload.len())?)?;
                        Share::concat(&[&lost, &take(r.payload.len())?], 0)?
                    }
                };
                next.push(Candidate { value, payload });
            }
            if cands.len() % 2 == 1 {
                next.push(cands.pop().expect("an odd candidate"));
            }
            cands = next;
        }
        Ok((cands.pop().expect("at least one candidate"), shape))
    }

    /// The elementwise maximum of equally shaped shares, one batched
    /// comparison layer per level of the tournament.
    pub(super) fn max_tree(&self, net: &mut Endpoint, steps: &mut Steps, mut parts: Vec<Share>) -> Result<Share> {
        let shape = parts.first().ok_or_else(|| Error::invalid("a maximum of nothing"))?.shape().to_vec();
        while parts.len() > 1 {
            let pairs = parts.len() / 2;
            let left: Vec<&Share> = (0..pairs).map(|p| &parts[2 * p]).collect();
            let right: Vec<&Share> = (0..pairs).map(|p| &parts[2 * p + 1]).collect();
            let max = self.maximum(net, steps, &flat_concat(&left)?, &flat_concat(&right)?)?;
            let mut next = split_flat(&max, pairs, &shape)?;
            if parts.len() % 2 == 1 {
                next.push(parts.pop().expect("an odd part"));
            }
            parts = next;
        }
        Ok(parts.pop().expect("one part left"))
    }
}

/// What an argmax candidate carries through the tournament.
#[derive(Clone, Copy)]
enum Carry {
    /// Its index, fixed-point encoded.
    Index,
    /// For each original candidate it stands for, 1.0 if that one is its
    /// winner so far, else 0.0 (candidate-major, `lanes` values each).
    OneHot,
}

/// A candidate of the argmax tournament: its value per lane and its payload.
struct Candidate {
    value: Share,
    payload: Share,
}

/// One share component of each pair's bits or differences (`lanes` words
/// each), pair p's repeated `repeats[p]` times, to multiply all of that
/// pair's operands at once.
fn repeat_lanes(t: &RingTensor, lanes: usize, repeats: &[usize]) -> Result<RingTensor> {
    let mut out = Vec::with_capacity(repeats.iter().sum::<usize>() * lanes);
    for (p, &r) in repeats.iter().enumerate() {
        let pair = &t.data()[p * lanes..(p + 1) * lanes];
        for _ in 0..r {
            out.extend_from_slice(pair);
        }
    }
    RingTensor::new(vec![out.len()], out)
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
pub(super) fn flat_concat(parts: &[&Share]) -> Result<Share> {
    let flat = parts.iter().map(|p| p.reshape(&[p.len()])).collect::<Result<Vec<_>>>()?;
    Share::concat(&flat.iter().collect::<Vec<_>>(), 0)
}

/// The inverse of [`flat_concat`] for `count` parts of `shape`.
fn split_flat(x: &Share, count: usize, shape: &[usize]) -> Result<Vec<Share>> {
    let n = crate::ring::shape::numel(shape);
    (0..count).map(|k| x.slice(&[k * n], &[n])?.reshape(shape)).collect()
}
