//! Fixed-point approximations of smooth functions. Their domains and error
//! bounds (which include the fixed-point rounding at 16 fractional bits)
//! live in one table, `protocol/bounds.rs`, which the C docs and the tests
//! (`tests_bounds.rs`) read; this file says how each is computed.
//!
//! - Piecewise linear functions: `f(x) = v0 + Σ_j Δm_j·relu(x − b_j)`, all
//!   ReLUs in one batch; the encoded slope changes sum to exactly zero, so
//!   f is exactly flat beyond the last knot for every x in range, and the
//!   slopes are rounded with error feedback, so rounding does not add up
//!   along the knots. 10 rounds.
//! - `hard_sigmoid` (TF Encrypted's ABY3 piecewise-linear sigmoid, Keras'
//!   hard sigmoid): 0 below −2.5, 0.2x + 0.5 between, 1 above.
//! - `sigmoid`: knots −6, −5.5, ..., 6, flat outside; `tanh`: knots −3.5,
//!   −3.25, ..., 3.5. The knot values are lowered by h²/16·f'' (h the
//!   spacing), which splits each chord's error between both sides of f.
//! - `exp`: x is clamped to ≥ −16 (e^−16 is below one unit), scaled by 1/16,
//!   a degree-6 Taylor polynomial is evaluated and squared four times.
//!   26 rounds.
//! - `reciprocal`: y0 = ±2/(3·2^k) for 2^k ≤ |x| < 2^(k+1), with the sign of
//!   x, from one batch of comparisons of x and −x with powers of two and of
//!   x with 0, then four Newton steps y ← y(2 − xy). 24 rounds. Outside the
//!   domain the start is off by more than a factor 2 and Newton's iteration
//!   diverges; x = 0 gives 2^4·y0 = 2^4·2/(3·2^−7) ≈ 1365.
//! - `inv_sqrt` (positive x only): the same start (y0 = (1.5·2^k)^−1/2),
//!   four Newton steps y ← y(1.5 − ((x/2)·y)·y). 34 rounds. For x ≤ 0 every
//!   step multiplies y by at least 1.5 (about 1/√(1.5·2^−7)·1.5^4 ≈ 47 at
//!   x = 0, wrapping in the ring for large negative x).
//! - `sqrt`: `x·inv_sqrt(x)`, 36 rounds; 0 maps to 0 up to one unit.
//! - `log`: the same comparisons give 2^−k and k·ln 2 (each a telescoping
//!   sum of encoded terms, exact), m = x·2^−k in [1, 2), and ln m a degree-5
//!   polynomial of m − 1. 18 rounds.
//! - `softmax` along the last axis: exp(x − max), sum, reciprocal, product.
//!   The reciprocal's start covers the sums a row of its width can have,
//!   with comparisons wide enough for them. Rows are at most
//!   `bounds::SOFTMAX_MAX_ROW` wide: each exponential is off by about a
//!   unit, and the sum adds those errors up.

use std::ops::Range;

use super::{Aby3, Share, Steps};
use crate::error::{Error, Result};
use crate::fixed::FixedConfig;
use crate::net::Endpoint;
use crate::protocol::piecewise::{self, slope_changes};
use crate::ring::RingTensor;

/// Smallest exponent of the powers of two that start reciprocal and `inv_sqrt`.
const LOW_EXP: i32 = -6;
/// One past the largest exponent.
const HIGH_EXP: i32 = 10;
const NEWTON_STEPS: usize = 4;
/// ln(1 + t) on [0, 1): the degree-5 minimax polynomial (Remez), error
/// 8.7·10^−6; coefficients from t^0 up.
const LOG1P: [f64; 6] = [8.6912e-6, 0.999299586, -0.4907431101, 0.2867065513, -0.1332198631, 0.0311040165];

