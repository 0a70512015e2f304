//! The first level of the sign protocol's carry tree, in one AND round:
//! G and P of groups of up to three positions straight from a (which server
//! 0 knows) and b (which servers 1 and 2 know).
//!
//! Any function F(a, b) of a group's bits is, over GF(2), a sum
//! `F = Σ_T a^T·F_T(b)` over the subsets T of the group's positions, with
//! `a^T` the product of a's bits in T and `F_T(b) = Σ_(U ⊆ T) F(1_U, b)` (the
//! Möbius transform in a). Server 0 boolean-shares every a^T with T ≠ ∅
//! (3 planes for a pair: `a_l`, `a_h`, `a_l·a_h`; 7 for a triple); servers 1 and
//! 2 evaluate `F_T(b)` locally, block by block, from the planes of b. Each
//! `a^T·F_T(b)` has one factor shared and one known to servers 1 and 2, so the
//! whole sum is one inner product: one word of traffic per group and
//! function, whatever the group size. F_∅(b) is added afterwards as a share
//! known to servers 1 and 2: 0 for G, the AND of the group's b-bits for P.
//!
//! Groups are sized so that the tree above them has as few levels as
//! possible, and among those the most pairs (a triple costs 7 shared planes
//! for 3 positions, a pair 3 for 2): t = min(2^L, ⌈m/2⌉) groups for m
//! positions, L = ⌈log2 ⌈m/3⌉⌉. With k = 39 (m = 38): 6 triples and 10
//! pairs, 16 groups, 4 levels; with k = 64: 31 pairs and one single position.

use super::bitslice::{blocks, per_block, slice_rows};
use super::{Groups, KnownToOneAndTwo};
use crate::error::Result;
use crate::net::Endpoint;
use crate::protocol::aby3::{Aby3, OpContext};

/// One group of neighbouring positions and where its rows are.
#[derive(Clone, Copy, Debug)]
struct Group {
    first: usize,
    size: usize,
    /// Row of a^T for T = 1 (T as a bit mask over the group's positions) in
    /// the shared rows of a; a^T is at `a_row + T − 1`.
    a_row: usize,
}

/// How the positions below the sign bit form the first level's groups.
pub(super) struct Plan {
    /// The bits read; servers 1 and 2 keep the k planes of b per block.
    pub(super) k: usize,
    groups: Vec<Group>,
    /// Rows server 0 shares per block: the monomials, then plane k−1.
    pub(super) a_rows: usize,
}

impl Plan {
    pub(super) fn new(k: usize) -> Plan {
        let m = k - 1;
        let levels = m.div_ceil(3).next_power_of_two().trailing_zeros();
        let t = (1usize << levels).min(m.div_ceil(2));
        let triples = m.saturating_sub(2 * t);
        let (mut groups, mut first, mut a_row) = (Vec::with_capacity(t), 0, 0);
        for g in 0..t {
            let size = if g < triples { 3 } else { (m - first).min(2) };
            groups.push(Group { first, size, a_row });
            first += size;
            a_row += (1 << size) - 1;
        }
        debug_assert_eq!(first, m);
        Plan { k, groups, a_rows: a_row + 1 }
    }

    /// Row of plane k−1 (the sign bit) in either layout.
    pub(super) fn top(rows: usize) -> usize {
        rows - 1
    }

    /// Server 0: the monomials a^T of each group and plane k−1.
    pub(super) fn a_rows_of(&self, values: &[u64]) -> Vec<u64> {
        slice_rows(values, self.a_rows, |planes, out| {
            for g in &self.groups {
                // a^T = a^(T without its lowest bit) · a_(lowest bit of T).
                let monomials = &mut out[g.a_row..g.a_row + (1 << g.size) - 1];
                for t in 1..1usize << g.size {
                    let plane = planes[g.first + t.trailing_zeros() as usize];
                    let rest = t & (t - 1);
                    monomials[t - 1] = if rest == 0 { plane } else { monomials[rest - 1] & plane };
                }
            }
            out[Plan::top(self.a_rows)] = planes[self.k - 1];
        })
    }

    /// Servers 1 and 2: the k planes of b.
    pub(super) fn b_rows_of(&self, values: &[u64]) -> Vec<u64> {
        slice_rows(values, self.k, |planes, out| out.copy_from_slice(&planes[..self.k]))
    }
}

/// The coefficients `G_T(b)` and `P_T(b)`, T = 0..2^size, of a group whose
/// b-bits are the words `b`.
#[inline(always)]
fn coefficients(b: &[u64]) -> ([u64; 8], [u64; 8]) {
    let (mut gs, mut ps) = ([0u64; 8], [0u64; 8]);
    let patterns = 1 << b.len();
    for u in 0..patterns {
        (gs[u], ps[u]) = group_at(b, u);
    }
    mobius(&mut gs[..patterns]);
    mobius(&mut ps[..patterns]);
    (gs, ps)
}

/// G and P of a group whose a-bits are the constant pattern `u` (bit j for
/// position j) and whose b-bits are the words `b` (lowest position first):
/// g = a·b and p = a ⊕ b per position, combined upwards.
fn group_at(b: &[u64], u: usize) -> (u64, u64) {
    let (mut g, mut p) = (0u64, u64::MAX);
    for (j, &bj) in b.iter().enumerate() {
        let (gj, pj) = if u >> j & 1 == 1 { (bj, !bj) } else { (0, bj) };
        (g, p) = (gj ^ (pj & g), pj & p);
    }
    (g, p)
}

