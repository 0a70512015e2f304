//! Tests for the GEMM: every kernel this CPU can run, on one thread and on
//! a pool, against a naive triple loop. Shapes cover the edges of the
//! register tiles (1, odd, just above a tile), of the cache blocks (k above
//! `KC`, m above `MC`, n above `NC`) and empty dimensions; values are random
//! full-width `u64`, so every product wraps.

use proptest::prelude::*;

use super::Factor::{Matrix, Sum};
use super::{Kernel, Threads, available_kernels, detected_kernel, gemm, gemm_factors, gemm_with};

/// Deterministic full-width values (splitmix64), cheaper than proptest
/// generating every element and just as good at hitting wrap-around.
fn random_vec(len: usize, seed: u64) -> Vec<u64> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
        .collect()
}

fn naive(m: usize, k: usize, n: usize, a: &[u64], b: &[u64], c: &mut [u64], accumulate: bool) {
    for i in 0..m {
        for j in 0..n {
            let mut sum = if accumulate { c[i * n + j] } else { 0 };
            for p in 0..k {
                sum = sum.wrapping_add(a[i * k + p].wrapping_mul(b[p * n + j]));
            }
            c[i * n + j] = sum;
        }
    }
}

/// Runs every kernel × threading on one random problem and compares each
/// result with the naive product, naming the first wrong element.
fn check(m: usize, k: usize, n: usize, seed: u64, accumulate: bool) {
    let a = random_vec(m * k, seed);
    let b = random_vec(k * n, seed ^ 1);
    let c0 = random_vec(m * n, seed ^ 2);
    let mut expected = c0.clone();
    naive(m, k, n, &a, &b, &mut expected, accumulate);
    for kernel in available_kernels() {
        for threads in [Threads::Single, Threads::All] {
            let mut c = c0.clone();
            gemm_with(kernel, threads, m, k, n, Matrix(&a), Matrix(&b), &mut c, accumulate);
            if let Some(at) = (0..m * n).find(|&i| c[i] != expected[i]) {
                panic!(
                    "{kernel:?}/{threads:?} {m}x{k}x{n} accumulate={accumulate}: \
                     c[{}][{}] = {}, expected {}",
                    at / n,
                    at % n,
                    c[at],
                    expected[at]
                );
            }
        }
    }
}

/// Both accumulate modes of [`check`].
fn check_both(m: usize, k: usize, n: usize, seed: u64) {
    check(m, k, n, seed, false);
    check(m, k, n, seed, true);
}

#[test]
fn tiny_and_degenerate_shapes() {
    let shapes = [(1, 1, 1), (1, 37, 53), (1, 1, 40), (45, 33, 1), (40, 1, 1), (2, 3, 2)];
    for (seed, (m, k, n)) in shapes.into_iter().enumerate() {
        check_both(m, k, n, seed as u64);
    }
}

#[test]
fn empty_dimensions() {
    let shapes = [(0, 0, 0), (0, 5, 7), (5, 0, 7), (5, 7, 0), (0, 0, 3), (3, 0, 0)];
    for (seed, (m, k, n)) in shapes.into_iter().enumerate() {
        check_both(m, k, n, seed as u64);
    }
    // k = 0 is a sum of nothing: it must still clear C unless accumulating.
    let mut c = vec![7u64; 6];
    gemm(2, 0, 3, &[], &[], &mut c, false);
    assert_eq!(c, [0; 6]);
}

#[test]
fn odd_shapes_around_tiles() {
    // 127x129x131 also crosses the parallel threshold.
    check_both(127, 129, 131, 10);
    check_both(17, 31, 33, 11);
    check_both(9, 8, 17, 12);
}

#[test]
fn shapes_spanning_several_cache_blocks() {
    check_both(300, 23, 37, 20); // several row blocks (MC)
    check_both(13, 600, 29, 21); // several depth blocks (KC)
    check_both(5, 261, 4105, 22); // several column blocks (NC), parallel
}

#[test]
fn parallel_path_on_an_explicit_pool() {
    // Forces the multi-threaded path even on a one-core machine.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().expect("a 3-thread pool");
    pool.install(|| {
        check_both(97, 131, 101, 30);
        check_both(5, 257, 1031, 31); // fewer rows than threads × tile rows
    });
}