impl Aby3 {
    /// Products of pairs (each broadcast to its common shape) in one batch.
    pub(super) fn mul_batch(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        pairs: &[(&Share, &Share)],
    ) -> Result<Vec<Share>> {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        let mut shapes = Vec::new();
        for (x, y) in pairs {
            let shape = crate::ring::shape::broadcast_shapes(x.shape(), y.shape())?;
            let n = crate::ring::shape::numel(&shape);
            xs.push(x.broadcast_to(&shape)?.reshape(&[n])?);
            ys.push(y.broadcast_to(&shape)?.reshape(&[n])?);
            shapes.push(shape);
        }
        let x = Share::concat(&xs.iter().collect::<Vec<_>>(), 0)?;
        let y = Share::concat(&ys.iter().collect::<Vec<_>>(), 0)?;
        let z = self.mul(net, steps.take()?, &x, &y)?;
        let mut out = Vec::with_capacity(pairs.len());
        let mut start = 0;
        for shape in shapes {
            let n = crate::ring::shape::numel(&shape);
            out.push(z.slice(&[start], &[n])?.reshape(&shape)?);
            start += n;
        }
        Ok(out)
    }

    /// The continuous piecewise-linear function through (`knots[j]`, `values[j]`),
    /// constant outside the knots.
    pub fn piecewise_linear(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        x: &Share,
        knots: &[f64],
        values: &[f64],
    ) -> Result<Share> {
        let k = knots.len();
        if k < 2 || values.len() != k || knots.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::invalid(format!(
                "piecewise linear: expected at least 2 increasing knots and as many values, found {k} knots and {} values",
                values.len()
            )));
        }
        let fixed = self.fixed;
        let me = self.index()?;
        let n = x.len();
        let flat = x.reshape(&[n])?;
        // relu(x − b_j) for every knot, in one batch.
        let shifted: Vec<Share> = knots
            .iter()
            .map(|&b| flat.add_public(me, &RingTensor::filled(&[], fixed.encode_value(-b)?)))
            .collect::<Result<_>>()?;
        let relus = self.relu(net, steps, &Share::concat(&shifted.iter().collect::<Vec<_>>(), 0)?)?;
        let deltas = slope_changes(fixed.scale(), knots, values, fixed.encode_value(values[0])?);
        let mut acc = Share::new(RingTensor::zeros(&[n]), RingTensor::zeros(&[n]));
        for (j, &d) in deltas.iter().enumerate() {
            let r = relus.slice(&[j * n], &[n])?;
            acc = acc.add(&r.mul_public(&RingTensor::filled(&[], d))?)?;
        }
        let y = self.truncate(net, steps.take()?, &acc)?;
        y.add_public(me, &RingTensor::filled(&[], fixed.encode_value(values[0])?))?.reshape(x.shape())
    }

    /// TF Encrypted's piecewise-linear sigmoid (see the module docs).
    pub fn hard_sigmoid(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        self.piecewise_linear(net, steps, x, &[-2.5, 2.5], &[0.0, 1.0])
    }

    /// Sigmoid within 0.003 (see the module docs).
    pub fn sigmoid(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        let f = piecewise::sigmoid();
        self.piecewise_linear(net, steps, x, &f.knots, &f.values)
    }

    /// e^x (see the module docs for range and error).
    pub fn exp(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        let (fixed, me) = (self.fixed, self.index()?);
        let public = |v: f64| fixed.encode_value(v).map(|e| RingTensor::filled(&[], e));
        // max(x, −16) = relu(x + 16) − 16.
        let clamped = self.relu(net, steps, &x.add_public(me, &public(16.0)?)?)?.add_public(me, &public(-16.0)?)?;
        let t = self.truncate(net, steps.take()?, &clamped.mul_public(&public(1.0 / 16.0)?)?)?;
        let t2 = self.mul_batch(net, steps, &[(&t, &t)])?.remove(0);
        let mut p34 = self.mul_batch(net, steps, &[(&t2, &t), (&t2, &t2)])?;
        let (t3, t4) = (p34.remove(0), p34.remove(0));
        let mut p56 = self.mul_batch(net, steps, &[(&t4, &t), (&t4, &t2)])?;
        let (t5, t6) = (p56.remove(0), p56.remove(0));
        let mut acc = t.mul_public(&public(1.0)?)?;
        let mut factorial = 1.0;
        for (k, power) in [&t2, &t3, &t4, &t5, &t6].into_iter().enumerate() {
            factorial *= (k + 2) as f64;
            acc = acc.add(&power.mul_public(&public(1.0 / factorial)?)?)?;
        }
        let mut y = self.truncate(net, steps.take()?, &acc)?.add_public(me, &public(1.0)?)?;
        for _ in 0..4 {
            y = self.mul_batch(net, steps, &[(&y, &y)])?.remove(0);
        }
        Ok(y)
    }

    /// Arithmetic 0/1 shares (ring integers, n each, concatenated) of
    /// [x ≥ 2^j] for j in `exps`, then with `signed` of [−x ≥ 2^j] and
    /// [x ≥ 0]: one batch of comparisons read from `bits` bits, one bit
    /// injection. Public combinations of them ([`octave_function`]) give
    /// any function of the octave of x locally.
    fn octave_bits(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        flat: &Share,
        exps: Range<i32>,
        signed: bool,
        bits: u32,
    ) -> Result<Share> {
        let (fixed, me) = (self.fixed, self.index()?);
        let power = |j: i32| fixed.encode_value(-(2f64.powi(j))).map(|e| RingTensor::filled(&[], e));
        // Differences d whose bit NOT msb(d) = [d ≥ 0] is injected.
        let mut diffs = Vec::new();
        for j in exps.clone() {
            diffs.push(flat.add_public(me, &power(j)?)?);
        }
        if signed {
            let minus = flat.neg();
            for j in exps {
                diffs.push(minus.add_public(me, &power(j)?)?);
            }
            diffs.push(flat.clone());
        }
        let diffs = Share::concat(&diffs.iter().collect::<Vec<_>>(), 0)?;
        let bits = self.msb_width(net, steps, &diffs, bits)?.xor_public(me, 1);
        let ones = self.share_public(&RingTensor::filled(&[diffs.len()], 1))?;
        self.bit_inject(net, steps, &bits, &ones)
    }

    /// The Newton start shared by reciprocal and `inv_sqrt`: start(2^k) for
    /// 2^k ≤ x < 2^(k+1) (`start(2^(LOW_EXP−1))` below). With `signed`, the
    /// start for |x| carries the sign of x: the same batch also compares
    /// −x ≥ 2^j and x ≥ 0, so the sign costs no extra round.
    fn power_of_two_start(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        x: &Share,
        octaves: Octaves,
        start: impl Fn(f64) -> f64,
        signed: bool,
    ) -> Result<Share> {
        let flat = x.reshape(&[x.len()])?;
        let bits = self.octave_bits(net, steps, &flat, octaves.exps.clone(), signed, octaves.bits)?;
        octave_function(self.fixed, self.index()?, &bits, x.len(), octaves.exps, signed, start)?.reshape(x.shape())
    }

    /// 1/x for 2^−6 ≤ |x| < 2^10, either sign (see the module docs).
    pub fn reciprocal(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        self.reciprocal_in(net, steps, x, self.default_octaves(), true)
    }

    /// Newton's iteration for 1/x from a start of the sign of x: for x < 0
    /// every iterate is the negation of the one for |x| (x·y is the same),
    /// so both signs converge alike; the start compares x with the powers of
    /// two of `octaves`. `signed = false` (softmax's positive sums) skips the
    /// comparisons of −x.
    fn reciprocal_in(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        x: &Share,
        octaves: Octaves,
        signed: bool,
    ) -> Result<Share> {
        let me = self.index()?;
        let two = RingTensor::filled(&[], self.fixed.encode_value(2.0)?);
        let mut y = self.power_of_two_start(net, steps, x, octaves, |p| 2.0 / (3.0 * p), signed)?;
        for _ in 0..NEWTON_STEPS {
            let xy = self.mul_batch(net, steps, &[(x, &y)])?.remove(0);
            y = self.mul_batch(net, steps, &[(&y, &xy.rsub_public(me, &two)?)])?.remove(0);
        }
        Ok(y)
    }

    /// The octaves reciprocal and `inv_sqrt` cover, read with the
    /// configuration's comparison width.
    fn default_octaves(&self) -> Octaves {
        Octaves { exps: LOW_EXP..HIGH_EXP, bits: self.fixed.comparison_bits() }
    }

    /// 1/√x for 2^−6 ≤ x < 2^10 (see the module docs).
    pub fn inv_sqrt(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        let (fixed, me) = (self.fixed, self.index()?);
        let octaves = self.default_octaves();
        let mut y = self.power_of_two_start(net, steps, x, octaves, |p| 1.0 / (1.5 * p).sqrt(), false)?;
        let half =
            self.truncate(net, steps.take()?, &x.mul_public(&RingTensor::filled(&[], fixed.encode_value(0.5)?))?)?;
        let three_halves = RingTensor::filled(&[], fixed.encode_value(1.5)?);
        for _ in 0..NEWTON_STEPS {
            // (x/2)·y first: y² alone would lose precision for large x.
            let hy = self.mul_batch(net, steps, &[(&half, &y)])?.remove(0);
            let hy2 = self.mul_batch(net, steps, &[(&hy, &y)])?.remove(0);
            y = self.mul_batch(net, steps, &[(&y, &hy2.rsub_public(me, &three_halves)?)])?.remove(0);
        }
        Ok(y)
    }

    /// √x = x · (1/√x) for 0 ≤ x < 2^10 (see the module docs).
    pub fn sqrt(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        let y = self.inv_sqrt(net, steps, x)?;
        Ok(self.mul_batch(net, steps, &[(x, &y)])?.remove(0))
    }

    /// tanh within 0.004 (see the module docs).
    pub fn tanh(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        let f = piecewise::tanh();
        self.piecewise_linear(net, steps, x, &f.knots, &f.values)
    }

    /// ln x for 2^−6 ≤ x < 2^10 (see the module docs): x = 2^k·m with
    /// 1 ≤ m < 2, ln x = k·ln 2 + ln m, ln m a polynomial of m − 1.
    pub fn log(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        let (fixed, me) = (self.fixed, self.index()?);
        let public = |v: f64| fixed.encode_value(v).map(|e| RingTensor::filled(&[], e));
        let (n, octaves) = (x.len(), self.default_octaves());
        let flat = x.reshape(&[n])?;
        let bits = self.octave_bits(net, steps, &flat, octaves.exps.clone(), false, octaves.bits)?;
        let scale = octave_function(fixed, me, &bits, n, octaves.exps.clone(), false, |p| 1.0 / p)?;
        let k_ln2 = octave_function(fixed, me, &bits, n, octaves.exps, false, f64::ln)?;
        let t = self.mul_batch(net, steps, &[(&flat, &scale)])?.remove(0).add_public(me, &public(-1.0)?)?;
        let t2 = self.mul_batch(net, steps, &[(&t, &t)])?.remove(0);
        let mut p34 = self.mul_batch(net, steps, &[(&t2, &t), (&t2, &t2)])?;
        let (t3, t4) = (p34.remove(0), p34.remove(0));
        let t5 = self.mul_batch(net, steps, &[(&t4, &t)])?.remove(0);
        let mut acc = Share::new(RingTensor::zeros(&[n]), RingTensor::zeros(&[n]));
        for (power, c) in [&t, &t2, &t3, &t4, &t5].into_iter().zip(&LOG1P[1..]) {
            acc = acc.add(&power.mul_public(&public(*c)?)?)?;
        }
        let ln_m = self.truncate(net, steps.take()?, &acc)?.add_public(me, &public(LOG1P[0])?)?;
        ln_m.add(&k_ln2)?.reshape(x.shape())
    }

    /// Softmax along the last axis: exp(x − max), its sum s, 1/s, the
    /// products. 1/s covers every row width w up to the size limit: s lies
    /// in [1 − 2·10^−3, 1.002·w] (the maximum contributes e^0), so the start
    /// of 1/s compares s with 2^0 .. 2^h for a public h with 1.002·w < 2^h,
    /// read from enough bits for values up to 2^h.
    pub fn softmax(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        crate::protocol::bounds::check_softmax_shape(x.shape())?;
        let axis = x.shape().len() - 1;
        let width = x.shape()[axis];
        let parts = (0..width).map(|i| x.gather(&[i], axis)).collect::<Result<Vec<_>>>()?;
        let max = self.max_tree(net, steps, parts)?;
        let e = self.exp(net, steps, &x.sub(&max)?)?;
        let mut kept = e.shape().to_vec();
        kept[axis] = 1;
        let sum = e.sum(Some(axis))?.reshape(&kept)?;
        let h = softmax_sum_exponent(width);
        // The compared differences reach 2^h in value, 2^(f+h) in the ring.
        let octaves = Octaves { exps: 0..h, bits: self.fixed.frac_bits + h as u32 + 3 };
        let r = self.reciprocal_in(net, steps, &sum, octaves, false)?;
        Ok(self.mul_batch(net, steps, &[(&e, &r)])?.remove(0))
    }
}

