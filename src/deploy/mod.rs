//! Deployment: every player its own process. The hostmap says where each
//! player listens and which certificate it presents; `certs` makes a
//! certificate set for a hostmap; `data` reads inputs from files and writes
//! results.

pub mod certs;
pub mod data;
pub mod hostmap;
pub mod party;

pub use hostmap::{HostEntry, Hostmap};
