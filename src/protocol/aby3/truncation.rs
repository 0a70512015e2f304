//! Exact fixed-point truncation: from an additive 3-out-of-3 share of x to a
//! replicated share of x / 2^f, in two rounds.
//!
//! The method is the "known most significant bits" truncation of SecureQ8
//! (Dalskov, Escudero, Keller), TF Encrypted's `truncate_msb0` and SPU's
//! TruncAPr, with server 2 as the dealer of the correlated randomness:
//!
//! 1. Servers 0 and 1 open c = x + 2^62 + r to each other, where
//!    r = r_A + r_B + κ: r_A from the seed server 2 shares with server 0,
//!    r_B from the one it shares with server 1, κ server 2's own. The
//!    messages are z0 + r_A (server 0's), z1 + r_B (server 1's) and z2 + κ
//!    (server 2's), each hidden by a mask its receiver does not know, and c
//!    by r. Server 2 also deals additive sharings of r_hi = (r mod 2^63) >> f
//!    and of r_msb = r >> 63: server 0 draws its part of r_hi from their
//!    seed and server 2 sends server 1 the rest; server 1 draws its part of
//!    r_msb and server 2 sends server 0 the rest (f + 1 bits of it matter, so
//!    two go in a word).
//! 2. With x' = x + 2^62 in [0, 2^63), the carry of x' + (r mod 2^63) into
//!    bit 63 is msb(c) XOR r_msb, linear in r_msb because msb(c) is public to
//!    0 and 1. So (c mod 2^63) >> f − r_hi + carry·2^(63−f) − 2^(62−f) is
//!    ⌊x / 2^f⌋ or one more (the carry out of the low f bits of x' + r).
//!    Servers 0 and 1 exchange their parts of it, masked, to form a
//!    replicated share with server 2's parts from seeds.
//!
//! Small inputs take the shortest path: server 2 sends z2 + κ to both
//! servers 0 and 1, and every message of the first round leaves at once.
//! Large inputs (at least [`FORWARD_MIN`] elements), where bytes cost more
//! than a hop, send z2 + κ to server 0 only, which forwards it added to its
//! own message: z0 + r_A + z2 + κ. Bytes per element sent by servers 0, 1
//! and 2: 16, 16 and 28 on the short path, 16, 16 and 20 when forwarding
//! (52 in all instead of 60).
//!
//! Bound: for every |x| < 2^62 the result is ⌊x/2^f⌋ + e with e in {0, 1},
//! i.e. within one unit in the last place; there is no probabilistic
//! wrap-around failure. Cost: 2 rounds.
//!
//! Large inputs go in parts of [`PART`] elements (see [`Tag::part`]): each
//! server works on a part while the next is on its way, so over sockets the
//! copies through the kernel overlap the arithmetic, and a part stays in
//! cache from the kernel that writes it to the socket that sends it; a
//! round is still one round. A part is computed on the server's own thread
//! in steps of [`STEP`] elements, each drawing its random words at its
//! offset of the streams into buffers on the stack.

use std::ops::Range;

use super::truncation_kernels::{self as kernels, DealerWords, packed_len};
use super::{Aby3, OpContext, Purpose, STEP, Share};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::net::frame::{MAX_PARTS, Tag};
use crate::ring::RingTensor;

const OPEN_STEP: u32 = 1;
const RESHARE_STEP: u32 = 2;
/// Seeds shared with server 2: `prev` at server 0, `next` at server 1.
const AT_0_WITH_2: bool = false;
const AT_1_WITH_2: bool = true;
/// Elements per part of the messages of a large truncation: 128 KiB per
/// word of an element.
pub(super) const PART: usize = 1 << 14;
/// Inputs of at least this many elements forward z2 + κ through server 0.
/// Over loopback the 8 bytes per element this saves take longer than the
/// extra hop from about here on.
pub(super) const FORWARD_MIN: usize = PART;

/// The element ranges of the parts of an `n`-element truncation: one
/// (possibly empty) part for small inputs, at most [`MAX_PARTS`] in all.
fn parts(n: usize) -> Vec<Range<usize>> {
    let size = PART.max(n.div_ceil(MAX_PARTS).next_multiple_of(STEP));
    let count = n.div_ceil(size).max(1);
    (0..count).map(|k| k * size..n.min((k + 1) * size)).collect()
}

