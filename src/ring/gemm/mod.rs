//! Matrix product over `Z_2^64`: `c (+)= a · b` for row-major `u64` matrices.
//!
//! This file owns the public API: argument checks, kernel selection (run-time
//! CPU feature detection, then the fastest by measurement, cached), the
//! choice between one thread and all, and [`Factor`], a matrix or a sum of
//! two that packing adds up.
//! The blocked algorithm lives in `blocked.rs`, panel packing in `pack.rs`,
//! products of a few rows or columns (no packing) in `thin.rs`,
//! and the register-tiled microkernels in `portable.rs`, `avx2.rs` and
//! `avx512.rs` (the last two only exist on x86_64).

mod blocked;
mod pack;
mod portable;
mod thin;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

#[cfg(test)]
mod tests;

use std::ops::Range;
use std::sync::OnceLock;

use crate::simd::cpu_has;

/// A microkernel family. Which ones a CPU can run is decided at run time,
/// never at compile time, so one binary serves every x86_64 machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Scalar Rust, register-tiled; runs everywhere.
    Portable,
    /// 256-bit vectors; 64-bit products emulated with 32-bit multiplies.
    Avx2,
    /// 512-bit vectors with native 64-bit multiply (`vpmullq`, AVX-512DQ).
    Avx512,
}

/// How many threads a product may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// The calling thread only.
    Single,
    /// The rayon pool, for products large enough to repay the fork/join.
    All,
}

/// Below this many multiply-accumulates a product runs on one thread even
/// with [`Threads::All`]: about 50 µs of work, well above rayon's overhead.
const PARALLEL_MIN_MACS: usize = 1 << 20;

/// The kernels this CPU can run, slowest first; always contains `Portable`.
pub fn available_kernels() -> Vec<Kernel> {
    [Kernel::Portable, Kernel::Avx2, Kernel::Avx512].into_iter().filter(|&kernel| is_available(kernel)).collect()
}

/// Whether this CPU can run `kernel` (the standard library caches detection).
fn is_available(kernel: Kernel) -> bool {
    match kernel {
        Kernel::Portable => true,
        Kernel::Avx2 => cpu_has!("avx2"),
        // `_mm512_mullo_epi64` is AVX-512DQ, not part of the AVX-512F base.
        Kernel::Avx512 => cpu_has!("avx512f", "avx512dq"),
    }
}

/// The fastest kernel on this machine, measured once per process (a few
/// milliseconds, at the first product: `crate::fastest` says why). Every
/// kernel gives the same result, so the choice changes only the time.
pub fn detected_kernel() -> Kernel {
    static DETECTED: OnceLock<Kernel> = OnceLock::new();
    *DETECTED.get_or_init(|| {
        // A product of the blocked algorithm's typical panel shape, on one thread.
        const M: usize = 96;
        const K: usize = 256;
        const N: usize = 96;
        let a: Vec<u64> = (0..(M * K) as u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
        let b: Vec<u64> = (0..(K * N) as u64).map(|i| i.wrapping_mul(0xd1b5_4a32_d192_ed03)).collect();
        let mut c = vec![0u64; M * N];
        crate::fastest::fastest(&available_kernels(), |kernel| {
            gemm_with(kernel, Threads::Single, M, K, N, Factor::Matrix(&a), Factor::Matrix(&b), &mut c, false);
        })
    })
}

/// A factor of a product, row-major: one matrix, or the elementwise sum of
/// two of the same size. A sum is added while the factor is packed, so it
/// is never stored, and its two matrices are read once instead of also
/// writing and reading back their sum (a private product multiplies sums
/// of shares).
#[derive(Clone, Copy, Debug)]
pub enum Factor<'a> {
    /// A matrix as written.
    Matrix(&'a [u64]),
    /// The sum of two matrices (of two shares), formed while packing.
    Sum(&'a [u64], &'a [u64]),
}

impl<'a> Factor<'a> {
    /// Elements; panics if the two matrices of a sum differ in length.
    fn len(&self) -> usize {
        match self {
            Factor::Matrix(x) => x.len(),
            Factor::Sum(x, y) => {
                assert_eq!(x.len(), y.len(), "gemm: the two matrices of a sum differ in length");
                x.len()
            }
        }
    }

    /// Elements `range` (of the flattened matrix) as a factor.
    fn slice(&self, range: Range<usize>) -> Factor<'a> {
        match *self {
            Factor::Matrix(x) => Factor::Matrix(&x[range]),
            Factor::Sum(x, y) => Factor::Sum(&x[range.clone()], &y[range]),
        }
    }

    /// Elements `range`: borrowed from a matrix, or added up into
    /// `scratch` (at least `range.len()` long) for a sum.
    #[inline(always)]
    fn elements<'s>(&self, range: Range<usize>, scratch: &'s mut [u64]) -> &'s [u64]
    where
        'a: 's,
    {
        match *self {
            Factor::Matrix(x) => &x[range],
            Factor::Sum(..) => {
                let len = range.len();
                self.copy_to(range, scratch.iter_mut());
                &scratch[..len]
            }
        }
    }

    /// Writes elements `range` through `dst`, in order (stops at the
    /// shorter of the two).
    #[inline(always)]
    fn copy_to<'o>(&self, range: Range<usize>, dst: impl Iterator<Item = &'o mut u64>) {
        match *self {
            Factor::Matrix(x) => dst.zip(&x[range]).for_each(|(d, &v)| *d = v),
            Factor::Sum(x, y) => {
                let sums = x[range.clone()].iter().zip(&y[range]).map(|(&u, &v)| u.wrapping_add(v));
                dst.zip(sums).for_each(|(d, v)| *d = v);
            }
        }
    }
}

