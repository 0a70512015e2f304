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
//! Positions 0..k−2 have generate `g_j = a_j·b_j` and propagate
//! `p_j = a_j ⊕ b_j`; a group (lo, hi) has `G = G_hi ⊕ P_hi·G_lo` and
//! `P = P_hi·P_lo`, and the carry into bit k−1 is G of all of them. The
//! bit-sliced layout (`bitslice.rs`) puts one position of 64 elements in a
//! word, so pairing positions costs nothing locally and only needed bits
//! travel; the group that contains position 0 never needs its P.
//!
//! 1. Server 0 boolean-shares, for each first-level group of 2 or 3
//!    positions, the products of a's bits over every nonempty subset of the
//!    group (`a_l`, `a_h` and `a_l·a_h` for a pair), and bit k−1: one round.
//! 2. The first level of the tree is computed directly from a and b, in one
//!    AND round instead of two or three: for a pair (l, h),
//!    `G = a_h·b_h ⊕ (a_h·a_l)·b_l ⊕ a_l·(b_h·b_l)` and
//!    `P = a_h·a_l ⊕ b_h·b_l ⊕ a_h·b_l ⊕ a_l·b_h`, and likewise (see
//!    `first_level.rs`) for a triple. Every product has one factor that
//!    server 0 shared and one that servers 1 and 2 know, so a sum of them is
//!    an inner product: one word of traffic per output word (`reshare_xor`),
//!    whatever the number of terms.
//! 3. ⌈log2 t⌉ further levels for the t groups left; an odd group waits.
//!
//! Cost with k = 39 (6 triples and 10 pairs): 6 rounds; server 0 sends
//! 73 + 31 + 26 = 130 bits per element (about 16 bytes), the others 57 bits.
//! With k = 64 (31 pairs and a single position): 7 rounds and 215 bits.
//! Elements are padded to a multiple of 64.

mod bitslice;
mod first_level;

pub(super) use bitslice::slice_rows;

use bitslice::{blocks, per_block, unslice_row};
use first_level::Plan;

use super::boolean::cross_terms;
use super::{Aby3, BoolShare, OpContext, Share, Steps};
use crate::error::Result;
use crate::net::Endpoint;
use crate::ring::RingTensor;

/// An AND tree run beside the carry tree ([`Aby3::msb_sliced_beside`]),
/// one level per round.
pub(super) trait Beside {
    /// This server's local words of the next level (its cross terms);
    /// empty when the tree is done, at every server alike.
    fn local(&self) -> Vec<u64>;
    /// Takes the level's reshared words, this server's two components.
    fn finish(&mut self, z: [&[u64]; 2]);
}

/// Words server 0 shares in the carry tree's first round beside its own:
/// their value at server 0 (`None` at the others) and their count.
#[derive(Clone, Copy)]
pub(super) struct ExtraWords<'a> {
    pub value: Option<&'a [u64]>,
    pub len: usize,
}

/// A server's two components of a vector of boolean-shared words.
type Components = [Vec<u64>; 2];

/// No tree beside the carry tree.
pub(super) struct Nothing;

impl Beside for Nothing {
    fn local(&self) -> Vec<u64> {
        Vec::new()
    }

    fn finish(&mut self, _: [&[u64]; 2]) {}
}

/// G and P of each group of positions, both components, sliced: `rows`
/// groups per block. P of group 0 (which holds position 0) is never used.
struct Groups {
    rows: usize,
    g: [Vec<u64>; 2],
    p: [Vec<u64>; 2],
}

/// The planes of b, which servers 1 and 2 know in the clear (server 0 holds
/// none), as the third component of a boolean sharing whose other
/// components are zero.
struct KnownToOneAndTwo<'a> {
    server: usize,
    planes: &'a [u64],
}

impl KnownToOneAndTwo<'_> {
    /// This server's part of `Σ_t y_t·β_(j+t)` for shared words `y_t` with
    /// components (ya[t], yb[t]): an inner product, reshared as one word.
    /// Each term is an AND with the sharing (0, 0, β) of β, whose cross
    /// terms are 0 at server 0, `y_1·β` at server 1 and `(y_2 ⊕ y_0)·β` at 2.
    #[inline(always)]
    fn dot(&self, ya: &[u64], yb: &[u64], beta: &[u64]) -> u64 {
        if self.server == 1 {
            ya.iter().zip(beta).fold(0, |acc, (y, b)| acc ^ (y & b))
        } else {
            ya.iter().zip(yb).zip(beta).fold(0, |acc, ((y, z), b)| acc ^ ((y ^ z) & b))
        }
    }

    /// The AND of `count` planes from `j` on (servers 1 and 2; 0 at server 0).
    fn all_of(&self, j: usize, count: usize) -> u64 {
        self.planes.get(j..j + count).map_or(0, |p| p.iter().fold(u64::MAX, |acc, w| acc & w))
    }

    /// Adds a word β known to servers 1 and 2 (ignored at server 0) to the
    /// components (ya, yb) of a shared word.
    #[inline(always)]
    fn add(&self, (ya, yb): (u64, u64), beta: u64) -> (u64, u64) {
        match self.server {
            0 => (ya, yb),
            1 => (ya, yb ^ beta),
            _ => (ya ^ beta, yb),
        }
    }
}

