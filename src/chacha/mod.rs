//! ChaCha8 keystream, bit-for-bit the one `rand_chacha::ChaCha8Rng` produces.
//!
//! This file owns the public API ([`keystream_u64`]), the block layout, the
//! handling of word positions that start mid-block or between two 32-bit
//! words, and back-end selection (run-time CPU feature detection, then the
//! fastest by measurement, cached; no
//! `target-cpu` flags, so one binary serves every x86_64 machine and both
//! ends of a connection agree whatever their CPUs). The block function
//! lives in `portable.rs` (any target), `avx2.rs` (8 blocks per call, one per
//! 32-bit lane) and `avx512.rs` (16 blocks per call), the last two only on
//! x86_64. `tests.rs` checks every back end against `rand_chacha`.
//!
//! Layout (as in `rand_chacha` 0.10, Bernstein's original 64/64 split rather
//! than the IETF 32/96 one), in 32-bit words:
//!
//! ```text
//! "expa"   "nd 3"   "2-by"   "te k"
//! key[0]   key[1]   key[2]   key[3]
//! key[4]   key[5]   key[6]   key[7]
//! ctr_lo   ctr_hi   strm_lo  strm_hi
//! ```
//!
//! Key words are read little-endian. The 64-bit block counter wraps; block
//! `n` is keystream words `16n..16n + 16`, so a word position `p` means
//! block `p / 16` (mod 2^64: only the low 68 bits of `p` matter) and word
//! `p % 16` in it. Output word `i` of the `u64` stream is keystream words
//! `p + 2i` (low half) and `p + 2i + 1` (high half): the little-endian
//! reading of `fill_bytes`.

use std::sync::OnceLock;

use crate::simd::cpu_has;

/// One quarter round on words `a, b, c, d` of the state array `$x`. The
/// lane operations `add`, `xor`, `rol16`, `rol12`, `rol8` and `rol7` are
/// whatever the calling back-end module defines (item names are not
/// hygienic in `macro_rules!`), so all three back ends share this text.
macro_rules! quarter_round {
    ($x:ident, $a:literal, $b:literal, $c:literal, $d:literal) => {
        $x[$a] = add($x[$a], $x[$b]);
        $x[$d] = rol16(xor($x[$d], $x[$a]));
        $x[$c] = add($x[$c], $x[$d]);
        $x[$b] = rol12(xor($x[$b], $x[$c]));
        $x[$a] = add($x[$a], $x[$b]);
        $x[$d] = rol8(xor($x[$d], $x[$a]));
        $x[$c] = add($x[$c], $x[$d]);
        $x[$b] = rol7(xor($x[$b], $x[$c]));
    };
}

/// The [`DOUBLE_ROUNDS`] double rounds (columns, then diagonals) of ChaCha8.
macro_rules! chacha_rounds {
    ($x:ident) => {
        for _ in 0..$crate::chacha::DOUBLE_ROUNDS {
            quarter_round!($x, 0, 4, 8, 12);
            quarter_round!($x, 1, 5, 9, 13);
            quarter_round!($x, 2, 6, 10, 14);
            quarter_round!($x, 3, 7, 11, 15);
            quarter_round!($x, 0, 5, 10, 15);
            quarter_round!($x, 1, 6, 11, 12);
            quarter_round!($x, 2, 7, 8, 13);
            quarter_round!($x, 3, 4, 9, 14);
        }
    };
}

mod portable;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

#[cfg(test)]
mod tests;

/// ChaCha8: 8 rounds = 4 double rounds.
const DOUBLE_ROUNDS: usize = 4;
/// 32-bit words per block.
pub const BLOCK_WORDS: usize = 16;
/// Output `u64` words per block.
const BLOCK_U64: usize = BLOCK_WORDS / 2;
/// "expand 32-byte k", little-endian.
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// One block of output as `u64` words.
type Block = [u64; BLOCK_U64];

/// A block-function implementation. Which ones a CPU can run is decided at
/// run time; all produce the same bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Scalar Rust (4 blocks interleaved so the compiler may vectorize).
    Portable,
    /// 8 blocks at once in 256-bit vectors, one block per 32-bit lane.
    Avx2,
    /// 16 blocks at once in 512-bit vectors with native rotates (`vprold`).
    Avx512,
}

/// The back ends this CPU can run, slowest first; always contains `Portable`.
pub fn available_backends() -> Vec<Backend> {
    [Backend::Portable, Backend::Avx2, Backend::Avx512].into_iter().filter(|&b| is_available(b)).collect()
}

/// Whether this CPU can run `backend` (the standard library caches detection).
fn is_available(backend: Backend) -> bool {
    match backend {
        Backend::Portable => true,
        Backend::Avx2 => cpu_has!("avx2"),
        // The AVX-512 back end hands short tails to the AVX2 one.
        Backend::Avx512 => cpu_has!("avx512f", "avx2"),
    }
}

