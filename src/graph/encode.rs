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
//! whose variables carry no value load as version 3.
//! Inferred shapes are not stored: decoding rebuilds the graph through the
//! builder, so a file that decodes is a graph that passed every check.

use sha2::{Digest, Sha256};

use super::{Graph, Op, TensorId};
use crate::error::{Error, Result};
use crate::fixed::{ComparisonWidth, FixedConfig};
use crate::ring::layout::{Padding, Window};
use crate::vocabulary::{Comparison, Pool, Reduce, SortOrder, Unary};

const MAGIC: &[u8; 4] = b"TFEG";
/// Version 2 added the comparison width; version 1 files still load, with
/// comparisons on all 64 bits, as they ran when written. Version 3 took
/// the initial values of private variables out of the graph.
const FORMAT_VERSION: u32 = 3;
const COMPARISON_WIDTHS: [ComparisonWidth; 2] = [ComparisonWidth::FixedPointRange, ComparisonWidth::Full];

impl Graph {
    /// The canonical bytes of the graph.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.0.extend_from_slice(MAGIC);
        w.u32(FORMAT_VERSION);
        w.u32(self.fixed.frac_bits);
        w.u32(self.fixed.int_bits);
        w.u32(sub_code(&COMPARISON_WIDTHS, &self.fixed.comparison) as u32);
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
        if !(1..=FORMAT_VERSION).contains(&version) {
            return Err(Error::invalid(format!("graph format version {version}, expected 1 to {FORMAT_VERSION}")));
        }
        let fixed = FixedConfig::new(r.u32()?, r.u32()?)?;
        let width = match version {
            1 => ComparisonWidth::Full,
            _ => {
                let code = r.u32()?;
                *COMPARISON_WIDTHS
                    .get(code as usize)
                    .ok_or_else(|| Error::invalid(format!("unknown comparison width code {code} (expected 0 or 1)")))?
            }
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
            let code = r.u8()?;
            let op = read_op(&mut r, code).map_err(|e| at_node(index, e))?;
            let inputs = (0..super::op::arity(&op)).map(|_| r.u32().map(TensorId)).collect::<Result<Vec<_>>>();
            let inputs = inputs.map_err(|e| at_node(index, e))?;
            if let Some(bad) = inputs.iter().find(|i| i.0 as usize >= index) {
                return Err(at_node(index, Error::invalid(format!("operand {} is not an earlier node", bad.0))));
            }
            let op = read_op_fields(&mut r, op, version).map_err(|e| at_node(index, e))?;
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
        Op::Unary { .. } => 15,
        Op::Compare { .. } => 16,
        Op::Maximum => 17,
        Op::Reduce { .. } => 18,
        Op::Pool2d { .. } => 19,
        Op::GlobalAvgPool2d => 20,
        Op::Conv2d { .. } => 21,
        Op::Slice { .. } => 22,
        Op::Pad { .. } => 23,
        Op::Concat { .. } => 24,
        Op::ExpandDims { .. } => 25,
        Op::Squeeze { .. } => 26,
        Op::Gather { .. } => 27,
        Op::Select => 28,
        Op::Mean { .. } => 29,
        Op::DivPublic { .. } => 30,
        Op::Minimum => 31,
        Op::CumSum { .. } => 32,
        Op::Sort { .. } => 33,
    }
}

/// Wire codes are positions: new functions go at the end.
const UNARIES: [Unary; 11] = [
    Unary::Relu,
    Unary::Sigmoid,
    Unary::HardSigmoid,
    Unary::Exp,
    Unary::Reciprocal,
    Unary::InvSqrt,
    Unary::Softmax,
    Unary::Abs,
    // Issue 11's approximations.
    Unary::Tanh,
    Unary::Log,
    Unary::Sqrt,
];
const COMPARISONS: [Comparison; 5] =
    [Comparison::Less, Comparison::LessEqual, Comparison::Greater, Comparison::GreaterEqual, Comparison::Equal];
const REDUCES: [Reduce; 5] = [Reduce::Max, Reduce::ArgMax, Reduce::ArgMaxOneHot, Reduce::Min, Reduce::ArgMin];
const SORT_ORDERS: [SortOrder; 2] = [SortOrder::Ascending, SortOrder::Descending];
const POOLS: [Pool; 2] = [Pool::Max, Pool::Average];
const PADDINGS: [Padding; 2] = [Padding::Valid, Padding::Same];

/// The code of a variant of a field enum: its position in `all`.
fn sub_code<T: PartialEq>(all: &[T], v: &T) -> u8 {
    all.iter().position(|x| x == v).expect("every variant is listed") as u8
}

fn read_sub<T: Copy>(r: &mut Reader, all: &[T], what: &str) -> Result<T> {
    let code = r.u8()?;
    all.get(code as usize)
        .copied()
        .ok_or_else(|| Error::invalid(format!("unknown {what} code {code} (expected below {})", all.len())))
}