/// The steps of a part of `len` elements: ranges of [`STEP`] elements (the
/// last one shorter), whose random words fit in buffers on the stack.
fn steps(len: usize) -> impl Iterator<Item = Range<usize>> {
    (0..len).step_by(STEP).map(move |s| s..len.min(s + STEP))
}

/// The packed r_msb words of `step` within its part's packed words (every
/// step but a part's last has even length, so steps pack back to back).
fn packed_words(step: &Range<usize>) -> Range<usize> {
    step.start / 2..step.start / 2 + packed_len(step.len())
}

/// Writes elements `start..start + out.len()` of z.
type MakePart<'a> = &'a (dyn Fn(usize, &mut [u64]) + Sync);

/// This server's additive 3-out-of-3 share z of the value to truncate.
pub enum AdditiveShare<'a> {
    /// z, computed already.
    Whole(RingTensor),
    /// z of this shape, made part by part as the truncation reaches each
    /// part. A product made this way is still in cache when it is masked
    /// and sent, and its first part leaves before its last is computed.
    ByParts { shape: Vec<usize>, make: MakePart<'a> },
}

impl<'a> AdditiveShare<'a> {
    /// The shape, the words (not yet written where parts are still to be
    /// made) and the maker of parts, if any.
    fn into_words(self, net: &Endpoint) -> (Vec<usize>, Vec<u64>, Option<MakePart<'a>>) {
        match self {
            AdditiveShare::Whole(z) => (z.shape().to_vec(), z.into_data(), None),
            AdditiveShare::ByParts { shape, make } => {
                let words = net.buffer(crate::ring::shape::numel(&shape));
                (shape, words, Some(make))
            }
        }
    }
}

/// Makes part `range` of z, if z is made part by part.
fn make_part(make: Option<MakePart>, z: &mut [u64], range: &Range<usize>) {
    if let Some(make) = make {
        make(range.start, &mut z[range.clone()]);
    }
}

impl Aby3 {
    /// Truncates an additive 3-out-of-3 share `z` (this server's part) by the
    /// fractional bits of the fixed-point configuration.
    pub fn truncate_additive(&self, net: &mut Endpoint, ctx: OpContext, z: AdditiveShare) -> Result<Share> {
        match self.index()? {
            0 => self.truncate_at_0(net, ctx, z),
            1 => self.truncate_at_1(net, ctx, z),
            2 => self.truncate_at_2(net, ctx, z),
            _ => Err(Error::internal("server index above 2")),
        }
    }

    /// Truncates a replicated share (after a product with a public value).
    pub fn truncate(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        self.truncate_additive(net, ctx, AdditiveShare::Whole(x.a.clone()))
    }

    fn truncate_at_0(&self, net: &mut Endpoint, ctx: OpContext, z: AdditiveShare) -> Result<Share> {
        let (shape, z, make) = z.into_words(net);
        let (f, n) = (self.fixed.frac_bits, z.len());
        let (p1, p2) = (self.servers[1], self.servers[2]);
        let (open, reshare) = (ctx.tag(OPEN_STEP), ctx.tag(RESHARE_STEP));
        let (ranges, forward) = (parts(n), n >= FORWARD_MIN);
        // masked = z + r_A (+ z2 + κ when forwarding), sent to server 1.
        let mut masked = z;
        let (mut part, mut w0) = (net.buffer(n), net.buffer(n));
        if !forward {
            for (k, range) in ranges.iter().enumerate() {
                make_part(make, &mut masked, range);
                self.add_mask(ctx, AT_0_WITH_2, Purpose::TruncMaskA, &mut masked[range.clone()], range.start)?;
                net.send(p1, open.part(k), &masked[range.clone()])?;
            }
        }
        for (k, range) in ranges.iter().enumerate() {
            let len = range.len();
            // Server 2 sends z2 + κ and its parts of r_msb, packed.
            let from_2 = self.recv_len(net, p2, open.part(k), len + packed_len(len))?;
            let (hidden_z2, v0) = from_2.split_at(len);
            if forward {
                make_part(make, &mut masked, range);
                let masked = &mut masked[range.clone()];
                self.add_mask(ctx, AT_0_WITH_2, Purpose::TruncMaskA, masked, range.start)?;
                masked.iter_mut().zip(hidden_z2).for_each(|(m, h)| *m = m.wrapping_add(*h));
                net.send(p1, open.part(k), masked)?;
            }
            let masked = &masked[range.clone()];
            let from_1 = self.recv_len(net, p1, open.part(k), len)?;
            let (part, w0) = (&mut part[range.clone()], &mut w0[range.clone()]);
            let (mut c, mut u0) = ([0u64; STEP], [0u64; STEP]);
            for step in steps(len) {
                let (c, u0, start) = (&mut c[..step.len()], &mut u0[..step.len()], range.start + step.start);
                let w0 = &mut w0[step.clone()];
                self.fill_at(AT_0_WITH_2, ctx, Purpose::TruncOutShare0, start, w0)?;
                self.fill_at(AT_0_WITH_2, ctx, Purpose::TruncHighShare, start, u0)?;
                let hidden_z2 = (!forward).then(|| &hidden_z2[step.clone()]);
                kernels::open(&masked[step.clone()], &from_1[step.clone()], hidden_z2, c);
                kernels::part_at_0(f, c, &v0[packed_words(&step)], u0, w0, &mut part[step]);
            }
            recycle_all(net, [from_1, from_2]);
            net.send(p1, reshare.part(k), part)?;
        }
        self.add_other_parts(net, p1, reshare, &mut part, &ranges)?;
        net.recycle(masked);
        Ok(Share::new(RingTensor::new(shape.clone(), w0)?, RingTensor::new(shape, part)?))
    }