/// Sums as factors, on either side or both, against the product of the
/// sums computed beforehand, with every kernel × threading.
fn check_sums(m: usize, k: usize, n: usize, seed: u64) {
    let (a1, a2) = (random_vec(m * k, seed), random_vec(m * k, seed ^ 3));
    let (b1, b2) = (random_vec(k * n, seed ^ 4), random_vec(k * n, seed ^ 5));
    let add = |x: &[u64], y: &[u64]| -> Vec<u64> { x.iter().zip(y).map(|(u, v)| u.wrapping_add(*v)).collect() };
    let (a, b) = (add(&a1, &a2), add(&b1, &b2));
    let factors =
        [(Sum(&a1, &a2), Matrix(&b), "a"), (Matrix(&a), Sum(&b1, &b2), "b"), (Sum(&a1, &a2), Sum(&b1, &b2), "both")];
    for (fa, fb, which) in factors {
        let mut expected = random_vec(m * n, seed ^ 6);
        let mut c = expected.clone();
        naive(m, k, n, &a, &b, &mut expected, true);
        for kernel in available_kernels() {
            for threads in [Threads::Single, Threads::All] {
                let mut c = c.clone();
                gemm_with(kernel, threads, m, k, n, fa, fb, &mut c, true);
                assert!(c == expected, "{kernel:?}/{threads:?} {m}x{k}x{n}: sum as {which} factor(s) is wrong");
            }
        }
        gemm_factors(m, k, n, fa, fb, &mut c, true);
        assert_eq!(c, expected);
    }
}

#[test]
fn sums_of_two_matrices_as_factors() {
    check_sums(1, 1, 1, 40);
    check_sums(17, 31, 33, 41);
    check_sums(300, 600, 37, 42); // several row and depth blocks, parallel
}

#[test]
fn products_on_each_side_of_the_unpacked_path() {
    // At most three rows of A or columns of B take `thin.rs`; four take the
    // blocked path.
    let shapes = [(3, 300, 70), (4, 300, 70), (70, 300, 3), (70, 300, 4), (1, 600, 1), (2, 5, 2)];
    for (seed, (m, k, n)) in shapes.into_iter().enumerate() {
        check_both(m, k, n, 50 + seed as u64);
        check_sums(m, k, n, 60 + seed as u64);
    }
}

#[test]
#[should_panic(expected = "gemm: the two matrices of a sum differ in length")]
fn a_sum_of_matrices_of_different_lengths_panics() {
    let mut c = vec![0u64; 4];
    gemm_factors(2, 2, 2, Sum(&[0; 4], &[0; 3]), Matrix(&[0; 4]), &mut c, false);
}

#[test]
fn products_wrap_mod_2_64() {
    let mut c = [0u64];
    gemm(1, 2, 1, &[u64::MAX, 1 << 63], &[3, 2], &mut c, false);
    // (2^64 - 1)·3 + 2^63·2 = -3 + 2^64 = -3 mod 2^64.
    assert_eq!(c[0], u64::MAX - 2);
}

#[test]
fn detection_is_consistent() {
    let kernels = available_kernels();
    assert_eq!(kernels.first(), Some(&Kernel::Portable));
    assert!(kernels.contains(&detected_kernel()), "{:?} not in {kernels:?}", detected_kernel());
}

#[test]
#[should_panic(expected = "gemm: b should hold 3×4 elements, found 11")]
fn wrong_length_panics_with_the_shapes() {
    let mut c = vec![0u64; 8];
    gemm(2, 3, 4, &[0; 6], &[0; 11], &mut c, false);
}

#[test]
fn unavailable_kernel_panics() {
    for kernel in [Kernel::Avx2, Kernel::Avx512] {
        if !available_kernels().contains(&kernel) {
            let result = std::panic::catch_unwind(|| {
                gemm_with(kernel, Threads::Single, 1, 1, 1, Matrix(&[1]), Matrix(&[1]), &mut [0], false);
            });
            assert!(result.is_err(), "{kernel:?} ran on a CPU without it");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_small_shapes(
        m in 0usize..40,
        k in 0usize..40,
        n in 0usize..40,
        seed in any::<u64>(),
        accumulate in any::<bool>(),
    ) {
        check(m, k, n, seed, accumulate);
    }

    #[test]
    fn random_medium_shapes(
        m in 1usize..160,
        k in 1usize..300,
        n in 1usize..80,
        seed in any::<u64>(),
    ) {
        check(m, k, n, seed, true);
    }
}
