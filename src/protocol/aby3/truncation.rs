//! Exact fixed-point truncation: from an additive 3-out-of-3 share of x to a
//! replicated share of x / 2^f, in two rounds.
//!
//! The method is the "known most significant bits" truncation of SecureQ8
//! (Dalskov, Escudero, Keller), TF Encrypted's `truncate_msb0` and SPU's
//! TruncAPr, with server 2 as the dealer of the correlated randomness:
//!
//! 1. Server 2 knows r = r_A + r_B (r_A from the seed it shares with server 0,
//!    r_B from the one it shares with server 1). Servers 0 and 1 open
//!    c = x + 2^62 + r to each other; the message of each is hidden from the
//!    other by a mask only server 2 shares with the sender, and c itself by r.
//!    Server 2 also sends server 1 its parts of additive sharings of
//!    r_hi = (r mod 2^63) >> f and of r_msb = r >> 63.
//! 2. With x' = x + 2^62 in [0, 2^63), the carry of x' + (r mod 2^63) into
//!    bit 63 is msb(c) XOR r_msb, linear in r_msb because msb(c) is public to
//!    0 and 1. So (c mod 2^63) >> f − r_hi + carry·2^(63−f) − 2^(62−f) is
//!    ⌊x / 2^f⌋ or one more (the carry out of the low f bits of x' + r). Servers 0 and 1 exchange their parts of it,
//!    masked, to form a replicated share with server 2's parts from seeds.
//!
//! Bound: for every |x| < 2^62 the result is ⌊x/2^f⌋ + e with e in {0, 1},
//! i.e. within one unit in the last place; there is no probabilistic
//! wrap-around failure. Cost: 2 rounds; bytes per element: server 0 and
//! server 1 send 16, server 2 sends 32.

use super::{Aby3, OpContext, Purpose, Share};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::ring::RingTensor;

const OPEN_STEP: u32 = 1;
const RESHARE_STEP: u32 = 2;
/// Added to x so that x' = x + 2^62 has a zero most significant bit.
const OFFSET: u64 = 1 << 62;

impl Aby3 {
    /// Truncates an additive 3-out-of-3 share `z` (this server's part) by the
    /// fractional bits of the fixed-point configuration.
    pub fn truncate_additive(&self, net: &mut Endpoint, ctx: OpContext, z: RingTensor) -> Result<Share> {
        let f = self.fixed.frac_bits;
        match self.index()? {
            0 => self.truncate_at_0(net, ctx, z, f),
            1 => self.truncate_at_1(net, ctx, z, f),
            2 => self.truncate_at_2(net, ctx, z, f),
            _ => Err(Error::internal("server index above 2")),
        }
    }

    /// Truncates a replicated share (after a product with a public value).
    pub fn truncate(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        self.truncate_additive(net, ctx, x.a.clone())
    }

    fn truncate_at_0(&self, net: &mut Endpoint, ctx: OpContext, z: RingTensor, f: u32) -> Result<Share> {
        let n = z.len();
        let (p1, p2) = (self.servers[1], self.servers[2]);
        // Seeds shared with server 2 are this server's `prev`.
        let r_a = self.draw_prev(ctx, Purpose::TruncMaskA, n)?;
        let rho = self.draw_prev(ctx, Purpose::TruncHideToP1, n)?;
        let mut part: Vec<u64> = (0..n)
            .map(|i| z.data()[i].wrapping_add(r_a[i]).wrapping_sub(rho[i]))
            .collect();
        net.send(p1, ctx.tag(OPEN_STEP), &part)?;
        let from_1 = self.recv_len(net, p1, ctx.tag(OPEN_STEP), n)?;
        let from_2 = self.recv_len(net, p2, ctx.tag(OPEN_STEP), n)?;
        let u0 = self.draw_prev(ctx, Purpose::TruncHighShare, n)?;
        let v0 = self.draw_prev(ctx, Purpose::TruncMsbShare, n)?;
        let w0 = self.draw_prev(ctx, Purpose::TruncOutShare0, n)?;
        for i in 0..n {
            let c = z.data()[i]
                .wrapping_add(r_a[i])
                .wrapping_add(from_1[i])
                .wrapping_add(from_2[i]);
            let c = c.wrapping_add(OFFSET);
            let c_msb = c >> 63;
            // carry = c_msb XOR r_msb, shared as c_msb + v − 2·c_msb·v.
            let carry = c_msb
                .wrapping_add(v0[i])
                .wrapping_sub(c_msb.wrapping_mul(2).wrapping_mul(v0[i]));
            let y = ((c << 1) >> (f + 1))
                .wrapping_add(carry << (63 - f))
                .wrapping_sub(u0[i])
                .wrapping_sub(OFFSET >> f);
            part[i] = y.wrapping_sub(w0[i]);
        }
        net.send(p1, ctx.tag(RESHARE_STEP), &part)?;
        let other = self.recv_len(net, p1, ctx.tag(RESHARE_STEP), n)?;
        let w1: Vec<u64> = part.iter().zip(&other).map(|(a, b)| a.wrapping_add(*b)).collect();
        let shape = z.shape().to_vec();
        Ok(Share::new(
            RingTensor::new(shape.clone(), w0)?,
            RingTensor::new(shape, w1)?,
        ))
    }

