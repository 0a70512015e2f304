//! The symbolic computation: players, ops, shapes, built once and run many
//! times. Every builder method checks its operands and infers the result's
//! shape, so a mismatch is an error that names both shapes before any player
//! sends a byte. `encode` gives the canonical bytes and the digest that
//! players compare when a session starts.

pub(crate) mod encode;
mod fields;
mod grad;
mod grad_rules;
mod infer_nn;
mod nn_builder;
mod op;
mod op_table;
#[cfg(test)]
mod order_tests;

pub use op::{Kind, Op, OpKind};

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::fixed::FixedConfig;

/// The names of the three compute servers, in protocol order.
pub const SERVERS: [&str; 3] = ["server0", "server1", "server2"];

/// A node of a graph, returned by every builder method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TensorId(pub u32);

/// One node: an op, its operands, and what the builder inferred.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node computes.
    pub op: Op,
    /// Its operands, in order.
    pub inputs: Vec<TensorId>,
    /// The result's shape, as the builder inferred it.
    pub shape: Vec<usize>,
    /// Whether the result is public, private or revealed.
    pub kind: Kind,
}

/// A computation over the three servers and any named players.
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    fixed: FixedConfig,
    players: Vec<String>,
    nodes: Vec<Node>,
    /// The node of each input's and variable's name: a graph may have very
    /// many, and each new name and each provider of a session is looked up.
    names: HashMap<String, TensorId>,
    /// Names of revealed results, by node, in node order: what a deployed
    /// player names the files it writes them to.
    output_names: Vec<(TensorId, String)>,
}

impl Default for Graph {
    fn default() -> Self {
        Graph::new(FixedConfig::default()).expect("the default fixed-point configuration is valid")
    }
}

impl Graph {
    /// An empty graph with the three servers as its first players.
    pub fn new(fixed: FixedConfig) -> Result<Self> {
        fixed.validate()?;
        Ok(Graph {
            fixed,
            players: SERVERS.iter().map(std::string::ToString::to_string).collect(),
            nodes: Vec::new(),
            names: HashMap::new(),
            output_names: Vec::new(),
        })
    }

    /// The fixed-point configuration the graph's values are encoded with.
    pub fn fixed(&self) -> FixedConfig {
        self.fixed
    }

    /// Every player: the servers first, then others in order of first use.
    pub fn players(&self) -> &[String] {
        &self.players
    }

    /// Every node, in the order they were added (operands come first).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The node `id`, or an error if it belongs to another graph.
    pub fn node(&self, id: TensorId) -> Result<&Node> {
        self.nodes.get(id.0 as usize).ok_or_else(|| {
            Error::invalid(format!("tensor {} does not belong to this graph ({} nodes)", id.0, self.nodes.len()))
        })
    }

    /// The inferred shape of `id`.
    pub fn shape(&self, id: TensorId) -> Result<&[usize]> {
        Ok(&self.node(id)?.shape)
    }

    /// The index of a player, which must already be part of the graph.
    pub fn player_index(&self, name: &str) -> Result<usize> {
        self.players.iter().position(|p| p == name).ok_or_else(|| {
            Error::invalid(format!("unknown player '{name}': expected one of {}", self.players.join(", ")))
        })
    }

    /// Declares a player (idempotent) and returns its index.
    pub fn add_player(&mut self, name: &str) -> Result<usize> {
        validate_player_name(name)?;
        if let Some(i) = self.players.iter().position(|p| p == name) {
            return Ok(i);
        }
        self.players.push(name.to_string());
        Ok(self.players.len() - 1)
    }

    /// A private input that `owner` provides at run time (a feed or a
    /// provider callback under `name`, run at the owner only).
    pub fn private_input(&mut self, name: &str, owner: &str, shape: &[usize]) -> Result<TensorId> {
        self.check_new_name(name)?;
        let owner = self.add_player(owner)?;
        self.push(Op::PrivateInput { name: name.into(), owner, shape: shape.to_vec() }, &[])
    }

