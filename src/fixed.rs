//! Fixed-point encoding of real numbers into `Z_2^64`.
//!
//! A real `v` is stored as the two's-complement integer `round(v · 2^f)`,
//! where `f` is the number of fractional bits. Every value, inputs and
//! intermediate results alike, must stay within ±2^i (the integer bits), so
//! that a product of two encodings stays below 2^(2f+i) < 2^62, the range in
//! which truncation is exact up to one unit in the last place (see
//! `protocol::aby3::truncation`). Encoding a value outside the range is an
//! error, never a silent wrap.
//!
//! The range also bounds what comparisons look at: by default the sign of a
//! private value is read from its low `f + i + 3` bits only
//! ([`ComparisonWidth::FixedPointRange`]), which is exact for every
//! difference of two in-range values; [`ComparisonWidth::Full`] reads all 64
//! bits, for intermediate results that may leave the range.

use crate::error::{Error, Result};
use crate::ring::RingTensor;
use crate::ring::shape::fmt_shape;
use crate::vocabulary::code_enum;

/// A value for a message: as written up to 16 digits, in exponent form
/// beyond (1e300, not its 301 digits).
pub(crate) fn fmt_value(value: f64) -> String {
    if value.is_finite() && value.abs() >= 1e16 { format!("{value:e}") } else { value.to_string() }
}

/// Element `flat` (row-major) of a tensor of `shape`: `[3, 7]` for rank 2
/// and above, the flat index for rank 0 and 1.
pub(crate) fn fmt_index(flat: usize, shape: &[usize]) -> String {
    if shape.len() < 2 {
        return flat.to_string();
    }
    let mut index = vec![0; shape.len()];
    let mut rest = flat;
    for (axis, &dim) in shape.iter().enumerate().rev() {
        if dim > 0 {
            index[axis] = rest % dim;
            rest /= dim;
        }
    }
    format!("{index:?}")
}

/// The fixed-point configuration: fractional and integer bits, and how many
/// bits comparisons read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FixedConfig {
    /// Fractional bits `f`: the resolution is 2^-f.
    pub frac_bits: u32,
    /// Integer bits `i`: every value must lie within ±2^i.
    pub int_bits: u32,
    /// How many low bits of a ring element the sign (msb) protocol reads:
    /// every comparison, ReLU, maximum and pooling goes through it.
    pub comparison: ComparisonWidth,
}

code_enum! {
    /// The bits a comparison reads (see [`FixedConfig::comparison_bits`]).
    #[derive(Default)]
    pub enum ComparisonWidth ("comparison width") {
        /// The low `f + i + 3` bits: exact whenever the compared difference `d`
        /// (in ring units) satisfies |d| < 2^(f+i+2), which holds for a value in
        /// range and for the difference of any two values in range (|d| ≤
        /// 2^(f+i+1)), with a factor 2 to spare. Outside that, the result is the
        /// sign of d wrapped into `f + i + 3` bits: wrong for some d. The default.
        #[default]
        FixedPointRange = 0 => "fixed-point range",
        /// All 64 bits: exact for |d| < 2^63, whatever the fixed-point range.
        Full = 1 => "full",
    }
}

impl Default for FixedConfig {
    /// 16 fractional bits, values within ±2^20 (products stay below 2^52),
    /// comparisons on the low 39 bits.
    fn default() -> Self {
        FixedConfig { frac_bits: 16, int_bits: 20, comparison: ComparisonWidth::FixedPointRange }
    }
}

/// Largest bit length a product before truncation may reach so that the
/// truncation protocol stays exact (see the module docs).
const MAX_PRODUCT_BITS: u32 = 62;

/// Largest number of fractional bits.
const MAX_FRAC_BITS: u32 = 30;

impl FixedConfig {
    /// A checked configuration: `2f + i` must stay below 62 bits so that a
    /// product of two in-range values can be truncated exactly.
    pub fn new(frac_bits: u32, int_bits: u32) -> Result<Self> {
        let config = FixedConfig { frac_bits, int_bits, comparison: ComparisonWidth::default() };
        config.validate()?;
        Ok(config)
    }

    /// The same configuration with comparisons reading `width` bits.
    pub fn with_comparison(self, width: ComparisonWidth) -> Self {
        FixedConfig { comparison: width, ..self }
    }

    /// The number k of low bits the sign protocol reads: the sign of d is
    /// bit k−1 of d mod 2^k, exact for −2^(k−1) ≤ d < 2^(k−1). A valid
    /// configuration has f + i ≤ 61, so k ≤ 64.
    pub fn comparison_bits(&self) -> u32 {
        match self.comparison {
            ComparisonWidth::FixedPointRange => self.frac_bits + self.int_bits + 3,
            ComparisonWidth::Full => 64,
        }
    }

