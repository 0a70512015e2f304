//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod deployment;
pub mod ffi;
pub mod hosts;

use tfe::fixed::FixedConfig;
use tfe::internals::{unit_interval, xorshift};

/// Pseudo-random values in [-range, range] on the fixed-point grid, so that
/// plaintext f64 arithmetic on them measures the protocol's error rather
/// than the rounding of the inputs.
pub fn grid_values(len: usize, seed: u64, range: f64) -> Vec<f64> {
    let fixed = FixedConfig::default();
    xorshift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        .take(len)
        .map(|w| fixed.decode_value(fixed.encode_value((unit_interval(w) * 2.0 - 1.0) * range).unwrap()))
        .collect()
}

pub fn matmul_f64(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for p in 0..k {
            let aip = a[i * k + p];
            for j in 0..n {
                out[i * n + j] += aip * b[p * n + j];
            }
        }
    }
    out
}

/// Largest |got - want| / (1 + |want|) (absolute plus relative error).
pub fn max_error(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len(), "result length");
    got.iter().zip(want).map(|(g, w)| (g - w).abs() / (1.0 + w.abs())).fold(0.0, f64::max)
}

/// Largest absolute error.
pub fn max_abs_error(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len(), "result length");
    got.iter().zip(want).map(|(g, w)| (g - w).abs()).fold(0.0, f64::max)
}
