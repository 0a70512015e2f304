//! Deployment: every player its own process. The hostmap says where each
//! player listens and which certificate it presents; `certs` makes each
//! player's key and certificate and pins certificates into the hostmap;
//! `data` reads inputs from files; `results` names and writes the results
//! a player learns.

pub mod certs;
pub mod data;
pub mod hostmap;
pub mod party;
pub mod results;

pub use hostmap::{HostEntry, Hostmap};
