//! Evaluating one node at one player: private ops go to the protocol,
//! public ops are computed locally by every player, inputs and variables
//! are shared by their owner, reveals deliver results.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use super::feeds::{Feeds, owner_values};
use super::party::Party;
use crate::error::{Error, Result};
use crate::fixed::FixedConfig;
use crate::graph::{Node, Op, TensorId};
use crate::net::Endpoint;
use crate::protocol::aby3::tensor_ops::{expand_dims_shape, squeeze_shape};
use crate::protocol::{Filter, OpContext, Protocol, Reciprocal, reciprocal_encoding};
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

enum Operand<'a, S> {
    Private(Option<&'a S>),
    Public(&'a RingTensor),
}

impl<P: Protocol> Party<P> {
    pub(super) fn eval(
        &mut self,
        run: u32,
        id: TensorId,
        node: &Node,
        values: &[Value<P::Share>],
        feeds: &Feeds,
        pending: &mut Pending<P::Share>,
    ) -> Result<Value<P::Share>> {
        let ctx = OpContext::new(run, id.0);
        let me = self.net.me();
        let fixed = self.proto.fixed();
        let operand = |i: usize| -> Result<Operand<'_, P::Share>> {
            match &values[node.inputs[i].0 as usize] {
                Value::Private(s) => Ok(Operand::Private(s.as_deref())),
                Value::Public(t) => Ok(Operand::Public(t)),
                _ => Err(Error::internal(format!("node {} reads an operand that has no value", id.0))),
            }
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
            Op::Constant { shape, values } => Ok(Value::Public(fixed.encode(shape, values)?)),
            Op::Reveal { to } => {
                let Operand::Private(x) = operand(0)? else {
                    return Err(Error::internal("reveal of a public value"));
                };
                Ok(Value::Revealed(self.proto.reveal(&mut self.net, ctx, x, &node.shape, *to)?))
            }
            Op::Assign => {
                if let Value::Private(value) = &values[node.inputs[1].0 as usize] {
                    pending.insert(node.inputs[0], value.clone());
                }
                Ok(Value::Done)
            }
            Op::Select => {
                // Shape inference made at least one operand private.
                if !self.proto.holds_shares() {
                    return Ok(Value::Private(None));
                }
                let p = &self.proto;
                let (c, a, b) = (to_share(p, &operand(0)?)?, to_share(p, &operand(1)?)?, to_share(p, &operand(2)?)?);
                Ok(Value::Private(Some(Arc::new(p.select(&mut self.net, ctx, &c, &a, &b)?))))
            }
            _ => self.eval_arithmetic(ctx, node, operand(0)?, node.inputs.get(1).map(|_| operand(1)).transpose()?),
        }
    }

    fn eval_arithmetic(
        &mut self,
        ctx: OpContext,
        node: &Node,
        x: Operand<'_, P::Share>,
        y: Option<Operand<'_, P::Share>>,
    ) -> Result<Value<P::Share>> {
        use Operand::{Private, Public};
        // Public results: every player computes them, exactly as in plaintext.
        if let (Public(a), None | Some(Public(_))) = (&x, &y) {
            let b = match &y {
                Some(Public(b)) => Some(*b),
                _ => None,
            };
            return Ok(Value::Public(eval_public(&node.op, a, b, self.proto.fixed())?));
        }
        // Private results: only players holding shares compute anything.
        if !self.proto.holds_shares() {
            return Ok(Value::Private(None));
        }
        let (p, net) = (&self.proto, &mut self.net);
        let out = match (&node.op, &x, &y) {
            (Op::Add, Private(_), Some(Private(_))) => p.add(share(&x)?, share(y.as_ref().unwrap())?)?,
            (Op::Add, Private(_), Some(Public(c))) | (Op::Add, Public(c), Some(Private(_))) => {
                let s = if let Private(_) = x { share(&x)? } else { share(y.as_ref().unwrap())? };
                p.add_public(s, c)?
            }
            (Op::Sub, Private(_), Some(Private(_))) => p.sub(share(&x)?, share(y.as_ref().unwrap())?)?,
            (Op::Sub, Private(_), Some(Public(c))) => p.add_public(share(&x)?, &c.neg())?,
            (Op::Sub, Public(c), Some(Private(_))) => p.rsub_public(share(y.as_ref().unwrap())?, c)?,
            (Op::Mul, Private(_), Some(Private(_))) => p.mul(net, ctx, share(&x)?, share(y.as_ref().unwrap())?)?,
            (Op::Mul, Private(_), Some(Public(c))) => p.mul_public(net, ctx, share(&x)?, c)?,
            (Op::Mul, Public(c), Some(Private(_))) => p.mul_public(net, ctx, share(y.as_ref().unwrap())?, c)?,
            (Op::MatMul, Private(_), Some(Private(_))) => {
                p.matmul(net, ctx, share(&x)?, share(y.as_ref().unwrap())?)?
            }
            (Op::MatMul, Private(_), Some(Public(c))) => p.matmul_public(net, ctx, share(&x)?, c, false)?,
            (Op::MatMul, Public(c), Some(Private(_))) => {
                p.matmul_public(net, ctx, share(y.as_ref().unwrap())?, c, true)?
            }
            (Op::Neg, Private(_), None) => p.neg(share(&x)?),
            (Op::Square, Private(_), None) => p.square(net, ctx, share(&x)?)?,
            (Op::Sum { axis }, Private(_), None) => p.sum(share(&x)?, *axis)?,
            (Op::Transpose { perm }, Private(_), None) => p.transpose(share(&x)?, perm)?,
            (Op::Reshape { shape }, Private(_), None) => p.reshape(share(&x)?, shape)?,
            (Op::Mean { axis }, Private(_), None) => p.mean(net, ctx, share(&x)?, *axis)?,
            (Op::DivPublic { divisor }, Private(_), None) => p.div_public(net, ctx, share(&x)?, *divisor)?,
            (Op::CumSum { axis, exclusive, reverse }, Private(_), None) => {
                p.cumsum(share(&x)?, *axis, *exclusive, *reverse)?
            }
            (op, _, _) => {
                let x = to_share(p, &x)?;
                match (op, &y) {
                    (Op::Conv2d { strides, padding }, Some(Public(w))) => {
                        p.conv2d(net, ctx, &x, Filter::Public(w), *strides, *padding)?
                    }
                    (Op::Conv2d { strides, padding }, Some(w)) => {
                        p.conv2d(net, ctx, &x, Filter::Private(share(w)?), *strides, *padding)?
                    }
                    (_, Some(y)) => eval_private_binary(p, net, ctx, op, &x, &*to_share(p, y)?)?,
                    (_, None) => eval_private_unary(p, net, ctx, op, &x)?,
                }
            }
        };
        Ok(Value::Private(Some(Arc::new(out))))
    }
}

