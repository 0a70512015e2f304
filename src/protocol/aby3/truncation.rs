//! Exact fixed-point truncation: from an additive 3-out-of-3 share of x to a
//! replicated share of x / 2^f, in two rounds.
//!
//! The method is the "known most significant bits" truncation of SecureQ8
//! (Dalskov, Escudero, Keller), TF Encrypted's `truncate_msb0` and SPU's
//! TruncAPr, with server 2 as the dealer of the correlated randomness:
//!
//! 1. Servers 0 and 1 open c = x + 2^62 + r to each other, where
//!    r = r_A + r_B + κ: r_A from the seed server 2 shares with server 0,
//!    r_B from the one it shares with server 1, κ server 2's own. Server 0
//!    sends z0 + r_A, server 1 sends z1 + r_B, and server 2 sends both of
//!    them z2 + κ; each message is hidden by a mask the receiver does not
//!    know, and c by r. Server 2 also deals additive sharings of
//!    r_hi = (r mod 2^63) >> f and of r_msb = r >> 63: server 0 draws its
//!    part of r_hi from their seed and server 2 sends server 1 the rest;
//!    server 1 draws its part of r_msb and server 2 sends server 0 the rest.
//!    So servers 0 and 1 each get two words per element from server 2.
//! 2. With x' = x + 2^62 in [0, 2^63), the carry of x' + (r mod 2^63) into
//!    bit 63 is msb(c) XOR r_msb, linear in r_msb because msb(c) is public to
//!    0 and 1. So (c mod 2^63) >> f − r_hi + carry·2^(63−f) − 2^(62−f) is
//!    ⌊x / 2^f⌋ or one more (the carry out of the low f bits of x' + r).
//!    Servers 0 and 1 exchange their parts of it, masked, to form a
//!    replicated share with server 2's parts from seeds.
//!
//! Bound: for every |x| < 2^62 the result is ⌊x/2^f⌋ + e with e in {0, 1},
//! i.e. within one unit in the last place; there is no probabilistic
//! wrap-around failure. Cost: 2 rounds; bytes per element: server 0 and
//! server 1 send 16, server 2 sends 32.
//!
//! Kernels run in blocks of [`BLOCK`] elements, in parallel, and within a
//! block in steps of [`STEP`]: each step draws its random words at its
//! offset of the streams into buffers on the stack, so the only megabyte
//! arrays are the messages and the results, taken from the endpoint's
//! buffer pool where it has one to spare.

use rayon::prelude::*;

use super::{Aby3, BLOCK, OpContext, Purpose, STEP, Share};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::ring::RingTensor;

const OPEN_STEP: u32 = 1;
const RESHARE_STEP: u32 = 2;
/// Added to x so that x' = x + 2^62 has a zero most significant bit.
const OFFSET: u64 = 1 << 62;
/// Seeds shared with server 2: `prev` at server 0, `next` at server 1.
const AT_0_WITH_2: bool = false;
const AT_1_WITH_2: bool = true;

impl Aby3 {
    /// Truncates an additive 3-out-of-3 share `z` (this server's part) by the
    /// fractional bits of the fixed-point configuration.
    pub fn truncate_additive(&self, net: &mut Endpoint, ctx: OpContext, z: RingTensor) -> Result<Share> {
        match self.index()? {
            0 => self.truncate_at_0(net, ctx, z),
            1 => self.truncate_at_1(net, ctx, z),
            2 => self.truncate_at_2(net, ctx, z),
            _ => Err(Error::internal("server index above 2")),
        }
    }

    /// Truncates a replicated share (after a product with a public value).
    pub fn truncate(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        self.truncate_additive(net, ctx, x.a.clone())
    }

