//! Which of several equivalent implementations (SIMD back ends that give the
//! same results) this machine runs fastest: each is timed on the same work,
//! once per process. The widest vectors are not always the fastest: on one of
//! this project's machines the AVX-512 GEMM kernel ran a 256² product on one
//! thread at 2.9 G multiply-adds per second and the AVX2 one at 5.1, where
//! another ran them at 48 and 13 (BENCHMARKS.md, ResNet-50).

use std::time::{Duration, Instant};

/// The candidate whose `run` takes the least time, the best of three tries
/// each (so that one preemption does not decide); the first on a tie.
/// `candidates` must not be empty.
pub(crate) fn fastest<T: Copy>(candidates: &[T], mut run: impl FnMut(T)) -> T {
    let mut best = (candidates[0], Duration::MAX);
    for &candidate in candidates {
        let time = (0..3)
            .map(|_| {
                let started = Instant::now();
                run(candidate);
                started.elapsed()
            })
            .min()
            .unwrap_or(Duration::MAX);
        if time < best.1 {
            best = (candidate, time);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_quickest_candidate_wins() {
        let chosen = super::fastest(&[3u64, 0, 2], |ms| std::thread::sleep(std::time::Duration::from_millis(ms)));
        assert_eq!(chosen, 0);
    }
}
