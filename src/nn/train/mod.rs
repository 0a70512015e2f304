//! Private training: losses ([`Loss`]), optimizers ([`Optimizer`]) with
//! learning-rate schedules ([`Schedule`]), and the training graph
//! (`step`): forward, loss, backward ([`crate::graph::Graph::gradients`])
//! and update, built once and run per batch. The design and the
//! fixed-point configuration training needs are `docs/training.md`.

mod loss;
mod optimizer;
mod owners;
#[cfg(test)]
mod reference;
mod runner;
pub mod step;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_owners;
#[cfg(test)]
mod tests_trainer;
mod trainer;

pub use loss::{CLIP, EXP_FLOOR, Loss, LossGraph};
pub use optimizer::{Optimizer, STEP_SCALAR, Schedule, Update, adam_gradient_limit};
pub use owners::DataOwners;
pub use runner::Connect;
pub use trainer::{Evaluation, Fit, Metric, PlayerData, Players, Progress, Trainer};
