//! Division by a public value (and the mean, a division by the count): the
//! product with a scaled, rounded reciprocal and one exact truncation.
//!
//! `x / d` is computed as ⌊X·c / 2^s⌋ (+ 0 or 1, the truncation's carry)
//! for the encoded X = x·2^f, with c = round(2^s / d) and s = f + k. The
//! rounding of c costs |x|·2^−(s+1), the truncation 2^−f, so the k extra
//! bits make the first term 2^k times smaller at the same cost (one
//! product with a public value, one truncation: 2 rounds). k is as large as
//! the truncation's headroom allows, see [`extra_bits`].

use crate::error::{Error, Result};
use crate::fixed::FixedConfig;

/// Largest shift the truncation takes: server 2's parts of `r_msb` need
/// s + 1 bits and two of them travel in a word (see `aby3::truncation`).
pub const MAX_SHIFT: u32 = 31;

/// The public factor of a division and the shift its product is truncated
/// by: x / d ≈ ⌊X·scale / 2^shift⌋.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reciprocal {
    /// round(2^shift / d), two's complement.
    pub scale: u64,
    /// f + [`extra_bits`].
    pub shift: u32,
}

/// The bits k beyond the fractional ones that 1/d is encoded with:
/// k = 61 − 2f − i (9 by default), at most 31 − f, at least 0.
///
/// Why 61 − 2f − i: for a quotient in range, |X/d| ≤ 2^(f+i), so
/// |X·c| ≤ |X/d|·2^(f+k) + |X|/2 ≤ 2^(2f+i+k) + 2^(2f+i−1) (as |d| ≤ 2^f),
/// which with this k is at most 2^61 + 2^61, and equal to it only where
/// c is exact (|d| = 2^f); the truncation is exact for |X·c| < 2^62. (At
/// the widest configuration, 2f + i = 62, k = 0: the reciprocal then has
/// the f bits of any fixed-point value, as every product there.)
pub fn extra_bits(fixed: FixedConfig) -> u32 {
    let (f, i) = (fixed.frac_bits, fixed.int_bits);
    61u32.saturating_sub(2 * f + i).min(MAX_SHIFT.saturating_sub(f))
}

/// The [`Reciprocal`] of `divisor`, which must be finite with
/// 2^−i ≤ |divisor| ≤ 2^f (so that 1/divisor is a nonzero value of the
/// fixed-point range). The quotient of x is then within
/// |x|·2^−(f+k+1) (the rounding of the scaled reciprocal, k =
/// [`extra_bits`]) plus 2^−f (the truncation) of x / divisor, for
/// |x / divisor| ≤ 2^i.
pub fn reciprocal_encoding(fixed: FixedConfig, divisor: f64) -> Result<Reciprocal> {
    let (low, high) = (0.5f64.powi(fixed.int_bits as i32), 2f64.powi(fixed.frac_bits as i32));
    if !divisor.is_finite() || divisor.abs() < low || divisor.abs() > high {
        return Err(Error::invalid(format!(
            "divisor {divisor}: expected a finite value with 2^-{} <= |divisor| <= 2^{} \
             (its reciprocal must be a nonzero fixed-point value)",
            fixed.int_bits, fixed.frac_bits
        )));
    }
    let shift = fixed.frac_bits + extra_bits(fixed);
    let magnitude = rounded_power_over(shift, divisor.abs());
    let scale = if divisor < 0.0 { magnitude.wrapping_neg() } else { magnitude };
    Ok(Reciprocal { scale, shift })
}

/// round(2^s / d) for a normal d > 0 with 2^s / d < 2^63, exactly (in
/// integers: a float quotient of that size would round twice).
fn rounded_power_over(s: u32, d: f64) -> u64 {
    // d = m·2^e with m odd.
    let bits = d.to_bits();
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    let exponent = ((bits >> 52) & 0x7FF) as i32 - 1075;
    let (m, e) = (mantissa >> mantissa.trailing_zeros(), exponent + mantissa.trailing_zeros() as i32);
    // 2^s / d = 2^(s−e) / m ≥ 1 so s − e ≥ 0, and < 2^63 with m < 2^53 so
    // s − e < 116: the numerator fits 128 bits.
    let numerator = 1u128 << (s as i32 - e);
    let m = u128::from(m);
    ((2 * numerator + m) / (2 * m)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_configuration_encodes_reciprocals_with_nine_more_bits() {
        let fixed = FixedConfig::default();
        assert_eq!(extra_bits(fixed), 9);
        assert_eq!(reciprocal_encoding(fixed, 1.0).unwrap(), Reciprocal { scale: 1 << 25, shift: 25 });
        assert_eq!(reciprocal_encoding(fixed, -4.0).unwrap().scale, (1u64 << 23).wrapping_neg());
        // round(2^25 / 3) = 11184810.67 -> 11184811; 2^25 / 0.1 is not a
        // float quotient but the exact one rounded.
        assert_eq!(reciprocal_encoding(fixed, 3.0).unwrap().scale, 11184811);
        assert_eq!(reciprocal_encoding(fixed, 0.1).unwrap().scale, 335544320);
        assert_eq!(reciprocal_encoding(fixed, 65536.0).unwrap().scale, 512);
        assert_eq!(reciprocal_encoding(fixed, 1.0 / 1048576.0).unwrap().scale, 1 << 45);
        // The headroom bound and the kernel's largest shift.
        assert_eq!(extra_bits(FixedConfig::new(24, 13).unwrap()), 0);
        assert_eq!(extra_bits(FixedConfig::new(1, 60).unwrap()), 0);
        assert_eq!(extra_bits(FixedConfig::new(4, 10).unwrap()), 27);
        assert_eq!(extra_bits(FixedConfig::new(30, 1).unwrap()), 0);
    }

    #[test]
    fn scales_are_the_exactly_rounded_quotient() {
        // Divisors whose float quotient 2^s / d would be inexact and large:
        // compare with exact rational rounding in 128 bits.
        let fixed = FixedConfig::new(4, 10).unwrap();
        let shift = 4 + extra_bits(fixed);
        for d in [3.0f64, 0.1, 1.0 / 1000.0, 7.25, 1.0 / 3.0, 15.999, 1e-3 + 1e-12] {
            let c = u128::from(reciprocal_encoding(fixed, d).unwrap().scale);
            // |c·d − 2^s| ≤ d/2, in exact terms: d = m·2^e.
            let bits = d.to_bits();
            let m = u128::from((bits & ((1 << 52) - 1)) | (1 << 52));
            let e = ((bits >> 52) & 0x7FF) as i32 - 1075;
            assert!(e < 0 && (shift as i32 - e) < 127, "{d}");
            let target = 1u128 << (shift as i32 - e);
            let diff = (c * m).abs_diff(target);
            assert!(2 * diff <= m, "{d}: c = {c}");
        }
    }
}
