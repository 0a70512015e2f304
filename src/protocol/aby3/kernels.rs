//! Elementwise kernels that run on the rayon pool only when the work is
//! large enough to pay for it: handing a job from a session thread to the
//! pool costs a cross-thread wake-up (tens of microseconds), which would
//! dominate the latency of small inputs (a batch-1 inference).

use rayon::prelude::*;

/// Elements below which kernels run on the calling thread.
pub(super) const PAR_MIN: usize = 1 << 13;

/// `(0..n).map(f)`, in parallel for large `n`.
pub(super) fn map<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    if n >= PAR_MIN { (0..n).into_par_iter().map(f).collect() } else { (0..n).map(f).collect() }
}

/// `(0..n).map(f)` into two vectors, in parallel for large `n`. Writes
/// into preallocated outputs (rayon's `unzip` would collect through lists
/// of intermediate vectors).
pub(super) fn map2(n: usize, f: impl Fn(usize) -> (u64, u64) + Sync + Send) -> (Vec<u64>, Vec<u64>) {
    let (mut a, mut b) = (vec![0u64; n], vec![0u64; n]);
    let fill = |start: usize, a: &mut [u64], b: &mut [u64]| {
        for (i, (a, b)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
            (*a, *b) = f(start + i);
        }
    };
    if n >= PAR_MIN {
        a.par_chunks_mut(PAR_MIN).zip(b.par_chunks_mut(PAR_MIN)).enumerate().for_each(|(c, (a, b))| {
            fill(c * PAR_MIN, a, b);
        });
    } else {
        fill(0, &mut a, &mut b);
    }
    (a, b)
}