/// The fastest back end on this machine, measured once per process (under
/// a millisecond, at the first keystream: `crate::fastest` says why).
pub fn detected_backend() -> Backend {
    static DETECTED: OnceLock<Backend> = OnceLock::new();
    *DETECTED.get_or_init(|| {
        let mut out = vec![0u64; 1 << 14];
        crate::fastest::fastest(&available_backends(), |backend| {
            keystream_u64_with(backend, &[7; 32], 0, 0, &mut out);
        })
    })
}

/// Fills `out` with the ChaCha8 keystream of `key` and `stream` starting at
/// 32-bit word `word_pos`, two words per `u64` (low half first): exactly
/// what `ChaCha8Rng::from_seed(*key)` after `set_stream(stream)` and
/// `set_word_pos(word_pos)` writes with `fill_bytes`, read little-endian.
pub fn keystream_u64(key: &[u8; 32], stream: u64, word_pos: u128, out: &mut [u64]) {
    keystream_u64_with(detected_backend(), key, stream, word_pos, out);
}

/// `keystream_u64` with an explicit back end, for tests and benchmarks.
///
/// Panics if `backend` is not available on this CPU (see
/// [`available_backends`]): running it anyway would be undefined behaviour.
pub fn keystream_u64_with(backend: Backend, key: &[u8; 32], stream: u64, word_pos: u128, out: &mut [u64]) {
    assert!(is_available(backend), "chacha: back end {backend:?} is not available on this CPU");
    let input = initial_state(key, stream);
    if word_pos.is_multiple_of(2) {
        fill_even(backend, &input, word_pos, out);
    } else {
        fill_odd(backend, &input, word_pos, out);
    }
}

/// The state before the rounds, with the counter words (12, 13) left at zero
/// for the back ends to fill in per block.
fn initial_state(key: &[u8; 32], stream: u64) -> [u32; 16] {
    let mut state = [0u32; 16];
    state[..4].copy_from_slice(&SIGMA);
    for (word, bytes) in state[4..12].iter_mut().zip(key.as_chunks::<4>().0) {
        *word = u32::from_le_bytes(*bytes);
    }
    state[14] = stream as u32;
    state[15] = (stream >> 32) as u32;
    state
}

/// Whole blocks `counter, counter + 1, ...` into `out` with `backend`.
fn blocks(backend: Backend, input: &[u32; 16], counter: u64, out: &mut [Block]) {
    match backend {
        Backend::Portable => portable::blocks(input, counter, out),
        // SAFETY: `keystream_u64_with` checked that this CPU has AVX2.
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => unsafe { avx2::blocks(input, counter, out) },
        // SAFETY: `keystream_u64_with` checked that this CPU has AVX-512F and AVX2.
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => unsafe { avx512::blocks(input, counter, out) },
        #[cfg(not(target_arch = "x86_64"))]
        Backend::Avx2 | Backend::Avx512 => unreachable!("x86_64 back ends are never available here"),
    }
}

/// `word_pos` even: every output `u64` is an aligned pair of a block. A
/// partial first or last block is computed alone (portably: one block is
/// below any vector batch) and copied; the middle goes straight to `out`.
fn fill_even(backend: Backend, input: &[u32; 16], word_pos: u128, out: &mut [u64]) {
    // `as u64` keeps the low 64 bits of the block index, as `rand_chacha` does.
    let mut counter = (word_pos / BLOCK_WORDS as u128) as u64;
    let skip = (word_pos % BLOCK_WORDS as u128) as usize / 2;
    let mut out = out;
    if skip != 0 && !out.is_empty() {
        let block = portable::block(input, counter);
        let take = out.len().min(BLOCK_U64 - skip);
        out[..take].copy_from_slice(&block[skip..skip + take]);
        out = &mut out[take..];
        counter = counter.wrapping_add(1);
    }
    let (whole, tail) = out.as_chunks_mut::<BLOCK_U64>();
    blocks(backend, input, counter, whole);
    if !tail.is_empty() {
        let block = portable::block(input, counter.wrapping_add(whole.len() as u64));
        tail.copy_from_slice(&block[..tail.len()]);
    }
}

/// `word_pos` odd: every output `u64` straddles two pairs. Generates the
/// even-aligned stream one word earlier, in stack-sized pieces, and shifts
/// each pair by one word. Nothing in this crate asks for odd positions;
/// this keeps the API total at a modest cost.
fn fill_odd(backend: Backend, input: &[u32; 16], word_pos: u128, out: &mut [u64]) {
    const PIECE: usize = 16 * BLOCK_U64;
    let mut aligned = [0u64; PIECE + 1];
    for (i, piece) in out.chunks_mut(PIECE).enumerate() {
        let start = word_pos.wrapping_sub(1).wrapping_add(2 * (i * PIECE) as u128);
        let aligned = &mut aligned[..=piece.len()];
        fill_even(backend, input, start, aligned);
        for (o, pair) in piece.iter_mut().zip(aligned.windows(2)) {
            *o = (pair[0] >> 32) | (pair[1] << 32);
        }
    }
}
