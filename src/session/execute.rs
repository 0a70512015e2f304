//! Evaluating one node at one player.
//!
//! The graph's sources and sinks (inputs, variables, constants, reveals,
//! assignments) touch the session's state and run at every player. Every
//! other op computes on its operands: they are resolved once, then
//! - public operands only: every player computes the plaintext result
//!   ([`public_op`]);
//! - at least one private operand: the servers compute on their shares, in
//!   one match grouped by cost ([`private_op`]); other players hold nothing.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use super::feeds::{Feeds, owner_values, part_values};
use super::party::{Party, ProtoShare};
use crate::error::{Error, Result};
use crate::fixed::FixedConfig;
use crate::graph::{Node, Op, TensorId};
use crate::net::Endpoint;
use crate::protocol::{OpContext, Operand, Protocol, Reciprocal, reciprocal_encoding};
use crate::ring::RingTensor;
use crate::ring::layout;
use crate::ring::shape::reduced_count;

/// A node's value at one player during a run.
#[derive(Clone, Debug)]
pub enum Value<S> {
    /// Not needed by this run's fetches.
    Unused,
    /// A private value: this player's share, if it holds shares. Shared
    /// with the variable store, so reading a variable copies nothing.
    Private(Option<Arc<S>>),
    /// A public value every player knows.
    Public(RingTensor),
    /// A revealed value, at the players that learn it.
    Revealed(Option<RingTensor>),
    /// An assignment that took place.
    Done,
}

/// Variable shares written by a run, applied when the run succeeds.
pub type Pending<S> = HashMap<TensorId, Option<Arc<S>>>;