    fn truncate_at_0(&self, net: &mut Endpoint, ctx: OpContext, z: RingTensor) -> Result<Share> {
        let (f, n, shape) = (self.fixed.frac_bits, z.len(), z.shape().to_vec());
        let (p1, p2) = (self.servers[1], self.servers[2]);
        let mut masked = z.into_data();
        // masked = z + r_A, sent to server 1 and kept for c.
        steps1(&mut masked, |start, masked, scratch| {
            let r_a = &mut scratch[..masked.len()];
            self.fill_at(AT_0_WITH_2, ctx, Purpose::TruncMaskA, start, r_a)?;
            masked.iter_mut().zip(r_a.iter()).for_each(|(m, r)| *m = m.wrapping_add(*r));
            Ok(())
        })?;
        net.send(p1, ctx.tag(OPEN_STEP), &masked)?;
        let from_1 = self.recv_len(net, p1, ctx.tag(OPEN_STEP), n)?;
        // Server 2 sends (z2 + κ, its part of r_msb) per element.
        let from_2 = self.recv_len(net, p2, ctx.tag(OPEN_STEP), 2 * n)?;
        let (mut part, mut w0) = (net.buffer(n), net.buffer(n));
        // part = y_a − w0, where y_a is this server's part of ⌊x / 2^f⌋.
        steps2(&mut part, 1, &mut w0, 1, |start, part, w0, scratch| {
            let u0 = &mut scratch[..part.len()];
            self.fill_at(AT_0_WITH_2, ctx, Purpose::TruncOutShare0, start, w0)?;
            self.fill_at(AT_0_WITH_2, ctx, Purpose::TruncHighShare, start, u0)?;
            let len = part.len();
            // Slices of exactly this step: the loop needs no bounds checks.
            let (masked, from_1) = (&masked[start..start + len], &from_1[start..start + len]);
            let from_2 = &from_2[2 * start..2 * (start + len)];
            for i in 0..len {
                let [hidden_z2, v0] = [from_2[2 * i], from_2[2 * i + 1]];
                let c = masked[i].wrapping_add(from_1[i]).wrapping_add(hidden_z2).wrapping_add(OFFSET);
                let c_msb = c >> 63;
                // carry = c_msb XOR r_msb, shared as c_msb + v − 2·c_msb·v.
                let carry = c_msb.wrapping_add(v0).wrapping_sub((c_msb << 1).wrapping_mul(v0));
                let y =
                    ((c << 1) >> (f + 1)).wrapping_add(carry << (63 - f)).wrapping_sub(u0[i]).wrapping_sub(OFFSET >> f);
                part[i] = y.wrapping_sub(w0[i]);
            }
            Ok(())
        })?;
        recycle_all(net, [masked, from_1, from_2]);
        net.send(p1, ctx.tag(RESHARE_STEP), &part)?;
        let other = self.recv_len(net, p1, ctx.tag(RESHARE_STEP), n)?;
        let w1 = add_words(part, &other);
        net.recycle(other);
        Ok(Share::new(RingTensor::new(shape.clone(), w0)?, RingTensor::new(shape, w1)?))
    }

    fn truncate_at_1(&self, net: &mut Endpoint, ctx: OpContext, z: RingTensor) -> Result<Share> {
        let (f, n, shape) = (self.fixed.frac_bits, z.len(), z.shape().to_vec());
        let (p0, p2) = (self.servers[0], self.servers[2]);
        let mut masked = z.into_data();
        // masked = z + r_B, sent to server 0 and kept for c.
        steps1(&mut masked, |start, masked, scratch| {
            let r_b = &mut scratch[..masked.len()];
            self.fill_at(AT_1_WITH_2, ctx, Purpose::TruncMaskB, start, r_b)?;
            masked.iter_mut().zip(r_b.iter()).for_each(|(m, r)| *m = m.wrapping_add(*r));
            Ok(())
        })?;
        net.send(p0, ctx.tag(OPEN_STEP), &masked)?;
        let from_0 = self.recv_len(net, p0, ctx.tag(OPEN_STEP), n)?;
        // Server 2 sends (z2 + κ, its part of r_hi) per element.
        let from_2 = self.recv_len(net, p2, ctx.tag(OPEN_STEP), 2 * n)?;
        let (mut part, mut w2) = (net.buffer(n), net.buffer(n));
        steps2(&mut part, 1, &mut w2, 1, |start, part, w2, scratch| {
            let v1 = &mut scratch[..part.len()];
            self.fill_at(AT_1_WITH_2, ctx, Purpose::TruncOutShare2, start, w2)?;
            self.fill_at(AT_1_WITH_2, ctx, Purpose::TruncMsbShare, start, v1)?;
            let len = part.len();
            let (masked, from_0) = (&masked[start..start + len], &from_0[start..start + len]);
            let from_2 = &from_2[2 * start..2 * (start + len)];
            for i in 0..len {
                let [hidden_z2, u1] = [from_2[2 * i], from_2[2 * i + 1]];
                let c = masked[i].wrapping_add(from_0[i]).wrapping_add(hidden_z2);
                let c_msb = c.wrapping_add(OFFSET) >> 63;
                let carry = v1[i].wrapping_sub((c_msb << 1).wrapping_mul(v1[i]));
                let y = (carry << (63 - f)).wrapping_sub(u1);
                part[i] = y.wrapping_sub(w2[i]);
            }
            Ok(())
        })?;
        recycle_all(net, [masked, from_0, from_2]);
        net.send(p0, ctx.tag(RESHARE_STEP), &part)?;
        let other = self.recv_len(net, p0, ctx.tag(RESHARE_STEP), n)?;
        let w1 = add_words(part, &other);
        net.recycle(other);
        Ok(Share::new(RingTensor::new(shape.clone(), w1)?, RingTensor::new(shape, w2)?))
    }

