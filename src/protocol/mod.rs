//! The protocol layer: how shared values are computed on.
//!
//! [`Protocol`] is the one interface the session runs graphs through; it
//! speaks in ring tensors (fixed-point encoded) and the protocol's own share
//! type. [`aby3`] implements it; a second protocol (such as Pond's
//! two-server one) would be another implementation.

pub mod aby3;

use crate::error::Result;
use crate::fixed::FixedConfig;
use crate::net::Endpoint;
use crate::ring::RingTensor;

pub use aby3::OpContext;

/// Operations on secret-shared fixed-point tensors, at one player.
///
/// Methods that take shares run only at players that hold shares (servers);
/// `input` and `reveal` run at every player. Products of fixed-point values
/// are truncated; the `_ring` variants are not.
pub trait Protocol: Send {
    type Share: Clone + Send + 'static;

    /// The fixed-point configuration values are encoded with.
    fn fixed(&self) -> FixedConfig;
    /// Whether this player holds shares.
    fn holds_shares(&self) -> bool;
    /// The shape of a share.
    fn shape(share: &Self::Share) -> &[usize];

    fn input(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        owner: usize,
        shape: &[usize],
        value: Option<&RingTensor>,
    ) -> Result<Option<Self::Share>>;
    fn reveal(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: Option<&Self::Share>,
        shape: &[usize],
        to: Option<usize>,
    ) -> Result<Option<RingTensor>>;

    fn add(&self, x: &Self::Share, y: &Self::Share) -> Result<Self::Share>;
    fn sub(&self, x: &Self::Share, y: &Self::Share) -> Result<Self::Share>;
    fn neg(&self, x: &Self::Share) -> Self::Share;
    fn add_public(&self, x: &Self::Share, c: &RingTensor) -> Result<Self::Share>;
    /// `c − x` for public `c`.
    fn rsub_public(&self, x: &Self::Share, c: &RingTensor) -> Result<Self::Share>;
    /// Fixed-point product with a public tensor (broadcasting), truncated.
    fn mul_public(&self, net: &mut Endpoint, ctx: OpContext, x: &Self::Share, c: &RingTensor) -> Result<Self::Share>;
    /// `x · C` (`public_left = false`) or `C · x`, truncated.
    fn matmul_public(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: &Self::Share,
        c: &RingTensor,
        public_left: bool,
    ) -> Result<Self::Share>;
    fn mul(&self, net: &mut Endpoint, ctx: OpContext, x: &Self::Share, y: &Self::Share) -> Result<Self::Share>;
    fn square(&self, net: &mut Endpoint, ctx: OpContext, x: &Self::Share) -> Result<Self::Share>;
    fn matmul(&self, net: &mut Endpoint, ctx: OpContext, x: &Self::Share, y: &Self::Share) -> Result<Self::Share>;
    fn sum(&self, x: &Self::Share, axis: Option<usize>) -> Result<Self::Share>;
    fn transpose(&self, x: &Self::Share, perm: &[usize]) -> Result<Self::Share>;
    fn reshape(&self, x: &Self::Share, shape: &[usize]) -> Result<Self::Share>;
}
