//! The bit-sliced layout of the sign protocol, and the local transposes
//! into and out of it.
//!
//! Elements are taken 64 at a time (a block; the last one padded with
//! zeros). A block of `rows` bit positions is `rows` words, one per
//! position ("plane"): bit e of plane j is bit j of element 64w + e. Blocks
//! follow each other, so word `w·rows + j` is plane j of block w. In this
//! layout an AND of two positions of 64 elements is one word operation,
//! positions can be paired freely (no lanes to shift or gather), and only the
//! positions the protocol needs travel. Transposing is linear over GF(2); each
//! server applies it only to words it knows in the clear.

use crate::parallel::{GRAIN, for_chunks};

/// Elements per block: one bit of each plane word per element.
pub(super) const LANES: usize = 64;

/// Blocks of `LANES` elements holding `n` elements.
pub(super) fn blocks(n: usize) -> usize {
    n.div_ceil(LANES)
}

/// Transposes a 64 x 64 bit matrix in place: afterwards bit e of word j is
/// what bit j of word e was. Six rounds of block swaps (Hacker's Delight,
/// section 7-3), each exchanging the off-diagonal j x j sub-blocks.
pub(super) fn transpose64(m: &mut [u64; 64]) {
    swap_blocks::<32>(m, 0x0000_0000_FFFF_FFFF);
    swap_blocks::<16>(m, 0x0000_FFFF_0000_FFFF);
    swap_blocks::<8>(m, 0x00FF_00FF_00FF_00FF);
    swap_blocks::<4>(m, 0x0F0F_0F0F_0F0F_0F0F);
    swap_blocks::<2>(m, 0x3333_3333_3333_3333);
    swap_blocks::<1>(m, 0x5555_5555_5555_5555);
}

/// One round of [`transpose64`]: in each group of 2J rows, swaps bits c + J
/// of row k with bits c of row k + J (c where `mask` is set). The rows of a
/// group pair up contiguously, so the compiler runs the round on vectors
/// (about twice as fast as one loop over k for all six rounds).
#[inline(always)]
fn swap_blocks<const J: usize>(m: &mut [u64; 64], mask: u64) {
    for group in m.chunks_exact_mut(2 * J) {
        let (low, high) = group.split_at_mut(J);
        for (a, b) in low.iter_mut().zip(high) {
            let t = ((*a >> J) ^ *b) & mask;
            *a ^= t << J;
            *b ^= t;
        }
    }
}

/// Runs `fill(w, rows_of_block_w)` for every block of an output of
/// `blocks · rows` words; in parallel when the blocks hold more than
/// [`GRAIN`] elements.
pub(super) fn per_block(blocks: usize, rows: usize, fill: impl Fn(usize, &mut [u64]) + Sync + Send) -> Vec<u64> {
    let mut out = vec![0u64; blocks * rows];
    if rows == 0 {
        return out;
    }
    for_chunks(&mut out, rows * (GRAIN / LANES), |start, chunk| {
        for (k, o) in chunk.chunks_mut(rows).enumerate() {
            fill(start / rows + k, o);
        }
    });
    out
}

/// `rows` words per block of `values`, which `fill(planes, rows)` derives
/// from the block's 64 planes (plane j: bit j of its 64 elements), for
/// example the planes themselves or ANDs of several.
pub(in crate::protocol::aby3) fn slice_rows(
    values: &[u64],
    rows: usize,
    fill: impl Fn(&[u64; 64], &mut [u64]) + Sync + Send,
) -> Vec<u64> {
    per_block(blocks(values.len()), rows, |w, out| {
        let mut m = [0u64; 64];
        let start = w * LANES;
        let end = (start + LANES).min(values.len());
        m[..end - start].copy_from_slice(&values[start..end]);
        transpose64(&mut m);
        fill(&m, out);
    })
}

/// Row `row` of every block, as one bit per element in bit 0 of a word.
pub(super) fn unslice_row(words: &[u64], rows: usize, row: usize, n: usize) -> Vec<u64> {
    crate::parallel::map(n, |e| (words[(e / LANES) * rows + row] >> (e % LANES)) & 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: usize, seed: u64) -> Vec<u64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                s ^ (s >> 31)
            })
            .collect()
    }

    #[test]
    fn transpose64_matches_the_definition_and_is_an_involution() {
        let original: [u64; 64] = words(64, 9).try_into().unwrap();
        let mut m = original;
        transpose64(&mut m);
        for (j, plane) in m.iter().enumerate() {
            for (e, element) in original.iter().enumerate() {
                assert_eq!((plane >> e) & 1, (element >> j) & 1, "plane {j} element {e}");
            }
        }
        transpose64(&mut m);
        assert_eq!(m, original);
    }

    #[test]
    fn slicing_keeps_low_bits_and_extra_rows_of_odd_lengths() {
        for n in [1, 63, 64, 65, 200, GRAIN + 77] {
            let v = words(n, n as u64);
            let bits = 39;
            let sliced = slice_rows(&v, bits + 1, |planes, out| {
                out[..bits].copy_from_slice(&planes[..bits]);
                out[bits] = planes[3] & planes[4];
            });
            assert_eq!(sliced.len(), blocks(n) * (bits + 1));
            for row in 0..bits {
                let got = unslice_row(&sliced, bits + 1, row, n);
                assert!(got.iter().zip(&v).all(|(g, x)| *g == (x >> row) & 1), "n {n} row {row}");
            }
            let got = unslice_row(&sliced, bits + 1, bits, n);
            assert!(got.iter().zip(&v).all(|(g, x)| *g == (x >> 3) & (x >> 4) & 1), "n {n} extra row");
            // Padding elements of the last block are zero.
            let last = &sliced[(blocks(n) - 1) * (bits + 1)..];
            let used = n - (blocks(n) - 1) * LANES;
            if used < LANES {
                assert!(last.iter().all(|w| w >> used == 0));
            }
        }
    }
}
