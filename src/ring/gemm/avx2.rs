//! The AVX2 microkernel (x86_64 with AVX2).
//!
//! AVX2 has no 64-bit multiply, so with a = ah·2^32 + al, b = bh·2^32 + bl:
//!   a·b mod 2^64 = al·bl + ((al·bh + ah·bl) mod 2^32) · 2^32.
//! `vpmuludq` gives al·bl exactly; `vpmulld` of a with b's halves swapped
//! gives al·bh and ah·bl in the two 32-bit halves of a lane. Only those
//! cross terms mod 2^32 matter, so they are summed over the whole shared
//! dimension in 32-bit lanes and folded into the result once per tile:
//! two multiplies and two adds per product instead of the usual five ops.
//! A 6×4 tile needs 12 accumulators (6 rows × {lo, cross}) plus b, swapped
//! b and a broadcast: 15 of the 16 ymm registers.

use std::arch::x86_64::*;

use super::blocked::{MicroKernel, Tile};
use crate::simd::{load256, store256};

/// Tile rows.
const MR: usize = 6;
/// Tile columns: one vector of `LANES`.
const NR: usize = 4;
/// `u64` lanes in a ymm register.
const LANES: usize = 4;

/// Marker type selecting the AVX2 kernel in the blocked driver.
pub(super) struct Avx2;

impl MicroKernel for Avx2 {
    const MR: usize = MR;
    const NR: usize = NR;
    const MC: usize = 144;

    unsafe fn tile(t: Tile<'_>) {
        // SAFETY: the trait contract says this CPU has avx2.
        unsafe { tile(t) }
    }
}

/// See [`MicroKernel::tile`].
#[target_feature(enable = "avx2")]
fn tile(t: Tile<'_>) {
    let (a, _) = t.a[..t.kc * MR].as_chunks::<MR>();
    let (b, _) = t.b[..t.kc * NR].as_chunks::<NR>();
    let mut lo = [[_mm256_setzero_si256(); NR / LANES]; MR];
    let mut cross = [[_mm256_setzero_si256(); NR / LANES]; MR];
    for (ap, bp) in a.iter().zip(b) {
        let (bp, _) = bp.as_chunks::<LANES>();
        let bv: [__m256i; NR / LANES] = std::array::from_fn(|v| load256(&bp[v]));
        // 0xB1 swaps the two 32-bit halves of every 64-bit lane.
        let bs = bv.map(|v| _mm256_shuffle_epi32::<0xB1>(v));
        for ((lo_r, cross_r), &ar) in lo.iter_mut().zip(&mut cross).zip(ap) {
            let ar = _mm256_set1_epi64x(ar as i64);
            for v in 0..NR / LANES {
                lo_r[v] = _mm256_add_epi64(lo_r[v], _mm256_mul_epu32(ar, bv[v]));
                cross_r[v] = _mm256_add_epi32(cross_r[v], _mm256_mullo_epi32(ar, bs[v]));
            }
        }
    }

    // Fold: lane = lo + ((cross.low32 + cross.high32) << 32).
    let mut spill = [[[0u64; LANES]; NR / LANES]; MR];
    let full = t.is_full(MR, NR);
    for (r, (lo_r, cross_r)) in lo.iter().zip(&cross).enumerate() {
        for v in 0..NR / LANES {
            let x = cross_r[v];
            let x = _mm256_slli_epi64::<32>(_mm256_add_epi64(x, _mm256_srli_epi64::<32>(x)));
            let sum = _mm256_add_epi64(lo_r[v], x);
            if full {
                let start = r * t.ldc + v * LANES;
                let (dst, _) = t.c[start..start + LANES].as_chunks_mut::<LANES>();
                let sum = if t.overwrite { sum } else { _mm256_add_epi64(load256(&dst[0]), sum) };
                store256(&mut dst[0], sum);
            } else {
                store256(&mut spill[r][v], sum);
            }
        }
    }
    if !full {
        t.store(spill.as_flattened().as_flattened(), NR);
    }
}
