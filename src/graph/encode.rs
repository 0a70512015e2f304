//! The canonical encoding of a graph: the bytes players hash into the digest
//! they compare at the handshake, and the `.tfe` file format.
//!
//! Little-endian throughout: magic `TFEG`, format version, fixed-point
//! configuration, players, then each node's op code, operands and op fields.
//! Inferred shapes are not stored: decoding rebuilds the graph through the
//! builder, so a file that decodes is a graph that passed every check.

use sha2::{Digest, Sha256};

use super::{Graph, Op, TensorId};
use crate::error::{Error, Result};
use crate::fixed::FixedConfig;

const MAGIC: &[u8; 4] = b"TFEG";
const FORMAT_VERSION: u32 = 1;

impl Graph {
    /// The canonical bytes of the graph.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.0.extend_from_slice(MAGIC);
        w.u32(FORMAT_VERSION);
        w.u32(self.fixed.frac_bits);
        w.u32(self.fixed.int_bits);
        w.u32(self.players.len() as u32);
        for p in &self.players {
            w.str(p);
        }
        w.u32(self.nodes.len() as u32);
        for node in &self.nodes {
            w.u8(op_code(&node.op));
            for input in &node.inputs {
                w.u32(input.0);
            }
            write_fields(&mut w, &node.op);
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
        if version != FORMAT_VERSION {
            return Err(Error::invalid(format!("graph format version {version}, expected {FORMAT_VERSION}")));
        }
        let fixed = FixedConfig::new(r.u32()?, r.u32()?)?;
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
            let code = r.u8()?;
            let op = read_op(&mut r, code).map_err(|e| at_node(index, e))?;
            let inputs = (0..super::op::arity(&op)).map(|_| r.u32().map(TensorId)).collect::<Result<Vec<_>>>();
            let inputs = inputs.map_err(|e| at_node(index, e))?;
            if let Some(bad) = inputs.iter().find(|i| i.0 as usize >= index) {
                return Err(at_node(index, Error::invalid(format!("operand {} is not an earlier node", bad.0))));
            }
            let op = read_op_fields(&mut r, op).map_err(|e| at_node(index, e))?;
            graph.push(op, &inputs).map_err(|e| at_node(index, e))?;
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
        Graph::from_bytes(&bytes).map_err(|e| Error::invalid(format!("graph file {}: {e}", path.display())))
    }
}

fn at_node(index: usize, e: Error) -> Error {
    Error::invalid(format!("node {index}: {e}"))
}

fn op_code(op: &Op) -> u8 {
    match op {
        Op::PrivateInput { .. } => 1,
        Op::PrivateVariable { .. } => 2,
        Op::Constant { .. } => 3,
        Op::Add => 4,
        Op::Sub => 5,
        Op::Neg => 6,
        Op::Mul => 7,
        Op::MatMul => 8,
        Op::Square => 9,
        Op::Sum { .. } => 10,
        Op::Transpose { .. } => 11,
        Op::Reshape { .. } => 12,
        Op::Reveal { .. } => 13,
        Op::Assign => 14,
    }
}

/// An op with its fields still empty, to learn its arity before reading operands.
fn read_op(_: &mut Reader, code: u8) -> Result<Op> {
    Ok(match code {
        1 => Op::PrivateInput { name: String::new(), owner: 0, shape: vec![] },
        2 => Op::PrivateVariable { name: String::new(), owner: 0, shape: vec![], initial: None },
        3 => Op::Constant { shape: vec![], values: vec![] },
        4 => Op::Add,
        5 => Op::Sub,
        6 => Op::Neg,
        7 => Op::Mul,
        8 => Op::MatMul,
        9 => Op::Square,
        10 => Op::Sum { axis: None },
        11 => Op::Transpose { perm: vec![] },
        12 => Op::Reshape { shape: vec![] },
        13 => Op::Reveal { to: None },
        14 => Op::Assign,
        other => return Err(Error::invalid(format!("unknown op code {other} (expected 1 to 14)"))),
    })
}

fn write_fields(w: &mut Writer, op: &Op) {
    match op {
        Op::PrivateInput { name, owner, shape } => {
            w.str(name);
            w.u32(*owner as u32);
            w.dims(shape);
        }
        Op::PrivateVariable { name, owner, shape, initial } => {
            w.str(name);
            w.u32(*owner as u32);
            w.dims(shape);
            w.u8(initial.is_some() as u8);
            if let Some(values) = initial {
                w.f64s(values);
            }
        }
        Op::Constant { shape, values } => {
            w.dims(shape);
            w.f64s(values);
        }
        Op::Sum { axis } => w.u64(axis.map_or(u64::MAX, |a| a as u64)),
        Op::Transpose { perm } => w.dims(perm),
        Op::Reshape { shape } => w.dims(shape),
        Op::Reveal { to } => w.u64(to.map_or(u64::MAX, |t| t as u64)),
        Op::Add | Op::Sub | Op::Neg | Op::Mul | Op::MatMul | Op::Square | Op::Assign => {}
    }
}