    fn truncate_at_1(&self, net: &mut Endpoint, ctx: OpContext, z: AdditiveShare) -> Result<Share> {
        let (shape, z, make) = z.into_words(net);
        let (f, n) = (self.fixed.frac_bits, z.len());
        let (p0, p2) = (self.servers[0], self.servers[2]);
        let (open, reshare) = (ctx.tag(OPEN_STEP), ctx.tag(RESHARE_STEP));
        let (ranges, forward) = (parts(n), n >= FORWARD_MIN);
        // masked = z + r_B, sent to server 0: all parts first, so that
        // server 0 never waits for them.
        let mut masked = z;
        for (k, range) in ranges.iter().enumerate() {
            make_part(make, &mut masked, range);
            self.add_mask(ctx, AT_1_WITH_2, Purpose::TruncMaskB, &mut masked[range.clone()], range.start)?;
            net.send(p0, open.part(k), &masked[range.clone()])?;
        }
        let (mut part, mut w2) = (net.buffer(n), net.buffer(n));
        for (k, range) in ranges.iter().enumerate() {
            let len = range.len();
            // Server 0 sends z0 + r_A, plus z2 + κ when forwarding; server 2
            // sends z2 + κ when not, and its parts of r_hi.
            let from_0 = self.recv_len(net, p0, open.part(k), len)?;
            let from_2 = self.recv_len(net, p2, open.part(k), if forward { len } else { 2 * len })?;
            let (hidden_z2, u1) = if forward { (None, &from_2[..]) } else { (Some(&from_2[..len]), &from_2[len..]) };
            let (masked, part, w2) = (&masked[range.clone()], &mut part[range.clone()], &mut w2[range.clone()]);
            let (mut c, mut v1) = ([0u64; STEP], [0u64; STEP]);
            for step in steps(len) {
                let (c, v1, start) = (&mut c[..step.len()], &mut v1[..step.len()], range.start + step.start);
                let w2 = &mut w2[step.clone()];
                self.fill_at(AT_1_WITH_2, ctx, Purpose::TruncOutShare2, start, w2)?;
                self.fill_at(AT_1_WITH_2, ctx, Purpose::TruncMsbShare, start, v1)?;
                let hidden_z2 = hidden_z2.map(|h| &h[step.clone()]);
                kernels::open(&masked[step.clone()], &from_0[step.clone()], hidden_z2, c);
                kernels::part_at_1(f, c, v1, &u1[step.clone()], w2, &mut part[step]);
            }
            recycle_all(net, [from_0, from_2]);
            net.send(p0, reshare.part(k), part)?;
        }
        self.add_other_parts(net, p0, reshare, &mut part, &ranges)?;
        net.recycle(masked);
        Ok(Share::new(RingTensor::new(shape.clone(), part)?, RingTensor::new(shape, w2)?))
    }