    /// A private input fed as three additive parts in the ring, one at each
    /// server ([`Op::InputParts`]): what the prediction service gets from a
    /// client, which the crate alone can feed.
    pub(crate) fn private_input_parts(&mut self, name: &str, shape: &[usize]) -> Result<TensorId> {
        self.check_new_name(name)?;
        self.push(Op::InputParts { name: name.into(), shape: shape.to_vec() }, &[])
    }

    /// A private variable owned by `owner`. The graph holds its shape only:
    /// the owner initializes it at run time, from its feed or provider under
    /// `name` (see `LocalSession::set_variable_values`), the first time a
    /// run needs it, so its initial value never reaches another player.
    pub fn private_variable(&mut self, name: &str, owner: &str, shape: &[usize]) -> Result<TensorId> {
        self.check_new_name(name)?;
        let owner = self.add_player(owner)?;
        self.push(Op::PrivateVariable { name: name.into(), owner, shape: shape.to_vec() }, &[])
    }

    /// A public constant.
    pub fn constant(&mut self, shape: &[usize], values: Vec<f64>) -> Result<TensorId> {
        self.fixed.check_values(&values, shape).map_err(|e| Error::invalid_in("constant", &e))?;
        self.push(Op::Constant { shape: shape.to_vec(), values }, &[])
    }

    /// Elementwise sum, with numpy broadcasting.
    pub fn add(&mut self, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.push(Op::Add, &[x, y])
    }

    /// Elementwise difference `x − y`, with numpy broadcasting.
    pub fn sub(&mut self, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.push(Op::Sub, &[x, y])
    }

    /// Elementwise negation.
    pub fn neg(&mut self, x: TensorId) -> Result<TensorId> {
        self.push(Op::Neg, &[x])
    }

    /// Elementwise product, with numpy broadcasting.
    pub fn mul(&mut self, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.push(Op::Mul, &[x, y])
    }

    /// Matrix product of rank-2 tensors ([m, k] · [k, n]).
    pub fn matmul(&mut self, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.push(Op::MatMul, &[x, y])
    }

    /// Elementwise square (one multiplication of `x` with itself).
    pub fn square(&mut self, x: TensorId) -> Result<TensorId> {
        self.push(Op::Square, &[x])
    }

    /// Sum along `axis`, or of every element when `axis` is `None`.
    pub fn reduce_sum(&mut self, x: TensorId, axis: Option<usize>) -> Result<TensorId> {
        self.push(Op::Sum { axis }, &[x])
    }

    /// Permutes axes; `None` reverses them (a matrix transpose for rank 2).
    pub fn transpose(&mut self, x: TensorId, perm: Option<&[usize]>) -> Result<TensorId> {
        let rank = self.shape(x)?.len();
        let perm = perm.map_or_else(|| (0..rank).rev().collect(), <[usize]>::to_vec);
        self.push(Op::Transpose { perm }, &[x])
    }

    /// The same values in a new shape with as many elements.
    pub fn reshape(&mut self, x: TensorId, shape: &[usize]) -> Result<TensorId> {
        self.push(Op::Reshape { shape: shape.to_vec() }, &[x])
    }

    /// Reveals a private value to every server (`to = None`) or to one player.
    pub fn reveal(&mut self, x: TensorId, to: Option<&str>) -> Result<TensorId> {
        let to = to.map(|name| self.add_player(name)).transpose()?;
        self.push(Op::Reveal { to }, &[x])
    }

    /// Names the result of a reveal (`output` must be a reveal's node), so
    /// that a deployed player writes it to a file of that name
    /// (`tfe party --output`). Names follow the rules of input names and
    /// are unique among outputs; naming an output again renames it.
    pub fn name_output(&mut self, output: TensorId, name: &str) -> Result<()> {
        validate_tensor_name(name)?;
        let node = self.node(output)?;
        if !matches!(node.op, Op::Reveal { .. }) {
            return Err(Error::invalid(format!(
                "node {} is a {}: only the result of a reveal is an output that can be named",
                output.0,
                node.op.name()
            )));
        }
        if let Some((other, _)) = self.output_names.iter().find(|(id, n)| n == name && *id != output) {
            return Err(Error::invalid(format!("node {} is already the output named '{name}'", other.0)));
        }
        match self.output_names.binary_search_by_key(&output, |(id, _)| *id) {
            Ok(i) => self.output_names[i].1 = name.to_string(),
            Err(i) => self.output_names.insert(i, (output, name.to_string())),
        }
        Ok(())
    }