    /// Checks the invariant of [`FixedConfig::new`]; an error names the
    /// field that is wrong and its valid range.
    pub fn validate(&self) -> Result<()> {
        let (f, i) = (self.frac_bits, self.int_bits);
        if !(1..=MAX_FRAC_BITS).contains(&f) {
            return Err(Error::config(format!("frac_bits = {f}: expected 1 to {MAX_FRAC_BITS} fractional bits")));
        }
        // A product of two in-range values needs 2f + i bits; with f valid,
        // the largest int_bits is MAX_PRODUCT_BITS - 2f (at least 2).
        let max_int = MAX_PRODUCT_BITS - 2 * f;
        if !(1..=max_int).contains(&i) {
            return Err(Error::config(format!(
                "int_bits = {i}: expected 1 to {max_int} integer bits with frac_bits = {f} \
                 (2 * frac_bits + int_bits must be at most {MAX_PRODUCT_BITS} for exact truncation)"
            )));
        }
        Ok(())
    }

    /// The scale 2^f.
    pub fn scale(&self) -> f64 {
        (1u64 << self.frac_bits) as f64
    }

    /// The largest magnitude a value may have, 2^i.
    pub fn bound(&self) -> f64 {
        (1u64 << self.int_bits) as f64
    }

    /// Encodes one value; NaN, infinity or `|value| > 2^i` is an error.
    pub fn encode_value(&self, value: f64) -> Result<u64> {
        if !self.holds(value) {
            return Err(Error::invalid(format!("value {} is {}", fmt_value(value), self.range_text())));
        }
        Ok(round_half_away(value * self.scale()) as u64)
    }

    /// Whether `value` is finite and within ±2^i.
    fn holds(&self, value: f64) -> bool {
        value.is_finite() && value.abs() <= self.bound()
    }

    fn range_text(&self) -> String {
        format!("outside the fixed-point range [-{b}, {b}] ({} integer bits)", self.int_bits, b = self.bound())
    }

    /// Checks that every value of a tensor of `shape` (row-major) can be
    /// encoded; the error names the first one that cannot, by its index (a
    /// multi-index such as `[3, 7]` for rank 2 and above), and its value.
    /// The message holds that value: callers that report it beyond the
    /// value's owner must not pass it on (see `Error::InvalidInput`).
    pub fn check_values(&self, values: &[f64], shape: &[usize]) -> Result<()> {
        match values.iter().position(|&v| !self.holds(v)) {
            None => Ok(()),
            Some(flat) => Err(Error::invalid(format!(
                "element {} of shape {} is {}, {}",
                fmt_index(flat, shape),
                fmt_shape(shape),
                fmt_value(values[flat]),
                self.range_text()
            ))),
        }
    }

    /// Decodes one ring element as a two's-complement fixed-point value.
    pub fn decode_value(&self, element: u64) -> f64 {
        element as i64 as f64 / self.scale()
    }

    /// Encodes a tensor of values of the given shape (see
    /// [`FixedConfig::check_values`] for the error).
    pub fn encode(&self, shape: &[usize], values: &[f64]) -> Result<RingTensor> {
        let (scale, bound) = (self.scale(), self.bound());
        // In range, |v · 2^f| ≤ 2^(f + i): the shortcut's 2^51 holds it below 51.
        let (data, inside) = if self.frac_bits + self.int_bits <= 50 {
            encode_all(values, scale, bound, round_half_away_below_2_51)
        } else {
            encode_all(values, scale, bound, round_half_away)
        };
        if !inside {
            self.check_values(values, shape)?;
        }
        RingTensor::new(shape.to_vec(), data)
    }

    /// Decodes a tensor into its values.
    pub fn decode(&self, tensor: &RingTensor) -> Vec<f64> {
        tensor.data().iter().map(|&e| self.decode_value(e)).collect()
    }
}

/// `values` scaled and rounded by `round`, and whether every value is
/// within ±`bound` (NaN compares false): only a tensor with one that is
/// not pays `check_values`' search for the first, to name it. Two simple
/// passes, which the compiler vectorizes, rather than one that it does not.
fn encode_all(values: &[f64], scale: f64, bound: f64, round: impl Fn(f64) -> i64) -> (Vec<u64>, bool) {
    let inside = values.iter().fold(true, |inside, v| inside & (v.abs() <= bound));
    (values.iter().map(|&v| round(v * scale) as u64).collect(), inside)
}

/// `t` rounded to the nearest integer, halves away from zero, as
/// `f64::round(t) as i64` to the bit (NaN, infinities and magnitudes past
/// i64 included), without the library call: `t - trunc(t)` is exact, and a
/// `t` of 2^52 or more is an integer already.
fn round_half_away(t: f64) -> i64 {
    let whole = t as i64;
    let frac = t - whole as f64;
    whole.saturating_add(i64::from(frac >= 0.5)).saturating_sub(i64::from(frac <= -0.5))
}

