//! The one error type of the library. Every fallible function returns
//! [`Result`]; the C API maps each variant to one `tfe_status_t`.
//!
//! Messages say what was expected and what was found, and never contain
//! shares or seeds. Only [`Error::InvalidInput`] may hold an input's values
//! (or a provider's own text), for the input's owner alone: what a player
//! tells its peers when it gives up is [`Error::public_reason`], which
//! leaves that detail out.

use std::fmt;

/// What went wrong, by kind. The kind decides the C status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A caller passed something unusable: a shape, a range, a name, a feed.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The values of an input or variable were refused at its owner: a
    /// value outside the fixed-point range, a provider that failed or
    /// panicked, a wrong count. `detail` says which element and why, and
    /// may hold a value or the provider's own message, so it stays at the
    /// owner: its peers learn only that `input` was invalid.
    #[error("invalid input '{input}': {detail}")]
    InvalidInput {
        /// The input's or variable's name.
        input: String,
        /// Which element and why (stays at the owner).
        detail: String,
    },
    /// A configuration (fixed point, hostmap, options) is inconsistent.
    #[error("configuration error: {0}")]
    Config(String),
    /// A connection to `player` failed or closed.
    #[error("network error with player '{player}': {message}")]
    Network {
        /// The peer.
        player: String,
        /// What failed.
        message: String,
    },
    /// Nothing arrived from `player` within the receive timeout.
    #[error("timed out after {timeout_ms} ms waiting for player '{player}': {waiting_for}")]
    Timeout {
        /// The silent peer.
        player: String,
        /// The receive timeout.
        timeout_ms: u64,
        /// The message that did not come.
        waiting_for: String,
    },
    /// A peer sent something malformed or inconsistent (wrong frame, wrong graph).
    #[error("protocol error with player '{player}': {message}")]
    Protocol {
        /// The peer.
        player: String,
        /// What was wrong.
        message: String,
    },
    /// Another player gave up on the current run and said why.
    #[error("player '{player}' aborted the run: {message}")]
    Aborted {
        /// The player that gave up.
        player: String,
        /// Its reason.
        message: String,
    },
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

    /// The values of `input` were refused at its owner (see [`Error::InvalidInput`]).
    pub fn invalid_input(input: &str, detail: impl fmt::Display) -> Self {
        Error::InvalidInput { input: input.to_string(), detail: detail.to_string() }
    }

    /// What this player may tell its peers about the error when it gives up
    /// on a run (the reason its abort carries): the message, except that an
    /// invalid input is named without its detail, which may hold private
    /// values or a provider's own text.
    pub fn public_reason(&self) -> String {
        match self {
            Error::InvalidInput { input, .. } => format!("invalid input '{input}'"),
            other => other.to_string(),
        }
    }

    /// An invalid argument that says where it was found: `context: message`,
    /// without the kind printed twice (`invalid argument: file f:
    /// invalid argument: ...`). Other kinds keep their own words after the
    /// context.
    pub fn invalid_in(context: impl fmt::Display, error: &Error) -> Self {
        Error::invalid(format!("{context}: {}", error.without_kind()))
    }

    /// The message, without the kind an invalid argument prints in front of
    /// it (other kinds print whole): for wrapping in another error.
    pub fn without_kind(&self) -> String {
        match self {
            Error::InvalidArgument(message) => message.clone(),
            other => other.to_string(),
        }
    }

    /// A malformed message from the named player.
    pub fn protocol(player: &str, message: impl fmt::Display) -> Self {
        Error::Protocol { player: player.to_string(), message: message.to_string() }
    }
}
