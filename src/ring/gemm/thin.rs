//! Products where A has only a few rows or B only a few columns: one sample
//! times a weight matrix (private inference at batch 1), or a batch times a
//! single column (logistic regression, its gradient). Nothing is packed: at
//! m = 1 packing B costs as much as the product itself, and an `MR×NR`
//! microkernel tile with one valid row or column computes mostly zero
//! padding (packing was 44 % of network A's time at batch 1, the tiles 17 %).
//!
//! - Few rows: row p of B is added into every row i of C, scaled by
//!   `a[i, p]`, while it is in L1; B is read once.
//! - Few columns: each element of C is the dot product of a row of A with a
//!   column of B, the columns copied out once.

use super::{Factor, Kernel};

/// The most rows of A, or columns of B, that take this path: below every
/// microkernel's `MR` and `NR`, where a tile would hold more padding than
/// values. BENCHMARKS.md ("Small products without packing") times both
/// paths on each side of it.
const MAX_THIN: usize = 3;

/// Whether an m×k by k×n product takes this path.
pub(super) fn applies(m: usize, n: usize) -> bool {
    m <= MAX_THIN || n <= MAX_THIN
}

/// `c = a · b`, or `c += a · b` when `accumulate`, compiled for the vector
/// width of `kernel` (the compiler vectorizes the loops; AVX-512DQ has a
/// native 64-bit multiply). Shapes and the kernel's availability are
/// checked by `super::gemm_with`.
#[allow(clippy::too_many_arguments)] // the product, its shape and two choices
pub(super) fn run(kernel: Kernel, m: usize, k: usize, n: usize, a: Factor, b: Factor, c: &mut [u64], accumulate: bool) {
    let product = Product { m, k, n, a, b };
    match kernel {
        // SAFETY: `gemm_with` checked that this CPU runs the kernel.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => unsafe { run_avx512(&product, c, accumulate) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => unsafe { run_avx2(&product, c, accumulate) },
        _ => product.run(c, accumulate),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
fn run_avx512(product: &Product, c: &mut [u64], accumulate: bool) {
    product.run(c, accumulate);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_avx2(product: &Product, c: &mut [u64], accumulate: bool) {
    product.run(c, accumulate);
}

/// An m×k by k×n product.
struct Product<'a> {
    m: usize,
    k: usize,
    n: usize,
    a: Factor<'a>,
    b: Factor<'a>,
}

impl Product<'_> {
    #[inline(always)]
    fn run(&self, c: &mut [u64], accumulate: bool) {
        if self.m <= MAX_THIN {
            self.by_rows_of_b(c, accumulate);
        } else {
            self.by_columns_of_b(c, accumulate);
        }
    }

    #[inline(always)]
    fn by_rows_of_b(&self, c: &mut [u64], accumulate: bool) {
        let Product { m, k, n, a, b } = *self;
        if !accumulate {
            c.fill(0);
        }
        let mut a_rows = vec![0u64; m * k];
        a.copy_to(0..m * k, a_rows.iter_mut());
        let mut scratch = vec![0u64; if matches!(b, Factor::Sum(..)) { n } else { 0 }];
        for p in 0..k {
            let b_row = b.elements(p * n..(p + 1) * n, &mut scratch);
            for (c_row, a_row) in c.chunks_exact_mut(n).zip(a_rows.chunks_exact(k)) {
                let scale = a_row[p];
                for (c, &b) in c_row.iter_mut().zip(b_row) {
                    *c = c.wrapping_add(scale.wrapping_mul(b));
                }
            }
        }
    }

    #[inline(always)]
    fn by_columns_of_b(&self, c: &mut [u64], accumulate: bool) {
        let Product { k, n, a, b, .. } = *self;
        // B column-major: row p of B goes to elements p, p + k, p + 2k, ...
        let mut columns = vec![0u64; n * k];
        for p in 0..k {
            b.copy_to(p * n..(p + 1) * n, columns.iter_mut().skip(p).step_by(k));
        }
        let mut scratch = vec![0u64; if matches!(a, Factor::Sum(..)) { k } else { 0 }];
        for (i, c_row) in c.chunks_exact_mut(n).enumerate() {
            let a_row = a.elements(i * k..(i + 1) * k, &mut scratch);
            for (c, column) in c_row.iter_mut().zip(columns.chunks_exact(k)) {
                let dot = a_row.iter().zip(column).fold(0u64, |s, (&x, &y)| s.wrapping_add(x.wrapping_mul(y)));
                *c = if accumulate { c.wrapping_add(dot) } else { dot };
            }
        }
    }
}