    /// The name given to an output with [`Graph::name_output`], if any.
    pub fn output_name(&self, output: TensorId) -> Option<&str> {
        self.output_names.iter().find(|(id, _)| *id == output).map(|(_, n)| n.as_str())
    }

    /// Every named output, in node order.
    pub fn output_names(&self) -> &[(TensorId, String)] {
        &self.output_names
    }

    /// Stores `value` in `variable` when fetched.
    pub fn assign(&mut self, variable: TensorId, value: TensorId) -> Result<TensorId> {
        self.push(Op::Assign, &[variable, value])
    }

    /// Adds a node after checking its operands and inferring its shape.
    pub fn push(&mut self, op: Op, inputs: &[TensorId]) -> Result<TensorId> {
        if inputs.len() != op.arity() {
            return Err(Error::invalid(format!("{} takes {} operands, found {}", op.name(), op.arity(), inputs.len())));
        }
        let mut operands = Vec::with_capacity(inputs.len());
        let mut is_variable = Vec::with_capacity(inputs.len());
        for &id in inputs {
            let node = self.node(id)?;
            operands.push((node.shape.as_slice(), node.kind));
            is_variable.push(matches!(node.op, Op::PrivateVariable { .. }));
        }
        for owner in owners(&op) {
            if owner >= self.players.len() {
                return Err(Error::invalid(format!("player index {owner} is not part of the graph")));
            }
        }
        let (shape, kind) = op::infer(&op, &operands, &is_variable)?;
        // The one place every op's result size is checked, so a product or
        // broadcast too large to hold fails here, not in the allocator at run
        // time.
        op::check_result_size(&op, &operands, &shape)?;
        check_divisor(self.fixed, &op, operands.first().map(|o| o.0))?;
        check_bound(self.fixed, &op)?;
        let id = TensorId(u32::try_from(self.nodes.len()).map_err(|_| Error::invalid("the graph has too many nodes"))?);
        if let Some(name) = named(&op) {
            self.names.entry(name.to_string()).or_insert(id);
        }
        self.nodes.push(Node { op, inputs: inputs.to_vec(), shape, kind });
        Ok(id)
    }

    /// The nodes the given ones depend on, themselves included, in order.
    pub fn dependencies(&self, ids: &[TensorId]) -> Vec<TensorId> {
        let mut needed = vec![false; self.nodes.len()];
        for id in ids {
            if let Some(slot) = needed.get_mut(id.0 as usize) {
                *slot = true;
            }
        }
        for index in (0..needed.len()).rev() {
            if needed[index] {
                for input in &self.nodes[index].inputs {
                    needed[input.0 as usize] = true;
                }
            }
        }
        (0..needed.len()).filter(|&i| needed[i]).map(|i| TensorId(i as u32)).collect()
    }

    /// The input or variable named `name`, if any.
    pub fn find_named(&self, name: &str) -> Option<TensorId> {
        self.names.get(name).copied()
    }

    fn check_new_name(&self, name: &str) -> Result<()> {
        validate_tensor_name(name)?;
        if self.find_named(name).is_some() {
            return Err(Error::invalid(format!("an input or variable named '{name}' exists already")));
        }
        Ok(())
    }
}

/// The name of an input or variable op.
pub fn named(op: &Op) -> Option<&str> {
    match op {
        Op::PrivateInput { name, .. } | Op::PrivateVariable { name, .. } | Op::InputParts { name, .. } => Some(name),
        _ => None,
    }
}

