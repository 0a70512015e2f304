//! What the SIMD code of the PRNG (`chacha`), the matrix product
//! (`ring::gemm`) and the vectorized loops (`ring::vectorized`) share: the
//! run-time question "does this CPU have these instruction-set extensions?"
//! ([`cpu_has!`]), and whole-register loads and stores between integer arrays
//! and x86_64 vectors, the one place their unaligned memory access is written
//! (the array's size is checked against the register's at compile time).

/// Whether this CPU has every x86_64 feature named (string literals such as
/// `"avx2"`, as `is_x86_feature_detected!` takes them); `false` on other
/// architectures. The standard library caches the detection.
macro_rules! cpu_has {
    ($($feature:tt),+) => {{
        #[cfg(target_arch = "x86_64")]
        let has = $(std::arch::is_x86_feature_detected!($feature))&&+;
        #[cfg(not(target_arch = "x86_64"))]
        let has = false;
        has
    }};
}
pub(crate) use cpu_has;

#[cfg(target_arch = "x86_64")]
pub(crate) use x86::{load256, load512, store256, store512};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        __m256i, __m512i, _mm256_loadu_si256, _mm256_storeu_si256, _mm512_loadu_si512, _mm512_storeu_si512,
    };

    /// Integers every byte pattern of which is a value, so that a register
    /// may be loaded from an array of them and stored into one.
    pub(crate) trait Word: Copy {}
    impl Word for u32 {}
    impl Word for u64 {}

    /// The 32 bytes of `src` as one vector.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) fn load256<W: Word, const N: usize>(src: &[W; N]) -> __m256i {
        const { assert!(size_of::<[W; N]>() == 32, "a ymm register holds 32 bytes") };
        // SAFETY: `src` is 32 readable bytes (checked above); `loadu` accepts any alignment.
        unsafe { _mm256_loadu_si256(src.as_ptr().cast()) }
    }

    /// Writes `v` over the 32 bytes of `dst`.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) fn store256<W: Word, const N: usize>(dst: &mut [W; N], v: __m256i) {
        const { assert!(size_of::<[W; N]>() == 32, "a ymm register holds 32 bytes") };
        // SAFETY: `dst` is 32 writable bytes (checked above), and any bytes
        // are a `Word`; `storeu` accepts any alignment.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), v) }
    }

    /// The 64 bytes of `src` as one vector.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn load512<W: Word, const N: usize>(src: &[W; N]) -> __m512i {
        const { assert!(size_of::<[W; N]>() == 64, "a zmm register holds 64 bytes") };
        // SAFETY: `src` is 64 readable bytes (checked above); `loadu` accepts any alignment.
        unsafe { _mm512_loadu_si512(src.as_ptr().cast()) }
    }

    /// Writes `v` over the 64 bytes of `dst`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn store512<W: Word, const N: usize>(dst: &mut [W; N], v: __m512i) {
        const { assert!(size_of::<[W; N]>() == 64, "a zmm register holds 64 bytes") };
        // SAFETY: `dst` is 64 writable bytes (checked above), and any bytes
        // are a `Word`; `storeu` accepts any alignment.
        unsafe { _mm512_storeu_si512(dst.as_mut_ptr().cast(), v) }
    }
}