    fn truncate_at_1(&self, net: &mut Endpoint, ctx: OpContext, z: RingTensor, f: u32) -> Result<Share> {
        let n = z.len();
        let (p0, p2) = (self.servers[0], self.servers[2]);
        // Seeds shared with server 2 are this server's `next`.
        let r_b = self.draw_next(ctx, Purpose::TruncMaskB, n)?;
        let sigma = self.draw_next(ctx, Purpose::TruncHideToP0, n)?;
        let mut part: Vec<u64> = (0..n)
            .map(|i| z.data()[i].wrapping_add(r_b[i]).wrapping_sub(sigma[i]))
            .collect();
        net.send(p0, ctx.tag(OPEN_STEP), &part)?;
        let from_0 = self.recv_len(net, p0, ctx.tag(OPEN_STEP), n)?;
        let from_2 = self.recv_len(net, p2, ctx.tag(OPEN_STEP), 3 * n)?;
        let (hidden_z2, rest) = from_2.split_at(n);
        let (u1, v1) = rest.split_at(n);
        let w2 = self.draw_next(ctx, Purpose::TruncOutShare2, n)?;
        for i in 0..n {
            let c = z.data()[i]
                .wrapping_add(r_b[i])
                .wrapping_add(from_0[i])
                .wrapping_add(hidden_z2[i]);
            let c_msb = c.wrapping_add(OFFSET) >> 63;
            let carry = v1[i].wrapping_sub(c_msb.wrapping_mul(2).wrapping_mul(v1[i]));
            let y = (carry << (63 - f)).wrapping_sub(u1[i]);
            part[i] = y.wrapping_sub(w2[i]);
        }
        net.send(p0, ctx.tag(RESHARE_STEP), &part)?;
        let other = self.recv_len(net, p0, ctx.tag(RESHARE_STEP), n)?;
        let w1: Vec<u64> = part.iter().zip(&other).map(|(a, b)| a.wrapping_add(*b)).collect();
        let shape = z.shape().to_vec();
        Ok(Share::new(
            RingTensor::new(shape.clone(), w1)?,
            RingTensor::new(shape, w2)?,
        ))
    }

    fn truncate_at_2(&self, net: &mut Endpoint, ctx: OpContext, z: RingTensor, f: u32) -> Result<Share> {
        let n = z.len();
        let (p0, p1) = (self.servers[0], self.servers[1]);
        // `next` is shared with server 0, `prev` with server 1.
        let r_a = self.draw_next(ctx, Purpose::TruncMaskA, n)?;
        let rho = self.draw_next(ctx, Purpose::TruncHideToP1, n)?;
        let u0 = self.draw_next(ctx, Purpose::TruncHighShare, n)?;
        let v0 = self.draw_next(ctx, Purpose::TruncMsbShare, n)?;
        let r_b = self.draw_prev(ctx, Purpose::TruncMaskB, n)?;
        let sigma = self.draw_prev(ctx, Purpose::TruncHideToP0, n)?;
        // To server 1: z2 + ρ, then its parts of r_hi and r_msb.
        let mut to_1 = vec![0u64; 3 * n];
        let mut to_0 = vec![0u64; n];
        for i in 0..n {
            let r = r_a[i].wrapping_add(r_b[i]);
            to_1[i] = z.data()[i].wrapping_add(rho[i]);
            to_1[n + i] = ((r << 1) >> (f + 1)).wrapping_sub(u0[i]);
            to_1[2 * n + i] = (r >> 63).wrapping_sub(v0[i]);
            to_0[i] = z.data()[i].wrapping_add(sigma[i]);
        }
        net.send(p1, ctx.tag(OPEN_STEP), &to_1)?;
        net.send(p0, ctx.tag(OPEN_STEP), &to_0)?;
        let w0 = self.draw_next(ctx, Purpose::TruncOutShare0, n)?;
        let w2 = self.draw_prev(ctx, Purpose::TruncOutShare2, n)?;
        let shape = z.shape().to_vec();
        Ok(Share::new(
            RingTensor::new(shape.clone(), w2)?,
            RingTensor::new(shape, w0)?,
        ))
    }
}
