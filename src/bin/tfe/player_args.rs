//! The flags that make `tfe train` and `tfe predict` one player of a
//! hostmap instead of running every player in this process.

use std::path::PathBuf;

/// `--config`, `--name`, `--key`, `--insecure-plaintext`.
#[derive(clap::Args, Debug)]
pub struct PlayerArgs {
    /// Run as one player of this hostmap (JSON; see `tfe party`) instead of
    /// every player in this process: each player runs the same command with
    /// its own --name.
    #[arg(long, value_name = "HOSTS", requires = "name")]
    pub(crate) config: Option<PathBuf>,
    /// This player's name in the hostmap.
    #[arg(long, requires = "config")]
    pub(crate) name: Option<String>,
    /// This player's private key (tfe certs writes one per player).
    #[arg(long, value_name = "KEY", requires = "config")]
    pub(crate) key: Option<PathBuf>,
    /// Plaintext TCP between the players instead of TLS: anyone on the
    /// network path reads and changes every share.
    #[arg(long, conflicts_with = "key", requires = "config")]
    pub(crate) insecure_plaintext: bool,
}