impl Aby3 {
    /// msb(x) as a boolean share in bit 0 of each word: 6 rounds on the
    /// default 39 bits (7 on 64), exact for the range stated in the module docs.
    pub fn msb(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<BoolShare> {
        self.msb_width(net, steps, x, self.fixed.comparison_bits())
    }

    /// msb(x) read from the low `bits` bits (at least the configuration's
    /// width, at most 64): for values a public bound says may leave the
    /// fixed-point range, such as the sum of a wide softmax row.
    pub(super) fn msb_width(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, bits: u32) -> Result<BoolShare> {
        let n = x.len();
        let [a, b] = self.msb_sliced(net, steps, x, bits)?;
        let shape = x.shape().to_vec();
        Ok(BoolShare::new(
            RingTensor::new(shape.clone(), unslice_row(&a, 1, 0, n))?,
            RingTensor::new(shape, unslice_row(&b, 1, 0, n))?,
        ))
    }

    /// [`Aby3::msb_width`] in the sliced layout: the two components of one
    /// word per block of 64 elements, element j of a block in bit j (bits
    /// past the last element are not specified).
    pub(super) fn msb_sliced(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        x: &Share,
        bits: u32,
    ) -> Result<[Vec<u64>; 2]> {
        let none = ExtraWords { value: None, len: 0 };
        let (msb, _, Nothing) = self.msb_sliced_beside(net, steps, x, bits, none, |_| Ok(Nothing))?;
        Ok(msb)
    }

    /// [`Aby3::msb_sliced`], and beside it in the same rounds an AND tree
    /// of other words: server 0 shares `extra` in the carry tree's first
    /// round, `start` makes the tree from their sharing, and each level of the
    /// tree travels with a level of the carry tree (the levels it has more
    /// take rounds of their own). Returns the msb, the sharing of `extra`
    /// and the finished tree.
    pub(super) fn msb_sliced_beside<T: Beside>(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        x: &Share,
        bits: u32,
        extra: ExtraWords<'_>,
        start: impl FnOnce(&BoolShare) -> Result<T>,
    ) -> Result<(Components, BoolShare, T)> {
        let me = self.index()?;
        let n = x.len();
        let plan = Plan::new(bits.clamp(self.fixed.comparison_bits(), 64) as usize);
        let words = blocks(n) * plan.a_rows;
        let a_value = (me == 0).then(|| {
            let (x0, x1) = (x.a.data(), x.b.data());
            let mut rows = plan.a_rows_of(&crate::parallel::map(n, |i| x0[i].wrapping_add(x1[i])));
            rows.extend_from_slice(extra.value.unwrap_or_default());
            rows
        });
        let shared = self.share_bool_from(net, steps.take()?, 0, a_value.as_deref(), &[words + extra.len])?;
        let part = |range: std::ops::Range<usize>| -> Result<BoolShare> {
            let len = range.len();
            Ok(BoolShare::new(
                RingTensor::new(vec![len], shared.a.data()[range.clone()].to_vec())?,
                RingTensor::new(vec![len], shared.b.data()[range].to_vec())?,
            ))
        };
        let extra_shared = part(words..words + extra.len)?;
        let mut tree = start(&extra_shared)?;
        let b_words = match me {
            0 => Vec::new(),
            1 => plan.b_rows_of(x.b.data()),
            _ => plan.b_rows_of(x.a.data()),
        };
        let b = KnownToOneAndTwo { server: me, planes: &b_words };
        let a = [&shared.a.data()[..words], &shared.b.data()[..words]];
        let (mut groups, z) = self.first_level(net, steps.take()?, &plan, a, &b, n, &tree.local())?;
        tree.finish([&z[0], &z[1]]);
        while groups.rows > 1 {
            let (next, z) = self.tree_level(net, steps.take()?, &groups, &tree.local())?;
            tree.finish([&z[0], &z[1]]);
            groups = next;
        }
        loop {
            let local = tree.local();
            if local.is_empty() {
                break;
            }
            let (z, _) = self.reshare_two(net, steps.take()?, &local, &[])?;
            tree.finish([&z[0], &z[1]]);
        }
        // msb = a_(k−1) ⊕ b_(k−1) ⊕ carry into k−1, per block.
        let top = |c: usize| -> Vec<u64> {
            per_block(blocks(n), 1, |w, out| {
                let ja = w * plan.a_rows + Plan::top(plan.a_rows);
                let (sa, sb) = b.add((a[0][ja], a[1][ja]), b.all_of(w * plan.k + plan.k - 1, 1));
                out[0] = [sa, sb][c] ^ groups.g[c][w];
            })
        };
        Ok(([top(0), top(1)], extra_shared, tree))
    }

    /// One reshare of two vectors of local words: both come back, this
    /// server's two components of each.
    fn reshare_two(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        first: &[u64],
        second: &[u64],
    ) -> Result<(Components, Components)> {
        let split = first.len();
        if second.is_empty() {
            // The plain sign (ReLU): no per-word choice on its hot path.
            let (za, zb) = self.reshare_xor(net, ctx, split, |j| first[j])?;
            return Ok(([za, zb], [Vec::new(), Vec::new()]));
        }
        let (mut za, mut zb) =
            self.reshare_xor(net, ctx, split + second.len(), |j| if j < split { first[j] } else { second[j - split] })?;
        // Only the second part moves: the carry tree's words stay in place.
        let second = [za.split_off(split), zb.split_off(split)];
        Ok(([za, zb], second))
    }

    /// One level of the tree: pairs of groups combine, an odd group waits;
    /// `beside`'s words travel in the same round and come back reshared.
    fn tree_level(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        s: &Groups,
        beside: &[u64],
    ) -> Result<(Groups, [Vec<u64>; 2])> {
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
        let (z, beside) = self.reshare_two(net, ctx, &local, beside)?;
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
        Ok((Groups { rows, g: [next(0, false), next(1, false)], p: [next(0, true), next(1, true)] }, beside))
    }
}
