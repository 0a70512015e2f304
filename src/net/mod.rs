//! The network layer: channels between players.
//!
//! A player talks to the others through an [`Endpoint`]: tagged frames of
//! raw little-endian `u64` words, receive deadlines, abort notices,
//! interrupts from another thread ([`interrupt`]) and counters. Two transports build endpoints: TCP ([`tcp`], plain or TLS,
//! the deployment path and the default in local mode) and in-memory
//! channels ([`memory`]).
//!
//! There is no async runtime and no I/O thread: each player's own thread
//! reads and writes its non-blocking sockets, waiting on all of them at once
//! with poll(2) and sorting frames by tag. An earlier design had one reader
//! thread per connection; its hand-off cost every message a second wake-up,
//! which was most of the latency of a network of small rounds.

mod admission;
pub(crate) mod cancel;
pub mod endpoint;
pub mod frame;
pub mod handshake;
pub mod interrupt;
pub mod memory;
pub mod pool;
pub mod self_signed;
pub(crate) mod socket_peer;
pub mod stats;
pub mod tcp;
#[cfg(test)]
mod tests_flow;
#[cfg(test)]
mod tests_socket;
pub mod tls;

pub use cancel::Cancel;
pub use endpoint::Endpoint;
pub use frame::Tag;
pub use handshake::Hello;
pub use interrupt::Interrupt;
pub use stats::Counters;
pub use tcp::{PlayerAddr, TcpOptions};
pub use tls::TlsSettings;
