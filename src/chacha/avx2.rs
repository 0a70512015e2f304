//! The ChaCha8 block function for AVX2: 8 blocks per batch, word `i` of
//! block `j` in 32-bit lane `j` of vector `i`, so the rounds need no
//! shuffles and only the final output is transposed.
//!
//! AVX2 has no vector rotate: rotations by 16 and 8 are byte shuffles
//! (`vpshufb`, one instruction), by 12 and 7 two shifts and an OR.

use std::arch::x86_64::*;
use std::array::from_fn;

use super::{BLOCK_U64, Block};
use crate::simd::{load256, store256};

/// Blocks per batch: 32-bit lanes in a 256-bit vector.
const LANES: usize = 8;

/// Blocks `counter, counter + 1, ...` (the counter wraps) into `out`. A
/// final partial batch is computed whole into a buffer and copied.
///
/// Safe to call only on a CPU with AVX2.
#[target_feature(enable = "avx2")]
pub(super) fn blocks(input: &[u32; 16], counter: u64, out: &mut [Block]) {
    let (batches, tail) = out.as_chunks_mut::<LANES>();
    let mut counter = counter;
    for batch in batches {
        batch8(input, counter, batch);
        counter = counter.wrapping_add(LANES as u64);
    }
    if !tail.is_empty() {
        let mut buffer = [[0u64; BLOCK_U64]; LANES];
        batch8(input, counter, &mut buffer);
        tail.copy_from_slice(&buffer[..tail.len()]);
    }
}

/// Blocks `counter .. counter + 8` into `out`.
#[inline]
#[target_feature(enable = "avx2")]
fn batch8(input: &[u32; 16], counter: u64, out: &mut [Block; LANES]) {
    let lo: [u32; LANES] = from_fn(|j| counter.wrapping_add(j as u64) as u32);
    let hi: [u32; LANES] = from_fn(|j| (counter.wrapping_add(j as u64) >> 32) as u32);
    let init = |i: usize| match i {
        12 => load256(&lo),
        13 => load256(&hi),
        _ => _mm256_set1_epi32(input[i] as i32),
    };
    let mut x: [__m256i; 16] = from_fn(init);
    chacha_rounds!(x);
    // Re-materialised rather than kept: 16 more live vectors would spill.
    let x: [__m256i; 16] = from_fn(|i| add(x[i], init(i)));

    // 4×4 transposes of 32-bit words within each 128-bit half: afterwards
    // half `k` of `t[g][m]` holds words 4g..4g+4 of block 4k+m.
    let t: [[__m256i; 4]; 4] = from_fn(|g| {
        let (r0, r1, r2, r3) = (x[4 * g], x[4 * g + 1], x[4 * g + 2], x[4 * g + 3]);
        let (a, b) = (_mm256_unpacklo_epi32(r0, r1), _mm256_unpackhi_epi32(r0, r1));
        let (c, d) = (_mm256_unpacklo_epi32(r2, r3), _mm256_unpackhi_epi32(r2, r3));
        [
            _mm256_unpacklo_epi64(a, c),
            _mm256_unpackhi_epi64(a, c),
            _mm256_unpacklo_epi64(b, d),
            _mm256_unpackhi_epi64(b, d),
        ]
    });
    for m in 0..4 {
        // Low halves make block m, high halves block 4 + m.
        let low = |a: __m256i, b: __m256i| _mm256_permute2x128_si256::<0x20>(a, b);
        let high = |a: __m256i, b: __m256i| _mm256_permute2x128_si256::<0x31>(a, b);
        store(&mut out[m], low(t[0][m], t[1][m]), low(t[2][m], t[3][m]));
        store(&mut out[4 + m], high(t[0][m], t[1][m]), high(t[2][m], t[3][m]));
    }
}

/// Writes one block: words 0..8 from `lo`, 8..16 from `hi`.
#[inline]
#[target_feature(enable = "avx2")]
fn store(dst: &mut Block, lo: __m256i, hi: __m256i) {
    let (halves, _) = dst.as_chunks_mut::<4>();
    store256(&mut halves[0], lo);
    store256(&mut halves[1], hi);
}

#[inline]
#[target_feature(enable = "avx2")]
fn add(a: __m256i, b: __m256i) -> __m256i {
    _mm256_add_epi32(a, b)
}

#[inline]
#[target_feature(enable = "avx2")]
fn xor(a: __m256i, b: __m256i) -> __m256i {
    _mm256_xor_si256(a, b)
}

#[inline]
#[target_feature(enable = "avx2")]
fn rol16(a: __m256i) -> __m256i {
    // Each 32-bit word takes bytes [2, 3, 0, 1] of itself.
    let swap = _mm256_setr_epi8(
        2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
    );
    _mm256_shuffle_epi8(a, swap)
}

#[inline]
#[target_feature(enable = "avx2")]
fn rol8(a: __m256i) -> __m256i {
    // Each 32-bit word takes bytes [3, 0, 1, 2] of itself.
    let rotate = _mm256_setr_epi8(
        3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14,
    );
    _mm256_shuffle_epi8(a, rotate)
}

#[inline]
#[target_feature(enable = "avx2")]
fn rol12(a: __m256i) -> __m256i {
    _mm256_or_si256(_mm256_slli_epi32::<12>(a), _mm256_srli_epi32::<20>(a))
}

#[inline]
#[target_feature(enable = "avx2")]
fn rol7(a: __m256i) -> __m256i {
    _mm256_or_si256(_mm256_slli_epi32::<7>(a), _mm256_srli_epi32::<25>(a))
}
