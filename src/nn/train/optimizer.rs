//! Optimizers on shares: SGD (with momentum), Adam and `AMSgrad`, their
//! state kept as private variables of the model owner at the servers, and
//! learning-rate schedules.
//!
//! The update works on every weight at once: the weights and their
//! gradients are flattened and concatenated (free on shares), so an update
//! costs the rounds of one tensor however many the model has. Gradients
//! arrive as the gradient of the batch's *summed* loss (`G`); the 1/batch
//! of Keras's mean is folded into the step's scalar, so gradients keep
//! their fractional bits (see `docs/training.md`).
//!
//! The scalars that change per step (the learning rate of a schedule,
//! Adam's bias corrections) are a private input of the model owner,
//! [`STEP_SCALAR`], one value per step: a product with it costs what a
//! product with a public value costs, and every deployment mode feeds it
//! the same way as the owner's other inputs.

use crate::error::{Error, Result};
use crate::fixed::FixedConfig;
use crate::graph::{Graph, TensorId};

/// The name of the per-step scalar input of the model owner.
pub const STEP_SCALAR: &str = "train.step_scalar";
/// The lower end of the inverse square root's domain (2^−6), added to
/// Adam's scaled second moment.
const INV_SQRT_FLOOR: f64 = 1.0 / 64.0;
/// The upper end of that domain (2^10).
const INV_SQRT_CEIL: f64 = 1024.0;

/// A learning rate per step (steps count from 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// The same rate every step.
    Constant(f64),
    /// `initial · factor^⌊step / every⌋`.
    Step {
        /// The rate of the first steps.
        initial: f64,
        /// What the rate is multiplied by every `every` steps.
        factor: f64,
        /// Steps between drops.
        every: usize,
    },
    /// `initial · rate^(step / steps)` (Keras's `ExponentialDecay`).
    Exponential {
        /// The rate at step 0.
        initial: f64,
        /// The decay per `steps` steps.
        rate: f64,
        /// The steps one decay by `rate` takes.
        steps: usize,
    },
}

impl Schedule {
    /// The learning rate of step `step`.
    pub fn at(&self, step: usize) -> f64 {
        match *self {
            Schedule::Constant(lr) => lr,
            Schedule::Step { initial, factor, every } => initial * factor.powi((step / every.max(1)) as i32),
            Schedule::Exponential { initial, rate, steps } => initial * rate.powf(step as f64 / steps.max(1) as f64),
        }
    }
}

/// An optimizer, Keras's names and update rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// v ← μ·v − lr·g; w ← w + v (plain `w ← w − lr·g` when μ = 0).
    Sgd {
        /// The learning rate.
        lr: Schedule,
        /// μ, 0 for none.
        momentum: f64,
    },
    /// Adam: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g²,
    /// w ← w − lr·√(1 − β2^t)/(1 − β1^t) · m/√(v + ε²).
    Adam {
        /// The learning rate.
        lr: Schedule,
        /// β1.
        beta1: f64,
        /// β2.
        beta2: f64,
        /// ε, at least 2^−12: see [`Optimizer::adam`].
        epsilon: f64,
    },
    /// Adam with v replaced by the running maximum v̂ ← max(v̂, v).
    Amsgrad {
        /// The learning rate.
        lr: Schedule,
        /// β1.
        beta1: f64,
        /// β2.
        beta2: f64,
        /// ε, as for Adam.
        epsilon: f64,
    },
}

/// An optimizer's update in a graph.
#[derive(Clone, Debug)]
pub struct Update {
    /// The assignments of one step: fetch them all.
    pub assigns: Vec<TensorId>,
    /// The optimizer's state variables with their initial values, for the
    /// owner to provide.
    pub state: Vec<(String, Vec<f64>)>,
    /// The new values of every weight, flattened and concatenated.
    pub new_weights: TensorId,
}

impl Optimizer {
    /// Plain SGD at a constant rate.
    pub fn sgd(lr: f64) -> Self {
        Optimizer::Sgd { lr: Schedule::Constant(lr), momentum: 0.0 }
    }

