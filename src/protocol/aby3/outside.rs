//! The overflow check of training: for each segment of a vector, how many of
//! its blocks of 64 values hold a value outside [−bound, bound), for a
//! bound that is a power of two. Exact for every word of the ring; the
//! count stays shared until a reveal.
//!
//! # One window test instead of two comparisons
//!
//! Let L = 2^m encode the bound and p = m + 1. x lies in [−L, L), read as
//! a signed word, exactly when y = x + L lies in [0, 2^p) read as an
//! unsigned word (adding L maps the one interval onto the other modulo
//! 2^64), that is when bits p..63 of y are all zero. Write y = a + b with
//! a = y0 + y1 (known to server 0) and b = y2 (known to servers 1 and 2),
//! A = a >> p and B = b >> p (h = 64 − p bits each), and c the carry out
//! of the low p bits of a + b. Then y >> p = A + B + c (mod 2^h), which is
//! zero exactly when c = 0 and A = −B, or c = 1 and A = −B − 1 = NOT B
//! (mod 2^h). So
//!
//! - c is bit p of y (`msb.rs`'s carry tree, which computes bit k − 1 of
//!   a + b exactly from the low k bits; for k > p + 1, of y·2^(k−p−1)) XOR
//!   the bits p of a and b;
//! - e0 = [A = −B] is the AND over the h bit positions j of
//!   NOT(bit j of A ⊕ bit j of −B), and e1 = [A = NOT B] the AND of
//!   bit j of A ⊕ bit j of B: server 0 shares A's bits, the
//!   rest is local, and each AND tree takes ⌈log2 h⌉ levels. Both trees
//!   travel in the carry tree's rounds: A's bits with the carry tree's
//!   shared bits, each level with one of its levels (`msb_sliced_beside`),
//!   so they add no round while ⌈log2 h⌉ is at most the carry tree's AND
//!   levels (5 at k = 39);
//! - inside = e0 ⊕ c·(e0 ⊕ e1) (e0 and e1 exclude each other): 1 round.
//!
//! Everything is bit-sliced (`msb/bitslice.rs`): a word holds one bit of
//! 64 values, so an AND costs one word per 64 values. Each segment is
//! padded with zeros (inside) to whole blocks of 64, so a block never spans
//! two segments. On a vector of at most 4,096 values (padded), each
//! value's negated inside-bit is injected into the fixed-point 1.0 (2
//! rounds) and the flags are summed per segment, locally: the count of
//! values outside. On a longer one, where the injection's bytes would
//! cost more than 6 rounds, the 64 inside-bits of a block are first folded
//! by ANDs of halves (6 rounds) and one flag per block is injected: the
//! count of blocks holding a value outside. `outside_group_size` says
//! which, from the lengths alone.
//!
//! Cost with the default 16 + 20 bits and the bound 2^20 (p = 37, h = 27):
//! per value, 9 rounds (6 for the carry and the equalities, 1 for the mux,
//! 2 for the injection); per block of 64 values server 0 sends the msb's
//! 130 words (k = 39), A's 27 planes, 52 words in the AND trees, 1 in the
//! mux and 3 per value in the injection: 402 words, about 50 bytes per
//! value. Per block, 15 rounds (6 more for the fold) and 6 words in the
//! fold and 3 in the injection instead: 219 words, about 27 bytes per
//! value (two comparisons after a division, what training used before,
//! sent about 97).

use super::boolean::cross_terms;
use super::msb::{Beside, ExtraWords, slice_rows};
use super::{Aby3, BoolShare, Share, Steps};
use crate::error::{Error, Result};
use crate::fixed::FixedConfig;
use crate::net::Endpoint;
use crate::parallel::map;
use crate::ring::RingTensor;

/// Values per block: one word of a bit plane.
const BLOCK: usize = 64;

/// The most values (segments padded to whole blocks) whose flags are
/// injected one per value rather than folded per block: the fold's 6
/// rounds cost more than the injection's 3 words per value here (at 4,096
/// values, 96 KB more from server 0, against 6 round trips of about 37 µs
/// each over loopback).
const PER_VALUE_MAX: usize = 4096;