/// A private operand, or a public one as a sharing (no communication).
fn to_share<'a, P: Protocol>(p: &P, o: &Operand<'a, P::Share>) -> Result<Cow<'a, P::Share>> {
    match o {
        Operand::Private(_) => Ok(Cow::Borrowed(share(o)?)),
        Operand::Public(c) => Ok(Cow::Owned(p.share_public(c)?)),
    }
}

/// The nonlinear and layout ops of one private operand.
fn eval_private_unary<P: Protocol>(
    p: &P,
    net: &mut Endpoint,
    ctx: OpContext,
    op: &Op,
    x: &P::Share,
) -> Result<P::Share> {
    let shape = P::shape(x);
    match op {
        Op::Unary { f } => p.unary(net, ctx, *f, x),
        Op::Reduce { r, axis } => p.reduce(net, ctx, *r, x, *axis),
        Op::Pool2d { p: pool, window } => p.pool2d(net, ctx, *pool, x, *window),
        Op::GlobalAvgPool2d => p.global_avg_pool2d(net, ctx, x),
        Op::Sort { axis, order } => p.sort(net, ctx, x, *axis, *order),
        Op::ExpandDims { axis } => p.reshape(x, &expand_dims_shape(shape, *axis)?),
        Op::Squeeze { axis } => p.reshape(x, &squeeze_shape(shape, *axis)?),
        _ => {
            let (out, index) = layout_map(op, shape)?;
            p.take(x, &out, &index)
        }
    }
}

