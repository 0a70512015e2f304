//! Fixed-point approximations of smooth functions, with their error bounds
//! (checked against f64 in `tests_approx.rs`; the bounds below include the
//! fixed-point rounding at 16 fractional bits).
//!
//! - Piecewise linear functions: f(x) = v0 + Σ_j Δm_j·relu(x − b_j), all
//!   ReLUs in one batch; the encoded slope changes sum to exactly zero, so
//!   f is exactly flat beyond the last knot for every x in range. 10 rounds.
//! - `sigmoid_hard` (TF Encrypted's ABY3 piecewise-linear sigmoid, Keras'
//!   hard sigmoid): 0 below −2.5, 0.2x + 0.5 between, 1 above. Error at most
//!   0.076 (at |x| = 2.5) on all of the range.
//! - `sigmoid`: the interpolant of σ at knots −6, −5.5, ..., 6, flat outside:
//!   error at most 0.003 on all of the range.
//! - `exp`: x is clamped to ≥ −16 (e^−16 is below one unit), scaled by 1/16,
//!   a degree-6 Taylor polynomial is evaluated and squared four times:
//!   relative error ≤ 2·10^−3 (+ one unit) for −16 ≤ x ≤ 10. 26 rounds.
//! - `reciprocal` for 2^−6 ≤ |x| < 2^10, either sign: y0 = ±2/(3·2^k) for
//!   2^k ≤ |x| < 2^(k+1), with the sign of x, from one batch of comparisons
//!   of x and −x with powers of two and of x with 0, then four Newton steps
//!   y ← y(2 − xy): relative error ≤ 10^−3 + 4 units. 24 rounds. Outside
//!   the domain the result is unspecified (no error: a private value cannot
//!   be checked without revealing it): for 0 < |x| < 2^−6 or |x| ≥ 2^10 the
//!   start is off by more than a factor 2 and Newton's iteration diverges;
//!   x = 0 gives 2^4·y0 ≈ 2731.
//! - `inv_sqrt` for 2^−6 ≤ x < 2^10 (positive x only): the same start
//!   (y0 = (1.5·2^k)^−1/2), four Newton steps y ← y(1.5 − ((x/2)·y)·y):
//!   relative error ≤ 10^−3 + 4 units. 34 rounds. Outside the domain the
//!   result is unspecified: for x ≤ 0 every step multiplies y by at least
//!   1.5, so the result is a large positive number (about 1/√(1.5·2^−7)·1.5^4
//!   ≈ 47 at x = 0; growing with |x| and wrapping in the ring for large
//!   negative x), never an error.
//! - `softmax` along the last axis: exp(x − max), sum, reciprocal, product;
//!   error ≤ 0.01 per probability for logits whose spread is at most 16.

use super::{Aby3, OpContext, Share, Steps};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::ring::RingTensor;

