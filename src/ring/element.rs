//! The ring element trait: the one place that knows the word type of the ring.
//!
//! Only `u64` (`Z_2^64`) implements it today. Tensors (`Tensor<T>`), their
//! layout ops and elementwise arithmetic are generic over [`RingElement`],
//! so at this layer a 128-bit ring is an additional `impl` for `u128`. Above
//! it everything is written for `u64`, and a 128-bit ring would take a port
//! of each of these:
//! - the ABY3 [`Share`](crate::protocol::aby3::Share) and every protocol
//!   file, which hold `RingTensor` (= `Tensor<u64>`);
//! - the truncation and its kernels (the 2^62 offset, bit 63, `r_msb` parts
//!   packed two to a word) and the msb and boolean-share circuits (bit
//!   planes in `u64` words);
//! - the `vectorized_fn!` kernels, written over `u64` slices;
//! - the PRNG streams (`prng::fill` draws `u64` words);
//! - the network frames, which carry raw `u64` words;
//! - the fixed-point encoding (`FixedConfig`, through `i64`);
//! - the matrix product (`ring::gemm` and its SIMD microkernels).

use std::fmt::Debug;

/// An element of `Z_2^k` with wrapping arithmetic.
pub trait RingElement: Copy + Default + Debug + PartialEq + Eq + Send + Sync + 'static {
    /// k, the number of bits of the ring.
    const BITS: u32;
    /// The additive identity.
    const ZERO: Self;
    /// The multiplicative identity.
    const ONE: Self;

    fn wrapping_add(self, other: Self) -> Self;
    fn wrapping_sub(self, other: Self) -> Self;
    fn wrapping_mul(self, other: Self) -> Self;
    fn wrapping_neg(self) -> Self;
    /// Left shift; `amount` is below `BITS`.
    fn shl(self, amount: u32) -> Self;
    /// Logical (unsigned) right shift; `amount` is below `BITS`.
    fn shr_logical(self, amount: u32) -> Self;
    /// Arithmetic (sign-extending) right shift; `amount` is below `BITS`.
    fn shr_arithmetic(self, amount: u32) -> Self;
    /// Bitwise exclusive or, for boolean shares.
    fn xor(self, other: Self) -> Self;
    /// Bitwise and, for boolean shares.
    fn and(self, other: Self) -> Self;
    /// The two's-complement value as a signed 128-bit integer (for decoding).
    fn to_i128(self) -> i128;
    /// The element congruent to `value` (reduced mod 2^k).
    fn from_i128(value: i128) -> Self;
}

impl RingElement for u64 {
    const BITS: u32 = 64;
    const ZERO: Self = 0;
    const ONE: Self = 1;

    #[inline(always)]
    fn wrapping_add(self, other: Self) -> Self {
        u64::wrapping_add(self, other)
    }
    #[inline(always)]
    fn wrapping_sub(self, other: Self) -> Self {
        u64::wrapping_sub(self, other)
    }
    #[inline(always)]
    fn wrapping_mul(self, other: Self) -> Self {
        u64::wrapping_mul(self, other)
    }
    #[inline(always)]
    fn wrapping_neg(self) -> Self {
        u64::wrapping_neg(self)
    }
    #[inline(always)]
    fn shl(self, amount: u32) -> Self {
        self << amount
    }
    #[inline(always)]
    fn shr_logical(self, amount: u32) -> Self {
        self >> amount
    }
    #[inline(always)]
    fn shr_arithmetic(self, amount: u32) -> Self {
        ((self as i64) >> amount) as u64
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        self ^ other
    }
    #[inline(always)]
    fn and(self, other: Self) -> Self {
        self & other
    }
    #[inline(always)]
    fn to_i128(self) -> i128 {
        i128::from(self as i64)
    }
    #[inline(always)]
    fn from_i128(value: i128) -> Self {
        value as u64
    }
}