/// The nonlinear ops and concat of two private operands.
fn eval_private_binary<P: Protocol>(
    p: &P,
    net: &mut Endpoint,
    ctx: OpContext,
    op: &Op,
    x: &P::Share,
    y: &P::Share,
) -> Result<P::Share> {
    match op {
        Op::Compare { c } => p.compare(net, ctx, *c, x, y),
        Op::Maximum => p.maximum(net, ctx, x, y),
        Op::Minimum => p.minimum(net, ctx, x, y),
        Op::Concat { axis } => p.concat(&[x, y], *axis),
        other => Err(Error::internal(format!("no private kernel for {}", crate::graph::op::op_name(other)))),
    }
}

/// The index map of a layout op (see `ring::layout`).
fn layout_map(op: &Op, shape: &[usize]) -> Result<(Vec<usize>, Vec<usize>)> {
    match op {
        Op::Slice { begin, size } => layout::slice_map(shape, begin, size),
        Op::Pad { pads } => layout::pad_map(shape, pads),
        Op::Gather { indices, axis } => layout::gather_map(shape, indices, *axis),
        other => Err(Error::internal(format!("{} is not a layout op", crate::graph::op::op_name(other)))),
    }
}

/// The share behind a private operand, which a server always has.
fn share<'a, S>(operand: &Operand<'a, S>) -> Result<&'a S> {
    match operand {
        Operand::Private(Some(s)) => Ok(s),
        _ => Err(Error::internal("a server is missing a share")),
    }
}

/// A public op on public values, with the fixed-point product truncated by
/// an exact arithmetic shift.
fn eval_public(op: &Op, a: &RingTensor, b: Option<&RingTensor>, fixed: FixedConfig) -> Result<RingTensor> {
    let b = || b.ok_or_else(|| Error::internal("a binary op without its second operand"));
    let f = fixed.frac_bits;
    // The product with the scaled reciprocal, as the private kernels compute it.
    let divide = |a: &RingTensor, divisor: f64| -> Result<RingTensor> {
        let Reciprocal { scale, shift } = reciprocal_encoding(fixed, divisor)?;
        Ok(a.mul(&RingTensor::filled(&[], scale))?.shr_arithmetic(shift))
    };
    match op {
        Op::Add => a.add(b()?),
        Op::Sub => a.sub(b()?),
        Op::Neg => Ok(a.neg()),
        Op::Mul => Ok(a.mul(b()?)?.shr_arithmetic(f)),
        Op::MatMul => Ok(a.matmul(b()?)?.shr_arithmetic(f)),
        Op::Square => Ok(a.mul(a)?.shr_arithmetic(f)),
        Op::Sum { axis } => a.sum(*axis),
        Op::Transpose { perm } => a.transpose(perm),
        Op::Reshape { shape } => a.reshape(shape),
        Op::ExpandDims { axis } => a.reshape(&expand_dims_shape(a.shape(), *axis)?),
        Op::Squeeze { axis } => a.reshape(&squeeze_shape(a.shape(), *axis)?),
        Op::Concat { axis } => layout::concat(&[a, b()?], *axis),
        Op::Mean { axis } => divide(&a.sum(*axis)?, reduced_count(a.shape(), *axis)? as f64),
        Op::DivPublic { divisor } => divide(a, *divisor),
        Op::CumSum { axis, exclusive, reverse } => a.cumsum(*axis, *exclusive, *reverse),
        Op::Slice { .. } | Op::Pad { .. } | Op::Gather { .. } => {
            let (out, index) = layout_map(op, a.shape())?;
            a.take(&out, &index)
        }
        other => Err(Error::internal(format!("{} is not a public op", crate::graph::op::op_name(other)))),
    }
}