/// The public divisor of `div_public`, and the count `reduce_mean` divides by,
/// must have a reciprocal in the fixed-point range (see
/// [`crate::protocol::reciprocal_encoding`]).
fn check_divisor(fixed: FixedConfig, op: &Op, operand: Option<&[usize]>) -> Result<()> {
    let (divisor, what) = match (op, operand) {
        (Op::DivPublic { divisor }, _) => (*divisor, "div_public".to_string()),
        (Op::Mean { axis }, Some(shape)) => {
            let n = crate::ring::shape::reduced_count(shape, *axis)?;
            (n as f64, format!("reduce_mean over {n} elements"))
        }
        _ => return Ok(()),
    };
    crate::protocol::reciprocal_encoding(fixed, divisor).map(drop).map_err(|e| match e {
        Error::InvalidArgument(m) => Error::invalid(format!("{what}: {m}")),
        other => other,
    })
}

/// The bound of `count_outside` follows the protocol's rule
/// ([`crate::protocol::outside_window_bits`]).
fn check_bound(fixed: FixedConfig, op: &Op) -> Result<()> {
    match op {
        Op::CountOutside { bound, .. } => crate::protocol::outside_window_bits(fixed, *bound).map(drop),
        _ => Ok(()),
    }
}

/// The players an op refers to.
fn owners(op: &Op) -> Vec<usize> {
    match op {
        Op::PrivateInput { owner, .. } | Op::PrivateVariable { owner, .. } => vec![*owner],
        Op::Reveal { to: Some(to) } => vec![*to],
        _ => vec![],
    }
}

/// Player names: 1 to 64 characters of letters, digits, '-', '_' and '.'.
pub fn validate_player_name(name: &str) -> Result<()> {
    validate_name("player", name)
}

/// Input and variable names: the rules of player names, so that a name
/// prints, fits a command line (`--input NAME=FILE`) and a file name.
pub fn validate_tensor_name(name: &str) -> Result<()> {
    validate_name("input or variable", name)
}

