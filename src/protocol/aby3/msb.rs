//! The most significant bit of arithmetic shares, with a bit-packed carry
//! tree.
//!
//! x = a + b with a = x0 + x1 (boolean-shared by server 0: one round) and
//! b = x2 (free). msb(x) = a63 ⊕ b63 ⊕ c63, where c63, the carry into bit 63,
//! is the group generate of bits 0..63 once position 63 is given g = 0,
//! p = 1. One AND round gives g = a & b; six tree levels follow. At a level
//! where each element has w positions left, the even (lower) and odd
//! (higher) positions of each pair combine:
//! G' = G_odd ⊕ P_odd·G_even and P' = P_odd·P_even. The two ANDs of a pair
//! sit at its two bit positions of one word, and the results (w/2 bits per
//! element) are gathered so that lanes halve: after level j a word holds
//! 2^(j+1) elements. The levels cost 1, 1/2, 1/4, ... words per element:
//! about 2 instead of 6, and the local work shrinks the same way. Shifts,
//! masks and gathering bits are linear over GF(2), so each server applies
//! them to its components locally.
//!
//! Cost: 8 rounds; at most 8 (server 0) + 8 + 16 bytes per element, plus
//! one word per packed level for the last partial word.

use super::kernels::{map, map2};
use super::{Aby3, BoolShare, OpContext, Share, Steps};
use crate::error::Result;
use crate::net::Endpoint;
use crate::ring::RingTensor;

const BIT63: u64 = 1 << 63;
const LOW32: u64 = 0xFFFF_FFFF;
const EVEN: u64 = 0x5555_5555_5555_5555;
const ODD: u64 = 0xAAAA_AAAA_AAAA_AAAA;

/// Hacker's Delight's outer unshuffle: the even bits of `x` to bits
/// 0..32 in order, the odd bits to bits 32..64.
#[inline(always)]
fn unzip(mut x: u64) -> u64 {
    let mut t = (x ^ (x >> 1)) & 0x2222_2222_2222_2222;
    x ^= t ^ (t << 1);
    t = (x ^ (x >> 2)) & 0x0C0C_0C0C_0C0C_0C0C;
    x ^= t ^ (t << 2);
    t = (x ^ (x >> 4)) & 0x00F0_00F0_00F0_00F0;
    x ^= t ^ (t << 4);
    t = (x ^ (x >> 8)) & 0x0000_FF00_0000_FF00;
    x ^= t ^ (t << 8);
    t = (x ^ (x >> 16)) & 0x0000_0000_FFFF_0000;
    x ^= t ^ (t << 16);
    x
}

/// The AND operands of a level: at each odd position 2u+1 the pair's
/// P_hi & G_lo, at each even position 2u its P_hi & P_lo.
#[inline(always)]
fn operands(p: u64, g: u64) -> (u64, u64) {
    ((p & ODD) | ((p >> 1) & EVEN), ((g << 1) & ODD) | (p & EVEN))
}

/// The next level's G (G_hi ⊕ P_hi·G_lo) and P (P_hi·P_lo) of each pair,
/// gathered into 32 bits: lanes halve and stay in element order.
#[inline(always)]
fn next_state(g: u64, z: u64) -> (u64, u64) {
    (unzip(((g ^ z) >> 1) & EVEN) & LOW32, unzip(z & EVEN) & LOW32)
}

/// One tree level: operands, the AND, and two words of lanes packed into one.
fn level(net: &mut Endpoint, proto: &Aby3, ctx: OpContext, p: [&[u64]; 2], g: [&[u64]; 2]) -> Result<State> {
    let (la, ra) = map2(p[0].len(), |i| operands(p[0][i], g[0][i]));
    let (lb, rb) = map2(p[1].len(), |i| operands(p[1][i], g[1][i]));
    let (za, zb) = proto.and_words(net, ctx, [&la, &lb, &ra, &rb])?;
    let next = |g: &[u64], z: &[u64]| {
        let m = g.len();
        map2(m.div_ceil(2), |k| {
            let (g0, p0) = next_state(g[2 * k], z[2 * k]);
            let (g1, p1) = if 2 * k + 1 < m { next_state(g[2 * k + 1], z[2 * k + 1]) } else { (0, 0) };
            (g0 | (g1 << 32), p0 | (p1 << 32))
        })
    };
    let (ga, pa) = next(g[0], &za);
    let (gb, pb) = next(g[1], &zb);
    Ok(State { g: [ga, gb], p: [pa, pb] })
}

/// G and P of the tree, both components, lane-packed.
struct State {
    g: [Vec<u64>; 2],
    p: [Vec<u64>; 2],
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
        let pa = map(n, |i| (top_a[i] & !BIT63) | one_a);
        let pb = map(n, |i| (top_b[i] & !BIT63) | one_b);
        let mut state = level(net, self, steps.take()?, [&pa, &pb], [&ga, &gb])?;
        for _ in 1..6 {
            let [ga, gb] = &state.g;
            let [pa, pb] = &state.p;
            state = level(net, self, steps.take()?, [pa, pb], [ga, gb])?;
        }
        // Bit e of the carries: element e's carry into bit 63.
        let result =
            |top: &[u64], g: &[u64]| -> Vec<u64> { map(top.len(), |e| (top[e] >> 63) ^ ((g[e / 64] >> (e % 64)) & 1)) };
        let shape = x.shape().to_vec();
        Ok(BoolShare::new(
            RingTensor::new(shape.clone(), result(&top_a, &state.g[0]))?,
            RingTensor::new(shape, result(&top_b, &state.g[1]))?,
        ))
    }
}
