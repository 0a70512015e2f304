//! Nodes a protocol runs as one: a dense layer and its ReLU.
//!
//! A ReLU of a product, `relu(matmul(x, w))`, or of a product plus a bias,
//! `relu(add(matmul(x, w), b))`, takes fewer rounds as one step
//! ([`Protocol::dense_relu`]) than as its nodes one after another: the
//! protocol overlaps the product's truncation with the ReLU's sign. The
//! plan is made from the graph and the protocol's shape rule alone, so every
//! player makes the same one before the run. A node is absorbed into its
//! ReLU only when nothing else needs its value: the ReLU is its one reader
//! and the run neither fetches it nor returns its parts. An absorbed node
//! is not evaluated and has no span; the ReLU's span holds the chain's cost.

use std::collections::HashMap;
use std::sync::Arc;

use super::execute::Value;
use super::party::{Party, ProtoShare};
use crate::error::{Error, Result};
use crate::graph::{Graph, Kind, Op, TensorId};
use crate::protocol::{OpContext, Operand, Protocol};
use crate::ring::shape::numel;
use crate::vocabulary::Unary;

/// A dense layer and its ReLU: the product node and, if the layer adds a
/// bias, the addition node and the bias.
#[derive(Clone, Copy, Debug)]
pub(super) struct DenseRelu {
    matmul: TensorId,
    bias: Option<(TensorId, TensorId)>,
}

/// The chains of one run, by their ReLU node.
#[derive(Default)]
pub(super) struct Fusions {
    by_relu: HashMap<usize, DenseRelu>,
    absorbed: Vec<bool>,
}

impl Fusions {
    /// The chains of a run of the `needed` nodes that keeps `kept` (its
    /// fetches and parts), where `proto` has a fused form for their shapes.
    pub(super) fn plan<P: Protocol>(proto: &P, graph: &Graph, needed: &[bool], kept: &[TensorId]) -> Self {
        let nodes = graph.nodes();
        let mut readers = vec![0usize; nodes.len()];
        for (index, node) in nodes.iter().enumerate() {
            if needed[index] {
                node.inputs.iter().for_each(|input| readers[input.0 as usize] += 1);
            }
        }
        for id in kept {
            readers[id.0 as usize] += 1;
        }
        let only_reader = |id: TensorId| readers[id.0 as usize] == 1;
        let is_private_matmul = |id: TensorId| {
            let node = &nodes[id.0 as usize];
            node.op == Op::MatMul && node.kind == Kind::Private && only_reader(id)
        };
        let mut fusions = Fusions { by_relu: HashMap::new(), absorbed: vec![false; nodes.len()] };
        for (index, node) in nodes.iter().enumerate() {
            if !needed[index] || node.op != (Op::Unary { f: Unary::Relu }) {
                continue;
            }
            let input = node.inputs[0];
            let source = &nodes[input.0 as usize];
            let chain = if is_private_matmul(input) {
                DenseRelu { matmul: input, bias: None }
            } else if source.op == Op::Add && only_reader(input) {
                let [a, b] = [source.inputs[0], source.inputs[1]];
                let Some((matmul, bias)) = [(a, b), (b, a)].into_iter().find(|&(m, _)| is_private_matmul(m)) else {
                    continue;
                };
                // The bias must not widen the product by broadcasting.
                if nodes[matmul.0 as usize].shape != source.shape {
                    continue;
                }
                DenseRelu { matmul, bias: Some((input, bias)) }
            } else {
                continue;
            };
            if proto.fuses_dense_relu(numel(&node.shape)) {
                fusions.absorbed[chain.matmul.0 as usize] = true;
                if let Some((add, _)) = chain.bias {
                    fusions.absorbed[add.0 as usize] = true;
                }
                fusions.by_relu.insert(index, chain);
            }
        }
        fusions
    }

    /// Whether node `index` is part of a chain that its ReLU evaluates.
    pub(super) fn absorbs(&self, index: usize) -> bool {
        self.absorbed.get(index).copied().unwrap_or(false)
    }

    /// The chain node `index` ends, if it is a fused ReLU.
    pub(super) fn chain(&self, index: usize) -> Option<DenseRelu> {
        self.by_relu.get(&index).copied()
    }

    /// Moves the last use of each operand of an absorbed node to the ReLU
    /// that evaluates it, so that no node in between recycles it.
    pub(super) fn extend_uses(&self, graph: &Graph, last_use: &mut [Option<usize>]) {
        for (&relu, chain) in &self.by_relu {
            let mut absorbed = vec![chain.matmul];
            absorbed.extend(chain.bias.map(|(add, _)| add));
            for id in absorbed {
                for input in &graph.nodes()[id.0 as usize].inputs {
                    if let Some(last) = &mut last_use[input.0 as usize] {
                        *last = (*last).max(relu);
                    }
                }
            }
        }
    }
}

impl Party {
    /// Evaluates a dense layer and its ReLU as one step in the ReLU's
    /// context.
    pub(super) fn eval_dense_relu(
        &mut self,
        ctx: OpContext,
        chain: DenseRelu,
        values: &[Value<ProtoShare>],
    ) -> Result<Value<ProtoShare>> {
        if !self.proto.holds_shares() {
            return Ok(Value::Private(None));
        }
        let operand = |id: TensorId| match &values[id.0 as usize] {
            Value::Private(Some(share)) => Ok(Operand::Private(&**share)),
            Value::Public(t) => Ok(Operand::Public(t)),
            _ => Err(Error::internal(format!("node {} reads tensor {} that has no value", ctx.op, id.0))),
        };
        let matmul = &self.graph.node(chain.matmul)?.inputs;
        let (x, w) = (operand(matmul[0])?, operand(matmul[1])?);
        let bias = chain.bias.map(|(_, b)| operand(b)).transpose()?;
        let out = Protocol::dense_relu(&self.proto, &mut self.net, ctx, x, w, bias)?;
        Ok(Value::Private(Some(Arc::new(out))))
    }
}
