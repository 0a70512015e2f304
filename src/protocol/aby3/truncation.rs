//! Exact fixed-point truncation: from an additive 3-out-of-3 share of x to a
//! replicated share of x / 2^f, in two rounds.
//!
//! The method is the "known most significant bits" truncation of SecureQ8
//! (Dalskov, Escudero, Keller), TF Encrypted's `truncate_msb0` and SPU's
//! TruncAPr, with server 2 as the dealer of the correlated randomness:
//!
//! 1. Servers 0 and 1 open c = x + 2^62 + r to each other, where
//!    `r = r_A + ρ − z2`: `r_A` from the seed server 2 shares with server 0, ρ
//!    from the one it shares with server 1, and z2 server 2's own share of
//!    x. Server 0 sends z0 + `r_A`, server 1 sends z1 + ρ, each hidden by a
//!    mask its receiver does not know, and their sum is z0 + z1 + `r_A` + ρ
//!    = x + r: server 2's share is folded into r, which it knows whole, so
//!    it never sends it. (r is uniform to server 0, which lacks ρ, and to
//!    server 1, which lacks `r_A`, so c hides x from both.) Server 2 deals
//!    additive sharings of `r_hi = (r mod 2^63) >> f` and of `r_msb = r >> 63`:
//!    server 0 draws its part of `r_hi` from their seed and server 2 sends
//!    server 1 the rest; server 1 draws its part of `r_msb` and server 2 sends
//!    server 0 the rest (f + 1 bits of it matter, so two go in a word).
//! 2. With x' = x + 2^62 in [0, 2^63), the carry of x' + (r mod 2^63) into
//!    bit 63 is msb(c) XOR `r_msb`, linear in `r_msb` because msb(c) is public to
//!    0 and 1. So (c mod 2^63) >> f − `r_hi` + carry·2^(63−f) − 2^(62−f) is
//!    ⌊x / 2^f⌋ or one more (the carry out of the low f bits of x' + r).
//!    Servers 0 and 1 exchange their parts of it, masked, to form a
//!    replicated share with server 2's parts from seeds.
//!
//! Bytes per element sent by servers 0, 1 and 2: 16, 16 and 12 (44 in all);
//! server 2 receives nothing.
//!
//! Bound: for every |x| < 2^62 the result is ⌊x/2^f⌋ + e with e in {0, 1},
//! i.e. within one unit in the last place; there is no probabilistic
//! wrap-around failure. Cost: 2 rounds.
//!
//! The shift is the fractional bits f for products, or any other s up to
//! [`MAX_SHIFT`] (division by a public value truncates by more, see
//! `protocol::division`): everything above holds with s for f, and the
//! `r_msb` parts need s + 1 ≤ 32 bits to go two in a word.
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
use crate::protocol::MAX_SHIFT;
use crate::ring::RingTensor;

const OPEN_STEP: u32 = 1;
const RESHARE_STEP: u32 = 2;
/// Seeds shared with server 2: `prev` at server 0, `next` at server 1.
const AT_0_WITH_2: bool = false;
const AT_1_WITH_2: bool = true;
/// Seeds shared with servers 0 and 1 at server 2: its `next` and `prev`.
const WITH_0: bool = true;
const WITH_1: bool = false;
/// Elements per part of the messages of a large truncation: 128 KiB per
/// word of an element.
pub(super) const PART: usize = 1 << 14;

/// The tags of a truncation's two rounds in `ctx`: opening c, and
/// exchanging the parts of the result. Its messages are part 0 of each
/// (inputs of up to [`PART`] elements go in one part); `product_relu.rs`
/// sends the sign's messages of the same rounds as the last part.
pub(super) fn truncation_rounds(ctx: OpContext) -> [Tag; 2] {
    [ctx.tag(OPEN_STEP), ctx.tag(RESHARE_STEP)]
}

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

/// The packed `r_msb` words of `step` within its part's packed words (every
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

/// Server 0 or 1 between the two rounds of a truncation: its part of w1
/// (sent to the other, whose part completes it) and its output share.
pub(super) struct Opened {
    shape: Vec<usize>,
    part: Vec<u64>,
    w: Vec<u64>,
    ranges: Vec<Range<usize>>,
    at_0: bool,
    other: usize,
    reshare: Tag,
}