/// The smallest h with 1.002·width < 2^h (at least 1): softmax sums of that
/// width stay below 2^h.
pub(super) fn softmax_sum_exponent(width: usize) -> i32 {
    let mut h = 1;
    while 1.002 * width as f64 >= 2f64.powi(h) {
        h += 1;
    }
    h
}

/// Powers of two j ≤ log2 x < `exps.end` that a Newton start distinguishes,
/// and the width its comparisons read.
struct Octaves {
    exps: Range<i32>,
    bits: u32,
}

/// start(2^k) for 2^k ≤ x < 2^(k+1) (start(2^(exps.start − 1)) below) from
/// the bits of [`Aby3::octave_bits`], locally: a telescoping sum
/// start(2^(lo−1)) + Σ [x ≥ 2^j]·(start(2^j) − start(2^(j−1))) of encoded
/// terms, so it equals the encoding of start(2^k) exactly. With `signed`:
/// `−c + [x ≥ 0]·2c + Σ ([x ≥ 2^j] − [−x ≥ 2^j])·step_j`, c the first term.
fn octave_function(
    fixed: FixedConfig,
    me: usize,
    bits: &Share,
    n: usize,
    exps: Range<i32>,
    signed: bool,
    start: impl Fn(f64) -> f64,
) -> Result<Share> {
    let at = |j: i32| fixed.encode_value(start(2f64.powi(j)));
    let base = at(exps.start - 1)?;
    let mut coefs = Vec::new();
    for j in exps.clone() {
        coefs.push(at(j)?.wrapping_sub(at(j - 1)?));
    }
    let mut constant = base;
    if signed {
        for j in exps {
            coefs.push(at(j)?.wrapping_sub(at(j - 1)?).wrapping_neg());
        }
        coefs.push(base.wrapping_mul(2));
        constant = base.wrapping_neg();
    }
    let mut y = Share::new(RingTensor::zeros(&[n]), RingTensor::zeros(&[n]));
    for (k, &c) in coefs.iter().enumerate() {
        y = y.add(&bits.slice(&[k * n], &[n])?.mul_public(&RingTensor::filled(&[], c))?)?;
    }
    y.add_public(me, &RingTensor::filled(&[], constant))
}
