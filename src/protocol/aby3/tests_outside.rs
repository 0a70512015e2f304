//! `count_outside` against plaintext on words of the whole ring (the bound,
//! its neighbours, the extremes, random words), in both of its forms (per
//! value, per block of 64), an outlier at every bit position of a block,
//! other bounds and configurations, and its rounds and bytes against
//! `outside.rs`.

use super::tests::{ctx, steps};
use super::tests_compare::{ring_op, ring_op_with, test_words, without_open};
use crate::fixed::FixedConfig;
use crate::protocol::{Protocol, outside_group_size};

/// 2^20 in the default encoding (16 fractional bits).
const L: i64 = 1 << 36;

/// Groups of `outside_group_size` values (one, or a block of 64) of each
/// segment that hold a word outside [−L, L), read as signed.
fn plaintext(words: &[u64], segments: &[usize]) -> Vec<u64> {
    plaintext_with(L, words, segments)
}

fn plaintext_with(l: i64, words: &[u64], segments: &[usize]) -> Vec<u64> {
    let group = outside_group_size(segments);
    let mut at = 0;
    segments
        .iter()
        .map(|&n| {
            let segment = &words[at..at + n];
            at += n;
            segment.chunks(group).filter(|block| block.iter().any(|&w| !(-l..l).contains(&(w as i64)))).count() as u64
        })
        .collect()
}

/// Runs the op on `words` and returns the counts (decoded from fixed
/// point) and the servers' costs without the reveal.
fn run(words: &[u64], segments: &'static [usize]) -> (Vec<u64>, Vec<crate::net::Counters>) {
    let (got, costs) = ring_op(&[words.to_vec()], |net, p, s| {
        let counts = p.count_outside(net, &mut steps(10), &s[0], 1048576.0, segments)?;
        Ok(p.reveal(net, ctx(11), Some(&counts), &[segments.len()], None)?.unwrap())
    });
    (got.iter().map(|&c| c >> 16).collect(), without_open(&costs, segments.len()))
}

/// Words inside [−L, L) for `segments`, with outliers (the edges, the
/// extremes, random words) sprinkled over some blocks of the first 584.
fn words_with_outliers(segments: &[usize]) -> Vec<u64> {
    let total: usize = segments.iter().sum();
    let mut words: Vec<u64> =
        test_words(total, 7).iter().map(|&w| ((w % (2 * L as u64 - 1)) as i64 - (L - 1)) as u64).collect();
    let edges = [L, -L, L - 1, -(L - 1), i64::MAX, i64::MIN, 0, L + 1, -L - 1];
    for (k, &at) in [1, 64, 100, 129, 200, 201, 260, 329, 400, 520].iter().enumerate() {
        words[at] = edges[k % edges.len()] as u64;
    }
    for (k, w) in test_words(6, 8).into_iter().enumerate() {
        words[330 + 31 * k] = w;
    }
    words
}

/// Server 0 sent `bytes` in `rounds` rounds; no other server more of either.
fn assert_server0_busiest(costs: &[crate::net::Counters], bytes: u64, rounds: u64) {
    assert_eq!((costs[0].bytes_sent, costs[0].rounds), (bytes, rounds));
    for (i, c) in costs.iter().enumerate() {
        assert!(c.rounds <= rounds, "server {i} took {} rounds", c.rounds);
        assert!(c.bytes_sent <= bytes, "server {i} sent {} bytes, server 0 {bytes}", c.bytes_sent);
    }
}

#[test]
fn counts_the_values_outside_on_words_of_the_whole_ring() {
    const SEGMENTS: &[usize] = &[0, 1, 63, 64, 65, 130, 7, 200];
    assert_eq!(outside_group_size(SEGMENTS), 1);
    let words = words_with_outliers(SEGMENTS);
    let want = plaintext(&words, SEGMENTS);
    assert!(want.iter().any(|&c| c > 1) && want.contains(&0), "the data exercise both outcomes: {want:?}");
    let (got, costs) = run(&words, SEGMENTS);
    assert_eq!(got, want);
    // Whole blocks per segment: 0 + 1 + 1 + 1 + 2 + 3 + 1 + 4 = 13. Per block
    // server 0 sends the msb's 215 words (all 64 bits here), 27 planes of A,
    // 2 · 26 in the AND trees, 1 in the mux, 3 per value in the injection;
    // in 7 rounds (msb, with A's planes and the 5 levels of the trees in
    // its rounds) + 1 (mux) + 2 (injection).
    assert_server0_busiest(&costs, 8 * 13 * (215 + 27 + 52 + 1 + 3 * 64), 10);
}

