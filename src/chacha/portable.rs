//! The ChaCha8 block function in plain Rust: runs on every target and
//! computes the lone partial blocks at either end of an output for all
//! back ends.
//!
//! Blocks are computed [`LANES`] at a time with the state held as
//! `[[u32; LANES]; 16]` (word-major, one block per lane), the same shape as
//! the SIMD back ends, so the compiler can map lanes onto whatever vector
//! unit the baseline target has (SSE2 on x86_64, NEON on aarch64). All
//! arithmetic is on `u32` values, so the output does not depend on the
//! target's endianness.

use std::array::from_fn;

use super::{BLOCK_U64, Block};

/// Blocks per interleaved batch.
const LANES: usize = 4;

/// Blocks `counter, counter + 1, ...` (the counter wraps) into `out`.
pub(super) fn blocks(input: &[u32; 16], counter: u64, out: &mut [Block]) {
    let (batches, tail) = out.as_chunks_mut::<LANES>();
    let mut counter = counter;
    for batch in batches {
        lanes(input, counter, batch);
        counter = counter.wrapping_add(LANES as u64);
    }
    for block in tail {
        *block = self::block(input, counter);
        counter = counter.wrapping_add(1);
    }
}

/// Block number `counter` alone.
pub(super) fn block(input: &[u32; 16], counter: u64) -> Block {
    let mut out = [[0u64; BLOCK_U64]; 1];
    lanes(input, counter, &mut out);
    out[0]
}

/// `N` consecutive blocks, one per lane.
#[inline(always)]
fn lanes<const N: usize>(input: &[u32; 16], counter: u64, out: &mut [Block; N]) {
    let mut init: [[u32; N]; 16] = from_fn(|i| [input[i]; N]);
    init[12] = from_fn(|lane| counter.wrapping_add(lane as u64) as u32);
    init[13] = from_fn(|lane| (counter.wrapping_add(lane as u64) >> 32) as u32);
    let mut x = init;
    chacha_rounds!(x);
    for (lane, block) in out.iter_mut().enumerate() {
        for (j, word) in block.iter_mut().enumerate() {
            let lo = x[2 * j][lane].wrapping_add(init[2 * j][lane]);
            let hi = x[2 * j + 1][lane].wrapping_add(init[2 * j + 1][lane]);
            *word = u64::from(lo) | (u64::from(hi) << 32);
        }
    }
}

#[inline(always)]
fn add<const N: usize>(a: [u32; N], b: [u32; N]) -> [u32; N] {
    from_fn(|i| a[i].wrapping_add(b[i]))
}

#[inline(always)]
fn xor<const N: usize>(a: [u32; N], b: [u32; N]) -> [u32; N] {
    from_fn(|i| a[i] ^ b[i])
}

#[inline(always)]
fn rol16<const N: usize>(a: [u32; N]) -> [u32; N] {
    a.map(|w| w.rotate_left(16))
}

#[inline(always)]
fn rol12<const N: usize>(a: [u32; N]) -> [u32; N] {
    a.map(|w| w.rotate_left(12))
}

#[inline(always)]
fn rol8<const N: usize>(a: [u32; N]) -> [u32; N] {
    a.map(|w| w.rotate_left(8))
}

#[inline(always)]
fn rol7<const N: usize>(a: [u32; N]) -> [u32; N] {
    a.map(|w| w.rotate_left(7))
}
