//! The most significant bit of arithmetic shares, with a bit-packed carry
//! tree.
//!
//! x = a + b with a = x0 + x1 (boolean-shared by server 0: one round) and
//! b = x2 (free). msb(x) = a63 ⊕ b63 ⊕ c63, where c63, the carry into bit 63,
//! is the group generate of bits 0..63 once position 63 is given g = 0,
//! p = 1. One AND round gives g = a & b; six tree levels follow. At a level
//! where each element has w positions left, the even (lower) and odd
//! (higher) positions of each pair combine:
//! G' = G_odd ⊕ P_odd·G_even and P' = P_odd·P_even, so the AND operands
//! of an element are w bits, and 64/w elements share one AND word. The
//! levels cost 1, 1/2, 1/4, ... words per element: about 2 instead of 6.
//! The state stays packed: after level j a word holds 2^(j+1) elements'
//! lanes, so the local work shrinks with the lanes too. Separating even and
//! odd bits, and gathering lanes, are bit permutations, linear over GF(2),
//! so each server applies them to its components locally.
//!
//! Cost: 8 rounds; at most 8 (server 0) + 8 + 16 bytes per element, plus
//! one word per packed level for the last partial word.

use super::kernels::{map, map2};
use super::{Aby3, BoolShare, Share, Steps};
use crate::error::Result;
use crate::net::Endpoint;
use crate::ring::RingTensor;

const BIT63: u64 = 1 << 63;
const LOW32: u64 = 0xFFFF_FFFF;

/// The stages of Hacker's Delight's outer unshuffle: (shift, mask).
const STAGES: [(u32, u64); 5] = [
    (1, 0x2222_2222_2222_2222),
    (2, 0x0C0C_0C0C_0C0C_0C0C),
    (4, 0x00F0_00F0_00F0_00F0),
    (8, 0x0000_FF00_0000_FF00),
    (16, 0x0000_0000_FFFF_0000),
];

/// Applies the unshuffle stages with shifts in `lo..=hi`. Stages 1..w/4
/// unzip every w-bit lane (even bits to its low half, odd bits to its high
/// half); stages half..16 gather the low halves of the 2·half-bit lanes
/// into the low 32 bits.
#[inline(always)]
fn stages(mut x: u64, lo: u32, hi: u32) -> u64 {
    for (s, m) in STAGES {
        if s >= lo && s <= hi {
            let t = (x ^ (x >> s)) & m;
            x ^= t ^ (t << s);
        }
    }
    x
}

/// The low half of every w-bit lane.
#[inline(always)]
fn lane_low(w: u32) -> u64 {
    match w {
        64 => 0x0000_0000_FFFF_FFFF,
        32 => 0x0000_FFFF_0000_FFFF,
        16 => 0x00FF_00FF_00FF_00FF,
        8 => 0x0F0F_0F0F_0F0F_0F0F,
        4 => 0x3333_3333_3333_3333,
        _ => 0x5555_5555_5555_5555,
    }
}

/// One tree level on lane-packed words (lanes of w bits): the AND
/// operands, then (after the AND) the next state, lanes of w/2 bits.
#[inline(always)]
fn operands(p: u64, g: u64, w: u32) -> (u64, u64) {
    let (half, lm) = (w / 2, lane_low(w));
    let (p, g) = (stages(p, 1, w / 4), stages(g, 1, w / 4));
    let (pe, po, ge) = (p & lm, (p >> half) & lm, g & lm);
    (po | (po << half), ge | (pe << half))
}

#[inline(always)]
fn next_state(g: u64, z: u64, w: u32) -> (u64, u64) {
    let (half, lm) = (w / 2, lane_low(w));
    let go = (stages(g, 1, w / 4) >> half) & lm;
    let (ng, np) = (go ^ (z & lm), (z >> half) & lm);
    (stages(ng, half, 16) & LOW32, stages(np, half, 16) & LOW32)
}