/// An operand of a computation at a server, resolved once: its share, or a
/// public value.
enum Arg<'a, S> {
    Share(&'a S),
    Public(&'a RingTensor),
}

impl Party {
    pub(super) fn eval(
        &mut self,
        run: u64,
        id: TensorId,
        node: &Node,
        values: &[Value<ProtoShare>],
        feeds: &Feeds,
        pending: &mut Pending<ProtoShare>,
    ) -> Result<Value<ProtoShare>> {
        let ctx = OpContext::new(run, id.0);
        let me = self.net.me();
        let fixed = self.proto.fixed();
        let private_input = |i: usize| match &values[node.inputs[i].0 as usize] {
            Value::Private(s) => Ok(s),
            _ => Err(Error::internal(format!("operand {i} of node {} is not private", id.0))),
        };
        match &node.op {
            Op::PrivateInput { owner, shape, .. } => {
                let value = if me == *owner {
                    Some(owner_values(&node.op, run, feeds, &self.providers, &fixed)?)
                } else {
                    None
                };
                let share = self.proto.input(&mut self.net, ctx, *owner, shape, value.as_ref())?;
                Ok(Value::Private(share.map(Arc::new)))
            }
            Op::PrivateVariable { owner, shape, .. } => {
                if let Some(share) = self.variables.get(&id) {
                    return Ok(Value::Private(share.clone()));
                }
                let value = if me == *owner {
                    Some(owner_values(&node.op, run, feeds, &self.providers, &fixed)?)
                } else {
                    None
                };
                let share = self.proto.input(&mut self.net, ctx, *owner, shape, value.as_ref())?.map(Arc::new);
                pending.insert(id, share.clone());
                Ok(Value::Private(share))
            }
            Op::InputParts { name, shape } => {
                if !self.proto.holds_shares() {
                    return Ok(Value::Private(None));
                }
                let part = part_values(name, shape, feeds, &self.graph.players()[me])?;
                Ok(Value::Private(Some(Arc::new(self.proto.input_parts(&mut self.net, ctx, part)?))))
            }
            Op::Constant { shape, values } => Ok(Value::Public(fixed.encode(shape, values)?)),
            Op::Reveal { to } => {
                let x = private_input(0)?.as_deref();
                Ok(Value::Revealed(self.proto.reveal(&mut self.net, ctx, x, &node.shape, *to)?))
            }
            Op::Assign => {
                pending.insert(node.inputs[0], private_input(1)?.clone());
                Ok(Value::Done)
            }
            _ => self.compute(ctx, node, values),
        }
    }

    /// An op on operands: resolves them once, then dispatches.
    fn compute(&mut self, ctx: OpContext, node: &Node, values: &[Value<ProtoShare>]) -> Result<Value<ProtoShare>> {
        let inputs: Vec<&Value<ProtoShare>> = node.inputs.iter().map(|i| &values[i.0 as usize]).collect();
        let private = inputs.iter().any(|v| matches!(v, Value::Private(_)));
        if private && !self.proto.holds_shares() {
            return Ok(Value::Private(None));
        }
        let args = inputs
            .iter()
            .map(|v| match v {
                Value::Private(Some(s)) => Ok(Arg::Share(&**s)),
                Value::Private(None) => Err(Error::internal("a server is missing a share")),
                Value::Public(t) => Ok(Arg::Public(t)),
                _ => Err(Error::internal(format!("node {} reads an operand that has no value", ctx.op))),
            })
            .collect::<Result<Vec<_>>>()?;
        if private {
            let out = private_op(&self.proto, &mut self.net, ctx, node, &args)?;
            Ok(Value::Private(Some(Arc::new(out))))
        } else {
            let args: Vec<&RingTensor> =
                args.iter().filter_map(|a| if let Arg::Public(t) = a { Some(*t) } else { None }).collect();
            Ok(Value::Public(public_op(node, &args, self.proto.fixed())?))
        }
    }
}

/// An op with at least one private operand, at a server. Shape inference
/// decided which operands may be public; a combination it rejects is an
/// internal error here.
fn private_op<P: Protocol>(
    p: &P,
    net: &mut Endpoint,
    ctx: OpContext,
    node: &Node,
    args: &[Arg<'_, P::Share>],
) -> Result<P::Share> {
    use Arg::{Public as C, Share as S};
    let op = &node.op;
    match (op, args) {
        // Local linear ops: no communication.
        (Op::Add, [S(x), S(y)]) => p.add(x, y),
        (Op::Add, [S(x), C(c)] | [C(c), S(x)]) => p.add_public(x, c),
        (Op::Sub, [S(x), S(y)]) => p.sub(x, y),
        (Op::Sub, [S(x), C(c)]) => p.add_public(x, &c.neg()),
        (Op::Sub, [C(c), S(x)]) => p.rsub_public(x, c),
        (Op::Neg, [S(x)]) => Ok(p.neg(x)),
        (Op::Sum { axis }, [S(x)]) => p.sum(x, *axis),
        (Op::CumSum { axis, exclusive, reverse }, [S(x)]) => p.cumsum(x, *axis, *exclusive, *reverse),

        // Layout ops: no communication.
        (Op::Transpose { perm }, [S(x)]) => p.transpose(x, perm),
        (Op::Reshape { shape }, [S(x)]) => p.reshape(x, shape),
        (Op::ExpandDims { .. } | Op::Squeeze { .. }, [S(x)]) => p.reshape(x, &node.shape),
        (Op::Slice { .. } | Op::Pad { .. } | Op::Gather { .. }, [S(x)]) => {
            let (shape, index) = layout_map(op, P::shape(x))?;
            p.take(x, &shape, &index)
        }
        (Op::Concat { axis }, [x, y]) => p.concat(&[&*shared(p, x)?, &*shared(p, y)?], *axis),
        (Op::Patches { window, zero_outside }, [S(x)]) => {
            let (shape, index) = layout::patches_map(P::shape(x), *window, *zero_outside)?;
            p.take(x, &shape, &index)
        }
        (Op::PatchesAdd { window, zero_outside, input }, [S(x)]) => {
            let (_, index) = layout::patches_map(input, *window, *zero_outside)?;
            p.scatter_add(x, input, &index)
        }

        // Products: one truncation each.
        (Op::Mul, [S(x), S(y)]) => p.mul(net, ctx, x, y),
        (Op::Mul, [S(x), C(c)] | [C(c), S(x)]) => p.mul_public(net, ctx, x, c),
        (Op::Square, [S(x)]) => p.square(net, ctx, x),
        (Op::MatMul, [S(x), S(y)]) => p.matmul(net, ctx, x, y),
        (Op::MatMul, [S(x), C(c)]) => p.matmul_public(net, ctx, x, c, false),
        (Op::MatMul, [C(c), S(x)]) => p.matmul_public(net, ctx, x, c, true),
        (Op::Conv2d { strides, padding }, [S(x), w]) => {
            let filter = match w {
                S(w) => Operand::Private(*w),
                C(w) => Operand::Public(w),
            };
            p.conv2d(net, ctx, x, filter, *strides, *padding)
        }
        (Op::Mean { axis }, [S(x)]) => p.mean(net, ctx, x, *axis),
        (Op::DivPublic { divisor }, [S(x)]) => p.div_public(net, ctx, x, *divisor),

        // Nonlinear ops: comparisons and approximations, several rounds.
        (Op::Unary { f }, [S(x)]) => p.unary(net, ctx, *f, x),
        (Op::Reduce { r, axis }, [S(x)]) => p.reduce(net, ctx, *r, x, *axis),
        (Op::Pool2d { p: pool, window }, [S(x)]) => p.pool2d(net, ctx, *pool, x, *window),
        (Op::GlobalAvgPool2d, [S(x)]) => p.global_avg_pool2d(net, ctx, x),
        (Op::Sort { axis, order }, [S(x)]) => p.sort(net, ctx, x, *axis, *order),
        (Op::CountOutside { bound, segments }, [S(x)]) => p.count_outside(net, ctx, x, *bound, segments),
        (Op::Compare { c }, [x, y]) => p.compare(net, ctx, *c, &*shared(p, x)?, &*shared(p, y)?),
        (Op::Maximum, [x, y]) => p.maximum(net, ctx, &*shared(p, x)?, &*shared(p, y)?),
        (Op::Minimum, [x, y]) => p.minimum(net, ctx, &*shared(p, x)?, &*shared(p, y)?),
        (Op::Select, [c, a, b]) => p.select(net, ctx, &*shared(p, c)?, &*shared(p, a)?, &*shared(p, b)?),

        (op, _) => Err(Error::internal(format!(
            "no private kernel for {} with {} operands, {} of them public",
            op.name(),
            args.len(),
            args.iter().filter(|a| matches!(a, C(_))).count()
        ))),
    }
}

/// A private operand, or a public one as a sharing (no communication).
fn shared<'a, P: Protocol>(p: &P, arg: &Arg<'a, P::Share>) -> Result<Cow<'a, P::Share>> {
    match arg {
        Arg::Share(s) => Ok(Cow::Borrowed(*s)),
        Arg::Public(c) => Ok(Cow::Owned(p.share_public(c)?)),
    }
}

