//! Reproducible data for tests and benchmarks: xorshift64 words and the
//! values made from them. Cheap and predictable on purpose, so never a
//! source of secrets (those come from [`crate::prng`]).

/// The states of xorshift64 (shifts 13, 7, 17) after `state` (not 0).
pub fn xorshift(mut state: u64) -> impl Iterator<Item = u64> {
    std::iter::repeat_with(move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    })
}

/// A word of [`xorshift`] as a value in [0, 1): its top 53 bits.
pub fn unit_interval(word: u64) -> f64 {
    (word >> 11) as f64 / (1u64 << 53) as f64
}

/// `len` full-width words from `seed | 1`, so that benchmarked products
/// wrap as they do in use.
pub fn random_words(len: usize, seed: u64) -> Vec<u64> {
    xorshift(seed | 1).take(len).collect()
}
