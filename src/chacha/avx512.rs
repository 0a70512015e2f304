//! The ChaCha8 block function for AVX-512F: 16 blocks per batch, word `i`
//! of block `j` in 32-bit lane `j` of vector `i`. Every rotation is one
//! `vprold`, the main gain over AVX2 besides width; the 16 state vectors
//! fit in the 32 registers with room for the transpose.

use std::arch::x86_64::*;
use std::array::from_fn;

use super::{BLOCK_U64, Block, avx2};
use crate::simd::{load512, store512};

/// Blocks per batch: 32-bit lanes in a 512-bit vector.
const LANES: usize = 16;

/// Blocks `counter, counter + 1, ...` (the counter wraps) into `out`. A
/// final partial batch of more than 8 blocks is computed whole into a
/// buffer and copied; a shorter one goes to the AVX2 back end, which wastes
/// less on it.
///
/// Safe to call only on a CPU with AVX-512F and AVX2.
#[target_feature(enable = "avx512f,avx2")]
pub(super) fn blocks(input: &[u32; 16], counter: u64, out: &mut [Block]) {
    let (batches, tail) = out.as_chunks_mut::<LANES>();
    let counter = batches.iter_mut().fold(counter, |counter, batch| {
        batch16(input, counter, batch);
        counter.wrapping_add(LANES as u64)
    });
    if tail.len() > LANES / 2 {
        let mut buffer = [[0u64; BLOCK_U64]; LANES];
        batch16(input, counter, &mut buffer);
        tail.copy_from_slice(&buffer[..tail.len()]);
    } else if !tail.is_empty() {
        avx2::blocks(input, counter, tail);
    }
}

/// Blocks `counter .. counter + 16` into `out`.
#[inline]
#[target_feature(enable = "avx512f")]
fn batch16(input: &[u32; 16], counter: u64, out: &mut [Block; LANES]) {
    let lo: [u32; LANES] = from_fn(|j| counter.wrapping_add(j as u64) as u32);
    let hi: [u32; LANES] = from_fn(|j| (counter.wrapping_add(j as u64) >> 32) as u32);
    let init = |i: usize| match i {
        12 => load512(&lo),
        13 => load512(&hi),
        _ => _mm512_set1_epi32(input[i] as i32),
    };
    let mut x: [__m512i; 16] = from_fn(init);
    chacha_rounds!(x);
    let x: [__m512i; 16] = from_fn(|i| add(x[i], init(i)));

    // 4×4 transposes of 32-bit words within each 128-bit quarter:
    // afterwards quarter `k` of `t[g][m]` holds words 4g..4g+4 of block 4k+m.
    let t: [[__m512i; 4]; 4] = from_fn(|g| {
        let (r0, r1, r2, r3) = (x[4 * g], x[4 * g + 1], x[4 * g + 2], x[4 * g + 3]);
        let (a, b) = (_mm512_unpacklo_epi32(r0, r1), _mm512_unpackhi_epi32(r0, r1));
        let (c, d) = (_mm512_unpacklo_epi32(r2, r3), _mm512_unpackhi_epi32(r2, r3));
        [
            _mm512_unpacklo_epi64(a, c),
            _mm512_unpackhi_epi64(a, c),
            _mm512_unpacklo_epi64(b, d),
            _mm512_unpackhi_epi64(b, d),
        ]
    });
    // Then a 4×4 transpose of 128-bit quarters across t[0..4][m]: block
    // 4k+m is quarter k of t[0][m], t[1][m], t[2][m], t[3][m] in turn.
    for m in 0..4 {
        let [a, b, c, d] = [t[0][m], t[1][m], t[2][m], t[3][m]];
        // [a0 a1 b0 b1], [c0 c1 d0 d1], [a2 a3 b2 b3], [c2 c3 d2 d3]
        let ab01 = _mm512_shuffle_i32x4::<0x44>(a, b);
        let cd01 = _mm512_shuffle_i32x4::<0x44>(c, d);
        let ab23 = _mm512_shuffle_i32x4::<0xEE>(a, b);
        let cd23 = _mm512_shuffle_i32x4::<0xEE>(c, d);
        // 0x88 takes quarters 0 and 2 of each source, 0xDD quarters 1 and 3.
        store512(&mut out[m], _mm512_shuffle_i32x4::<0x88>(ab01, cd01));
        store512(&mut out[4 + m], _mm512_shuffle_i32x4::<0xDD>(ab01, cd01));
        store512(&mut out[8 + m], _mm512_shuffle_i32x4::<0x88>(ab23, cd23));
        store512(&mut out[12 + m], _mm512_shuffle_i32x4::<0xDD>(ab23, cd23));
    }
}

#[inline]
#[target_feature(enable = "avx512f")]
fn add(a: __m512i, b: __m512i) -> __m512i {
    _mm512_add_epi32(a, b)
}

#[inline]
#[target_feature(enable = "avx512f")]
fn xor(a: __m512i, b: __m512i) -> __m512i {
    _mm512_xor_si512(a, b)
}

#[inline]
#[target_feature(enable = "avx512f")]
fn rol16(a: __m512i) -> __m512i {
    _mm512_rol_epi32::<16>(a)
}

#[inline]
#[target_feature(enable = "avx512f")]
fn rol12(a: __m512i) -> __m512i {
    _mm512_rol_epi32::<12>(a)
}

#[inline]
#[target_feature(enable = "avx512f")]
fn rol8(a: __m512i) -> __m512i {
    _mm512_rol_epi32::<8>(a)
}

#[inline]
#[target_feature(enable = "avx512f")]
fn rol7(a: __m512i) -> __m512i {
    _mm512_rol_epi32::<7>(a)
}
