//! The AVX-512 microkernel (x86_64 with AVX-512F and AVX-512DQ).
//!
//! An 8×16 tile of C lives in 16 zmm accumulators (two per row). Each step of
//! the shared dimension loads one packed row of B (two vectors), broadcasts
//! each of the 8 packed A values, and does 16 `vpmullq` + 16 `vpaddq`: the
//! low 64 bits of the product are exactly the product mod 2^64, and adds
//! wrap, so no fix-up is needed. 16 accumulators leave room in the 32 zmm
//! registers, and the 8 independent rows hide the multiply latency.

use std::arch::x86_64::*;

use super::blocked::{MicroKernel, Tile};
use crate::simd::{load512, store512};

/// Tile rows.
const MR: usize = 8;
/// Tile columns: two vectors of `LANES`.
const NR: usize = 16;
/// `u64` lanes in a zmm register.
const LANES: usize = 8;

/// Marker type selecting the AVX-512 kernel in the blocked driver.
pub(super) struct Avx512;

impl MicroKernel for Avx512 {
    const MR: usize = MR;
    const NR: usize = NR;
    // B panel 256×16×8 B = 32 KiB stays in a 48 KiB L1 (measured best of
    // 128..512); the A block 144×256×8 B = 288 KiB in L2.
    const KC: usize = 256;
    const MC: usize = 144;

    unsafe fn tile(t: Tile<'_>) {
        // SAFETY: the trait contract says this CPU has avx512f and avx512dq.
        unsafe { tile(t) }
    }
}

/// See [`MicroKernel::tile`].
#[target_feature(enable = "avx512f,avx512dq")]
fn tile(t: Tile<'_>) {
    let (a, _) = t.a[..t.kc * MR].as_chunks::<MR>();
    let (b, _) = t.b[..t.kc * NR].as_chunks::<NR>();
    let mut acc = [[_mm512_setzero_si512(); NR / LANES]; MR];
    for (ap, bp) in a.iter().zip(b) {
        let (bp, _) = bp.as_chunks::<LANES>();
        let b0 = load512(&bp[0]);
        let b1 = load512(&bp[1]);
        for (acc_r, &ar) in acc.iter_mut().zip(ap) {
            let ar = _mm512_set1_epi64(ar as i64);
            acc_r[0] = _mm512_add_epi64(acc_r[0], _mm512_mullo_epi64(ar, b0));
            acc_r[1] = _mm512_add_epi64(acc_r[1], _mm512_mullo_epi64(ar, b1));
        }
    }

    if t.is_full(MR, NR) {
        // Full tile: the accumulators go straight into C's rows.
        for (r, acc_r) in acc.iter().enumerate() {
            let (row, _) = t.c[r * t.ldc..r * t.ldc + NR].as_chunks_mut::<LANES>();
            for (dst, &v) in row.iter_mut().zip(acc_r) {
                store512(dst, if t.overwrite { v } else { _mm512_add_epi64(load512(dst), v) });
            }
        }
    } else {
        // Edge tile: spill, then add only the part inside C.
        let mut spill = [[[0u64; LANES]; NR / LANES]; MR];
        for (dst_r, acc_r) in spill.iter_mut().zip(&acc) {
            for (dst, &v) in dst_r.iter_mut().zip(acc_r) {
                store512(dst, v);
            }
        }
        t.store(spill.as_flattened().as_flattened(), NR);
    }
}