impl Aby3 {
    /// For each segment of `x` (a vector of the segments' lengths, in
    /// order), the number of its groups of [`outside_group_size`] values
    /// (one value, or a block of 64) that hold a value outside [−`bound`,
    /// `bound`), as fixed-point integers: 0 exactly when every value of the
    /// segment lies within. `bound` is a power of two from 2^−f to 2^i.
    pub fn count_outside(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        x: &Share,
        bound: f64,
        segments: &[usize],
    ) -> Result<Share> {
        let me = self.index()?;
        let total: usize = segments.iter().sum();
        if x.shape() != [total] {
            return Err(Error::invalid(format!(
                "count_outside: segments of {total} values in all need a vector of shape [{total}], found {:?}",
                x.shape()
            )));
        }
        let p = outside_window_bits(self.fixed, bound)?;
        let h = 64 - p;
        let block_counts: Vec<usize> = segments.iter().map(|n| n.div_ceil(BLOCK)).collect();
        let blocks: usize = block_counts.iter().sum();
        if blocks == 0 {
            let zero = RingTensor::zeros(&[segments.len()]);
            return Ok(Share::new(zero.clone(), zero));
        }
        let n = blocks * BLOCK;
        let y = padded_plus(x, segments, n, me, 1u64 << (p - 1))?;

        // The h high planes of a (server 0 shares them) and of b (servers 1
        // and 2 know them).
        let high = |values: &[u64]| slice_rows(values, h, |planes, out| out.copy_from_slice(&planes[p..]));
        let a_planes = (me == 0).then(|| high(&map(n, |i| y.a.data()[i].wrapping_add(y.b.data()[i]))));
        let b_values: &[u64] = match me {
            0 => &[],
            1 => y.b.data(),
            _ => y.a.data(),
        };
        let (b, minus_b) = if me == 0 {
            (Vec::new(), Vec::new())
        } else {
            let negated = map(n, |i| (b_values[i] >> p).wrapping_neg() << p);
            (high(b_values), high(&negated))
        };

        // Bit p of y, from the carry tree on k ≥ p + 1 bits of y·2^(k−p−1),
        // and beside it in the same rounds e0 = [A = −B] and e1 = [A = NOT B].
        let k = (p + 1).max(self.fixed.comparison_bits() as usize);
        let shift = (k - p - 1) as u32;
        let shifted = Share::new(y.a.map(|v| v << shift), y.b.map(|v| v << shift));
        let ([bit_a, bit_b], a, equal) = self.msb_sliced_beside(
            net,
            steps,
            &shifted,
            k as u32,
            ExtraWords { value: a_planes.as_deref(), len: blocks * h },
            |a| {
                let equal_minus_b = known_xor(a, me, &minus_b)?.not(me);
                let equal_not_b = known_xor(a, me, &b)?;
                Ok(PlaneTree::new(&concat(&equal_minus_b, &equal_not_b)?, h))
            },
        )?;
        let bit_p = BoolShare::new(RingTensor::new(vec![blocks], bit_a)?, RingTensor::new(vec![blocks], bit_b)?);
        let e = equal.result()?;
        let (e0, e1) = (slice(&e, 0, blocks)?, slice(&e, blocks, blocks)?);

        // c = bit p of y ⊕ a_p ⊕ b_p (plane 0 of each); inside = e0 ⊕ c·(e0 ⊕ e1).
        let plane0 =
            |v: &[u64]| -> Vec<u64> { if v.is_empty() { Vec::new() } else { (0..blocks).map(|w| v[w * h]).collect() } };
        let a_p = BoolShare::new(
            RingTensor::new(vec![blocks], plane0(a.a.data()))?,
            RingTensor::new(vec![blocks], plane0(a.b.data()))?,
        );
        let carry = known_xor(&bit_p.xor(&a_p)?, me, &plane0(&b))?;
        let inside = e0.xor(&self.and_bool(net, steps.take()?, &carry, &e0.xor(&e1)?)?)?;

        if outside_group_size(segments) == 1 {
            let flags = self.bit_to_fixed(net, steps, &one_word_per_value(&inside.not(me))?)?;
            let value_counts: Vec<usize> = block_counts.iter().map(|&k| k * BLOCK).collect();
            return per_segment_sums(&flags, &value_counts);
        }
        let mut all_inside = inside;
        for shift in [32, 16, 8, 4, 2, 1] {
            all_inside = self.and_bool(net, steps.take()?, &all_inside, &all_inside.shr_logical(shift))?;
        }
        let flags = self.bit_to_fixed(net, steps, &all_inside.not(me).and_public(1))?;
        per_segment_sums(&flags, &block_counts)
    }
}