impl Aby3 {
    /// msb(x) as a boolean share in bit 0 of each word: 8 rounds.
    pub(super) fn msb_steps(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<BoolShare> {
        let me = self.index()?;
        let n = x.len();
        let (a, b) = self.a2b_summands(net, steps.take()?, x)?;
        let (mut ga, mut gb) = self.and_words(net, steps.take()?, [a.a.data(), a.b.data(), b.a.data(), b.b.data()])?;
        ga.iter_mut().chain(gb.iter_mut()).for_each(|g| *g &= !BIT63);
        // p = a ⊕ b; its bit 63 is kept for the result.
        let xor = |u: &RingTensor, v: &RingTensor| -> Vec<u64> {
            let (u, v) = (u.data(), v.data());
            map(n, |i| u[i] ^ v[i])
        };
        let (top_a, top_b) = (xor(&a.a, &b.a), xor(&a.b, &b.b));
        // Position 63: g = 0 and p = 1 (the public 1 sits in component 0).
        let one_a = if me == 0 { BIT63 } else { 0 };
        let one_b = if me == 2 { BIT63 } else { 0 };
        // Level 0, one element per word.
        let level0 = |top: &[u64], g: &[u64], one: u64| -> (Vec<u64>, Vec<u64>) {
            map2(n, |i| operands((top[i] & !BIT63) | one, g[i], 64))
        };
        let (la, ra) = level0(&top_a, &ga, one_a);
        let (lb, rb) = level0(&top_b, &gb, one_b);
        let (za, zb) = self.and_words(net, steps.take()?, [&la, &lb, &ra, &rb])?;
        // Pack the 32-bit results two elements per word.
        let pack0 = |g: &[u64], z: &[u64]| -> (Vec<u64>, Vec<u64>) {
            map2(n.div_ceil(2), |k| {
                let (g0, p0) = next_state(g[2 * k], z[2 * k], 64);
                let (g1, p1) = if 2 * k + 1 < n { next_state(g[2 * k + 1], z[2 * k + 1], 64) } else { (0, 0) };
                (g0 | (g1 << 32), p0 | (p1 << 32))
            })
        };
        let (mut ga, mut pa) = pack0(&ga, &za);
        let (mut gb, mut pb) = pack0(&gb, &zb);
        for level in 1..6u32 {
            let w = 64 >> level;
            let ops = |p: &[u64], g: &[u64]| -> (Vec<u64>, Vec<u64>) { map2(p.len(), |i| operands(p[i], g[i], w)) };
            let (la, ra) = ops(&pa, &ga);
            let (lb, rb) = ops(&pb, &gb);
            let (za, zb) = self.and_words(net, steps.take()?, [&la, &lb, &ra, &rb])?;
            // Two words of w-bit lanes become one word of w/2-bit lanes.
            let next = |g: &[u64], z: &[u64]| -> (Vec<u64>, Vec<u64>) {
                let m = g.len();
                map2(m.div_ceil(2), |k| {
                    let (g0, p0) = next_state(g[2 * k], z[2 * k], w);
                    let (g1, p1) = if 2 * k + 1 < m { next_state(g[2 * k + 1], z[2 * k + 1], w) } else { (0, 0) };
                    (g0 | (g1 << 32), p0 | (p1 << 32))
                })
            };
            (ga, pa) = next(&ga, &za);
            (gb, pb) = next(&gb, &zb);
        }
        // Bit e of the carries: element e's carry into bit 63.
        let result =
            |top: &[u64], g: &[u64]| -> Vec<u64> { map(top.len(), |e| (top[e] >> 63) ^ ((g[e / 64] >> (e % 64)) & 1)) };
        let shape = x.shape().to_vec();
        Ok(BoolShare::new(
            RingTensor::new(shape.clone(), result(&top_a, &ga))?,
            RingTensor::new(shape, result(&top_b, &gb))?,
        ))
    }
}