/// Knots of the accurate sigmoid: −6 to 6 by 0.5.
const SIGMOID_KNOTS: usize = 25;
/// Smallest exponent of the powers of two that start reciprocal and inv_sqrt.
const LOW_EXP: i32 = -6;
/// One past the largest exponent.
const HIGH_EXP: i32 = 10;
const NEWTON_STEPS: usize = 4;

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

    /// ReLU inside a composite op.
    pub(super) fn relu_steps(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        let bit = self.msb_steps(net, steps, x)?;
        x.sub(&self.bit_inject_steps(net, steps, &bit, x)?)
    }

    /// The continuous piecewise-linear function through (`knots[j]`, `values[j]`),
    /// constant outside the knots.
    pub fn piecewise_linear(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: &Share,
        knots: &[f64],
        values: &[f64],
    ) -> Result<Share> {
        self.piecewise_steps(net, &mut Steps::new(ctx), x, knots, values)
    }

    fn piecewise_steps(
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
        let relus = self.relu_steps(net, steps, &Share::concat(&shifted.iter().collect::<Vec<_>>(), 0)?)?;
        // Slope changes, encoded so that they sum to exactly zero.
        let slope = |j: usize| if j + 1 < k { (values[j + 1] - values[j]) / (knots[j + 1] - knots[j]) } else { 0.0 };
        let mut deltas: Vec<u64> = (0..k - 1)
            .map(|j| fixed.encode_value(slope(j) - if j == 0 { 0.0 } else { slope(j - 1) }))
            .collect::<Result<_>>()?;
        deltas.push(deltas.iter().fold(0u64, |a, &d| a.wrapping_sub(d)));
        let mut acc = Share::new(RingTensor::zeros(&[n]), RingTensor::zeros(&[n]));
        for (j, &d) in deltas.iter().enumerate() {
            let r = relus.slice(&[j * n], &[n])?;
            acc = acc.add(&r.mul_public(&RingTensor::filled(&[], d))?)?;
        }
        let y = self.truncate(net, steps.take()?, &acc)?;
        y.add_public(me, &RingTensor::filled(&[], fixed.encode_value(values[0])?))?.reshape(x.shape())
    }

    /// TF Encrypted's piecewise-linear sigmoid (see the module docs).
    pub fn sigmoid_hard(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        self.piecewise_linear(net, ctx, x, &[-2.5, 2.5], &[0.0, 1.0])
    }

    /// Sigmoid within 0.003 (see the module docs).
    pub fn sigmoid(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        let knots: Vec<f64> = (0..SIGMOID_KNOTS).map(|j| -6.0 + 0.5 * j as f64).collect();
        let values: Vec<f64> = knots.iter().map(|&b| 1.0 / (1.0 + (-b).exp())).collect();
        self.piecewise_linear(net, ctx, x, &knots, &values)
    }

    /// e^x (see the module docs for range and error).
    pub fn exp(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        self.exp_steps(net, &mut Steps::new(ctx), x)
    }

    fn exp_steps(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        let (fixed, me) = (self.fixed, self.index()?);
        let public = |v: f64| fixed.encode_value(v).map(|e| RingTensor::filled(&[], e));
        // max(x, −16) = relu(x + 16) − 16.
        let clamped =
            self.relu_steps(net, steps, &x.add_public(me, &public(16.0)?)?)?.add_public(me, &public(-16.0)?)?;
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

    /// The Newton start shared by reciprocal and inv_sqrt: start(2^k) for
    /// 2^k ≤ x < 2^(k+1), from one batch of comparisons x ≥ 2^j. With
    /// `signed`, the start for |x| carries the sign of x: the same batch also
    /// compares −x ≥ 2^j and x ≥ 0, so the sign costs no extra round.
    fn power_of_two_start(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        x: &Share,
        start: impl Fn(f64) -> f64,
        signed: bool,
    ) -> Result<Share> {
        let (fixed, me) = (self.fixed, self.index()?);
        let n = x.len();
        let flat = x.reshape(&[n])?;
        let exps: Vec<i32> = (LOW_EXP..HIGH_EXP).collect();
        let step = |j: i32| -> Result<u64> {
            Ok(fixed.encode_value(start(2f64.powi(j)))?.wrapping_sub(fixed.encode_value(start(2f64.powi(j - 1)))?))
        };
        let base = fixed.encode_value(start(2f64.powi(LOW_EXP - 1)))?;
        // Differences d whose bit NOT msb(d) = [d ≥ 0] is injected into a
        // public coefficient: y0 = constant + Σ [d ≥ 0]·coefficient.
        let mut diffs = Vec::new();
        let mut coefs = Vec::new();
        let power = |j: i32| fixed.encode_value(-(2f64.powi(j))).map(|e| RingTensor::filled(&[], e));
        for &j in &exps {
            diffs.push(flat.add_public(me, &power(j)?)?);
            coefs.push(step(j)?);
        }
        let mut constant = base;
        if signed {
            // y0 = −base + [x ≥ 0]·2·base + Σ ([x ≥ 2^j] − [−x ≥ 2^j])·step_j.
            let minus = flat.neg();
            for &j in &exps {
                diffs.push(minus.add_public(me, &power(j)?)?);
                coefs.push(step(j)?.wrapping_neg());
            }
            diffs.push(flat.clone());
            coefs.push(base.wrapping_mul(2));
            constant = base.wrapping_neg();
        }
        let bits = self.msb_steps(net, steps, &Share::concat(&diffs.iter().collect::<Vec<_>>(), 0)?)?.xor_public(me, 1);
        let spread: Vec<u64> = coefs.iter().flat_map(|&c| std::iter::repeat_n(c, n)).collect();
        let spread = self.public_share(&RingTensor::new(vec![spread.len()], spread)?)?;
        let parts = self.bit_inject_steps(net, steps, &bits, &spread)?;
        let mut y = Share::new(RingTensor::zeros(&[n]), RingTensor::zeros(&[n]));
        for k in 0..coefs.len() {
            y = y.add(&parts.slice(&[k * n], &[n])?)?;
        }
        y.add_public(me, &RingTensor::filled(&[], constant))?.reshape(x.shape())
    }

    /// 1/x for 2^−6 ≤ |x| < 2^10, either sign (see the module docs).
    pub fn reciprocal(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        self.reciprocal_steps(net, &mut Steps::new(ctx), x, true)
    }

    /// Newton's iteration for 1/x from a start of the sign of x: for x < 0
    /// every iterate is the negation of the one for |x| (x·y is the same),
    /// so both signs converge alike. `signed = false` (softmax's positive
    /// sums) skips the comparisons of −x.
    fn reciprocal_steps(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, signed: bool) -> Result<Share> {
        let me = self.index()?;
        let two = RingTensor::filled(&[], self.fixed.encode_value(2.0)?);
        let mut y = self.power_of_two_start(net, steps, x, |p| 2.0 / (3.0 * p), signed)?;
        for _ in 0..NEWTON_STEPS {
            let xy = self.mul_batch(net, steps, &[(x, &y)])?.remove(0);
            y = self.mul_batch(net, steps, &[(&y, &xy.rsub_public(me, &two)?)])?.remove(0);
        }
        Ok(y)
    }

    /// 1/√x for 2^−6 ≤ x < 2^10 (see the module docs).
    pub fn inv_sqrt(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        let mut steps = Steps::new(ctx);
        let (fixed, me) = (self.fixed, self.index()?);
        let mut y = self.power_of_two_start(net, &mut steps, x, |p| 1.0 / (1.5 * p).sqrt(), false)?;
        let half =
            self.truncate(net, steps.take()?, &x.mul_public(&RingTensor::filled(&[], fixed.encode_value(0.5)?))?)?;
        let three_halves = RingTensor::filled(&[], fixed.encode_value(1.5)?);
        for _ in 0..NEWTON_STEPS {
            // (x/2)·y first: y² alone would lose precision for large x.
            let hy = self.mul_batch(net, &mut steps, &[(&half, &y)])?.remove(0);
            let hy2 = self.mul_batch(net, &mut steps, &[(&hy, &y)])?.remove(0);
            y = self.mul_batch(net, &mut steps, &[(&y, &hy2.rsub_public(me, &three_halves)?)])?.remove(0);
        }
        Ok(y)
    }

    /// Softmax along the last axis.
    pub fn softmax(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        let mut steps = Steps::new(ctx);
        let rank = x.shape().len();
        if rank == 0 {
            return Err(Error::invalid("softmax needs at least one axis, found a scalar"));
        }
        let axis = rank - 1;
        let parts = (0..x.shape()[axis]).map(|i| x.gather(&[i], axis)).collect::<Result<Vec<_>>>()?;
        let max = self.max_tree(net, &mut steps, parts)?;
        let e = self.exp_steps(net, &mut steps, &x.sub(&max)?)?;
        let mut kept = e.shape().to_vec();
        kept[axis] = 1;
        let sum = e.sum(Some(axis))?.reshape(&kept)?;
        let r = self.reciprocal_steps(net, &mut steps, &sum, false)?;
        Ok(self.mul_batch(net, &mut steps, &[(&e, &r)])?.remove(0))
    }
}
