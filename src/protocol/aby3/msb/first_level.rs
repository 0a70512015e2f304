//! The first level of the sign protocol's carry tree, in one AND round:
//! G and P of groups of up to three positions straight from a (which server
//! 0 knows) and b (which servers 1 and 2 know).
//!
//! Any function F(a, b) of a group's bits is, over GF(2), a sum
//! F = Σ_T a^T·F_T(b) over the subsets T of the group's positions, with
//! a^T the product of a's bits in T and F_T(b) = Σ_(U ⊆ T) F(1_U, b) (the
//! Möbius transform in a). Server 0 boolean-shares every a^T with T ≠ ∅
//! (1 word per plane of a pair: a_l, a_h, a_l·a_h; 7 for a triple); servers
//! 1 and 2 evaluate F_T(b) locally. Each a^T·F_T(b) has one factor shared and
//! one known to servers 1 and 2, so the whole sum is one inner product: one
//! word of traffic per group and function, whatever the group size; F_∅(b)
//! is added afterwards as a share known to servers 1 and 2.
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
    /// Row of G_T(b) for T = 0 in the rows known to servers 1 and 2; G_T at
    /// `b_row + T`, P_T at `b_row + 2^size + T`.
    b_row: usize,
}

/// How the positions below the sign bit form the first level's groups.
pub(super) struct Plan {
    k: usize,
    groups: Vec<Group>,
    /// Rows server 0 shares per block: the monomials, then plane k−1.
    pub(super) a_rows: usize,
    /// Rows servers 1 and 2 derive per block: coefficients, then plane k−1.
    pub(super) b_rows: usize,
}

impl Plan {
    pub(super) fn new(k: usize) -> Plan {
        let m = k - 1;
        let levels = m.div_ceil(3).next_power_of_two().trailing_zeros();
        let t = (1usize << levels).min(m.div_ceil(2));
        let triples = m.saturating_sub(2 * t);
        let (mut groups, mut first, mut a_row, mut b_row) = (Vec::with_capacity(t), 0, 0, 0);
        for g in 0..t {
            let size = if g < triples { 3 } else { (m - first).min(2) };
            groups.push(Group { first, size, a_row, b_row });
            first += size;
            a_row += (1 << size) - 1;
            b_row += 2 << size;
        }
        debug_assert_eq!(first, m);
        Plan { k, groups, a_rows: a_row + 1, b_rows: b_row + 1 }
    }

    /// Row of plane k−1 (the sign bit) in either layout.
    pub(super) fn top(rows: usize) -> usize {
        rows - 1
    }

    /// Server 0: the monomials a^T of each group and plane k−1.
    pub(super) fn a_rows_of(&self, values: &[u64]) -> Vec<u64> {
        slice_rows(values, self.a_rows, |planes, out| {
            for g in &self.groups {
                for t in 1..1usize << g.size {
                    out[g.a_row + t - 1] =
                        (0..g.size).filter(|j| t >> j & 1 == 1).fold(u64::MAX, |acc, j| acc & planes[g.first + j]);
                }
            }
            out[Plan::top(self.a_rows)] = planes[self.k - 1];
        })
    }

    /// Servers 1 and 2: G_T(b) and P_T(b) of each group, and plane k−1.
    pub(super) fn b_rows_of(&self, values: &[u64]) -> Vec<u64> {
        slice_rows(values, self.b_rows, |planes, out| {
            for g in &self.groups {
                let b = &planes[g.first..g.first + g.size];
                let (gs, ps) = out[g.b_row..g.b_row + (2 << g.size)].split_at_mut(1 << g.size);
                for (u, (gu, pu)) in gs.iter_mut().zip(ps.iter_mut()).enumerate() {
                    (*gu, *pu) = group_at(b, u);
                }
                mobius(gs);
                mobius(ps);
            }
            out[Plan::top(self.b_rows)] = planes[self.k - 1];
        })
    }
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
    /// and 2.
    pub(super) fn first_level(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        plan: &Plan,
        a: [&[u64]; 2],
        b: &KnownToOneAndTwo,
        n: usize,
    ) -> Result<Groups> {
        let t = plan.groups.len();
        let sent = 2 * t - 1;
        let blocks = blocks(n);
        // Rows sent: G of each group, then P of groups 1.. .
        let local = per_block(blocks, sent, |w, out| {
            let (ab, bb) = (w * plan.a_rows, w * plan.b_rows);
            let sum = |g: &Group, of_p: bool| {
                let coefficients = bb + g.b_row + if of_p { 1 << g.size } else { 0 };
                (1..1usize << g.size).fold(0, |acc, t| {
                    let ar = ab + g.a_row + t - 1;
                    acc ^ b.times(a[0][ar], a[1][ar], coefficients + t)
                })
            };
            let (g_rows, p_rows) = out.split_at_mut(t);
            for (o, g) in g_rows.iter_mut().zip(&plan.groups) {
                *o = sum(g, false);
            }
            for (o, g) in p_rows.iter_mut().zip(&plan.groups[1..]) {
                *o = sum(g, true);
            }
        });
        let z = self.reshare_xor(net, ctx, local.len(), |j| local[j])?;
        let z = [z.0, z.1];
        // Adds F_∅(b), known to servers 1 and 2, to the reshared sums.
        let state = |c: usize, of_p: bool| {
            per_block(blocks, t, |w, out| {
                for (i, (o, g)) in out.iter_mut().zip(&plan.groups).enumerate() {
                    if of_p && i == 0 {
                        continue;
                    }
                    let row = w * sent + if of_p { t + i - 1 } else { i };
                    let constant = w * plan.b_rows + g.b_row + if of_p { 1 << g.size } else { 0 };
                    let (sa, sb) = b.add_to((z[0][row], z[1][row]), constant);
                    *o = [sa, sb][c];
                }
            })
        };
        Ok(Groups { rows: t, g: [state(0, false), state(1, false)], p: [state(0, true), state(1, true)] })
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
