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
//!    ⌊x / 2^f⌋ or one more (the carry out of the low f bits of x' + r).
//!    Servers 0 and 1 exchange their parts of it, masked, to form a
//!    replicated share with server 2's parts from seeds.
//!
//! Bound: for every |x| < 2^62 the result is ⌊x/2^f⌋ + e with e in {0, 1},
//! i.e. within one unit in the last place; there is no probabilistic
//! wrap-around failure. Cost: 2 rounds; bytes per element: server 0 and
//! server 1 send 16, server 2 sends 32.
//!
//! Kernels run in blocks of [`BLOCK`] elements, in parallel: each block
//! draws its own random words at its offset of the streams.

use rayon::prelude::*;

use super::{Aby3, BLOCK, OpContext, Purpose, Share};
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
        let mut part = vec![0u64; n];
        // masked = z + r_A (kept for c), part = masked − ρ (to server 1).
        blocks2(&mut masked, &mut part, |start, masked, part| {
            let mut rho = vec![0u64; masked.len()];
            self.fill_at(AT_0_WITH_2, ctx, Purpose::TruncMaskA, start, part)?;
            self.fill_at(AT_0_WITH_2, ctx, Purpose::TruncHideToP1, start, &mut rho)?;
            for i in 0..masked.len() {
                masked[i] = masked[i].wrapping_add(part[i]);
                part[i] = masked[i].wrapping_sub(rho[i]);
            }
            Ok(())
        })?;
        net.send(p1, ctx.tag(OPEN_STEP), &part)?;
        let from_1 = self.recv_len(net, p1, ctx.tag(OPEN_STEP), n)?;
        let from_2 = self.recv_len(net, p2, ctx.tag(OPEN_STEP), n)?;
        let mut w0 = vec![0u64; n];
        self.fill_at(AT_0_WITH_2, ctx, Purpose::TruncOutShare0, 0, &mut w0)?;
        // part = y_a − w0, where y_a is this server's part of ⌊x / 2^f⌋.
        blocks2(&mut part, &mut masked, |start, part, masked| {
            let len = part.len();
            let (mut u0, mut v0) = (vec![0u64; len], vec![0u64; len]);
            self.fill_at(AT_0_WITH_2, ctx, Purpose::TruncHighShare, start, &mut u0)?;
            self.fill_at(AT_0_WITH_2, ctx, Purpose::TruncMsbShare, start, &mut v0)?;
            for i in 0..len {
                let j = start + i;
                let c = masked[i].wrapping_add(from_1[j]).wrapping_add(from_2[j]).wrapping_add(OFFSET);
                let c_msb = c >> 63;
                // carry = c_msb XOR r_msb, shared as c_msb + v − 2·c_msb·v.
                let carry = c_msb.wrapping_add(v0[i]).wrapping_sub((c_msb << 1).wrapping_mul(v0[i]));
                let y =
                    ((c << 1) >> (f + 1)).wrapping_add(carry << (63 - f)).wrapping_sub(u0[i]).wrapping_sub(OFFSET >> f);
                part[i] = y.wrapping_sub(w0[j]);
            }
            Ok(())
        })?;
        net.send(p1, ctx.tag(RESHARE_STEP), &part)?;
        let other = self.recv_len(net, p1, ctx.tag(RESHARE_STEP), n)?;
        let w1 = add_words(part, &other);
        Ok(Share::new(RingTensor::new(shape.clone(), w0)?, RingTensor::new(shape, w1)?))
    }

    fn truncate_at_1(&self, net: &mut Endpoint, ctx: OpContext, z: RingTensor) -> Result<Share> {
        let (f, n, shape) = (self.fixed.frac_bits, z.len(), z.shape().to_vec());
        let (p0, p2) = (self.servers[0], self.servers[2]);
        let mut masked = z.into_data();
        let mut part = vec![0u64; n];
        // masked = z + r_B, part = masked − σ (to server 0).
        blocks2(&mut masked, &mut part, |start, masked, part| {
            let mut sigma = vec![0u64; masked.len()];
            self.fill_at(AT_1_WITH_2, ctx, Purpose::TruncMaskB, start, part)?;
            self.fill_at(AT_1_WITH_2, ctx, Purpose::TruncHideToP0, start, &mut sigma)?;
            for i in 0..masked.len() {
                masked[i] = masked[i].wrapping_add(part[i]);
                part[i] = masked[i].wrapping_sub(sigma[i]);
            }
            Ok(())
        })?;
        net.send(p0, ctx.tag(OPEN_STEP), &part)?;
        let from_0 = self.recv_len(net, p0, ctx.tag(OPEN_STEP), n)?;
        let from_2 = self.recv_len(net, p2, ctx.tag(OPEN_STEP), 3 * n)?;
        let (hidden_z2, rest) = from_2.split_at(n);
        let (u1, v1) = rest.split_at(n);
        let mut w2 = vec![0u64; n];
        self.fill_at(AT_1_WITH_2, ctx, Purpose::TruncOutShare2, 0, &mut w2)?;
        let kernel = |j: usize, part: &mut u64, m: u64| {
            let c = m.wrapping_add(from_0[j]).wrapping_add(hidden_z2[j]);
            let c_msb = c.wrapping_add(OFFSET) >> 63;
            let carry = v1[j].wrapping_sub((c_msb << 1).wrapping_mul(v1[j]));
            let y = (carry << (63 - f)).wrapping_sub(u1[j]);
            *part = y.wrapping_sub(w2[j]);
        };
        if n <= BLOCK {
            part.iter_mut().zip(&masked).enumerate().for_each(|(j, (part, &m))| kernel(j, part, m));
        } else {
            part.par_iter_mut()
                .zip(masked.par_iter())
                .enumerate()
                .with_min_len(BLOCK)
                .for_each(|(j, (part, &m))| kernel(j, part, m));
        }
        net.send(p0, ctx.tag(RESHARE_STEP), &part)?;
        let other = self.recv_len(net, p0, ctx.tag(RESHARE_STEP), n)?;
        let w1 = add_words(part, &other);
        Ok(Share::new(RingTensor::new(shape.clone(), w1)?, RingTensor::new(shape, w2)?))
    }

    fn truncate_at_2(&self, net: &mut Endpoint, ctx: OpContext, z: RingTensor) -> Result<Share> {
        let (f, n, shape) = (self.fixed.frac_bits, z.len(), z.shape().to_vec());
        let (p0, p1) = (self.servers[0], self.servers[1]);
        const WITH_0: bool = true; // server 2's `next` is server 0
        const WITH_1: bool = false;
        // To server 1: z2 + ρ, then its parts of r_hi and r_msb; to server 0: z2 + σ.
        let mut to_1 = vec![0u64; 3 * n];
        let (hidden, rest) = to_1.split_at_mut(n);
        let (high, msb) = rest.split_at_mut(n);
        let mut to_0 = z.into_data();
        let kernel = |b: usize, hidden: &mut [u64], high: &mut [u64], msb: &mut [u64], to_0: &mut [u64]| {
            let (start, len) = (b * BLOCK, hidden.len());
            let mut words = vec![0u64; 4 * len];
            let (r_a, rest) = words.split_at_mut(len);
            let (r_b, rest) = rest.split_at_mut(len);
            let (rho, sigma) = rest.split_at_mut(len);
            self.fill_at(WITH_0, ctx, Purpose::TruncMaskA, start, r_a)?;
            self.fill_at(WITH_1, ctx, Purpose::TruncMaskB, start, r_b)?;
            self.fill_at(WITH_0, ctx, Purpose::TruncHideToP1, start, rho)?;
            self.fill_at(WITH_1, ctx, Purpose::TruncHideToP0, start, sigma)?;
            self.fill_at(WITH_0, ctx, Purpose::TruncHighShare, start, high)?;
            self.fill_at(WITH_0, ctx, Purpose::TruncMsbShare, start, msb)?;
            for i in 0..len {
                let r = r_a[i].wrapping_add(r_b[i]);
                hidden[i] = to_0[i].wrapping_add(rho[i]);
                to_0[i] = to_0[i].wrapping_add(sigma[i]);
                high[i] = ((r << 1) >> (f + 1)).wrapping_sub(high[i]);
                msb[i] = (r >> 63).wrapping_sub(msb[i]);
            }
            Ok(())
        };
        if n <= BLOCK {
            kernel(0, hidden, high, msb, &mut to_0)?;
        } else {
            let chunks = (hidden.par_chunks_mut(BLOCK), high.par_chunks_mut(BLOCK), msb.par_chunks_mut(BLOCK));
            let results: Vec<Result<()>> = chunks
                .0
                .zip(chunks.1)
                .zip(chunks.2)
                .zip(to_0.par_chunks_mut(BLOCK))
                .enumerate()
                .map(|(b, (((hidden, high), msb), to_0))| kernel(b, hidden, high, msb, to_0))
                .collect();
            results.into_iter().collect::<Result<()>>()?;
        }
        net.send(p1, ctx.tag(OPEN_STEP), &to_1)?;
        net.send(p0, ctx.tag(OPEN_STEP), &to_0)?;
        let (mut w0, mut w2) = (vec![0u64; n], vec![0u64; n]);
        self.fill_at(WITH_0, ctx, Purpose::TruncOutShare0, 0, &mut w0)?;
        self.fill_at(WITH_1, ctx, Purpose::TruncOutShare2, 0, &mut w2)?;
        Ok(Share::new(RingTensor::new(shape.clone(), w2)?, RingTensor::new(shape, w0)?))
    }
}

/// Runs `kernel(start, a_block, b_block)` over matching blocks of `a` and
/// `b`, in parallel.
fn blocks2(
    a: &mut [u64],
    b: &mut [u64],
    kernel: impl Fn(usize, &mut [u64], &mut [u64]) -> Result<()> + Sync,
) -> Result<()> {
    // A single block runs on this thread: a rayon hand-off would cost more
    // than it saves on small inputs.
    if a.len() <= BLOCK {
        return kernel(0, a, b);
    }
    a.par_chunks_mut(BLOCK).zip(b.par_chunks_mut(BLOCK)).enumerate().try_for_each(|(i, (a, b))| kernel(i * BLOCK, a, b))
}

fn add_words(mut a: Vec<u64>, b: &[u64]) -> Vec<u64> {
    a.iter_mut().zip(b).for_each(|(x, y)| *x = x.wrapping_add(*y));
    a
}