/// An op with its fields still empty, to learn its arity before reading operands.
fn read_op(_: &mut Reader, code: u8) -> Result<Op> {
    Ok(match code {
        1 => Op::PrivateInput { name: String::new(), owner: 0, shape: vec![] },
        2 => Op::PrivateVariable { name: String::new(), owner: 0, shape: vec![] },
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
        15 => Op::Unary { f: Unary::Relu },
        16 => Op::Compare { c: Comparison::Less },
        17 => Op::Maximum,
        18 => Op::Reduce { r: Reduce::Max, axis: 0 },
        19 => Op::Pool2d { p: Pool::Max, window: Window { kh: 0, kw: 0, sh: 0, sw: 0, padding: Padding::Valid } },
        20 => Op::GlobalAvgPool2d,
        21 => Op::Conv2d { strides: (0, 0), padding: Padding::Valid },
        22 => Op::Slice { begin: vec![], size: vec![] },
        23 => Op::Pad { pads: vec![] },
        24 => Op::Concat { axis: 0 },
        25 => Op::ExpandDims { axis: 0 },
        26 => Op::Squeeze { axis: 0 },
        27 => Op::Gather { indices: vec![], axis: 0 },
        28 => Op::Select,
        29 => Op::Mean { axis: None },
        30 => Op::DivPublic { divisor: 1.0 },
        31 => Op::Minimum,
        32 => Op::CumSum { axis: 0, exclusive: false, reverse: false },
        33 => Op::Sort { axis: 0, order: SortOrder::Ascending },
        other => return Err(Error::invalid(format!("unknown op code {other} (expected 1 to 33)"))),
    })
}

fn write_fields(w: &mut Writer, op: &Op) {
    match op {
        Op::PrivateInput { name, owner, shape } => {
            w.str(name);
            w.u32(*owner as u32);
            w.dims(shape);
        }
        Op::PrivateVariable { name, owner, shape } => {
            w.str(name);
            w.u32(*owner as u32);
            w.dims(shape);
        }
        Op::Constant { shape, values } => {
            w.dims(shape);
            w.f64s(values);
        }
        Op::Sum { axis } => w.u64(axis.map_or(u64::MAX, |a| a as u64)),
        Op::Transpose { perm } => w.dims(perm),
        Op::Reshape { shape } => w.dims(shape),
        Op::Reveal { to } => w.u64(to.map_or(u64::MAX, |t| t as u64)),
        Op::Unary { f } => w.u8(sub_code(&UNARIES, f)),
        Op::Compare { c } => w.u8(sub_code(&COMPARISONS, c)),
        Op::Reduce { r, axis } => {
            w.u8(sub_code(&REDUCES, r));
            w.u64(*axis as u64);
        }
        Op::Pool2d { p, window } => {
            w.u8(sub_code(&POOLS, p));
            w.dims(&[window.kh, window.kw, window.sh, window.sw]);
            w.u8(sub_code(&PADDINGS, &window.padding));
        }
        Op::Conv2d { strides, padding } => {
            w.dims(&[strides.0, strides.1]);
            w.u8(sub_code(&PADDINGS, padding));
        }
        Op::Slice { begin, size } => {
            w.dims(begin);
            w.dims(size);
        }
        Op::Pad { pads } => w.indices(&pads.iter().flat_map(|&(b, a)| [b, a]).collect::<Vec<_>>()),
        Op::Concat { axis } | Op::ExpandDims { axis } | Op::Squeeze { axis } => w.u64(*axis as u64),
        Op::Gather { indices, axis } => {
            w.indices(indices);
            w.u64(*axis as u64);
        }
        Op::Mean { axis } => w.u64(axis.map_or(u64::MAX, |a| a as u64)),
        Op::DivPublic { divisor } => w.u64(divisor.to_bits()),
        Op::CumSum { axis, exclusive, reverse } => {
            w.u64(*axis as u64);
            w.u8(*exclusive as u8);
            w.u8(*reverse as u8);
        }
        Op::Sort { axis, order } => {
            w.u64(*axis as u64);
            w.u8(sub_code(&SORT_ORDERS, order));
        }
        Op::Add
        | Op::Sub
        | Op::Neg
        | Op::Mul
        | Op::MatMul
        | Op::Square
        | Op::Assign
        | Op::Maximum
        | Op::Minimum
        | Op::Select
        | Op::GlobalAvgPool2d => {}
    }
}

