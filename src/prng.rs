//! Randomness: seeds and ChaCha streams.
//!
//! Seeds come from OS entropy. The only other way to make one,
//! [`Seed::insecure_deterministic_for_tests`], says what it is in its name.
//! A stream is a ChaCha8 keystream selected by the seed and a [`StreamId`]
//! (run, op, purpose), so two players holding the same seed draw the same
//! values for the same op without counting draws, and no two ops or purposes
//! ever share keystream. Large draws are generated in parallel chunks at
//! fixed keystream offsets: the values do not depend on the thread count.
//! The keystream is [`crate::chacha`]'s, the same bytes as
//! `rand_chacha::ChaCha8Rng` (seed, `set_stream`, `set_word_pos`) on any CPU.

use crate::chacha;
use crate::error::{Error, Result};
use crate::parallel::{self, GRAIN};

/// A 256-bit ChaCha key. Its bytes are never printed or logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed([u8; 32]);

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seed(<secret>)")
    }
}

impl Seed {
    /// A fresh seed from the operating system's entropy source.
    pub fn from_os_entropy() -> Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| Error::internal(format!("the OS entropy source failed: {e}")))?;
        Ok(Seed(bytes))
    }

    /// A seed fixed by `label`, for reproducible tests only: anyone who knows
    /// the label knows every share. Never use it in a deployment.
    pub fn insecure_deterministic_for_tests(label: u64) -> Self {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&label.to_le_bytes());
        bytes[8..16].copy_from_slice(b"TESTONLY");
        Seed(bytes)
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Seed(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Which keystream of a seed to use: one per (run, op, purpose).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamId {
    pub run: u64,
    pub op: u32,
    /// Distinguishes the draws of one op (masks, zero shares, ...).
    pub purpose: u32,
}

/// Keystream space per purpose, in 32-bit words (2^50 words: never exhausted).
const PURPOSE_STRIDE_BITS: u32 = 50;

/// Fills `out` with the keystream of `seed` selected by `id`, in parallel
/// chunks when it is long (see [`crate::parallel`]).
pub fn fill(seed: &Seed, id: StreamId, out: &mut [u64]) {
    parallel::for_chunks(out, GRAIN, |start, chunk| fill_at(seed, id, start as u64, chunk));
}

/// Fills `out` with words `start..start + out.len()` of the keystream of
/// `seed` selected by `id`: a block of a long draw, generated on its own.
pub fn fill_at(seed: &Seed, id: StreamId, start: u64, out: &mut [u64]) {
    // The nonce holds the run's low 32 bits and the op; the run's high bits
    // select the key (see `epoch_key`), so no (key, nonce) pair ever repeats.
    let stream = ((id.run & 0xFFFF_FFFF) << 32) | u64::from(id.op);
    // Two 32-bit keystream words per u64.
    let word_pos = (u128::from(id.purpose) << PURPOSE_STRIDE_BITS) + 2 * u128::from(start);
    match id.run >> 32 {
        0 => chacha::keystream_u64(&seed.0, stream, word_pos, out),
        epoch => chacha::keystream_u64(&epoch_key(seed, epoch), stream, word_pos, out),
    }
}

/// The key of runs `epoch * 2^32 ..`: the nonce has room for 2^32 runs
/// only (about 50 days at 1,000 runs a second), so each further 2^32 runs
/// use a key of their own, derived from the seed by SHA-256. Runs below
/// 2^32 use the seed itself.
fn epoch_key(seed: &Seed, epoch: u64) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(b"tfe prng epoch key v1");
    hash.update(seed.0);
    hash.update(epoch.to_le_bytes());
    hash.finalize().into()
}

/// A vector of `len` words from the keystream of `seed` selected by `id`.
pub fn draw(seed: &Seed, id: StreamId, len: usize) -> Vec<u64> {
    let mut out = vec![0u64; len];
    fill(seed, id, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(run: u64, op: u32, purpose: u32) -> StreamId {
        StreamId { run, op, purpose }
    }

    #[test]
    fn same_seed_and_id_give_same_words_whatever_the_length() {
        let seed = Seed::insecure_deterministic_for_tests(7);
        let long = draw(&seed, id(1, 2, 3), 3 * GRAIN + 5);
        let short = draw(&seed, id(1, 2, 3), 10);
        assert_eq!(&long[..10], &short[..]);
        assert_eq!(long, draw(&seed, id(1, 2, 3), 3 * GRAIN + 5));
        let mut middle = vec![0u64; 100];
        fill_at(&seed, id(1, 2, 3), GRAIN as u64 - 50, &mut middle);
        assert_eq!(&middle[..], &long[GRAIN - 50..GRAIN + 50]);
    }

    #[test]
    fn different_ids_and_seeds_give_different_words() {
        let seed = Seed::insecure_deterministic_for_tests(7);
        let base = draw(&seed, id(1, 2, 3), 8);
        assert_ne!(base, draw(&seed, id(2, 2, 3), 8));
        assert_ne!(base, draw(&seed, id(1, 3, 3), 8));
        assert_ne!(base, draw(&seed, id(1, 2, 4), 8));
        assert_ne!(base, draw(&Seed::insecure_deterministic_for_tests(8), id(1, 2, 3), 8));
    }

    #[test]
    fn runs_past_2_to_the_32_never_reuse_a_keystream() {
        // A u32 run in the nonce wrapped here: run 2^32 drew run 0's masks.
        let seed = Seed::insecure_deterministic_for_tests(7);
        let runs = [0, 1, (1 << 32) - 1, 1 << 32, (1 << 32) + 1, 2 << 32, u64::MAX];
        let draws: Vec<Vec<u64>> = runs.iter().map(|&run| draw(&seed, id(run, 5, 1), 64)).collect();
        for (i, a) in draws.iter().enumerate() {
            for (j, b) in draws.iter().enumerate().skip(i + 1) {
                assert_ne!(a, b, "runs {} and {} share a keystream", runs[i], runs[j]);
            }
        }
        // Past the boundary, draws are as reproducible as before it.
        assert_eq!(draws[3], draw(&seed, id(1 << 32, 5, 1), 64));
        let mut middle = vec![0u64; 8];
        fill_at(&seed, id(1 << 32, 5, 1), 10, &mut middle);
        assert_eq!(&middle[..], &draws[3][10..18]);
    }

    #[test]
    fn streams_are_rand_chacha_chacha8_streams() {
        // The format both ends of a connection rely on, pinned to the
        // reference implementation it was first defined by.
        use rand_chacha::ChaCha8Rng;
        use rand_core::{Rng, SeedableRng};
        let seed = Seed::insecure_deterministic_for_tests(11);
        let (run, op, purpose, start) = (3, 0xFFFF_FFFE, 9, 12_345);
        let mut rng = ChaCha8Rng::from_seed(*seed.as_bytes());
        rng.set_stream((run << 32) | u64::from(op));
        rng.set_word_pos((u128::from(purpose) << PURPOSE_STRIDE_BITS) + 2 * u128::from(start));
        let expected: Vec<u64> = (0..1000).map(|_| rng.next_u64()).collect();
        let mut out = vec![0u64; 1000];
        fill_at(&seed, id(run, op, purpose), start, &mut out);
        assert_eq!(out, expected);
    }

    #[test]
    fn os_seeds_differ_and_never_print() {
        let a = Seed::from_os_entropy().unwrap();
        let b = Seed::from_os_entropy().unwrap();
        assert_ne!(a, b);
        assert_eq!(format!("{a:?}"), "Seed(<secret>)");
    }
}
