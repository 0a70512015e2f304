//! Serving: the three servers and the model owner's shared weights stay up,
//! and clients send any number of prediction requests over long-lived
//! connections (`docs/serving.md`).
//!
//! A [`Server`] runs the servers in this process (local mode) and batches
//! concurrent requests into one run of the model; a [`Client`] splits its
//! input into one additive part per server and adds the servers' parts of
//! the output, so neither its input nor its prediction reaches any server.
//! The frames are `wire`'s; `model` holds the session and its graphs,
//! `batcher` the queue of requests.

mod batcher;
mod client;
mod model;
mod server;
mod wire;

pub use batcher::ServeStats;
pub use client::{Client, ClientOptions};
pub use model::ModelInfo;
pub use server::{Server, ServerOptions};
pub use wire::VERSION;