/// `c = a · b` (or `c += a · b` when `accumulate`), all row-major:
/// `a` is m×k, `b` is k×n, `c` is m×n. Arithmetic wraps mod 2^64.
///
/// Uses the best kernel for this CPU and all cores for large products.
/// Panics if a slice length does not match its shape.
pub fn gemm(m: usize, k: usize, n: usize, a: &[u64], b: &[u64], c: &mut [u64], accumulate: bool) {
    gemm_factors(m, k, n, Factor::Matrix(a), Factor::Matrix(b), c, accumulate);
}

/// [`gemm`] of two factors, each a matrix or a sum of two.
pub fn gemm_factors(m: usize, k: usize, n: usize, a: Factor, b: Factor, c: &mut [u64], accumulate: bool) {
    gemm_with(detected_kernel(), Threads::All, m, k, n, a, b, c, accumulate);
}

/// [`gemm_factors`] with an explicit kernel and threading, for tests and
/// benchmarks. Products of at most three rows of A or columns of B take the
/// unpacked path of `thin.rs`, compiled for the kernel's vector width.
///
/// Panics if `kernel` is not available on this CPU (see [`available_kernels`])
/// or if a slice length does not match its shape.
#[allow(clippy::too_many_arguments)] // mirrors `gemm` plus the two choices
pub fn gemm_with(
    kernel: Kernel,
    threads: Threads,
    m: usize,
    k: usize,
    n: usize,
    a: Factor,
    b: Factor,
    c: &mut [u64],
    accumulate: bool,
) {
    check_len("a", a.len(), m, k);
    check_len("b", b.len(), k, n);
    check_len("c", c.len(), m, n);
    assert!(is_available(kernel), "gemm: kernel {kernel:?} is not available on this CPU");
    if m == 0 || n == 0 || k == 0 {
        // A sum of nothing: C is zero unless accumulating.
        if !accumulate {
            c.fill(0);
        }
        return;
    }
    if thin::applies(m, n) {
        thin::run(kernel, m, k, n, a, b, c, accumulate);
        return;
    }
    let parallel = threads == Threads::All
        && rayon::current_num_threads() > 1
        && m.saturating_mul(n).saturating_mul(k) >= PARALLEL_MIN_MACS;
    match kernel {
        Kernel::Portable => blocked::run::<portable::Portable>(parallel, m, k, n, a, b, c, accumulate),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => blocked::run::<avx2::Avx2>(parallel, m, k, n, a, b, c, accumulate),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => blocked::run::<avx512::Avx512>(parallel, m, k, n, a, b, c, accumulate),
        #[cfg(not(target_arch = "x86_64"))]
        Kernel::Avx2 | Kernel::Avx512 => unreachable!("checked against available_kernels"),
    }
}

fn check_len(name: &str, len: usize, rows: usize, cols: usize) {
    let expected = rows.checked_mul(cols);
    assert!(expected == Some(len), "gemm: {name} should hold {rows}×{cols} elements, found {len}");
}