/// In place, f[T] ← Σ_(U ⊆ T) f[U] over GF(2): values at constant patterns
/// to the coefficients of the monomials a^T.
fn mobius(f: &mut [u64]) {
    let bits = f.len().trailing_zeros();
    for j in 0..bits {
        for t in 0..f.len() {
            if t >> j & 1 == 1 {
                f[t] ^= f[t ^ (1 << j)];
            }
        }
    }
}

impl Aby3 {
    /// G of every group and P of every group but the lowest, in one round,
    /// from server 0's shared rows `a` and the rows `b` known to servers 1
    /// and 2; `beside`'s words travel in the same round and come back
    /// reshared.
    #[allow(clippy::too_many_arguments, reason = "the level's inputs, each used once")]
    pub(super) fn first_level(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        plan: &Plan,
        a: [&[u64]; 2],
        b: &KnownToOneAndTwo,
        n: usize,
        beside: &[u64],
    ) -> Result<(Groups, super::Components)> {
        let t = plan.groups.len();
        let sent = 2 * t - 1;
        let blocks = blocks(n);
        // Rows sent: G of each group, then P of groups 1.. . Server 0's part
        // is only the zero-sharing: b is not its to know.
        let local = per_block(blocks, sent, |w, out| {
            if b.server == 0 {
                return;
            }
            let ab = w * plan.a_rows;
            let (g_rows, p_rows) = out.split_at_mut(t);
            for (i, g) in plan.groups.iter().enumerate() {
                let first = w * plan.k + g.first;
                let (gs, ps) = coefficients(&b.planes[first..first + g.size]);
                // Σ_(T ≠ ∅) a^T·F_T(b): the monomials against coefficients 1.. .
                let (monomials, used) = (ab + g.a_row..ab + g.a_row + (1 << g.size) - 1, 1..1 << g.size);
                let (ya, yb) = (&a[0][monomials.clone()], &a[1][monomials]);
                g_rows[i] = b.dot(ya, yb, &gs[used.clone()]);
                if i > 0 {
                    p_rows[i - 1] = b.dot(ya, yb, &ps[used]);
                }
            }
        });
        let (z, beside) = self.reshare_two(net, ctx, &local, beside)?;
        // Adds F_∅(b): 0 for G, the AND of the group's b-bits for P.
        let state = |c: usize, of_p: bool| {
            per_block(blocks, t, |w, out| {
                for (i, (o, g)) in out.iter_mut().zip(&plan.groups).enumerate() {
                    if of_p && i == 0 {
                        continue;
                    }
                    let row = w * sent + if of_p { t + i - 1 } else { i };
                    let mut share = (z[0][row], z[1][row]);
                    if of_p {
                        share = b.add(share, b.all_of(w * plan.k + g.first, g.size));
                    }
                    *o = [share.0, share.1][c];
                }
            })
        };
        Ok((Groups { rows: t, g: [state(0, false), state(1, false)], p: [state(0, true), state(1, true)] }, beside))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_cover_every_position_below_the_sign_with_few_levels() {
        for k in 3..=64 {
            let plan = Plan::new(k);
            let m = k - 1;
            let t = plan.groups.len();
            assert_eq!(plan.groups.iter().map(|g| g.size).sum::<usize>(), m, "k {k}");
            assert!(plan.groups.iter().all(|g| (1..=3).contains(&g.size)), "k {k}");
            assert_eq!(t.next_power_of_two(), m.div_ceil(3).next_power_of_two(), "k {k}: levels");
        }
        let sizes = |k: usize| Plan::new(k).groups.iter().map(|g| g.size).collect::<Vec<_>>();
        assert_eq!(sizes(39), [[3; 6].as_slice(), &[2; 10]].concat());
        assert_eq!(sizes(64), [[2; 31].as_slice(), &[1]].concat());
        assert_eq!(Plan::new(39).a_rows, 6 * 7 + 10 * 3 + 1);
    }

    #[test]
    fn coefficients_rebuild_g_and_p_for_every_pattern_of_a() {
        // Three b-words covering all 8 patterns of b in their low bits.
        let b = [0b1010_1010u64, 0b1100_1100, 0b1111_0000];
        for size in 1..=3 {
            let mut gs: Vec<u64> = (0..1 << size).map(|u| group_at(&b[..size], u).0).collect();
            let mut ps: Vec<u64> = (0..1 << size).map(|u| group_at(&b[..size], u).1).collect();
            mobius(&mut gs);
            mobius(&mut ps);
            for a in 0..1usize << size {
                // Σ_T a^T·F_T with a^T = 1 exactly when T ⊆ a.
                let rebuild = |f: &[u64]| (0..1 << size).filter(|t| t & !a == 0).fold(0, |acc, t| acc ^ f[t]);
                assert_eq!(rebuild(&gs), group_at(&b[..size], a).0, "size {size} a {a:b} G");
                assert_eq!(rebuild(&ps), group_at(&b[..size], a).1, "size {size} a {a:b} P");
            }
        }
    }
}
