//! Products of shared values: elementwise, matrix, square.
//!
//! Each server computes an additive 3-out-of-3 share of the product
//! locally: z_i = x_i·y_i + x_i·y_{i+1} + x_{i+1}·y_i. A ring product then
//! reshares it (one message of 8 bytes per element, masked by a zero-sharing);
//! a fixed-point product hands it straight to the truncation, which returns a
//! replicated share of the truncated product in two rounds.

use rayon::prelude::*;

use super::{Aby3, BLOCK, OpContext, Purpose, STEP, Share};
use crate::error::Result;
use crate::net::Endpoint;
use crate::ring::RingTensor;

/// The step of the reshare message within an op.
const RESHARE_STEP: u32 = 0;

impl Aby3 {
    /// Elementwise product (broadcasting) in the ring, without truncation.
    pub fn mul_ring(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        let z = local_mul(net, x, y)?;
        self.reshare(net, ctx, z)
    }

    /// Elementwise fixed-point product (broadcasting), truncated.
    pub fn mul(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        let z = local_mul(net, x, y)?;
        self.truncate_additive(net, ctx, z)
    }

    /// Fixed-point square, truncated; one local product cheaper than `mul`.
    pub fn square(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        // z_i = x_i^2 + 2·x_i·x_{i+1}
        let z = x.a.zip_with(&x.b, |a, b| a.wrapping_mul(a.wrapping_add(b.wrapping_mul(2))))?;
        self.truncate_additive(net, ctx, z)
    }

    /// Matrix product in the ring, without truncation: one round, 8·m·n bytes.
    pub fn matmul_ring(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        let z = local_matmul(net, x, y)?;
        self.reshare(net, ctx, z)
    }

    /// Fixed-point matrix product, truncated.
    pub fn matmul(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        let z = local_matmul(net, x, y)?;
        self.truncate_additive(net, ctx, z)
    }

    /// Turns an additive 3-out-of-3 share into a replicated one: server i
    /// sends z_i + α_i to server i-1, where the α_i are a zero-sharing.
    pub fn reshare(&self, net: &mut Endpoint, ctx: OpContext, mut z: RingTensor) -> Result<Share> {
        // A single block runs on this thread: a rayon hand-off would cost
        // more than it saves on small inputs.
        let kernel = |b: usize, block: &mut [u64]| {
            for (k, step) in block.chunks_mut(STEP).enumerate() {
                let (mut from_next, mut from_prev) = ([0u64; STEP], [0u64; STEP]);
                let (from_next, from_prev) = (&mut from_next[..step.len()], &mut from_prev[..step.len()]);
                let start = b * BLOCK + k * STEP;
                self.fill_at(true, ctx, Purpose::ZeroShare, start, from_next)?;
                self.fill_at(false, ctx, Purpose::ZeroShare, start, from_prev)?;
                for ((v, &p), &q) in step.iter_mut().zip(from_next.iter()).zip(from_prev.iter()) {
                    *v = v.wrapping_add(p).wrapping_sub(q);
                }
            }
            Ok::<(), crate::Error>(())
        };
        if z.len() <= BLOCK {
            kernel(0, z.data_mut())?;
        } else {
            z.data_mut().par_chunks_mut(BLOCK).enumerate().try_for_each(|(b, block)| kernel(b, block))?;
        }
        let tag = ctx.tag(RESHARE_STEP);
        net.send(self.neighbour(2)?, tag, z.data())?;
        let b = self.recv_shaped(net, self.neighbour(1)?, tag, z.shape())?;
        Ok(Share::new(z, b))
    }
}

/// z_i = x_i·y_i + x_i·y_{i+1} + x_{i+1}·y_i, elementwise with broadcasting,
/// into memory from the endpoint's buffer pool.
fn local_mul(net: &Endpoint, x: &Share, y: &Share) -> Result<RingTensor> {
    if x.shape() != y.shape() {
        let shape = crate::ring::shape::broadcast_shapes(x.shape(), y.shape())?;
        return local_mul(net, &x.broadcast_to(&shape)?, &y.broadcast_to(&shape)?);
    }
    let (xa, xb, ya, yb) = (x.a.data(), x.b.data(), y.a.data(), y.b.data());
    let mut out = net.buffer(xa.len());
    // Zipped slices, no indexing: no bounds checks in the loop.
    let kernel = |z: &mut [u64], (xa, xb): (&[u64], &[u64]), (ya, yb): (&[u64], &[u64])| {
        for (z, ((&xa, &xb), (&ya, &yb))) in z.iter_mut().zip(xa.iter().zip(xb).zip(ya.iter().zip(yb))) {
            *z = xa.wrapping_mul(ya.wrapping_add(yb)).wrapping_add(xb.wrapping_mul(ya));
        }
    };
    if out.len() <= BLOCK {
        kernel(&mut out, (xa, xb), (ya, yb));
    } else {
        let inputs = xa.par_chunks(BLOCK).zip(xb.par_chunks(BLOCK)).zip(ya.par_chunks(BLOCK).zip(yb.par_chunks(BLOCK)));
        out.par_chunks_mut(BLOCK).zip(inputs).for_each(|(z, (x, y))| kernel(z, x, y));
    }
    RingTensor::new(x.shape().to_vec(), out)
}

/// z_i = x_i·(y_i + y_{i+1}) + x_{i+1}·y_i: two ring GEMMs per server, into
/// memory from the endpoint's buffer pool (no fresh pages to fault in).
fn local_matmul(net: &Endpoint, x: &Share, y: &Share) -> Result<RingTensor> {
    let shape = crate::ring::shape::matmul_shape(x.shape(), y.shape())?;
    let (ya, yb) = (y.a.data(), y.b.data());
    let mut y_sum = net.buffer(ya.len());
    y_sum.iter_mut().zip(ya.iter().zip(yb)).for_each(|(s, (a, b))| *s = a.wrapping_add(*b));
    let y_sum = RingTensor::new(y.shape().to_vec(), y_sum)?;
    let mut out = RingTensor::new(shape.clone(), net.buffer(crate::ring::shape::numel(&shape)))?;
    out.assign_matmul(&x.a, &y_sum)?;
    out.add_matmul(&x.b, &y.a)?;
    net.recycle(y_sum.into_data());
    Ok(out)
}