fn read_op_fields(r: &mut Reader, op: Op) -> Result<Op> {
    Ok(match op {
        Op::PrivateInput { .. } => Op::PrivateInput { name: r.str()?, owner: r.u32()? as usize, shape: r.dims()? },
        Op::PrivateVariable { .. } => {
            let (name, owner, shape) = (r.str()?, r.u32()? as usize, r.dims()?);
            let initial = match r.u8()? {
                0 => None,
                1 => Some(r.f64s()?),
                other => return Err(Error::invalid(format!("initial-value flag {other}, expected 0 or 1"))),
            };
            Op::PrivateVariable { name, owner, shape, initial }
        }
        Op::Constant { .. } => Op::Constant { shape: r.dims()?, values: r.f64s()? },
        Op::Sum { .. } => Op::Sum { axis: r.optional_index()? },
        Op::Transpose { .. } => Op::Transpose { perm: r.dims()? },
        Op::Reshape { .. } => Op::Reshape { shape: r.dims()? },
        Op::Reveal { .. } => Op::Reveal { to: r.optional_index()? },
        other => other,
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn dims(&mut self, dims: &[usize]) {
        self.u32(dims.len() as u32);
        dims.iter().for_each(|&d| self.u64(d as u64));
    }
    fn f64s(&mut self, values: &[f64]) {
        self.u64(values.len() as u64);
        values.iter().for_each(|v| self.u64(v.to_bits()));
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.bytes.len() - self.pos < n {
            return Err(Error::invalid(format!(
                "truncated: expected {n} more bytes at offset {}, found {}",
                self.pos,
                self.bytes.len() - self.pos
            )));
        }
        self.pos += n;
        Ok(&self.bytes[self.pos - n..self.pos])
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn count(&mut self, what: &str, max: usize) -> Result<usize> {
        let n = self.u32()? as usize;
        if n > max {
            return Err(Error::invalid(format!("{n} {what}: expected at most {max}")));
        }
        Ok(n)
    }
    fn str(&mut self) -> Result<String> {
        let n = self.count("bytes in a name", 4096)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| Error::invalid("a name is not UTF-8"))
    }
    fn dims(&mut self) -> Result<Vec<usize>> {
        let rank = self.count("dimensions", 64)?;
        (0..rank)
            .map(|_| {
                let d = self.u64()?;
                usize::try_from(d)
                    .ok()
                    .filter(|&d| d <= 1 << 40)
                    .ok_or_else(|| Error::invalid(format!("dimension {d} is too large (expected at most 2^40)")))
            })
            .collect()
    }
    fn f64s(&mut self) -> Result<Vec<f64>> {
        let n = self.u64()? as usize;
        if n > (self.bytes.len() - self.pos) / 8 {
            return Err(Error::invalid(format!("{n} values announced, but the file is shorter")));
        }
        (0..n).map(|_| self.u64().map(f64::from_bits)).collect()
    }
    fn optional_index(&mut self) -> Result<Option<usize>> {
        let v = self.u64()?;
        Ok((v != u64::MAX).then_some(v as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_graph() -> Graph {
        let mut g = Graph::default();
        let w = g.private_variable("w", "server0", &[10, 10], Some(vec![1.0; 100])).unwrap();
        let x = g.private_input("x", "input-provider", &[5, 10]).unwrap();
        let y = g.matmul(x, w).unwrap();
        let s = g.reduce_sum(y, Some(1)).unwrap();
        g.reveal(s, Some("result-receiver")).unwrap();
        g.reveal(y, None).unwrap();
        g
    }

    #[test]
    fn round_trip_keeps_graph_and_digest() {
        let g = seed_graph();
        let back = Graph::from_bytes(&g.to_bytes()).unwrap();
        assert_eq!(back, g);
        assert_eq!(back.digest(), g.digest());
        let mut other = seed_graph();
        other.neg(TensorId(0)).unwrap();
        assert_ne!(other.digest(), g.digest());
    }

    #[test]
    fn malformed_bytes_are_errors() {
        let bytes = seed_graph().to_bytes();
        for cut in [0, 3, 10, 40, bytes.len() - 1] {
            assert!(Graph::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad_magic = bytes.clone();
        bad_magic[0] = b'X';
        assert!(Graph::from_bytes(&bad_magic).unwrap_err().to_string().contains("TFEG"));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(Graph::from_bytes(&trailing).unwrap_err().to_string().contains("trailing"));
        // Flipping any single byte never panics.
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x5a;
            let _ = Graph::from_bytes(&flipped);
        }
    }
}
