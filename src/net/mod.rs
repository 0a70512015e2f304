//! The network layer: channels between players.
//!
//! A player talks to the others through an [`Endpoint`]: tagged frames of
//! raw little-endian `u64` words, receive deadlines, abort notices and
//! counters. Two transports build endpoints: TCP ([`tcp`], the deployment
//! path and the default in local mode) and in-memory channels ([`memory`]).

pub mod endpoint;
pub mod frame;
pub mod handshake;
pub mod memory;
pub mod pool;
mod socket_peer;
pub mod stats;
pub mod tcp;
#[cfg(test)]
mod tests_socket;
pub mod tls;

pub use endpoint::Endpoint;
pub use frame::Tag;
pub use handshake::Hello;
pub use stats::Counters;
pub use tcp::{PlayerAddr, TcpOptions};
pub use tls::TlsSettings;