/// How many values `count_outside` counts as one for `segments`: each value
/// alone (1) when the segments hold at most [`PER_VALUE_MAX`] values padded
/// to whole blocks, else blocks of 64. Public: it follows from the lengths.
pub fn outside_group_size(segments: &[usize]) -> usize {
    let values: usize = segments.iter().map(|n| n.div_ceil(BLOCK) * BLOCK).sum();
    if values <= PER_VALUE_MAX { 1 } else { BLOCK }
}

/// Each bit of the bit-sliced words as a word of its own (bit 0), one per
/// value, in block order: the sums per segment only need each block's
/// values to stay in their block.
fn one_word_per_value(bits: &BoolShare) -> Result<BoolShare> {
    let spread = |t: &RingTensor| {
        let words = t.data();
        RingTensor::new(
            vec![words.len() * BLOCK],
            (0..words.len() * BLOCK).map(|i| (words[i / BLOCK] >> (i % BLOCK)) & 1).collect(),
        )
    };
    Ok(BoolShare::new(spread(&bits.a)?, spread(&bits.b)?))
}

/// The AND of each block's `rows` planes, pairs of planes per level: one
/// word per block at the end.
struct PlaneTree {
    words: [Vec<u64>; 2],
    rows: usize,
    blocks: usize,
}

impl PlaneTree {
    fn new(x: &BoolShare, rows: usize) -> Self {
        PlaneTree { words: [x.a.data().to_vec(), x.b.data().to_vec()], rows, blocks: x.a.len() / rows }
    }

    /// The AND of each block's planes, once every level is done.
    fn result(self) -> Result<BoolShare> {
        if self.rows != 1 {
            return Err(Error::internal("an AND tree was read before its last level"));
        }
        let [a, b] = self.words;
        Ok(BoolShare::new(RingTensor::new(vec![self.blocks], a)?, RingTensor::new(vec![self.blocks], b)?))
    }
}

/// `count_outside`'s equality trees travel beside the carry tree.
impl Beside for PlaneTree {
    /// The cross terms of the next level: row 2u AND row 2u + 1 of each block.
    fn local(&self) -> Vec<u64> {
        if self.rows <= 1 {
            return Vec::new();
        }
        let (pairs, rows, [xa, xb]) = (self.rows / 2, self.rows, &self.words);
        let mut out = Vec::with_capacity(self.blocks * pairs);
        for w in 0..self.blocks {
            for u in 0..pairs {
                let (even, odd) = (w * rows + 2 * u, w * rows + 2 * u + 1);
                out.push(cross_terms(xa[even], xb[even], xa[odd], xb[odd]));
            }
        }
        out
    }

    /// The level's ANDs, each block's odd row carried over.
    fn finish(&mut self, z: [&[u64]; 2]) {
        let (pairs, rows) = (self.rows / 2, self.rows);
        let next = pairs + rows % 2;
        for (c, anded) in z.iter().enumerate() {
            let old = &self.words[c];
            let mut out = Vec::with_capacity(self.blocks * next);
            for w in 0..self.blocks {
                out.extend_from_slice(&anded[w * pairs..(w + 1) * pairs]);
                if rows % 2 == 1 {
                    out.push(old[w * rows + rows - 1]);
                }
            }
            self.words[c] = out;
        }
        self.rows = next;
    }
}

