//! [`Protocol`] for [`Aby3`]: the session's view of the ABY3 kernels.

use super::{Aby3, OpContext, Share, Steps};
use crate::error::Result;
use crate::fixed::FixedConfig;
use crate::net::Endpoint;
use crate::protocol::{Filter, Protocol};
use crate::ring::RingTensor;
use crate::ring::layout::{Padding, Window};
use crate::vocabulary::{Comparison, Pool, Reduce, SortOrder, Unary};

impl Protocol for Aby3 {
    type Share = Share;

    fn fixed(&self) -> FixedConfig {
        self.fixed
    }

    fn holds_shares(&self) -> bool {
        self.server.is_some()
    }

    fn recycle(&self, net: &Endpoint, share: Share) {
        net.recycle(share.a.into_data());
        net.recycle(share.b.into_data());
    }

    fn shape(share: &Share) -> &[usize] {
        share.shape()
    }

    fn input(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        owner: usize,
        shape: &[usize],
        value: Option<&RingTensor>,
    ) -> Result<Option<Share>> {
        Aby3::input(self, net, ctx, owner, shape, value)
    }

    fn reveal(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: Option<&Share>,
        shape: &[usize],
        to: Option<usize>,
    ) -> Result<Option<RingTensor>> {
        Aby3::reveal(self, net, ctx, x, shape, to)
    }

    fn additive_part(&self, x: &Share) -> RingTensor {
        // Server i holds (x_i, x_{i+1}); x_i is its part, as in `reveal`.
        x.a.clone()
    }

    fn add(&self, x: &Share, y: &Share) -> Result<Share> {
        x.add(y)
    }

    fn sub(&self, x: &Share, y: &Share) -> Result<Share> {
        x.sub(y)
    }

    fn neg(&self, x: &Share) -> Share {
        x.neg()
    }

    fn add_public(&self, x: &Share, c: &RingTensor) -> Result<Share> {
        x.add_public(self.index()?, c)
    }

    fn rsub_public(&self, x: &Share, c: &RingTensor) -> Result<Share> {
        x.rsub_public(self.index()?, c)
    }

    fn mul_public(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, c: &RingTensor) -> Result<Share> {
        self.truncate(net, ctx, &x.mul_public(c)?)
    }

    fn mul_public_shifted(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: &Share,
        c: &RingTensor,
        shift: u32,
    ) -> Result<Share> {
        self.truncate_by(net, ctx, &x.mul_public(c)?, shift)
    }

    fn matmul_public(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: &Share,
        c: &RingTensor,
        public_left: bool,
    ) -> Result<Share> {
        let product = if public_left { Share::public_matmul(c, x)? } else { x.matmul_public(c)? };
        self.truncate(net, ctx, &product)
    }

    fn mul(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        Aby3::mul(self, net, ctx, x, y)
    }

    fn square(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        Aby3::square(self, net, ctx, x)
    }

    fn matmul(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        Aby3::matmul(self, net, ctx, x, y)
    }

    fn sum(&self, x: &Share, axis: Option<usize>) -> Result<Share> {
        x.sum(axis)
    }

    fn cumsum(&self, x: &Share, axis: usize, exclusive: bool, reverse: bool) -> Result<Share> {
        Ok(Share::new(x.a.cumsum(axis, exclusive, reverse)?, x.b.cumsum(axis, exclusive, reverse)?))
    }

    fn transpose(&self, x: &Share, perm: &[usize]) -> Result<Share> {
        x.transpose(perm)
    }

    fn reshape(&self, x: &Share, shape: &[usize]) -> Result<Share> {
        x.reshape(shape)
    }

    fn share_public(&self, c: &RingTensor) -> Result<Share> {
        self.share_public(c)
    }

    fn unary(&self, net: &mut Endpoint, ctx: OpContext, f: Unary, x: &Share) -> Result<Share> {
        let steps = &mut Steps::new(ctx);
        match f {
            Unary::Relu => self.relu(net, steps, x),
            Unary::Sigmoid => self.sigmoid(net, steps, x),
            Unary::HardSigmoid => self.hard_sigmoid(net, steps, x),
            Unary::Exp => self.exp(net, steps, x),
            Unary::Reciprocal => self.reciprocal(net, steps, x),
            Unary::InvSqrt => self.inv_sqrt(net, steps, x),
            Unary::Softmax => self.softmax(net, steps, x),
            Unary::Abs => self.abs(net, steps, x),
            Unary::Tanh => self.tanh(net, steps, x),
            Unary::Log => self.log(net, steps, x),
            Unary::Sqrt => self.sqrt(net, steps, x),
        }
    }

    fn compare(&self, net: &mut Endpoint, ctx: OpContext, c: Comparison, x: &Share, y: &Share) -> Result<Share> {
        let steps = &mut Steps::new(ctx);
        match c {
            Comparison::Less => self.less(net, steps, x, y),
            Comparison::LessEqual => self.less_equal(net, steps, x, y),
            Comparison::Greater => self.greater(net, steps, x, y),
            Comparison::GreaterEqual => self.greater_equal(net, steps, x, y),
            Comparison::Equal => self.equal(net, steps, x, y),
        }
    }

    fn maximum(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        Aby3::maximum(self, net, &mut Steps::new(ctx), x, y)
    }

    fn minimum(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        Aby3::minimum(self, net, &mut Steps::new(ctx), x, y)
    }

    fn sort(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, axis: usize, order: SortOrder) -> Result<Share> {
        Aby3::sort(self, net, &mut Steps::new(ctx), x, axis, order)
    }

    fn select(&self, net: &mut Endpoint, ctx: OpContext, cond: &Share, a: &Share, b: &Share) -> Result<Share> {
        Aby3::select(self, net, ctx, cond, a, b)
    }

    fn reduce(&self, net: &mut Endpoint, ctx: OpContext, r: Reduce, x: &Share, axis: usize) -> Result<Share> {
        let steps = &mut Steps::new(ctx);
        match r {
            Reduce::Max => self.reduce_max(net, steps, x, axis),
            Reduce::ArgMax => self.argmax(net, steps, x, axis),
            Reduce::ArgMaxOneHot => self.argmax_one_hot(net, steps, x, axis),
            Reduce::Min => self.reduce_min(net, steps, x, axis),
            Reduce::ArgMin => self.argmin(net, steps, x, axis),
        }
    }

    fn pool2d(&self, net: &mut Endpoint, ctx: OpContext, p: Pool, x: &Share, w: Window) -> Result<Share> {
        match p {
            Pool::Max => self.max_pool2d(net, &mut Steps::new(ctx), x, w),
            Pool::Average => self.avg_pool2d(net, ctx, x, w),
        }
    }

    fn global_avg_pool2d(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        Aby3::global_avg_pool2d(self, net, ctx, x)
    }

    fn conv2d(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: &Share,
        filter: Filter<'_, Share>,
        strides: (usize, usize),
        padding: Padding,
    ) -> Result<Share> {
        Aby3::conv2d(self, net, ctx, x, filter, strides, padding)
    }

    fn take(&self, x: &Share, shape: &[usize], index: &[usize]) -> Result<Share> {
        x.take(shape, index)
    }

    fn concat(&self, parts: &[&Share], axis: usize) -> Result<Share> {
        Share::concat(parts, axis)
    }

    fn scatter_add(&self, x: &Share, shape: &[usize], index: &[usize]) -> Result<Share> {
        Ok(Share::new(x.a.scatter_add(shape, index)?, x.b.scatter_add(shape, index)?))
    }
}