fn validate_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{what} name '{}': expected 1 to 64 characters of letters, digits, '-', '_' or '.'",
            name.escape_debug()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::layout::Padding;

    #[test]
    fn shapes_are_inferred_and_mismatches_name_both_shapes() {
        let mut g = Graph::default();
        let w = g.private_variable("w", "server0", &[10, 10]).unwrap();
        let x = g.private_input("x", "input-provider", &[5, 10]).unwrap();
        let y = g.matmul(x, w).unwrap();
        assert_eq!(g.shape(y).unwrap(), &[5, 10]);
        assert_eq!(g.players(), &["server0", "server1", "server2", "input-provider"]);
        let err = g.matmul(w, x).unwrap_err().to_string();
        assert!(err.contains("[10, 10]") && err.contains("[5, 10]"), "{err}");
        let z = g.private_input("z", "input-provider", &[3]).unwrap();
        let err = g.add(x, z).unwrap_err().to_string();
        assert!(err.contains("[5, 10]") && err.contains("[3]"), "{err}");
    }

    #[test]
    fn bad_names_and_revealed_operands_are_errors() {
        let mut g = Graph::default();
        assert!(g.private_input("x", "bad name!", &[1]).is_err());
        for bad in ["", "x y", "a/b", "x\n", &"n".repeat(65)] {
            let err = g.private_input(bad, "alice", &[1]).unwrap_err().to_string();
            assert!(err.contains("input or variable name"), "{err}");
        }
        let x = g.private_input("x", "alice", &[2]).unwrap();
        assert!(g.private_input("x", "alice", &[2]).unwrap_err().to_string().contains("exists already"));
        let r = g.reveal(x, None).unwrap();
        assert!(g.add(r, x).is_err());
        assert!(g.reveal(r, None).is_err());
        assert!(g.player_index("bob").unwrap_err().to_string().contains("unknown player 'bob'"));
        assert!(g.constant(&[1], vec![f64::NAN]).is_err());
        assert!(g.constant(&[2], vec![1.0]).is_err());
    }

    #[test]
    fn results_larger_than_the_size_limit_are_refused_at_definition() {
        let mut g = Graph::default();
        let col = g.private_input("col", "alice", &[1 << 20, 1]).unwrap();
        let row = g.private_input("row", "alice", &[1, 1 << 20]).unwrap();
        let results = [g.add(col, row), g.less(col, row), g.select(col, col, row), g.matmul(col, row)];
        for (result, op) in results.into_iter().zip(["add", "less", "select", "matmul"]) {
            let err = result.unwrap_err().to_string();
            assert!(err.contains(&format!("{op} of operands")) && err.contains("[1048576, 1048576]"), "{err}");
            assert!(err.contains("1099511627776 elements, expected at most 17179869184"), "{err}");
        }
        // Intermediate buffers too: im2col patches of [2^20, 2^20], and
        // 2^34 pooling window maps of 16 elements each.
        let x = g.private_input("x", "alice", &[1, 1 << 10, 1 << 10, 1]).unwrap();
        let w = g.private_input("w", "alice", &[1 << 10, 1 << 10, 1, 1]).unwrap();
        let err = g.conv2d(x, w, (1, 1), Padding::Same).unwrap_err().to_string();
        assert!(err.contains("conv2d") && err.contains("patches"), "{err}");
        let small = g.private_input("small", "alice", &[1, 4, 4, 1]).unwrap();
        let err = g.max_pool2d(small, (1 << 17, 1 << 17), (1, 1), Padding::Same).unwrap_err().to_string();
        assert!(err.contains("max_pool2d") && err.contains("at most 17179869184"), "{err}");
        let wide_stride = g.max_pool2d(small, (2, 2), (1, usize::MAX), Padding::Same).unwrap();
        assert_eq!(g.shape(wide_stride).unwrap(), &[1, 4, 1, 1]);
        let err = g.max_pool2d(small, (2, usize::MAX), (1, 2), Padding::Same).unwrap_err().to_string();
        assert!(err.contains("overflows"), "{err}");
        let empty = g.private_input("empty", "alice", &[1, 0, 4, 1]).unwrap();
        assert!(g.max_pool2d(empty, (2, 2), (1, 1), Padding::Same).unwrap_err().to_string().contains("empty axis"));
    }

    #[test]
    fn slice_and_pad_arithmetic_that_overflows_is_an_error() {
        let mut g = Graph::default();
        let x = g.private_input("x", "alice", &[3, 4]).unwrap();
        let err = g.slice(x, &[usize::MAX, 0], &[2, 2]).unwrap_err().to_string();
        assert!(err.contains("does not fit shape [3, 4]"), "{err}");
        let err = g.pad(x, &[(usize::MAX, 0), (0, 0)]).unwrap_err().to_string();
        assert!(err.contains("pad [") && err.contains("overflows"), "{err}");
        let err = g.pad(x, &[(1, usize::MAX), (0, 0)]).unwrap_err().to_string();
        assert!(err.contains("overflows"), "{err}");
        let err = g.pad(x, &[(1 << 40, 0), (0, 0)]).unwrap_err().to_string();
        assert!(err.contains("too many elements"), "{err}");
        let err = g.reshape(x, &[usize::MAX, 2]).unwrap_err().to_string();
        assert!(err.contains("too many elements"), "{err}");
        let s = g.slice(x, &[1, 1], &[2, 3]).unwrap();
        assert_eq!(g.shape(s).unwrap(), &[2, 3]);
    }

    #[test]
    fn assign_needs_a_variable_of_the_same_shape() {
        let mut g = Graph::default();
        let v = g.private_variable("v", "server1", &[2]).unwrap();
        let x = g.private_input("x", "alice", &[2]).unwrap();
        let y = g.private_input("y", "alice", &[3]).unwrap();
        assert!(g.assign(v, x).is_ok());
        assert!(g.assign(x, v).is_err());
        assert!(g.assign(v, y).unwrap_err().to_string().contains("[3]"));
    }
}
