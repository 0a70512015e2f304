//! Nodes a protocol runs as one: a dense or convolution layer and its ReLU.
//!
//! A ReLU of a product, `relu(matmul(x, w))` or `relu(conv2d(x, w))`, or of
//! a product plus a bias, `relu(add(matmul(x, w), b))`, takes fewer rounds
//! as one step ([`Protocol::product_relu`]) than as its nodes one after
//! another: the protocol overlaps the product's truncation with the ReLU's
//! sign. Which shapes it fuses depends on the link the protocol assumes
//! (`Party::assume_link`), which every server assumes alike. The
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
use crate::protocol::{OpContext, Operand, Product, Protocol};
use crate::ring::shape::numel;
use crate::vocabulary::Unary;

/// A layer and its ReLU: the product node (a matmul or a conv2d) and, if
/// the layer adds a bias, the addition node and the bias.
#[derive(Clone, Copy, Debug)]
pub(super) struct LayerRelu {
    product: TensorId,
    bias: Option<(TensorId, TensorId)>,
}

/// The chains of one run, by their ReLU node.
pub(super) struct Fusions {
    by_relu: HashMap<usize, LayerRelu>,
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
        // A convolution's input must be the private operand, as for conv2d.
        let is_private_product = |id: TensorId| {
            let node = &nodes[id.0 as usize];
            let product = match node.op {
                Op::MatMul => true,
                Op::Conv2d { .. } => nodes[node.inputs[0].0 as usize].kind == Kind::Private,
                _ => false,
            };
            product && node.kind == Kind::Private && only_reader(id)
        };
        let mut fusions = Fusions { by_relu: HashMap::new(), absorbed: vec![false; nodes.len()] };
        for (index, node) in nodes.iter().enumerate() {
            if !needed[index] || node.op != (Op::Unary { f: Unary::Relu }) {
                continue;
            }
            let input = node.inputs[0];
            let source = &nodes[input.0 as usize];
            let chain = if is_private_product(input) {
                LayerRelu { product: input, bias: None }
            } else if source.op == Op::Add && only_reader(input) {
                let [a, b] = [source.inputs[0], source.inputs[1]];
                let Some((product, bias)) = [(a, b), (b, a)].into_iter().find(|&(m, _)| is_private_product(m)) else {
                    continue;
                };
                // The bias must not widen the product by broadcasting.
                if nodes[product.0 as usize].shape != source.shape {
                    continue;
                }
                LayerRelu { product, bias: Some((input, bias)) }
            } else {
                continue;
            };
            if proto.fuses_product_relu(numel(&node.shape)) {
                fusions.absorbed[chain.product.0 as usize] = true;
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
    pub(super) fn chain(&self, index: usize) -> Option<LayerRelu> {
        self.by_relu.get(&index).copied()
    }

    /// Moves the last use of each operand of an absorbed node to the ReLU
    /// that evaluates it, so that no node in between recycles it.
    pub(super) fn extend_uses(&self, graph: &Graph, last_use: &mut [Option<usize>]) {
        for (&relu, chain) in &self.by_relu {
            let mut absorbed = vec![chain.product];
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
    /// Evaluates a layer and its ReLU as one step in the ReLU's context.
    pub(super) fn eval_layer_relu(
        &mut self,
        ctx: OpContext,
        chain: LayerRelu,
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
        let node = self.graph.node(chain.product)?;
        let (x, w) = (operand(node.inputs[0])?, operand(node.inputs[1])?);
        let product = match (&node.op, x) {
            (Op::MatMul, x) => Product::MatMul(x, w),
            (&Op::Conv2d { strides, padding }, Operand::Private(x)) => {
                Product::Conv2d { x, filter: w, strides, padding }
            }
            _ => return Err(Error::internal(format!("node {} fuses no product", chain.product.0))),
        };
        let bias = chain.bias.map(|(_, b)| operand(b)).transpose()?;
        let out = Protocol::product_relu(&self.proto, &mut self.net, ctx, product, bias)?;
        Ok(Value::Private(Some(Arc::new(out))))
    }
}
