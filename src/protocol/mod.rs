//! The protocol layer: how shared values are computed on.
//!
//! [`Protocol`] is the one interface the session runs graphs through; it
//! speaks in ring tensors (fixed-point encoded) and the protocol's own share
//! type. [`aby3`] implements it; a second protocol (such as Pond's
//! two-server one) would be another implementation.
//!
//! The trait is kept as that seam: a second protocol (Pond, or ABY3 over a
//! 128-bit ring) implements [`Protocol`] with its own share type and kernels
//! (`aby3/protocol_impl.rs` is the ABY3 instance), and reuses unchanged the
//! graph, its shape rules, the session's dispatch, the network and the
//! fixed-point configuration.

pub mod aby3;
pub mod bounds;
mod division;
pub mod piecewise;

use crate::error::Result;
use crate::fixed::FixedConfig;
use crate::net::Endpoint;
use crate::net::memory::LinkModel;
use crate::ring::RingTensor;
use crate::ring::layout::{Padding, Window};
use crate::vocabulary::{Comparison, Pool, Reduce, SortOrder, Unary};

pub use aby3::{Aby3, OpContext, SeedSource, outside_group_size, outside_window_bits};
pub use division::{MAX_SHIFT, Reciprocal, reciprocal_encoding};

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
    /// Chooses among equivalent forms of its ops for `link`, the link
    /// between the servers (more rounds of fewer bytes, or the reverse).
    /// Every server must assume the same link, before its first run.
    fn assume_link(&mut self, _link: &LinkModel) {}
    /// The shape of a share.
    fn shape(share: &Self::Share) -> &[usize];
    /// Hands a share nobody needs any more to the endpoint's buffer pool,
    /// so later messages and results can reuse its memory.
    fn recycle(&self, _net: &Endpoint, _share: Self::Share) {}

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
    /// This server's additive part of `x`: the three servers' parts add up
    /// to the value, and each on its own is what `reveal` sends a player
    /// that is not a server. A client outside the mesh adds them itself.
    fn additive_part(&self, x: &Self::Share) -> RingTensor;
    /// The share of a value the servers hold as additive parts, `part`
    /// being this server's (uniformly random on its own): the inverse of
    /// [`Protocol::additive_part`].
    fn input_parts(&self, net: &mut Endpoint, ctx: OpContext, part: RingTensor) -> Result<Self::Share>;

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
    /// The product with a public tensor of ring integers (broadcasting),
    /// truncated by `shift` bits (1 to [`MAX_SHIFT`]) instead of the
    /// fractional bits.
    fn mul_public_shifted(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: &Self::Share,
        c: &RingTensor,
        shift: u32,
    ) -> Result<Self::Share>;
    /// Mean along `axis`, or of every element: the sum divided by the
    /// public count as [`Protocol::div_public`] divides.
    fn mean(&self, net: &mut Endpoint, ctx: OpContext, x: &Self::Share, axis: Option<usize>) -> Result<Self::Share> {
        let n = crate::ring::shape::reduced_count(Self::shape(x), axis)?;
        self.div_public(net, ctx, &self.sum(x, axis)?, n as f64)
    }
    /// `x / divisor` for a public divisor: the product with its scaled
    /// reciprocal, one truncation (see [`reciprocal_encoding`]).
    fn div_public(&self, net: &mut Endpoint, ctx: OpContext, x: &Self::Share, divisor: f64) -> Result<Self::Share> {
        let Reciprocal { scale, shift } = reciprocal_encoding(self.fixed(), divisor)?;
        self.mul_public_shifted(net, ctx, x, &RingTensor::filled(&[], scale), shift)
    }
    /// Cumulative sum along `axis` (no communication): `exclusive` leaves
    /// each element out of its own sum, `reverse` sums from the end.
    fn cumsum(&self, x: &Self::Share, axis: usize, exclusive: bool, reverse: bool) -> Result<Self::Share>;
    fn transpose(&self, x: &Self::Share, perm: &[usize]) -> Result<Self::Share>;
    fn reshape(&self, x: &Self::Share, shape: &[usize]) -> Result<Self::Share>;

    /// The sharing of a public tensor, without communication.
    fn share_public(&self, c: &RingTensor) -> Result<Self::Share>;
    fn unary(&self, net: &mut Endpoint, ctx: OpContext, f: Unary, x: &Self::Share) -> Result<Self::Share>;
    /// Compares `x` with `y` (shapes broadcast).
    fn compare(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        c: Comparison,
        x: &Self::Share,
        y: &Self::Share,
    ) -> Result<Self::Share>;
    fn maximum(&self, net: &mut Endpoint, ctx: OpContext, x: &Self::Share, y: &Self::Share) -> Result<Self::Share>;
    fn minimum(&self, net: &mut Endpoint, ctx: OpContext, x: &Self::Share, y: &Self::Share) -> Result<Self::Share>;
    /// Sorts along `axis` with a data-independent network of
    /// compare-and-swap steps.
    fn sort(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: &Self::Share,
        axis: usize,
        order: SortOrder,
    ) -> Result<Self::Share>;
    /// For each segment of the vector `x` (consecutive lengths summing to
    /// its length), how many of its values lie outside [−`bound`, `bound`)
    /// (a power of two), counted per block of 64 values (the blocks holding
    /// one) beyond 4,096 values ([`outside_group_size`]), as fixed-point
    /// integers: training's overflow check.
    fn count_outside(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: &Self::Share,
        bound: f64,
        segments: &[usize],
    ) -> Result<Self::Share>;
    /// `cond ? a : b` elementwise (shapes broadcast), `cond` private 0.0 or
    /// 1.0 such as a comparison's result.
    fn select(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        cond: &Self::Share,
        a: &Self::Share,
        b: &Self::Share,
    ) -> Result<Self::Share>;
    fn reduce(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        r: Reduce,
        x: &Self::Share,
        axis: usize,
    ) -> Result<Self::Share>;
    fn pool2d(&self, net: &mut Endpoint, ctx: OpContext, p: Pool, x: &Self::Share, w: Window) -> Result<Self::Share>;
    /// Mean over the spatial axes of an NHWC tensor, to [N, C].
    fn global_avg_pool2d(&self, net: &mut Endpoint, ctx: OpContext, x: &Self::Share) -> Result<Self::Share>;
    /// NHWC convolution with a [KH, KW, C, O] filter, private or public.
    fn conv2d(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: &Self::Share,
        filter: Operand<'_, Self::Share>,
        strides: (usize, usize),
        padding: Padding,
    ) -> Result<Self::Share>;
    /// Whether [`Protocol::product_relu`] has a form for a product of `n`
    /// elements; decided from shapes alone, so that every player plans the
    /// same nodes before any message.
    fn fuses_product_relu(&self, _n: usize) -> bool {
        false
    }
    /// ReLU(product + bias), a dense or convolution layer and its
    /// activation, in fewer rounds than its nodes one after another; called
    /// only where [`Protocol::fuses_product_relu`] said so. `ctx` is the
    /// ReLU node's.
    fn product_relu(
        &self,
        _net: &mut Endpoint,
        _ctx: OpContext,
        _product: Product<'_, Self::Share>,
        _bias: Option<Operand<'_, Self::Share>>,
    ) -> Result<Self::Share> {
        Err(crate::error::Error::internal("this protocol has no fused layer and ReLU"))
    }
    /// Applies an index map of `crate::ring::layout` (no communication).
    fn take(&self, x: &Self::Share, shape: &[usize], index: &[usize]) -> Result<Self::Share>;
    fn concat(&self, parts: &[&Self::Share], axis: usize) -> Result<Self::Share>;
    /// The transpose of [`Protocol::take`]: sums the elements of `x` into a
    /// tensor of `shape` at `index` (no communication).
    fn scatter_add(&self, x: &Self::Share, shape: &[usize], index: &[usize]) -> Result<Self::Share>;
}

/// The product of a layer: a matrix product, or a convolution of a private
/// NHWC input with a [KH, KW, C, O] filter.
pub enum Product<'a, S> {
    MatMul(Operand<'a, S>, Operand<'a, S>),
    Conv2d { x: &'a S, filter: Operand<'a, S>, strides: (usize, usize), padding: Padding },
}

// By hand, as for `Operand`.
impl<S> Clone for Product<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Product<'_, S> {}

/// A private or public operand.
pub enum Operand<'a, S> {
    Private(&'a S),
    Public(&'a RingTensor),
}

// By hand: a derive would ask `S: Copy`, and only references are copied.
impl<S> Clone for Operand<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Operand<'_, S> {}
