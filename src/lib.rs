//! tfe: TF Encrypted rebuilt in Rust.
//!
//! Privacy-preserving machine learning on secret-shared data: three compute
//! servers run the ABY3 protocol (replicated secret sharing over Z_2^64) over
//! TCP, while input providers and result receivers take part as players.
//! The layers, from the bottom up, are described in each module.

pub mod deploy;
pub mod error;
pub mod ring;
pub mod session;

pub use error::{Error, Result};
pub mod chacha;
pub mod ffi;
pub mod fixed;
pub mod graph;
pub mod net;
pub mod nn;
pub mod parallel;
pub mod prng;
pub mod protocol;
pub mod vocabulary;
