//! The one error type of the library. Every fallible function returns
//! [`Result`]; the C API maps each variant to one `tfe_status_t`.
//!
//! Messages say what was expected and what was found, and never contain
//! shares, inputs or seeds.

use std::fmt;

/// What went wrong, by kind. The kind decides the C status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A caller passed something unusable: a shape, a range, a name, a feed.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A configuration (fixed point, hostmap, options) is inconsistent.
    #[error("configuration error: {0}")]
    Config(String),
    /// A connection to `player` failed or closed.
    #[error("network error with player '{player}': {message}")]
    Network { player: String, message: String },
    /// Nothing arrived from `player` within the receive timeout.
    #[error("timed out after {timeout_ms} ms waiting for player '{player}': {waiting_for}")]
    Timeout { player: String, timeout_ms: u64, waiting_for: String },
    /// A peer sent something malformed or inconsistent (wrong frame, wrong graph).
    #[error("protocol error with player '{player}': {message}")]
    Protocol { player: String, message: String },
    /// Another player gave up on the current run and said why.
    #[error("player '{player}' aborted the run: {message}")]
    Aborted { player: String, message: String },
    /// A revealed result left the fixed-point range: the computation
    /// overflowed, and the values would be wrong. Says which fetch and how
    /// many of its values, never the values.
    #[error("out of range: {0}")]
    OutOfRange(String),
    /// A bug in tfe: an invariant did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The library-wide result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::InvalidArgument`] from anything printable.
    pub fn invalid(message: impl fmt::Display) -> Self {
        Error::InvalidArgument(message.to_string())
    }

    /// Shorthand for [`Error::Config`] from anything printable.
    pub fn config(message: impl fmt::Display) -> Self {
        Error::Config(message.to_string())
    }

    /// Shorthand for [`Error::Internal`] from anything printable.
    pub fn internal(message: impl fmt::Display) -> Self {
        Error::Internal(message.to_string())
    }

    /// A network failure with the named player.
    pub fn network(player: &str, message: impl fmt::Display) -> Self {
        Error::Network { player: player.to_string(), message: message.to_string() }
    }

    /// A malformed message from the named player.
    pub fn protocol(player: &str, message: impl fmt::Display) -> Self {
        Error::Protocol { player: player.to_string(), message: message.to_string() }
    }
}
