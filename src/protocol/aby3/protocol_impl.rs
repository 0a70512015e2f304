//! [`Protocol`] for [`Aby3`]: the session's view of the ABY3 kernels.

use super::{Aby3, OpContext, Share};
use crate::error::Result;
use crate::fixed::FixedConfig;
use crate::net::Endpoint;
use crate::protocol::Protocol;
use crate::ring::RingTensor;

impl Protocol for Aby3 {
    type Share = Share;

    fn fixed(&self) -> FixedConfig {
        self.fixed
    }

    fn holds_shares(&self) -> bool {
        self.server.is_some()
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

    fn transpose(&self, x: &Share, perm: &[usize]) -> Result<Share> {
        x.transpose(perm)
    }

    fn reshape(&self, x: &Share, shape: &[usize]) -> Result<Share> {
        x.reshape(shape)
    }
}
