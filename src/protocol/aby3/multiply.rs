//! Products of shared values: elementwise, matrix, square.
//!
//! Each server computes an additive 3-out-of-3 share of the product
//! locally: z_i = x_i·y_i + x_i·y_{i+1} + x_{i+1}·y_i. A ring product then
//! reshares it (one message of 8 bytes per element, masked by a zero-sharing);
//! a fixed-point product hands it straight to the truncation, which returns a
//! replicated share of the truncated product in two rounds.

use super::{Aby3, OpContext, Purpose, Share};
use crate::error::Result;
use crate::net::Endpoint;
use crate::ring::RingTensor;

/// The step of the reshare message within an op.
const RESHARE_STEP: u32 = 0;

impl Aby3 {
    /// Elementwise product (broadcasting) in the ring, without truncation.
    pub fn mul_ring(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        let z = local_mul(x, y)?;
        self.reshare(net, ctx, z)
    }

    /// Elementwise fixed-point product (broadcasting), truncated.
    pub fn mul(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        let z = local_mul(x, y)?;
        self.truncate_additive(net, ctx, z)
    }

    /// Fixed-point square, truncated; one local product cheaper than `mul`.
    pub fn square(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        // z_i = x_i^2 + 2·x_i·x_{i+1}
        let z =
            x.a.zip_with(&x.b, |a, b| a.wrapping_mul(a.wrapping_add(b.wrapping_mul(2))))?;
        self.truncate_additive(net, ctx, z)
    }

    /// Matrix product in the ring, without truncation: one round, 8·m·n bytes.
    pub fn matmul_ring(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        let z = local_matmul(x, y)?;
        self.reshare(net, ctx, z)
    }

    /// Fixed-point matrix product, truncated.
    pub fn matmul(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        let z = local_matmul(x, y)?;
        self.truncate_additive(net, ctx, z)
    }

    /// Turns an additive 3-out-of-3 share into a replicated one: server i
    /// sends z_i + α_i to server i-1, where the α_i are a zero-sharing.
    pub fn reshare(&self, net: &mut Endpoint, ctx: OpContext, mut z: RingTensor) -> Result<Share> {
        let n = z.len();
        let from_next = self.draw_next(ctx, Purpose::ZeroShare, n)?;
        let from_prev = self.draw_prev(ctx, Purpose::ZeroShare, n)?;
        for ((v, &p), &q) in z.data_mut().iter_mut().zip(&from_next).zip(&from_prev) {
            *v = v.wrapping_add(p).wrapping_sub(q);
        }
        let tag = ctx.tag(RESHARE_STEP);
        net.send(self.neighbour(2)?, tag, z.data())?;
        let b = self.recv_shaped(net, self.neighbour(1)?, tag, z.shape())?;
        Ok(Share::new(z, b))
    }
}

/// z_i = x_i·y_i + x_i·y_{i+1} + x_{i+1}·y_i, elementwise with broadcasting.
fn local_mul(x: &Share, y: &Share) -> Result<RingTensor> {
    let shape = crate::ring::shape::broadcast_shapes(x.shape(), y.shape())?;
    let (x, y) = (x.broadcast_to(&shape)?, y.broadcast_to(&shape)?);
    let mut out = x.a.zip_with(&y.a.add(&y.b)?, u64::wrapping_mul)?;
    out.zip_assign(&x.b.zip_with(&y.a, u64::wrapping_mul)?, u64::wrapping_add)?;
    Ok(out)
}

/// z_i = x_i·(y_i + y_{i+1}) + x_{i+1}·y_i: two ring GEMMs per server.
fn local_matmul(x: &Share, y: &Share) -> Result<RingTensor> {
    let mut out = x.a.matmul(&y.a.add(&y.b)?)?;
    out.add_matmul(&x.b, &y.a)?;
    Ok(out)
}
