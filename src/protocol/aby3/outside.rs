//! The overflow check of training: for each segment of a vector, how many of
//! its blocks of 64 values hold a value outside ±bound. Exact for every
//! word of the ring, and it reveals nothing by itself (the count stays
//! shared until a reveal).
//!
//! # Why two signs on all 64 bits are exact
//!
//! Let L (1 ≤ L < 2^63) encode the bound and read words as signed. x lies
//! inside, |x| < L, exactly when x − L and −x − L are both negative: for
//! |x| < L both lie in (−2L, 0), no wrap-around; for x ≥ L, x − L lies in
//! [0, 2^63 − L); for −2^63 < x ≤ −L, −x − L lies in [0, 2^63 − L); and for
//! x = −2^63, −x wraps to −2^63 and −x − L to 2^63 − L ≥ 0. The signs are
//! read on all 64 bits (`msb.rs` with k = 64), so none is ever wrong.
//!
//! # Steps
//!
//! 1. Each segment is padded with zeros (inside) to whole blocks, so a block
//!    never spans two segments; x − L and −x − L of the padded vector go
//!    through one msb of twice its length (7 rounds).
//! 2. The 64 signs of a block's x − L and of its −x − L are packed into two
//!    words (locally), combined by one AND (1 round), and the 64 bits of the
//!    result folded by ANDs of halves (6 rounds): bit 0 says every value of the block is
//!    inside.
//! 3. Its negation is injected into the fixed-point 1.0 (2 rounds) and the
//!    flags are summed per segment, locally.
//!
//! Cost: 16 rounds; server 0 sends 2 · 215 words of the msb per block of 64
//! values, the AND rounds about one word per block each, and the injection
//! a few words per block: about 55 bytes per value, where two comparisons
//! with the bound after a division (what training used before) send about
//! 97 in 10 rounds.

use super::{Aby3, BoolShare, Share, Steps};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::ring::RingTensor;

/// Values per block: one word of packed bits.
const BLOCK: usize = 64;

impl Aby3 {
    /// For each segment of `x` (a vector of the segments' lengths, in
    /// order), the number of its blocks of 64 values that hold a value
    /// with |x| ≥ `bound`, as fixed-point integers: 0 exactly when every
    /// value of the segment lies within ±`bound` (exclusive).
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
        let limit = if bound > 0.0 { self.fixed.encode_value(bound)? } else { 0 };
        if limit == 0 {
            return Err(Error::invalid(format!(
                "count_outside: the bound must lie in [2^−{}, 2^{}], found {bound}",
                self.fixed.frac_bits, self.fixed.int_bits
            )));
        }
        let blocks: Vec<usize> = segments.iter().map(|n| n.div_ceil(BLOCK)).collect();
        let words: usize = blocks.iter().sum();
        if words == 0 {
            let zero = RingTensor::zeros(&[segments.len()]);
            return Ok(Share::new(zero.clone(), zero));
        }
        let padded = words * BLOCK;
        let both = both_signs_operand(x, segments, padded)?;
        let both = both.add_public(me, &RingTensor::filled(&[2 * padded], limit.wrapping_neg()))?;
        let negative = self.msb_width(net, steps, &both, 64)?;
        let below = pack(&negative, 0, words)?;
        let above = pack(&negative, padded, words)?;
        let mut inside = self.and_bool(net, steps.take()?, &below, &above)?;
        for shift in [32, 16, 8, 4, 2, 1] {
            inside = self.and_bool(net, steps.take()?, &inside, &inside.shr_logical(shift))?;
        }
        let flags = self.bit_to_fixed(net, steps, &inside.not(me).and_public(1))?;
        let (fa, fb) = (flags.a.data(), flags.b.data());
        let (mut ca, mut cb) = (Vec::with_capacity(segments.len()), Vec::with_capacity(segments.len()));
        let mut at = 0;
        for &k in &blocks {
            ca.push(fa[at..at + k].iter().fold(0u64, |s, &v| s.wrapping_add(v)));
            cb.push(fb[at..at + k].iter().fold(0u64, |s, &v| s.wrapping_add(v)));
            at += k;
        }
        let shape = vec![segments.len()];
        Ok(Share::new(RingTensor::new(shape.clone(), ca)?, RingTensor::new(shape, cb)?))
    }
}

/// x (each segment padded with zeros to whole blocks) followed by −x,
/// padded alike: `2 · padded` values.
fn both_signs_operand(x: &Share, segments: &[usize], padded: usize) -> Result<Share> {
    let component = |data: &[u64]| -> Vec<u64> {
        let mut out = vec![0u64; 2 * padded];
        let (mut from, mut to) = (0, 0);
        for &n in segments {
            for i in 0..n {
                out[to + i] = data[from + i];
                out[padded + to + i] = data[from + i].wrapping_neg();
            }
            from += n;
            to += n.div_ceil(BLOCK) * BLOCK;
        }
        out
    };
    let shape = vec![2 * padded];
    Ok(Share::new(
        RingTensor::new(shape.clone(), component(x.a.data()))?,
        RingTensor::new(shape, component(x.b.data()))?,
    ))
}

/// Bit 0 of `words` blocks of 64 elements from `from` on, one word per
/// block (element j of a block in bit j): a GF(2)-linear map, so each
/// component packs on its own.
fn pack(bits: &BoolShare, from: usize, words: usize) -> Result<BoolShare> {
    let component = |data: &[u64]| -> Vec<u64> {
        (0..words)
            .map(|w| {
                let block = &data[from + w * BLOCK..from + (w + 1) * BLOCK];
                block.iter().enumerate().fold(0u64, |word, (j, &b)| word | ((b & 1) << j))
            })
            .collect()
    };
    Ok(BoolShare::new(
        RingTensor::new(vec![words], component(bits.a.data()))?,
        RingTensor::new(vec![words], component(bits.b.data()))?,
    ))
}