/// [`round_half_away`] for |t| < 2^51 in a few additions: t + 1.5·2^52
/// lands where the ulp is 1, so the sum is t rounded to an integer (ties to
/// even) plus 1.5·2^52, and its bits minus those of 1.5·2^52 are that
/// integer. A tie rounded towards zero is then moved away from it.
fn round_half_away_below_2_51(t: f64) -> i64 {
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let shifted = t + SHIFT;
    let even = shifted - SHIFT;
    let away = i64::from(t - even == 0.5 && t > 0.0) - i64::from(t - even == -0.5 && t < 0.0);
    (shifted.to_bits() as i64 - SHIFT.to_bits() as i64) + away
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_f64_round_to_the_bit() {
        let halves = (-2000..2000).map(|i| f64::from(i) / 4.0);
        let near = [0.49999999999999994, -0.49999999999999994, 0.5000000000000001, 4503599627370495.5];
        let large = [2f64.powi(52) + 1.0, -(2f64.powi(53)), 2f64.powi(62), -(2f64.powi(62)) - 4096.0];
        let edge = [2f64.powi(51) - 0.5, -(2f64.powi(51)) + 0.5, 2f64.powi(50) + 0.5, -(2f64.powi(50)) - 0.5];
        let extreme = [2f64.powi(63), -(2f64.powi(63)), 2f64.powi(64), f64::MAX, f64::MIN, f64::INFINITY];
        let extreme = extreme.into_iter().chain([f64::NEG_INFINITY, f64::NAN, -0.0]);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let random = (0..100_000).map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state as i64 as f64) / 2f64.powi((state % 60) as i32)
        });
        for t in halves.chain(near).chain(large).chain(edge).chain(extreme).chain(random) {
            assert_eq!(round_half_away(t), t.round() as i64, "{t:e}");
            if t.abs() < 2f64.powi(51) {
                assert_eq!(round_half_away_below_2_51(t), t.round() as i64, "{t:e}");
            }
        }
    }

    #[test]
    fn round_trip_within_half_an_ulp() {
        let config = FixedConfig::default();
        for v in [0.0, 1.0, -1.0, 2.5001, -1000.5, 1048576.0, -1048576.0, 1e-6] {
            let back = config.decode_value(config.encode_value(v).unwrap());
            assert!((back - v).abs() <= 0.5 / config.scale(), "{v} -> {back}");
        }
    }

    #[test]
    fn out_of_range_and_non_finite_values_are_named() {
        let config = FixedConfig::default();
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 2e6, -1048577.0] {
            let err = config.encode_value(v).unwrap_err().to_string();
            assert!(err.contains(&v.to_string()) && err.contains("1048576"), "{err}");
        }
    }

    #[test]
    fn a_bad_element_is_named_by_its_index_and_printed_compactly() {
        let config = FixedConfig::default();
        let mut values = vec![0.5; 32];
        values[31] = 1e300;
        let err = config.check_values(&values, &[4, 8]).unwrap_err().to_string();
        assert!(err.contains("element [3, 7] of shape [4, 8] is 1e300"), "{err}");
        assert!(err.len() < 200, "{err}");
        values[31] = 0.0;
        values[9] = f64::NAN;
        let err = config.check_values(&values, &[32]).unwrap_err().to_string();
        assert!(err.contains("element 9 of shape [32] is NaN"), "{err}");
        let err = config.check_values(&[1048577.0], &[]).unwrap_err().to_string();
        assert!(err.contains("element 0 of shape [] is 1048577"), "{err}");
        assert_eq!(fmt_index(23, &[2, 3, 4]), "[1, 2, 3]");
        assert!(config.encode(&[2], &[1.0, f64::NEG_INFINITY]).unwrap_err().to_string().contains("element 1"));
    }

    #[test]
    fn comparison_width_covers_differences_of_in_range_values() {
        let config = FixedConfig::default();
        assert_eq!(config.comparison_bits(), 39);
        // The largest difference of two in-range encodings, 2·2^(f+i), is
        // below 2^(k−1) = 2^38.
        let widest = 2 * (1u64 << (config.frac_bits + config.int_bits));
        assert!(widest < 1 << (config.comparison_bits() - 1));
        assert_eq!(config.with_comparison(ComparisonWidth::Full).comparison_bits(), 64);
        // The widest valid configuration still fits 64 bits.
        assert!(FixedConfig::new(1, 60).unwrap().comparison_bits() <= 64);
    }

    #[test]
    fn configurations_that_cannot_truncate_exactly_are_rejected() {
        assert!(FixedConfig::new(16, 20).is_ok());
        assert!(FixedConfig::new(24, 14).is_ok());
        assert!(FixedConfig::new(1, 60).is_ok());
        // Each message names the field that is wrong and its valid range.
        let cases = [
            (24, 20, "int_bits = 20: expected 1 to 14 integer bits with frac_bits = 24"),
            (16, 0, "int_bits = 0: expected 1 to 30 integer bits with frac_bits = 16"),
            (16, 31, "int_bits = 31: expected 1 to 30"),
            (16, u32::MAX, "int_bits = 4294967295: expected 1 to 30"),
            (0, 20, "frac_bits = 0: expected 1 to 30 fractional bits"),
            (31, 0, "frac_bits = 31: expected 1 to 30 fractional bits"),
            (u32::MAX, 1, "frac_bits = 4294967295: expected 1 to 30"),
        ];
        for (f, i, expected) in cases {
            let err = FixedConfig::new(f, i).unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{err:?}");
            assert!(err.to_string().contains(expected), "({f}, {i}): {err}");
        }
        let err = FixedConfig::new(16, 0).unwrap_err().to_string();
        assert!(err.contains("2 * frac_bits + int_bits must be at most 62"), "{err}");
    }
}
