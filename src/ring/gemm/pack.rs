//! Packing of A and B blocks into the panel layouts the microkernels read.
//!
//! A microkernel walks the shared dimension `p` and at each step needs `MR`
//! values of A (one column of its rows) and `NR` values of B (one row of its
//! columns). Packing puts exactly those next to each other, so the kernel
//! streams both panels with unit stride, and pads the last panel with zeros,
//! so the kernel never needs an edge case in its inner loop: zero rows and
//! columns add nothing, and the driver only writes back the valid part.

use rayon::prelude::*;

use super::Factor;

/// Packs rows `pc..pc+kc` × columns `jc..jc+nc` of row-major `b` (row
/// stride `ldb`; a sum is added here) into `out` as panels of `nr` columns: panel `q` holds, for
/// each `p < kc`, the `nr` values `b[pc+p][jc + q*nr ..]`, zero padded.
///
/// `out.len()` must be `nc.next_multiple_of(nr) * kc`.
#[allow(clippy::too_many_arguments)] // a sub-block needs its origin and size
pub(super) fn pack_b(
    nr: usize,
    b: Factor,
    ldb: usize,
    pc: usize,
    kc: usize,
    jc: usize,
    nc: usize,
    out: &mut [u64],
    parallel: bool,
) {
    assert_eq!(out.len(), nc.next_multiple_of(nr) * kc, "pack_b: buffer size");
    let pack_panel = |(q, panel): (usize, &mut [u64])| {
        let j0 = jc + q * nr;
        let width = nr.min(jc + nc - j0);
        for (p, dst) in panel.chunks_exact_mut(nr).enumerate() {
            let row = (pc + p) * ldb;
            b.copy_to(row + j0..row + j0 + width, dst[..width].iter_mut());
            dst[width..].fill(0);
        }
    };
    if parallel {
        out.par_chunks_exact_mut(kc * nr).enumerate().for_each(pack_panel);
    } else {
        out.chunks_exact_mut(kc * nr).enumerate().for_each(pack_panel);
    }
}

/// Packs columns `pc..pc+kc` of the first `mc` rows of row-major `a` (row
/// stride `lda`; a sum is added here) into `out` as panels of `mr` rows: panel `q` holds, for
/// each `p < kc`, the `mr` values `a[q*mr ..][pc+p]`, zero padded.
///
/// `out.len()` must be `mc.next_multiple_of(mr) * kc`.
pub(super) fn pack_a(mr: usize, a: Factor, lda: usize, pc: usize, kc: usize, mc: usize, out: &mut [u64]) {
    assert_eq!(out.len(), mc.next_multiple_of(mr) * kc, "pack_a: buffer size");
    for (q, panel) in out.chunks_exact_mut(kc * mr).enumerate() {
        for r in 0..mr {
            let i = q * mr + r;
            let column = panel.iter_mut().skip(r).step_by(mr);
            if i < mc {
                // Reading a row of A contiguously, writing with stride `mr`.
                a.copy_to(i * lda + pc..i * lda + pc + kc, column);
            } else {
                column.for_each(|dst| *dst = 0);
            }
        }
    }
}
