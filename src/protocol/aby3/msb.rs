//! The sign (most significant bit) of arithmetic shares, read from the low
//! k bits the fixed-point range can use, with a bit-sliced carry tree.
//!
//! # Why the low k bits are enough, exactly
//!
//! Write x = a + b (mod 2^64) with a = x0 + x1 (known to server 0) and
//! b = x2 (known to servers 1 and 2). Reducing mod 2^k is a ring
//! homomorphism, so x mod 2^k = (a mod 2^k + b mod 2^k) mod 2^k: the low k
//! bits of the sum, and in particular bit k−1, depend only on the low k bits
//! of a and b, and the carry into bit k−1 comes from bits 0..k−2 alone. The
//! high bits of the shares are uniformly random but never enter, so there is
//! no wrap-around failure probability (unlike truncating each share, which
//! does not commute with the sum). If −2^(k−1) ≤ x < 2^(k−1), bits k−1..63
//! of the two's-complement word x are all copies of its sign, so
//! msb(x) = bit k−1 of x = a_(k−1) ⊕ b_(k−1) ⊕ c_(k−1), where c_(k−1) is
//! the carry into bit k−1 of a + b. k is `FixedConfig::comparison_bits`:
//! f + i + 3 by default (39), which covers |x| < 2^(f+i+2), twice the largest
//! difference of two in-range values; 64 with `ComparisonWidth::Full`, which
//! is the plain msb of every word. For x outside the stated interval the
//! result is the sign of x wrapped into k bits, which can be wrong.
//!
//! # The carry tree
//!
//! Positions 0..k−2 have generate g_j = a_j·b_j and propagate
//! p_j = a_j ⊕ b_j; a group (lo, hi) has G = G_hi ⊕ P_hi·G_lo and
//! P = P_hi·P_lo, and the carry into bit k−1 is G of all of them. The
//! bit-sliced layout (`bitslice.rs`) puts one position of 64 elements in a
//! word, so pairing positions costs nothing locally and only needed bits
//! travel; the group that contains position 0 never needs its P.
//!
//! 1. Server 0 boolean-shares the low k bits of a and, for each pair of
//!    positions (2u, 2u+1), the product a_(2u+1)·a_(2u): one round.
//! 2. The first level of the tree is computed directly from a and b, in one
//!    AND round instead of two: for a pair (l, h),
//!    G = a_h·b_h ⊕ (a_h·a_l)·b_l ⊕ a_l·(b_h·b_l) and
//!    P = a_h·a_l ⊕ b_h·b_l ⊕ a_h·b_l ⊕ a_l·b_h. Every product has one
//!    factor that server 0 shared and one that servers 1 and 2 know, so a
//!    sum of them is an inner product: one word of traffic per output word
//!    (`reshare_xor`), whatever the number of terms.
//! 3. ⌈log2 t⌉ further levels for the t groups left; an odd group waits.
//!
//! Cost with k = 39: 7 rounds; server 0 sends 58 + 37 + 31 = 126 bits per
//! element (about 16 bytes), the others 68 bits; with k = 64: 7 rounds and
//! 214 bits. Elements are padded to a multiple of 64.

mod bitslice;

use bitslice::{blocks, per_block, slice_low_bits, unslice_row};

use super::boolean::cross_terms;
use super::{Aby3, BoolShare, OpContext, Share, Steps};
use crate::error::Result;
use crate::net::Endpoint;
use crate::ring::RingTensor;

/// G and P of each group of positions, both components, sliced: `rows`
/// groups per block. P of group 0 (which holds position 0) is never used.
struct Groups {
    rows: usize,
    g: [Vec<u64>; 2],
    p: [Vec<u64>; 2],
}

/// The words of a value that servers 1 and 2 know in the clear (b and the
/// products of its neighbouring bits), as the third component of a boolean
/// sharing whose other components are zero.
struct KnownToOneAndTwo<'a> {
    server: usize,
    words: &'a [u64],
}

