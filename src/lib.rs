//! tfe: TF Encrypted rebuilt in Rust.
//!
//! Privacy-preserving machine learning on secret-shared data: three compute
//! servers run the ABY3 protocol (replicated secret sharing over `Z_2^64`) over
//! TCP, while input providers and result receivers take part as players.
//! The layers, from the bottom up, are described in each module.
//!
//! The Rust API is [`graph`] (build a computation), [`session`] (run it),
//! [`nn`] (models and private prediction), [`onnx`] (models from ONNX files), [`serve`] (a prediction service), [`deploy`] (hostmaps,
//! certificates, data files), [`fixed`] (the fixed-point encoding) and
//! [`error`]; the types their signatures name are re-exported here. The ring,
//! protocol, network and FFI layers are internal.
//!
//! With its default feature `block-cache` the crate sets the program's
//! global allocator: the system allocator, with freed blocks of 64 KiB and
//! more kept for reuse (up to 256 MiB), which spares the protocol's large
//! vectors a page fault per 4 KiB. A program with a global allocator of its
//! own depends on the crate with `default-features = false`.

#![warn(missing_docs)]

pub mod deploy;
pub mod error;
pub mod fixed;
pub mod graph;
pub mod nn;
pub mod onnx;
pub mod serve;
pub mod session;

pub(crate) mod chacha;
pub(crate) mod fastest;
#[allow(missing_docs, reason = "internal: the C API's docs are the header's")]
pub(crate) mod ffi;
pub(crate) mod fuzzing;
#[allow(missing_docs, reason = "internal: reached by the tests and benches only, through `internals`")]
pub(crate) mod net;
pub(crate) mod parallel;
#[allow(missing_docs, reason = "internal: reached only by the benches, through `internals`")]
pub(crate) mod prng;
#[allow(missing_docs, reason = "internal: reached by the tests and benches only, through `internals`")]
pub(crate) mod protocol;
#[allow(missing_docs, reason = "internal: reached by the tests and benches only, through `internals`")]
pub(crate) mod ring;
pub(crate) mod simd;
pub(crate) mod test_data;
pub(crate) mod vocabulary;

#[cfg(feature = "block-cache")]
pub(crate) mod block_cache;
#[cfg(feature = "block-cache")]
#[global_allocator]
static ALLOCATOR: block_cache::BlockCache = block_cache::BlockCache;

pub use error::{Error, Result};
pub use net::{Cancel, Counters, Interrupt, PlayerAddr, TcpOptions, TlsSettings};
pub use protocol::SeedSource;
pub use ring::layout::{Padding, Window};
pub use vocabulary::{Comparison, Pool, Reduce, SortOrder, Unary};

/// Not part of the API: what the crate's own integration tests, benches and
/// command-line tool reach below the public layers. May change at any time.
#[doc(hidden)]
pub mod internals {
    /// The C API's functions and types, for the Rust-side C API tests.
    pub mod ffi {
        pub use crate::ffi::*;
        pub use crate::ffi::{
            context, error, feeds, logging, ops, ops_layout, ops_nonlinear, ops_reduce, result, selftest, session,
        };
    }
    /// Network pieces the wire and failure tests assemble by hand.
    pub mod net {
        pub use crate::net::{Endpoint, Hello, Tag, self_signed, tcp};
    }
    /// The readers of untrusted input, one entry point per fuzz target (`fuzz/`).
    pub mod fuzz {
        pub use crate::fuzzing::{csv, frames, graph, hello, hostmap, npy, onnx};
    }
    pub use crate::chacha::{Backend, available_backends, keystream_u64_with};
    pub use crate::parallel::GRAIN;
    pub use crate::prng::{Seed, StreamId, fill_at};
    pub use crate::protocol::bounds::{APPROXIMATIONS, Approximation, Bound, Domain, markdown};
    pub use crate::ring::element::RingElement;
    pub use crate::ring::gemm;
    pub use crate::ring::tensor::Tensor;

    pub use crate::test_data::{random_words, unit_interval, xorshift};
}