    fn truncate_at_2(&self, net: &mut Endpoint, ctx: OpContext, z: AdditiveShare) -> Result<Share> {
        let (shape, z, make) = z.into_words(net);
        let (f, n) = (self.fixed.frac_bits, z.len());
        let (p0, p1) = (self.servers[0], self.servers[1]);
        let open = ctx.tag(OPEN_STEP);
        const WITH_0: bool = true; // server 2's `next` is server 0
        const WITH_1: bool = false;
        let (ranges, forward) = (parts(n), n >= FORWARD_MIN);
        let mut z = z;
        let longest = ranges.iter().map(Range::len).max().unwrap_or(0);
        // Per part, to server 0: z2 + κ, then its parts of r_msb, packed; to
        // server 1: z2 + κ unless forwarding, then its parts of r_hi.
        let (mut to_0, mut to_1) = (net.buffer(longest + packed_len(longest)), net.buffer(2 * longest));
        let (mut w0, mut w2) = (net.buffer(n), net.buffer(n));
        let mut scratch = [[0u64; STEP]; 5];
        for (k, range) in ranges.iter().enumerate() {
            let len = range.len();
            make_part(make, &mut z, range);
            let (hidden_z2, msb_packed) = to_0[..len + packed_len(len)].split_at_mut(len);
            // To server 1: its parts of r_hi, after z2 + κ unless forwarding.
            let (hidden_for_1, high_parts) =
                if forward { (&mut [][..], &mut to_1[..len]) } else { to_1[..2 * len].split_at_mut(len) };
            for step in steps(len) {
                let start = range.start + step.start;
                let [r_a, r_b, kappa, high, msb] = scratch.each_mut().map(|words| &mut words[..step.len()]);
                self.fill_at(WITH_0, ctx, Purpose::TruncMaskA, start, r_a)?;
                self.fill_at(WITH_1, ctx, Purpose::TruncMaskB, start, r_b)?;
                self.fill_own_at(ctx, Purpose::TruncHideZ2, start, kappa);
                self.fill_at(WITH_0, ctx, Purpose::TruncHighShare, start, high)?;
                self.fill_at(WITH_1, ctx, Purpose::TruncMsbShare, start, msb)?;
                let words = DealerWords { r_a, r_b, kappa, high, msb };
                let hidden = &mut hidden_z2[step.clone()];
                kernels::deal(
                    f,
                    &z[start..range.start + step.end],
                    &words,
                    hidden,
                    &mut msb_packed[packed_words(&step)],
                    &mut high_parts[step.clone()],
                );
                if !forward {
                    hidden_for_1[step].copy_from_slice(hidden);
                }
            }
            let to_1 = &to_1[..if forward { len } else { 2 * len }];
            net.send_many(&[(p0, open.part(k), &to_0[..len + packed_len(len)]), (p1, open.part(k), to_1)])?;
            // This server's shares of the result come from seeds alone.
            self.fill_at(WITH_0, ctx, Purpose::TruncOutShare0, range.start, &mut w0[range.clone()])?;
            self.fill_at(WITH_1, ctx, Purpose::TruncOutShare2, range.start, &mut w2[range.clone()])?;
        }
        recycle_all(net, [z, to_0, to_1]);
        Ok(Share::new(RingTensor::new(shape.clone(), w2)?, RingTensor::new(shape, w0)?))
    }

    /// Adds this server's mask (`purpose`, from the seed it shares with
    /// server 2) to `z`, elements `first..` of the op.
    fn add_mask(&self, ctx: OpContext, with_2: bool, purpose: Purpose, z: &mut [u64], first: usize) -> Result<()> {
        let mut mask = [0u64; STEP];
        for (k, z) in z.chunks_mut(STEP).enumerate() {
            let mask = &mut mask[..z.len()];
            self.fill_at(with_2, ctx, purpose, first + k * STEP, mask)?;
            kernels::add_into(z, mask);
        }
        Ok(())
    }

    /// Receives the other server's parts of the reshare step and adds them
    /// into `sum`: servers 0 and 1 each end with w1. Last, so that waiting
    /// for one of them never holds up this server's own parts.
    fn add_other_parts(
        &self,
        net: &mut Endpoint,
        from: usize,
        reshare: Tag,
        sum: &mut [u64],
        ranges: &[Range<usize>],
    ) -> Result<()> {
        for (k, range) in ranges.iter().enumerate() {
            let other = self.recv_len(net, from, reshare.part(k), range.len())?;
            kernels::add_into(&mut sum[range.clone()], &other);
            net.recycle(other);
        }
        Ok(())
    }
}

/// Hands buffers this server is done with back to the endpoint's pool.
fn recycle_all<const N: usize>(net: &Endpoint, buffers: [Vec<u64>; N]) {
    for words in buffers {
        net.recycle(words);
    }
}
