//! The coefficients of piecewise-linear approximations: knots, the values
//! at them and the encoded slope changes that turn a batch of ReLUs into
//! the function, `f(x) = v0 + Σ_j Δm_j·relu(x − b_j)`. The ABY3 kernels
//! (`aby3/approx.rs`) evaluate one such function per batch; the training
//! losses (`nn/train/loss.rs`) evaluate the sigmoid and softplus from one
//! batch. Both read the sigmoid's coefficients here, so that the two give
//! the same values.

/// A continuous piecewise-linear function through (`knots[j]`, `values[j]`),
/// constant outside the knots.
#[derive(Clone, Debug, PartialEq)]
pub struct PiecewiseLinear {
    /// Increasing knots.
    pub knots: Vec<f64>,
    /// The function's value at each knot.
    pub values: Vec<f64>,
}

/// Knots of the accurate sigmoid: −6 to 6 by 0.5.
const SIGMOID_KNOTS: usize = 25;
/// Knots of tanh: −3.5 to 3.5 by 0.25.
const TANH_KNOTS: usize = 29;

/// The sigmoid within 0.003: knots every 1/2 on [−6, 6], values lowered
/// by h²/16·σ''.
pub fn sigmoid() -> PiecewiseLinear {
    let knots: Vec<f64> = (0..SIGMOID_KNOTS).map(|j| -6.0 + 0.5 * j as f64).collect();
    let f = |x: f64| 1.0 / (1.0 + (-x).exp());
    let f2 = |x: f64| f(x) * (1.0 - f(x)) * (1.0 - 2.0 * f(x));
    let values = lowered(&knots, 0.5, f, f2);
    PiecewiseLinear { knots, values }
}

/// tanh within 0.004: knots every 1/4 on [−3.5, 3.5], values lowered by
/// h²/16·tanh''.
pub fn tanh() -> PiecewiseLinear {
    let knots: Vec<f64> = (0..TANH_KNOTS).map(|j| -3.5 + 0.25 * j as f64).collect();
    let f2 = |x: f64| -2.0 * x.tanh() * (1.0 - x.tanh() * x.tanh());
    let values = lowered(&knots, 0.25, f64::tanh, f2);
    PiecewiseLinear { knots, values }
}

/// Encoded slope changes of the interpolant through (`knots`, `values`),
/// starting from the encoded value `start`; the last change makes them sum
/// to zero, so the function is exactly flat beyond the last knot. Each slope
/// is rounded with error feedback: it aims at the next value from the value
/// the rounded slopes before it reach, so the error at every knot stays
/// within half a unit times the segment's length instead of adding up.
pub fn slope_changes(scale: f64, knots: &[f64], values: &[f64], start: u64) -> Vec<u64> {
    let at = |j: usize| (knots[j] * scale).round() / scale;
    let mut reached = start as i64 as f64 / scale;
    let mut slopes: Vec<i64> = Vec::with_capacity(knots.len());
    for j in 0..knots.len() - 1 {
        let h = at(j + 1) - at(j);
        let m = ((values[j + 1] - reached) / h * scale).round();
        reached += m / scale * h;
        slopes.push(m as i64);
    }
    slopes.push(0);
    (0..slopes.len()).map(|j| slopes[j].wrapping_sub(if j == 0 { 0 } else { slopes[j - 1] }) as u64).collect()
}

/// Values at evenly spaced knots (spacing h) for an interpolant of f:
/// f(b) − h²/16·f''(b). A chord lies off f by up to h²/8·|f''| in the middle
/// of its piece; moving the knots by half of that splits the error between
/// both sides, halving it.
fn lowered(knots: &[f64], h: f64, f: impl Fn(f64) -> f64, f2: impl Fn(f64) -> f64) -> Vec<f64> {
    knots.iter().map(|&b| f(b) - h * h / 16.0 * f2(b)).collect()
}
