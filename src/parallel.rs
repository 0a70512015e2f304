//! One answer to "is this big enough to run on the rayon pool?", for every
//! elementwise kernel of the ring, the keystream and the protocol.
//!
//! A kernel called from a session thread that hands work to the pool pays a
//! cross-thread wake-up (several microseconds) and the join; on a batch-1
//! inference most tensors are a few hundred elements, where that would be
//! most of the op's time. Work is therefore split into chunks of
//! [`GRAIN`] elements, and goes to the pool only when there is more than one
//! chunk. The same number is both the threshold and the chunk size: a chunk
//! is the least work worth a task, and kernels that draw randomness per chunk
//! (`prng::fill`, the reshares) find a chunk's words still in L2 (128 KiB).
//! Results never depend on it: keystream draws are addressed by offset.
//!
//! The GEMM decides on its own (`ring::gemm`): its work grows as m·n·k,
//! not with the number of elements it writes.

use rayon::prelude::*;

/// Elements per chunk of parallel work, and the fewest that go to the pool
/// (more than one chunk). Measured: `benches/parallel.rs`, BENCHMARKS.md.
pub const GRAIN: usize = 1 << 14;

/// Whether `n` elements of work go to the rayon pool.
pub fn is_worth_it(n: usize) -> bool {
    n > GRAIN
}

/// Runs `f(offset, chunk)` on consecutive chunks of `items` items of
/// `data` (the last one shorter), where `offset` is the chunk's first index:
/// on the rayon pool when there is more than one chunk, else on this thread.
pub fn for_chunks<T: Send>(data: &mut [T], items: usize, f: impl Fn(usize, &mut [T]) + Sync + Send) {
    if data.len() > items {
        data.par_chunks_mut(items).enumerate().for_each(|(k, chunk)| f(k * items, chunk));
    } else if !data.is_empty() {
        f(0, data);
    }
}

/// [`for_chunks`] for a fallible `f`: the first error, if any.
pub fn try_for_chunks<T: Send, E: Send>(
    data: &mut [T],
    items: usize,
    f: impl Fn(usize, &mut [T]) -> Result<(), E> + Sync + Send,
) -> Result<(), E> {
    if data.len() > items {
        data.par_chunks_mut(items).enumerate().try_for_each(|(k, chunk)| f(k * items, chunk))
    } else if !data.is_empty() {
        f(0, data)
    } else {
        Ok(())
    }
}

/// `(0..n).map(f)`, on the pool when worth it.
pub fn map<T: Send + Copy + Default>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    let mut out = vec![T::default(); n];
    for_chunks(&mut out, GRAIN, |start, chunk| {
        for (i, o) in chunk.iter_mut().enumerate() {
            *o = f(start + i);
        }
    });
    out
}

/// `(0..n).map(f)` into two vectors, on the pool when worth it: written in
/// place, chunk by chunk (rayon's `unzip` would collect through lists of
/// intermediate vectors).
pub fn map2<T: Send + Copy + Default>(n: usize, f: impl Fn(usize) -> (T, T) + Sync + Send) -> (Vec<T>, Vec<T>) {
    let (mut a, mut b) = (vec![T::default(); n], vec![T::default(); n]);
    let fill = |start: usize, a: &mut [T], b: &mut [T]| {
        for (i, (a, b)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
            (*a, *b) = f(start + i);
        }
    };
    if is_worth_it(n) {
        a.par_chunks_mut(GRAIN).zip(b.par_chunks_mut(GRAIN)).enumerate().for_each(|(k, (a, b))| fill(k * GRAIN, a, b));
    } else {
        fill(0, &mut a, &mut b);
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_index_once_with_their_offsets() {
        for n in [0, 1, GRAIN - 1, GRAIN, GRAIN + 1, 3 * GRAIN + 7] {
            let mut data = vec![0usize; n];
            for_chunks(&mut data, GRAIN, |start, chunk| {
                for (i, d) in chunk.iter_mut().enumerate() {
                    *d += start + i + 1;
                }
            });
            assert!(data.iter().enumerate().all(|(i, &d)| d == i + 1), "n = {n}");
            let (a, b) = map2(n, |i| (i, 2 * i));
            assert!((0..n).all(|i| a[i] == i && b[i] == 2 * i), "n = {n}");
            assert_eq!(map(n, |i| i as u64 * 3), (0..n as u64).map(|i| i * 3).collect::<Vec<_>>());
        }
    }

    #[test]
    fn only_work_of_more_than_one_grain_goes_to_the_pool() {
        assert!(!is_worth_it(GRAIN));
        assert!(is_worth_it(GRAIN + 1));
        for (n, pooled) in [(GRAIN, false), (GRAIN + 1, true)] {
            let mut data = vec![0u8; n];
            let on_pool = std::sync::atomic::AtomicBool::new(false);
            for_chunks(&mut data, GRAIN, |_, _| {
                if rayon::current_thread_index().is_some() {
                    on_pool.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            });
            assert_eq!(on_pool.into_inner(), pooled, "n = {n}");
        }
        let failed: Result<(), usize> =
            try_for_chunks(
                &mut vec![0u8; 3 * GRAIN],
                GRAIN,
                |start, _| {
                    if start == GRAIN { Err(start) } else { Ok(()) }
                },
            );
        assert_eq!(failed, Err(GRAIN));
    }
}