/// An op on public values, computed by every player exactly as the private
/// kernels compute it: products are truncated by an exact arithmetic shift,
/// divisions multiply by the same scaled reciprocal.
fn public_op(node: &Node, args: &[&RingTensor], fixed: FixedConfig) -> Result<RingTensor> {
    let f = fixed.frac_bits;
    let divide = |a: &RingTensor, divisor: f64| -> Result<RingTensor> {
        let Reciprocal { scale, shift } = reciprocal_encoding(fixed, divisor)?;
        Ok(a.mul(&RingTensor::filled(&[], scale))?.shr_arithmetic(shift))
    };
    let op = &node.op;
    match (op, args) {
        (Op::Add, [a, b]) => a.add(b),
        (Op::Sub, [a, b]) => a.sub(b),
        (Op::Neg, [a]) => Ok(a.neg()),
        (Op::Sum { axis }, [a]) => a.sum(*axis),
        (Op::CumSum { axis, exclusive, reverse }, [a]) => a.cumsum(*axis, *exclusive, *reverse),

        (Op::Transpose { perm }, [a]) => a.transpose(perm),
        (Op::Reshape { shape }, [a]) => a.reshape(shape),
        (Op::ExpandDims { .. } | Op::Squeeze { .. }, [a]) => a.reshape(&node.shape),
        (Op::Slice { .. } | Op::Pad { .. } | Op::Gather { .. }, [a]) => {
            let (shape, index) = layout_map(op, a.shape())?;
            a.take(&shape, &index)
        }
        (Op::Concat { axis }, [a, b]) => layout::concat(&[a, b], *axis),
        (Op::Patches { window, zero_outside }, [a]) => {
            let (shape, index) = layout::patches_map(a.shape(), *window, *zero_outside)?;
            a.take(&shape, &index)
        }
        (Op::PatchesAdd { window, zero_outside, input }, [a]) => {
            let (_, index) = layout::patches_map(input, *window, *zero_outside)?;
            a.scatter_add(input, &index)
        }

        (Op::Mul, [a, b]) => Ok(a.mul(b)?.shr_arithmetic(f)),
        (Op::Square, [a]) => Ok(a.mul(a)?.shr_arithmetic(f)),
        (Op::MatMul, [a, b]) => Ok(a.matmul(b)?.shr_arithmetic(f)),
        (Op::Mean { axis }, [a]) => divide(&a.sum(*axis)?, reduced_count(a.shape(), *axis)? as f64),
        (Op::DivPublic { divisor }, [a]) => divide(a, *divisor),

        (op, _) => Err(Error::internal(format!("{} of {} public operands is not a public op", op.name(), args.len()))),
    }
}

/// The index map of a layout op (see `ring::layout`).
fn layout_map(op: &Op, shape: &[usize]) -> Result<(Vec<usize>, Vec<usize>)> {
    match op {
        Op::Slice { begin, size } => layout::slice_map(shape, begin, size),
        Op::Pad { pads } => layout::pad_map(shape, pads),
        Op::Gather { indices, axis } => layout::gather_map(shape, indices, *axis),
        other => Err(Error::internal(format!("{} is not a layout op", other.name()))),
    }
}