#[test]
fn beyond_4096_values_counts_the_blocks_with_a_value_outside() {
    // The segments above and one of 4,096 more values, all inside but its
    // last: 77 blocks, past the per-value form.
    const SEGMENTS: &[usize] = &[0, 1, 63, 64, 65, 130, 7, 200, 4096];
    assert_eq!(outside_group_size(SEGMENTS), 64);
    let mut words = words_with_outliers(SEGMENTS);
    *words.last_mut().unwrap() = L as u64;
    let want = plaintext(&words, SEGMENTS);
    // Some block holds two outliers: blocks and values count differently.
    let per_value = plaintext(&words[..530], &SEGMENTS[..8]);
    assert_ne!(want[..8], per_value[..]);
    let (got, costs) = run(&words, SEGMENTS);
    assert_eq!(got, want);
    // Per block as above, but 6 words in the fold and 3 in the injection;
    // 6 rounds more for the fold.
    assert_server0_busiest(&costs, 8 * 77 * (215 + 27 + 52 + 1 + 6 + 3), 16);
}

#[test]
fn an_outlier_is_seen_at_every_position_of_a_block() {
    // Block b of the first segment has its one outlier at position b (L, or
    // −L − 1: −L itself is inside); the 65th block has none, and neither
    // has the second segment.
    const SEGMENTS: &[usize] = &[65 * 64, 10];
    let mut words = vec![5u64; 65 * 64 + 10];
    for b in 0..64 {
        words[b * 64 + b] = if b % 2 == 0 { L as u64 } else { (-L - 1) as u64 };
    }
    let (got, _) = run(&words, SEGMENTS);
    assert_eq!(got, vec![64, 0]);
}

#[test]
fn a_bound_outside_the_range_or_a_wrong_length_is_an_error() {
    let words = vec![0u64; 8];
    let messages = ring_op(&[words], |net, p, s| {
        let short = p.count_outside(net, &mut steps(10), &s[0], 1.0, &[4, 5]).unwrap_err().to_string();
        let zero = p.count_outside(net, &mut steps(11), &s[0], 0.0, &[8]).unwrap_err().to_string();
        let huge = p.count_outside(net, &mut steps(12), &s[0], 1e9, &[8]).unwrap_err().to_string();
        let three = p.count_outside(net, &mut steps(13), &s[0], 3.0, &[8]).unwrap_err().to_string();
        assert!(three.contains("power of two") && three.contains("found 3"), "{three}");
        assert!(short.contains("[9]") && short.contains("[8]"), "{short}");
        assert!(zero.contains("found 0"), "{zero}");
        assert!(huge.contains("1000000000") || huge.contains("1e9"), "{huge}");
        Ok(crate::ring::RingTensor::zeros(&[1]))
    });
    assert_eq!(messages.0, vec![0]);
}

#[test]
fn other_bounds_and_the_default_comparison_width_are_exact_too() {
    // The default configuration reads 39 bits in the msb, so bounds below
    // 2^21 take the shifted carry; 2^−16 is one unit (a window of 2 words).
    for fixed in [
        FixedConfig::default(),
        FixedConfig { comparison: crate::fixed::ComparisonWidth::Full, ..FixedConfig::default() },
    ] {
        for exponent in [-16, -3, 0, 7, 20] {
            let bound = 2f64.powi(exponent);
            let l = 1i64 << (exponent + 16);
            // One segment per kind of word: inside, its edges, anything.
            let mut words: Vec<u64> =
                test_words(200, 9).iter().map(|&w| ((w % (2 * l as u64)) as i64 - l) as u64).collect();
            words.extend([l, -l, l - 1, -l - 1, 2 * l, -2 * l].map(|v| v as u64));
            words.extend(test_words(64, 10));
            let segments: &'static [usize] = &[200, 1, 1, 1, 1, 1, 1, 64];
            let (got, _) = ring_op_with(fixed, std::slice::from_ref(&words), move |net, p, s| {
                let counts = p.count_outside(net, &mut steps(10), &s[0], bound, segments)?;
                Ok(p.reveal(net, ctx(11), Some(&counts), &[segments.len()], None)?.unwrap())
            });
            let got: Vec<u64> = got.iter().map(|&c| c >> 16).collect();
            assert_eq!(got, plaintext_with(l, &words, segments), "bound 2^{exponent}, {fixed:?}");
            assert_eq!(&got[..7], &[0, 1, 0, 0, 1, 1, 1], "bound 2^{exponent}");
        }
    }
}
