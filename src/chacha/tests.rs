//! Every back end against `rand_chacha::ChaCha8Rng`, the stream this module
//! must reproduce: many keys and streams, word positions at and inside block
//! boundaries (odd ones included), near the 64-bit block-counter wrap and
//! above the 68 bits that matter, and lengths around every batch size.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use super::*;

/// What `rand_chacha` writes, read as little-endian `u64`s.
fn reference(key: &[u8; 32], stream: u64, word_pos: u128, len: usize) -> Vec<u64> {
    let mut rng = ChaCha8Rng::from_seed(*key);
    rng.set_stream(stream);
    rng.set_word_pos(word_pos);
    let mut bytes = vec![0u8; len * 8];
    rng.fill_bytes(&mut bytes);
    bytes.as_chunks::<8>().0.iter().map(|b| u64::from_le_bytes(*b)).collect()
}

fn ours(backend: Backend, key: &[u8; 32], stream: u64, word_pos: u128, len: usize) -> Vec<u64> {
    // Pre-filled so that a word the back end forgets to write shows up.
    let mut out = vec![0xDEAD_BEEF_DEAD_BEEF; len];
    keystream_u64_with(backend, key, stream, word_pos, &mut out);
    out
}

/// Deterministic, varied keys (splitmix64).
fn key(seed: u64) -> [u8; 32] {
    let mut state = seed;
    let mut key = [0u8; 32];
    for chunk in key.chunks_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    key
}

const LENGTHS: [usize; 20] = [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 63, 64, 65, 127, 128, 129, 136, 200, 1031];

fn check(backend: Backend, key: &[u8; 32], stream: u64, word_pos: u128, len: usize) {
    assert_eq!(
        ours(backend, key, stream, word_pos, len),
        reference(key, stream, word_pos, len),
        "{backend:?} stream {stream:#x} word_pos {word_pos:#x} len {len}"
    );
}

#[test]
fn every_backend_matches_rand_chacha_at_every_offset_in_a_block() {
    for backend in available_backends() {
        for (seed, stream) in [(0, 0), (1, 1), (2, u64::MAX), (3, 0x0123_4567_89AB_CDEF)] {
            let key = key(seed);
            for word_pos in (0..34).chain([1 << 40, (5 << 50) + 6, (5 << 50) + 7]) {
                for len in LENGTHS {
                    check(backend, &key, stream, word_pos, len);
                }
            }
        }
    }
}

#[test]
fn every_backend_matches_rand_chacha_across_the_counter_wrap() {
    // Block 2^64 - 5 onwards: the 64-bit counter wraps to 0 inside a batch.
    let near_wrap = (u128::from(u64::MAX) - 4) * BLOCK_WORDS as u128;
    for backend in available_backends() {
        for word_pos in [near_wrap, near_wrap + 3, near_wrap + 10, near_wrap + 16 * 5 - 2] {
            for len in [1, 9, 40, 41, 100, 300] {
                check(backend, &key(9), 77, word_pos, len);
            }
        }
        // Only the low 68 bits of a word position matter.
        check(backend, &key(10), 5, (1 << 68) + 22, 50);
        check(backend, &key(10), 5, u128::MAX - 3, 50);
    }
}

#[test]
fn every_backend_matches_rand_chacha_on_many_keys() {
    for backend in available_backends() {
        for seed in 100u64..164 {
            let stream = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let word_pos = u128::from(seed % 7) * 2 + (u128::from(seed) << 50);
            check(backend, &key(seed), stream, word_pos, 300 + seed as usize);
        }
    }
}

#[test]
fn pieces_agree_with_one_long_call() {
    // What `prng::fill` relies on: any split of a range gives the same words.
    let key = key(42);
    for backend in available_backends() {
        let long = ours(backend, &key, 3, 8, 4096);
        for (start, len) in [(0, 4096), (1, 100), (7, 1), (128, 2048), (1000, 3096), (4095, 1)] {
            assert_eq!(ours(backend, &key, 3, 8 + 2 * start as u128, len), long[start..start + len], "{backend:?}");
        }
    }
}

#[test]
fn known_answer_for_the_zero_key() {
    // ChaCha8, 256-bit zero key, zero nonce, block 0 (Strömbergson's
    // draft-strombergson-chacha-test-vectors, TC1): independent of `rand_chacha`.
    let expected: [u8; 64] = [
        0x3e, 0x00, 0xef, 0x2f, 0x89, 0x5f, 0x40, 0xd6, 0x7f, 0x5b, 0xb8, 0xe8, 0x1f, 0x09, 0xa5, 0xa1, 0x2c, 0x84,
        0x0e, 0xc3, 0xce, 0x9a, 0x7f, 0x3b, 0x18, 0x1b, 0xe1, 0x88, 0xef, 0x71, 0x1a, 0x1e, 0x98, 0x4c, 0xe1, 0x72,
        0xb9, 0x21, 0x6f, 0x41, 0x9f, 0x44, 0x53, 0x67, 0x45, 0x6d, 0x56, 0x19, 0x31, 0x4a, 0x42, 0xa3, 0xda, 0x86,
        0xb0, 0x01, 0x38, 0x7b, 0xfd, 0xb8, 0x0e, 0x0c, 0xfe, 0x42,
    ];
    for backend in available_backends() {
        let words = ours(backend, &[0; 32], 0, 0, 8);
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(bytes, expected, "{backend:?}");
    }
}

#[test]
fn detection_and_the_default_entry_point() {
    let backends = available_backends();
    assert_eq!(backends[0], Backend::Portable);
    assert!(backends.contains(&detected_backend()), "{:?} not in {backends:?}", detected_backend());
    let mut out = vec![0u64; 77];
    keystream_u64(&key(5), 6, 7, &mut out);
    assert_eq!(out, reference(&key(5), 6, 7, 77));
}