impl Opened {
    /// The second round at server 0 or 1: the other's part completes w1.
    pub(super) fn close(self, net: &mut Endpoint) -> Result<Share> {
        let Opened { shape, mut part, w, ranges, at_0, other, reshare } = self;
        Aby3::add_other_parts(net, other, reshare, &mut part, &ranges)?;
        let (part, w) = (RingTensor::new(shape.clone(), part)?, RingTensor::new(shape, w)?);
        // Server 0 holds (w0, w1), server 1 holds (w1, w2).
        Ok(if at_0 { Share::new(w, part) } else { Share::new(part, w) })
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
        self.truncate_additive_by(net, ctx, z, self.fixed.frac_bits)
    }

    /// Truncates a replicated share (after a product with a public value).
    pub fn truncate(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        self.truncate_by(net, ctx, x, self.fixed.frac_bits)
    }

    /// Truncates a replicated share by `bits` (1 to [`MAX_SHIFT`]) rather
    /// than the fractional bits: ⌊x / 2^bits⌋ + {0, 1} for |x| < 2^62.
    pub fn truncate_by(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, bits: u32) -> Result<Share> {
        self.truncate_additive_by(net, ctx, AdditiveShare::Whole(x.a.clone()), bits)
    }

    fn truncate_additive_by(&self, net: &mut Endpoint, ctx: OpContext, z: AdditiveShare, bits: u32) -> Result<Share> {
        if !(1..=MAX_SHIFT).contains(&bits) {
            return Err(Error::internal(format!("a truncation by {bits} bits: expected 1 to {MAX_SHIFT}")));
        }
        match self.index()? {
            i @ (0 | 1) => self.truncate_open(net, ctx, z, i, bits, None)?.close(net),
            2 => self.truncate_at_2(net, ctx, z, bits, None),
            _ => Err(Error::internal("server index above 2")),
        }
    }

    /// Server `i` (0 or 1): the first round of the truncation (opening c
    /// with the other) and the sending of its part of the result, truncated
    /// by `f` bits, in the second; [`Opened::close`] receives the other's.
    /// It writes c = x + r into
    /// `opened_value` when asked (`product_relu.rs` takes the sign of the
    /// result from it while the parts are on their way).
    pub(super) fn truncate_open(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        z: AdditiveShare,
        i: usize,
        f: u32,
        mut opened_value: Option<&mut [u64]>,
    ) -> Result<Opened> {
        let (shape, z, make) = z.into_words(net);
        let (n, at_0) = (z.len(), i == 0);
        let (other, dealer) = (self.servers[1 - i], self.servers[2]);
        let (open, reshare) = (ctx.tag(OPEN_STEP), ctx.tag(RESHARE_STEP));
        let ranges = parts(n);
        // Which seed this server shares with server 2, and what it draws.
        let (with_2, mask, output, own) = if at_0 {
            (AT_0_WITH_2, Purpose::TruncMaskA, Purpose::TruncOutShare0, Purpose::TruncHighShare)
        } else {
            (AT_1_WITH_2, Purpose::TruncMaskB, Purpose::TruncOutShare2, Purpose::TruncMsbShare)
        };
        // z + mask, sent to the other: all parts first, so that the other
        // never waits for them.
        let mut masked = z;
        for (k, range) in ranges.iter().enumerate() {
            make_part(make, &mut masked, range);
            self.add_mask(ctx, with_2, mask, &mut masked[range.clone()], range.start)?;
            net.send(other, open.part(k), &masked[range.clone()])?;
        }
        // `part` ends as w1; `w` is this server's output share from server 2.
        let (mut part, mut w) = (net.buffer(n), net.buffer(n));
        let (mut c, mut drawn) = ([0u64; STEP], [0u64; STEP]);
        for (k, range) in ranges.iter().enumerate() {
            let len = range.len();
            // Server 2 sends server 0 its parts of r_msb, packed, and server
            // 1 its parts of r_hi.
            let from_other = Self::recv_len(net, other, open.part(k), len)?;
            let from_2 = Self::recv_len(net, dealer, open.part(k), if at_0 { packed_len(len) } else { len })?;
            let (masked, part, w) = (&masked[range.clone()], &mut part[range.clone()], &mut w[range.clone()]);
            for step in steps(len) {
                let (c, drawn, start) = (&mut c[..step.len()], &mut drawn[..step.len()], range.start + step.start);
                let w = &mut w[step.clone()];
                self.fill_at(with_2, ctx, output, start, w)?;
                self.fill_at(with_2, ctx, own, start, drawn)?;
                kernels::open(&masked[step.clone()], &from_other[step.clone()], c);
                if let Some(out) = opened_value.as_deref_mut() {
                    out[start..start + c.len()].copy_from_slice(c);
                }
                if at_0 {
                    kernels::part_at_0(f, c, &from_2[packed_words(&step)], drawn, w, &mut part[step]);
                } else {
                    kernels::part_at_1(f, c, drawn, &from_2[step.clone()], w, &mut part[step]);
                }
            }
            recycle_all(net, [from_other, from_2]);
            net.send(other, reshare.part(k), part)?;
        }
        net.recycle(masked);
        Ok(Opened { shape, part, w, ranges, at_0, other, reshare })
    }