impl KnownToOneAndTwo<'_> {
    /// This server's part of y·β for a shared y with components (ya, yb)
    /// and β = word `j`: the cross terms of the AND with (0, 0, β).
    #[inline(always)]
    fn times(&self, ya: u64, yb: u64, j: usize) -> u64 {
        match self.server {
            0 => 0,
            1 => ya & self.words[j],
            _ => (ya ^ yb) & self.words[j],
        }
    }

    /// Adds β (word `j`) to the components (ya, yb) of a shared word.
    #[inline(always)]
    fn add_to(&self, (ya, yb): (u64, u64), j: usize) -> (u64, u64) {
        match self.server {
            0 => (ya, yb),
            1 => (ya, yb ^ self.words[j]),
            _ => (ya ^ self.words[j], yb),
        }
    }
}

impl Aby3 {
    /// msb(x) as a boolean share in bit 0 of each word: 7 rounds, exact for
    /// the range stated in the module docs.
    pub(super) fn msb_steps(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<BoolShare> {
        let me = self.index()?;
        let n = x.len();
        let k = self.fixed.comparison_bits() as usize;
        let positions = k - 1;
        let pairs = positions / 2;
        let rows = k + pairs;
        // Planes 0..k, then a_(2u+1)·a_(2u) for each pair u.
        let with_pair_products = |planes: &[u64], extra: &mut [u64]| {
            for (u, e) in extra.iter_mut().enumerate() {
                *e = planes[2 * u + 1] & planes[2 * u];
            }
        };
        let slice = |v: &[u64]| slice_low_bits(v, k, pairs, with_pair_products);
        let a_value = (me == 0).then(|| {
            let (x0, x1) = (x.a.data(), x.b.data());
            slice(&super::kernels::map(n, |i| x0[i].wrapping_add(x1[i])))
        });
        let words = blocks(n) * rows;
        let a = self.share_bool_from(net, steps.take()?, 0, a_value.as_deref(), &[words])?;
        let b_words = match me {
            0 => Vec::new(),
            1 => slice(x.b.data()),
            _ => slice(x.a.data()),
        };
        let b = KnownToOneAndTwo { server: me, words: &b_words };
        let a = [a.a.data(), a.b.data()];
        let mut groups = self.first_level(net, steps.take()?, k, a, &b, n)?;
        while groups.rows > 1 {
            groups = self.tree_level(net, steps.take()?, &groups)?;
        }
        // msb = a_(k−1) ⊕ b_(k−1) ⊕ carry into k−1, per block.
        let top = |c: usize| -> Vec<u64> {
            per_block(blocks(n), 1, |w, out| {
                let j = w * rows + k - 1;
                let (sa, sb) = b.add_to((a[0][j], a[1][j]), j);
                out[0] = [sa, sb][c] ^ groups.g[c][w];
            })
        };
        let shape = x.shape().to_vec();
        Ok(BoolShare::new(
            RingTensor::new(shape.clone(), unslice_row(&top(0), 1, 0, n))?,
            RingTensor::new(shape, unslice_row(&top(1), 1, 0, n))?,
        ))
    }

    /// Step 2 of the module docs: G and P of each pair of positions (and of
    /// an odd top position) straight from a's shares and b, in one round.
    fn first_level(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        k: usize,
        a: [&[u64]; 2],
        b: &KnownToOneAndTwo,
        n: usize,
    ) -> Result<Groups> {
        let positions = k - 1;
        let (pairs, odd) = (positions / 2, positions % 2);
        let rows = k + pairs;
        // Rows sent: G of each pair, P of pairs 1.., G of the odd position.
        let p_rows = pairs.saturating_sub(1);
        let sent = pairs + p_rows + odd;
        let blocks = blocks(n);
        let local = per_block(blocks, sent, |w, out| {
            let at = |row: usize| w * rows + row;
            let pair_product = |u: usize| at(k + u);
            let t = |row: usize| b.times(a[0][row], a[1][row], row);
            // y·β with y from a's row `ya` and β from b's row `jb`.
            let tb = |ya: usize, jb: usize| b.times(a[0][ya], a[1][ya], jb);
            let (g_rows, p_rows) = out[..pairs + p_rows].split_at_mut(pairs);
            for (u, o) in g_rows.iter_mut().enumerate() {
                let (l, h) = (at(2 * u), at(2 * u + 1));
                *o = t(h) ^ tb(pair_product(u), l) ^ tb(l, pair_product(u));
            }
            for (u, o) in (1..).zip(p_rows) {
                let (l, h) = (at(2 * u), at(2 * u + 1));
                *o = tb(h, l) ^ tb(l, h);
            }
            if odd == 1 {
                out[sent - 1] = t(at(positions - 1));
            }
        });
        let z = self.reshare_xor(net, ctx, local.len(), |j| local[j])?;
        let z = [z.0, z.1];
        let groups = pairs + odd;
        let state = |c: usize, of_p: bool| {
            per_block(blocks, groups, |w, out| {
                let at = |row: usize| w * rows + row;
                let zr = |row: usize| z[c][w * sent + row];
                // The share of a word plus the word of b at the same place.
                let plus_b = |j: usize| {
                    let (sa, sb) = b.add_to((a[0][j], a[1][j]), j);
                    [sa, sb][c]
                };
                for (u, o) in out[..pairs].iter_mut().enumerate() {
                    *o = match (of_p, u) {
                        (false, _) => zr(u),
                        (true, 0) => 0,
                        (true, _) => zr(pairs + u - 1) ^ plus_b(at(k + u)),
                    };
                }
                if odd == 1 {
                    out[pairs] = if of_p { plus_b(at(positions - 1)) } else { zr(sent - 1) };
                }
            })
        };
        Ok(Groups { rows: groups, g: [state(0, false), state(1, false)], p: [state(0, true), state(1, true)] })
    }

    /// One level of the tree: pairs of groups combine, an odd group waits.
    fn tree_level(&self, net: &mut Endpoint, ctx: OpContext, s: &Groups) -> Result<Groups> {
        let (pairs, odd) = (s.rows / 2, s.rows % 2);
        let sent = 2 * pairs - 1;
        let blocks = s.g[0].len() / s.rows;
        let (g, p) = (&s.g, &s.p);
        let local = per_block(blocks, sent, |w, out| {
            let at = |row: usize| w * s.rows + row;
            let and = |x: &[Vec<u64>; 2], i: usize, y: &[Vec<u64>; 2], j: usize| {
                cross_terms(x[0][i], x[1][i], y[0][j], y[1][j])
            };
            let (g_rows, p_rows) = out.split_at_mut(pairs);
            for (u, o) in g_rows.iter_mut().enumerate() {
                *o = and(p, at(2 * u + 1), g, at(2 * u));
            }
            for (u, o) in (1..).zip(p_rows) {
                *o = and(p, at(2 * u + 1), p, at(2 * u));
            }
        });
        let z = self.reshare_xor(net, ctx, local.len(), |j| local[j])?;
        let z = [z.0, z.1];
        let rows = pairs + odd;
        let next = |c: usize, of_p: bool| {
            per_block(blocks, rows, |w, out| {
                let at = |row: usize| w * s.rows + row;
                for (u, o) in out[..pairs].iter_mut().enumerate() {
                    *o = match (of_p, u) {
                        (false, _) => g[c][at(2 * u + 1)] ^ z[c][w * sent + u],
                        (true, 0) => 0,
                        (true, _) => z[c][w * sent + pairs + u - 1],
                    };
                }
                if odd == 1 {
                    out[pairs] = if of_p { p[c][at(s.rows - 1)] } else { g[c][at(s.rows - 1)] };
                }
            })
        };
        Ok(Groups { rows, g: [next(0, false), next(1, false)], p: [next(0, true), next(1, true)] })
    }
}