fn read_op_fields(r: &mut Reader, op: Op, version: u32) -> Result<Op> {
    Ok(match op {
        Op::PrivateInput { .. } => Op::PrivateInput { name: r.str()?, owner: r.u32()? as usize, shape: r.dims()? },
        Op::PrivateVariable { .. } => {
            let (name, owner, shape) = (r.str()?, r.u32()? as usize, r.dims()?);
            if version < 3 {
                match r.u8()? {
                    0 => {}
                    1 => {
                        return Err(Error::invalid(format!(
                            "private variable '{name}' carries its initial value in the graph (format version \
                             {version}), where every player can read it; version 3 keeps it at its owner: \
                             rebuild the graph with this version and give the value at its owner at run time \
                             (a feed, a provider, or `tfe party --input {name}=FILE`)"
                        )));
                    }
                    other => return Err(Error::invalid(format!("initial-value flag {other}, expected 0 or 1"))),
                }
            }
            Op::PrivateVariable { name, owner, shape }
        }
        Op::Constant { .. } => Op::Constant { shape: r.dims()?, values: r.f64s()? },
        Op::Sum { .. } => Op::Sum { axis: r.optional_index()? },
        Op::Transpose { .. } => Op::Transpose { perm: r.dims()? },
        Op::Reshape { .. } => Op::Reshape { shape: r.dims()? },
        Op::Reveal { .. } => Op::Reveal { to: r.optional_index()? },
        Op::Unary { .. } => Op::Unary { f: read_sub(r, &UNARIES, "function")? },
        Op::Compare { .. } => Op::Compare { c: read_sub(r, &COMPARISONS, "comparison")? },
        Op::Reduce { .. } => Op::Reduce { r: read_sub(r, &REDUCES, "reduction")?, axis: r.index()? },
        Op::Pool2d { .. } => {
            let p = read_sub(r, &POOLS, "pooling")?;
            let [kh, kw, sh, sw] = r.fixed_dims::<4>()?;
            Op::Pool2d { p, window: Window { kh, kw, sh, sw, padding: read_sub(r, &PADDINGS, "padding")? } }
        }
        Op::Conv2d { .. } => {
            let [sh, sw] = r.fixed_dims::<2>()?;
            Op::Conv2d { strides: (sh, sw), padding: read_sub(r, &PADDINGS, "padding")? }
        }
        Op::Slice { .. } => Op::Slice { begin: r.dims()?, size: r.dims()? },
        Op::Pad { .. } => {
            let flat = r.indices()?;
            if flat.len() % 2 != 0 {
                return Err(Error::invalid(format!("{} padding amounts, expected pairs", flat.len())));
            }
            Op::Pad { pads: flat.chunks(2).map(|p| (p[0], p[1])).collect() }
        }
        Op::Concat { .. } => Op::Concat { axis: r.index()? },
        Op::ExpandDims { .. } => Op::ExpandDims { axis: r.index()? },
        Op::Squeeze { .. } => Op::Squeeze { axis: r.index()? },
        Op::Gather { .. } => Op::Gather { indices: r.indices()?, axis: r.index()? },
        Op::Mean { .. } => Op::Mean { axis: r.optional_index()? },
        Op::DivPublic { .. } => Op::DivPublic { divisor: f64::from_bits(r.u64()?) },
        Op::CumSum { .. } => {
            Op::CumSum { axis: r.index()?, exclusive: r.flag("exclusive")?, reverse: r.flag("reverse")? }
        }
        Op::Sort { .. } => Op::Sort { axis: r.index()?, order: read_sub(r, &SORT_ORDERS, "sort order")? },
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
    fn indices(&mut self, values: &[usize]) {
        self.u64(values.len() as u64);
        values.iter().for_each(|&v| self.u64(v as u64));
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
    /// A list of sizes or indices (each at most 2^40), of any length.
    fn indices(&mut self) -> Result<Vec<usize>> {
        let n = self.u64()? as usize;
        if n > (self.bytes.len() - self.pos) / 8 {
            return Err(Error::invalid(format!("{n} indices announced, but the file is shorter")));
        }
        (0..n).map(|_| self.index()).collect()
    }
    /// One size or index, at most 2^40.
    fn index(&mut self) -> Result<usize> {
        let v = self.u64()?;
        usize::try_from(v)
            .ok()
            .filter(|&v| v <= 1 << 40)
            .ok_or_else(|| Error::invalid(format!("index {v} is too large (expected at most 2^40)")))
    }
    fn fixed_dims<const N: usize>(&mut self) -> Result<[usize; N]> {
        let dims = self.dims()?;
        <[usize; N]>::try_from(dims.as_slice())
            .map_err(|_| Error::invalid(format!("{} window numbers, expected {N}", dims.len())))
    }
    fn flag(&mut self, what: &str) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(Error::invalid(format!("{what} flag {other}, expected 0 or 1"))),
        }
    }
    fn optional_index(&mut self) -> Result<Option<usize>> {
        let v = self.u64()?;
        Ok((v != u64::MAX).then_some(v as usize))
    }
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