    fn truncate_at_2(&self, net: &mut Endpoint, ctx: OpContext, z: RingTensor) -> Result<Share> {
        let (f, n, shape) = (self.fixed.frac_bits, z.len(), z.shape().to_vec());
        let (p0, p1) = (self.servers[0], self.servers[1]);
        const WITH_0: bool = true; // server 2's `next` is server 0
        const WITH_1: bool = false;
        // Per element, to server 1: z2 + κ and its part of r_hi; to server 0:
        // z2 + κ and its part of r_msb.
        let z = z.into_data();
        let (mut to_0, mut to_1) = (net.buffer(2 * n), net.buffer(2 * n));
        steps2(&mut to_0, 2, &mut to_1, 2, |start, to_0, to_1, scratch| {
            let len = to_0.len() / 2;
            let [r_a, r_b, kappa, high, msb] = scratch.as_chunks_mut::<STEP>().0 else {
                return Err(Error::internal("truncation scratch is not five steps long"));
            };
            self.fill_at(WITH_0, ctx, Purpose::TruncMaskA, start, &mut r_a[..len])?;
            self.fill_at(WITH_1, ctx, Purpose::TruncMaskB, start, &mut r_b[..len])?;
            self.fill_own_at(ctx, Purpose::TruncHideZ2, start, &mut kappa[..len]);
            self.fill_at(WITH_0, ctx, Purpose::TruncHighShare, start, &mut high[..len])?;
            self.fill_at(WITH_1, ctx, Purpose::TruncMsbShare, start, &mut msb[..len])?;
            let z = &z[start..start + len];
            for i in 0..len {
                let r = r_a[i].wrapping_add(r_b[i]).wrapping_add(kappa[i]);
                let hidden_z2 = z[i].wrapping_add(kappa[i]);
                to_1[2 * i] = hidden_z2;
                to_1[2 * i + 1] = ((r << 1) >> (f + 1)).wrapping_sub(high[i]);
                to_0[2 * i] = hidden_z2;
                to_0[2 * i + 1] = (r >> 63).wrapping_sub(msb[i]);
            }
            Ok(())
        })?;
        net.send_many(&[(p1, ctx.tag(OPEN_STEP), &to_1), (p0, ctx.tag(OPEN_STEP), &to_0)])?;
        recycle_all(net, [z, to_0, to_1]);
        let (mut w0, mut w2) = (net.buffer(n), net.buffer(n));
        self.fill_at(WITH_0, ctx, Purpose::TruncOutShare0, 0, &mut w0)?;
        self.fill_at(WITH_1, ctx, Purpose::TruncOutShare2, 0, &mut w2)?;
        Ok(Share::new(RingTensor::new(shape.clone(), w2)?, RingTensor::new(shape, w0)?))
    }
}

/// Words of scratch a step of a kernel gets: room for five random words per
/// element (server 2's step draws five streams).
const SCRATCH: usize = 5 * STEP;

/// Runs `kernel(start, a_step, b_step, scratch)` over the elements of `a`
/// and `b`, which hold `a_width` and `b_width` words per element: in
/// parallel blocks of [`BLOCK`] elements, each in steps of at most [`STEP`]
/// elements. `start` is the index of the step's first element; `scratch`
/// is [`SCRATCH`] words the kernel may overwrite, shared by a block's steps.
fn steps2(
    a: &mut [u64],
    a_width: usize,
    b: &mut [u64],
    b_width: usize,
    kernel: impl Fn(usize, &mut [u64], &mut [u64], &mut [u64]) -> Result<()> + Sync,
) -> Result<()> {
    debug_assert_eq!(a.len() / a_width, b.len() / b_width);
    let block = |first: usize, a: &mut [u64], b: &mut [u64]| {
        let mut scratch = [0u64; SCRATCH];
        let steps = a.chunks_mut(STEP * a_width).zip(b.chunks_mut(STEP * b_width));
        steps.enumerate().try_for_each(|(k, (a, b))| kernel(first + k * STEP, a, b, &mut scratch))
    };
    // A single block runs on this thread: a rayon hand-off would cost more
    // than it saves on small inputs.
    if a.len() <= BLOCK * a_width {
        return block(0, a, b);
    }
    a.par_chunks_mut(BLOCK * a_width)
        .zip(b.par_chunks_mut(BLOCK * b_width))
        .enumerate()
        .try_for_each(|(i, (a, b))| block(i * BLOCK, a, b))
}

/// Runs `kernel(start, a_step, scratch)` over `a`, one word per element,
/// in blocks and steps as [`steps2`] does.
fn steps1(a: &mut [u64], kernel: impl Fn(usize, &mut [u64], &mut [u64]) -> Result<()> + Sync) -> Result<()> {
    let block = |first: usize, a: &mut [u64]| {
        let mut scratch = [0u64; SCRATCH];
        a.chunks_mut(STEP).enumerate().try_for_each(|(k, a)| kernel(first + k * STEP, a, &mut scratch))
    };
    if a.len() <= BLOCK {
        return block(0, a);
    }
    a.par_chunks_mut(BLOCK).enumerate().try_for_each(|(i, a)| block(i * BLOCK, a))
}

fn add_words(mut a: Vec<u64>, b: &[u64]) -> Vec<u64> {
    a.iter_mut().zip(b).for_each(|(x, y)| *x = x.wrapping_add(*y));
    a
}

/// Hands buffers this server is done with back to the endpoint's pool.
fn recycle_all<const N: usize>(net: &Endpoint, buffers: [Vec<u64>; N]) {
    for words in buffers {
        net.recycle(words);
    }
}
