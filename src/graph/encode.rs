//! The canonical encoding of a graph: the bytes players hash into the digest
//! they compare at the handshake, and the `.tfe` file format.
//!
//! Little-endian throughout: magic `TFEG`, format version, fixed-point
//! configuration (fractional bits, integer bits and, from version 2, the
//! comparison width: 0 for the fixed-point range, 1 for all 64 bits),
//! players, then each node's op code, operands and op fields.
//!
//! A private variable is stored as its name, owner and shape: its initial
//! value comes from its owner at run time, because the graph goes to every
//! player. Versions 1 and 2 could store that value; such files are refused
//! (their values were public to every player that had the file), and those
//! whose variables carry no value load as version 3. Version 4 follows the
//! nodes with the names of outputs (count, then node and name of each); a
//! graph without named outputs is still written as version 3, so its bytes
//! and digest do not change.
//! Inferred shapes are not stored: decoding rebuilds the graph through the
//! builder, so a file that decodes is a graph that passed every check.

use sha2::{Digest, Sha256};

use super::fields::{Reader, Writer};
use super::{Graph, Op, OpKind, TensorId};
use crate::error::{Error, Result};
use crate::fixed::{ComparisonWidth, FixedConfig};

const MAGIC: &[u8; 4] = b"TFEG";
/// Version 2 added the comparison width; version 1 files still load, with
/// comparisons on all 64 bits, as they ran when written. Version 3 took
/// the initial values of private variables out of the graph. Version 4
/// added the names of outputs.
const FORMAT_VERSION: u32 = 4;
/// The version of a graph without named outputs.
const UNNAMED_VERSION: u32 = 3;

impl Graph {
    /// The canonical bytes of the graph.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.0.extend_from_slice(MAGIC);
        w.u32(if self.output_names.is_empty() { UNNAMED_VERSION } else { FORMAT_VERSION });
        w.u32(self.fixed.frac_bits);
        w.u32(self.fixed.int_bits);
        w.u32(u8::from(self.fixed.comparison).into());
        w.u32(self.players.len() as u32);
        for p in &self.players {
            w.str(p);
        }
        w.u32(self.nodes.len() as u32);
        for node in &self.nodes {
            w.u8(node.op.kind() as u8);
            for input in &node.inputs {
                w.u32(input.0);
            }
            node.op.write_fields(&mut w);
        }
        if !self.output_names.is_empty() {
            w.u32(self.output_names.len() as u32);
            for (id, name) in &self.output_names {
                w.u32(id.0);
                w.str(name);
            }
        }
        w.0
    }

    /// SHA-256 of the canonical bytes.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.to_bytes()).into()
    }

    /// Decodes canonical bytes; every malformation is an error that says
    /// where it is.
    pub fn from_bytes(bytes: &[u8]) -> Result<Graph> {
        let mut r = Reader { bytes, pos: 0 };
        if r.take(4)? != MAGIC {
            return Err(Error::invalid("not a tfe graph: the file does not start with 'TFEG'"));
        }
        let version = r.u32()?;
        if !(1..=FORMAT_VERSION).contains(&version) {
            return Err(Error::invalid(format!("graph format version {version}, expected 1 to {FORMAT_VERSION}")));
        }
        let fixed = FixedConfig::new(r.u32()?, r.u32()?)?;
        let width = if version == 1 {
            ComparisonWidth::Full
        } else {
            let code = r.u32()?;
            // A code too large for a byte reads as 255, which no width has.
            ComparisonWidth::try_from(u8::try_from(code).unwrap_or(u8::MAX))?
        };
        let fixed = fixed.with_comparison(width);
        let mut graph = Graph::new(fixed)?;
        let player_count = r.count("players", 4096)?;
        for i in 0..player_count {
            let name = r.str()?;
            if i < 3 && name != super::SERVERS[i] {
                return Err(Error::invalid(format!("player {i} is '{name}', expected '{}'", super::SERVERS[i])));
            }
            if graph.add_player(&name)? != i {
                return Err(Error::invalid(format!("player '{name}' is listed twice")));
            }
        }
        let node_count = r.count("nodes", 1 << 24)?;
        for index in 0..node_count {
            let kind = OpKind::try_from(r.u8()?).map_err(|e| at_node(index, &e))?;
            let inputs = (0..kind.arity()).map(|_| r.u32().map(TensorId)).collect::<Result<Vec<_>>>();
            let inputs = inputs.map_err(|e| at_node(index, &e))?;
            if let Some(bad) = inputs.iter().find(|i| i.0 as usize >= index) {
                return Err(at_node(index, &Error::invalid(format!("operand {} is not an earlier node", bad.0))));
            }
            let op = Op::read_fields(kind, &mut r).map_err(|e| at_node(index, &e))?;
            if let (Op::PrivateVariable { name, .. }, 1..=2) = (&op, version) {
                refuse_initial_value(&mut r, name, version).map_err(|e| at_node(index, &e))?;
            }
            graph.push(op, &inputs).map_err(|e| at_node(index, &e))?;
        }
        if version >= 4 {
            let count = r.count("output names", node_count.max(1))?;
            for i in 0..count {
                let (id, name) = (TensorId(r.u32()?), r.str()?);
                graph
                    .name_output(id, &name)
                    .map_err(|e| Error::invalid_in(format_args!("output name {i} ('{name}', node {})", id.0), &e))?;
            }
        }
        if r.pos != bytes.len() {
            return Err(Error::invalid(format!("{} trailing bytes after the last node", bytes.len() - r.pos)));
        }
        Ok(graph)
    }

    /// Writes the canonical encoding to a file.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_bytes())
            .map_err(|e| Error::invalid(format!("cannot write graph file {}: {e}", path.display())))
    }

    /// Reads a graph file written by [`Graph::save`].
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Graph> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::invalid(format!("cannot read graph file {}: {e}", path.display())))?;
        Graph::from_bytes(&bytes).map_err(|e| Error::invalid_in(format_args!("graph file {}", path.display()), &e))
    }
}

fn at_node(index: usize, e: &Error) -> Error {
    Error::invalid_in(format_args!("node {index}"), e)
}

/// Versions 1 and 2 follow a private variable's fields with a flag: 1 when
/// its initial value follows, which this version refuses to load.
fn refuse_initial_value(r: &mut Reader, name: &str, version: u32) -> Result<()> {
    match r.u8()? {
        0 => Ok(()),
        1 => Err(Error::invalid(format!(
            "private variable '{name}' carries its initial value in the graph (format version \
             {version}), where every player can read it; version 3 keeps it at its owner: \
             rebuild the graph with this version and give the value at its owner at run time \
             (a feed, a provider, or `tfe party --input {name}=FILE`)"
        ))),
        other => Err(Error::invalid(format!("initial-value flag {other}, expected 0 or 1"))),
    }
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
