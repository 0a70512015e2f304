//! Matrix product over Z_2^64: `c (+)= a · b` for row-major `u64` matrices.
//!
//! Entry point for the rest of the crate. Kernel selection happens here.

/// `c = a · b` (or `c += a · b` when `accumulate`), all row-major:
/// `a` is m×k, `b` is k×n, `c` is m×n. Arithmetic wraps mod 2^64.
pub fn gemm(m: usize, k: usize, n: usize, a: &[u64], b: &[u64], c: &mut [u64], accumulate: bool) {
    assert_eq!(a.len(), m * k, "gemm: a has the wrong length");
    assert_eq!(b.len(), k * n, "gemm: b has the wrong length");
    assert_eq!(c.len(), m * n, "gemm: c has the wrong length");
    if !accumulate {
        c.fill(0);
    }
    for i in 0..m {
        let c_row = &mut c[i * n..(i + 1) * n];
        for p in 0..k {
            let aip = a[i * k + p];
            let b_row = &b[p * n..(p + 1) * n];
            for (cv, &bv) in c_row.iter_mut().zip(b_row) {
                *cv = cv.wrapping_add(aip.wrapping_mul(bv));
            }
        }
    }
}