/// x + `offset` (public) with each segment padded with zeros to whole
/// blocks: `n` values, in one pass over each component. The offset goes
/// into x0, as `Share::add_public` adds it.
fn padded_plus(x: &Share, segments: &[usize], n: usize, me: usize, offset: u64) -> Result<Share> {
    let component = |data: &[u64], offset: u64| -> Vec<u64> {
        let mut out = vec![offset; n];
        let (mut from, mut to) = (0, 0);
        for &len in segments {
            for (o, v) in out[to..to + len].iter_mut().zip(&data[from..from + len]) {
                *o = v.wrapping_add(offset);
            }
            from += len;
            to += len.div_ceil(BLOCK) * BLOCK;
        }
        out
    };
    let [in_a, in_b] = Share::holds_x0(me);
    let offset_if = |held: bool| if held { offset } else { 0 };
    Ok(Share::new(
        RingTensor::new(vec![n], component(x.a.data(), offset_if(in_a)))?,
        RingTensor::new(vec![n], component(x.b.data(), offset_if(in_b)))?,
    ))
}

/// XORs words that servers 1 and 2 know (`words`, empty at server 0) into
/// the sharing's third component, which server 1 holds as `b` and server 2
/// as `a`.
fn known_xor(x: &BoolShare, me: usize, words: &[u64]) -> Result<BoolShare> {
    let xor =
        |t: &RingTensor| RingTensor::new(t.shape().to_vec(), t.data().iter().zip(words).map(|(v, w)| v ^ w).collect());
    Ok(match me {
        0 => x.clone(),
        1 => BoolShare::new(x.a.clone(), xor(&x.b)?),
        _ => BoolShare::new(xor(&x.a)?, x.b.clone()),
    })
}

/// `x` followed by `y`, as one vector.
fn concat(x: &BoolShare, y: &BoolShare) -> Result<BoolShare> {
    let join = |p: &RingTensor, q: &RingTensor| RingTensor::new(vec![p.len() + q.len()], [p.data(), q.data()].concat());
    Ok(BoolShare::new(join(&x.a, &y.a)?, join(&x.b, &y.b)?))
}

/// Words `from..from + len` of a vector.
fn slice(x: &BoolShare, from: usize, len: usize) -> Result<BoolShare> {
    let part = |t: &RingTensor| RingTensor::new(vec![len], t.data()[from..from + len].to_vec());
    Ok(BoolShare::new(part(&x.a)?, part(&x.b)?))
}

/// The per-block flags summed over each segment's blocks.
fn per_segment_sums(flags: &Share, block_counts: &[usize]) -> Result<Share> {
    let sums = |data: &[u64]| -> Vec<u64> {
        let mut at = 0;
        block_counts
            .iter()
            .map(|&k| {
                at += k;
                data[at - k..at].iter().fold(0u64, |s, &v| s.wrapping_add(v))
            })
            .collect()
    };
    let shape = vec![block_counts.len()];
    Ok(Share::new(RingTensor::new(shape.clone(), sums(flags.a.data()))?, RingTensor::new(shape, sums(flags.b.data()))?))
}

/// p = m + 1 for a bound of 2^e (L = 2^m, m = e + f): the window [0, 2^p)
/// of x + L. The bound must be a power of two from one unit (2^−f) to the
/// fixed-point range's 2^i; the graph checks it with this rule too.
pub fn outside_window_bits(fixed: FixedConfig, bound: f64) -> Result<usize> {
    let f = fixed.frac_bits as i32;
    let exponent = bound.log2();
    if !(exponent.fract() == 0.0 && exponent >= f64::from(-f) && exponent <= f64::from(fixed.int_bits)) {
        return Err(Error::invalid(format!(
            "count_outside: the bound must be a power of two in [2^−{f}, 2^{}], found {bound}",
            fixed.int_bits
        )));
    }
    Ok((exponent as i32 + f) as usize + 1)
}
