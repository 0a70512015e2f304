//! Neural networks on secret-shared data: layers ([`Layer`]), sequential
//! models ([`Sequential`]) whose weights a model owner supplies in plaintext
//! and shares once, private prediction revealed only to the client
//! ([`PrivatePredictor`]; in a deployment, [`prediction_graph`]), private
//! training ([`train`], with the Keras-like [`Trainer`]), plaintext
//! inference for reference (`plain`), and the benchmark networks A–D
//! ([`networks`]).

mod deployed;
mod layer;
mod model;
pub mod networks;
pub(crate) mod plain;
mod predict;
#[cfg(test)]
mod tests;
pub mod train;

pub use deployed::{PredictionGraph, prediction_graph};
pub use layer::Layer;
pub(crate) use model::{BatchCopies, build_copies};
pub use model::{Model, Sequential, Weights};
pub use predict::{PrivatePredictor, input_name};
pub use train::Trainer;