    /// Adam with Keras's β1 = 0.9, β2 = 0.999 and ε = 2^−8. ε sits inside
    /// the root (m/√(v + ε²)), and it bounds the gradients Adam takes:
    /// the second moment is kept scaled by S = 2^−6/ε², so that v·S + 2^−6
    /// lies in the inverse square root's domain [2^−6, 2^10) for mean
    /// gradients |g| < [`adam_gradient_limit`] = 256·ε (1 for ε = 2^−8).
    pub fn adam(lr: f64) -> Self {
        Optimizer::Adam { lr: Schedule::Constant(lr), beta1: 0.9, beta2: 0.999, epsilon: 1.0 / 256.0 }
    }

    /// `AMSgrad` with Adam's defaults.
    pub fn amsgrad(lr: f64) -> Self {
        Optimizer::Amsgrad { lr: Schedule::Constant(lr), beta1: 0.9, beta2: 0.999, epsilon: 1.0 / 256.0 }
    }

    /// The optimizer's name, as Keras spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Sgd { .. } => "SGD",
            Optimizer::Adam { .. } => "Adam",
            Optimizer::Amsgrad { .. } => "AMSgrad",
        }
    }

    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: String| Err(Error::invalid(format!("{}: {what}", self.name())));
        match *self {
            Optimizer::Sgd { momentum, .. } if !(0.0..1.0).contains(&momentum) => {
                bad(format!("momentum {momentum}, expected 0 ≤ momentum < 1"))
            }
            Optimizer::Adam { beta1, beta2, epsilon, .. } | Optimizer::Amsgrad { beta1, beta2, epsilon, .. } => {
                if !(0.0..1.0).contains(&beta1) || !(0.0..1.0).contains(&beta2) {
                    return bad(format!("β1 {beta1} and β2 {beta2}, expected each in [0, 1)"));
                }
                if !(1.0 / 4096.0..=1.0).contains(&epsilon) {
                    return bad(format!(
                        "ε {epsilon}, expected 2^−12 ≤ ε ≤ 1 (the second moment is scaled by 2^−6/ε²)"
                    ));
                }
                Ok(())
            }
            Optimizer::Sgd { .. } => Ok(()),
        }
    }

    /// The per-step scalar of step `step` (from 0) for batches of `batch`.
    pub fn step_scalar(&self, step: usize, batch: usize) -> f64 {
        match *self {
            Optimizer::Sgd { lr, .. } => lr.at(step) / batch as f64,
            Optimizer::Adam { lr, beta1, beta2, .. } | Optimizer::Amsgrad { lr, beta1, beta2, .. } => {
                let t = (step + 1) as i32;
                lr.at(step) * (1.0 - beta2.powi(t)).sqrt() / (1.0 - beta1.powi(t))
            }
        }
    }

    /// [`Optimizer::step_scalar`], or an error that names the learning
    /// rate where `fixed` cannot hold the scalar: beyond ±2^i, or nonzero
    /// below one unit 2^−f, where it would round to 0 (no update) or to one
    /// unit (up to twice the step asked for).
    pub fn checked_step_scalar(&self, step: usize, batch: usize, fixed: FixedConfig) -> Result<f64> {
        let scalar = self.step_scalar(step, batch);
        let (unit, bound) = (1.0 / fixed.scale(), fixed.bound());
        if scalar == 0.0 || (unit..=bound).contains(&scalar.abs()) {
            return Ok(scalar);
        }
        let what = match *self {
            Optimizer::Sgd { lr, .. } => format!("the learning rate {} / batch_size {batch}", lr.at(step)),
            Optimizer::Adam { lr, .. } | Optimizer::Amsgrad { lr, .. } => {
                format!("the learning rate {} times the bias correction", lr.at(step))
            }
        };
        let advice = if scalar.abs() > bound {
            "lower the learning rate"
        } else {
            "raise the learning rate or lower the batch size"
        };
        Err(Error::invalid(format!(
            "{}, step {}: {what} is {scalar:e}, expected 0 or a magnitude from 2^-{} to 2^{} (the fixed-point \
             resolution and range): {advice} (docs/training.md, Resolution)",
            self.name(),
            step + 1,
            fixed.frac_bits,
            fixed.int_bits
        )))
    }

    /// Adds the update of the flattened weights `w` (`[P]`, the concatenated
    /// variables) from their summed gradients `grad` (`[P]`) over batches of
    /// `batch` to `g`; the state variables belong to `owner`. Returns the
    /// new weights (not yet assigned: the caller slices them back) and the
    /// state's assignments.
    pub fn build(&self, g: &mut Graph, w: TensorId, grad: TensorId, batch: usize, owner: &str) -> Result<Update> {
        self.validate()?;
        let p = g.shape(w)?[0];
        let scalar = g.private_input(STEP_SCALAR, owner, &[1])?;
        let mut state = Vec::new();
        let mut assigns = Vec::new();
        let mut var = |g: &mut Graph, name: &str| -> Result<TensorId> {
            let full = format!("optimizer.{name}");
            state.push((full.clone(), vec![0.0; p]));
            g.private_variable(&full, owner, &[p])
        };
        let new_weights = match *self {
            Optimizer::Sgd { momentum, .. } => {
                let step = g.mul(grad, scalar)?;
                if momentum == 0.0 {
                    g.sub(w, step)?
                } else {
                    let v = var(g, "velocity")?;
                    let mu = g.constant(&[], vec![momentum])?;
                    let kept = g.mul(v, mu)?;
                    let v_new = g.sub(kept, step)?;
                    assigns.push(g.assign(v, v_new)?);
                    g.add(w, v_new)?
                }
            }
            Optimizer::Adam { beta1, beta2, epsilon, .. } | Optimizer::Amsgrad { beta1, beta2, epsilon, .. } => {
                // h = √S·g with g = G/batch: the moments of h are kept, so
                // that v lands in the inverse square root's domain.
                let root_s = INV_SQRT_FLOOR.sqrt() / epsilon;
                let c = g.constant(&[], vec![root_s / batch as f64])?;
                let h = g.mul(grad, c)?;
                let m = var(g, "m")?;
                let v = var(g, "v")?;
                let m_new = moving(g, m, h, beta1)?;
                let h2 = g.square(h)?;
                let v_new = moving(g, v, h2, beta2)?;
                assigns.push(g.assign(m, m_new)?);
                assigns.push(g.assign(v, v_new)?);
                let used = if matches!(self, Optimizer::Amsgrad { .. }) {
                    let vhat = var(g, "vhat")?;
                    let vhat_new = g.maximum(vhat, v_new)?;
                    assigns.push(g.assign(vhat, vhat_new)?);
                    vhat_new
                } else {
                    v_new
                };
                let floor = g.constant(&[], vec![INV_SQRT_FLOOR])?;
                let shifted = g.add(used, floor)?;
                let r = g.inv_sqrt(shifted)?;
                let dir = g.mul(m_new, r)?;
                let step = g.mul(dir, scalar)?;
                g.sub(w, step)?
            }
        };
        Ok(Update { assigns, state, new_weights })
    }
}

/// The largest mean gradient Adam's scaled second moment keeps inside the
/// inverse square root's domain: √(2^10 / S) with S = 2^−6/ε², 256·ε.
pub fn adam_gradient_limit(epsilon: f64) -> f64 {
    (INV_SQRT_CEIL).sqrt() * epsilon / INV_SQRT_FLOOR.sqrt()
}

/// m + (x − m)/(1/(1 − β)) = β·m + (1 − β)·x, one division by a public
/// value (which keeps extra bits of 1 − β = 0.001, where a fixed-point
/// constant would be off by 0.7 %).
fn moving(g: &mut Graph, m: TensorId, x: TensorId, beta: f64) -> Result<TensorId> {
    let d = g.sub(x, m)?;
    let step = g.div_public(d, 1.0 / (1.0 - beta))?;
    g.add(m, step)
}