    /// Server 2: deals the sharings of `r_hi` and `r_msb` for the r its share
    /// z2 is folded into, for a truncation by `f` bits. It writes r =
    /// `r_A` + ρ − z2 into `mask_out` when asked: servers 0 and 1 open
    /// c = x + r, so x = c − r (`product_relu.rs` takes the sign of the
    /// result from it).
    pub(super) fn truncate_at_2(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        z: AdditiveShare,
        f: u32,
        mut mask_out: Option<&mut [u64]>,
    ) -> Result<Share> {
        let (shape, mut z, make) = z.into_words(net);
        let n = z.len();
        let (p0, p1) = (self.servers[0], self.servers[1]);
        let open = ctx.tag(OPEN_STEP);
        let ranges = parts(n);
        let longest = ranges.iter().map(Range::len).max().unwrap_or(0);
        // Per part: server 0's parts of r_msb, packed; server 1's of r_hi.
        let (mut msb_packed, mut high_parts) = (net.buffer(packed_len(longest)), net.buffer(longest));
        let (mut w0, mut w2) = (net.buffer(n), net.buffer(n));
        let mut scratch = [[0u64; STEP]; 4];
        for (k, range) in ranges.iter().enumerate() {
            let len = range.len();
            make_part(make, &mut z, range);
            for step in steps(len) {
                let start = range.start + step.start;
                let [r_a, rho, high, msb] = scratch.each_mut().map(|words| &mut words[..step.len()]);
                self.fill_at(WITH_0, ctx, Purpose::TruncMaskA, start, r_a)?;
                self.fill_at(WITH_1, ctx, Purpose::TruncMaskB, start, rho)?;
                self.fill_at(WITH_0, ctx, Purpose::TruncHighShare, start, high)?;
                self.fill_at(WITH_1, ctx, Purpose::TruncMsbShare, start, msb)?;
                let words = DealerWords { r_a, rho, high, msb };
                let z2 = &z[start..range.start + step.end];
                kernels::deal(f, z2, &words, &mut msb_packed[packed_words(&step)], &mut high_parts[step.clone()]);
                if let Some(out) = mask_out.as_deref_mut() {
                    let out = &mut out[start..start + z2.len()];
                    for (r, ((r_a, rho), z2)) in out.iter_mut().zip(words.r_a.iter().zip(words.rho).zip(z2)) {
                        *r = r_a.wrapping_add(*rho).wrapping_sub(*z2);
                    }
                }
            }
            let (to_0, to_1) = (&msb_packed[..packed_len(len)], &high_parts[..len]);
            net.send_many(&[(p0, open.part(k), to_0), (p1, open.part(k), to_1)])?;
            // This server's shares of the result come from seeds alone.
            self.fill_at(WITH_0, ctx, Purpose::TruncOutShare0, range.start, &mut w0[range.clone()])?;
            self.fill_at(WITH_1, ctx, Purpose::TruncOutShare2, range.start, &mut w2[range.clone()])?;
        }
        recycle_all(net, [z, msb_packed, high_parts]);
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
        net: &mut Endpoint,
        from: usize,
        reshare: Tag,
        sum: &mut [u64],
        ranges: &[Range<usize>],
    ) -> Result<()> {
        for (k, range) in ranges.iter().enumerate() {
            let other = Self::recv_len(net, from, reshare.part(k), range.len())?;
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
