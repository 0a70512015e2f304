//! [`Protocol`] for [`Aby3`]: the session's view of the ABY3 kernels, and
//! the two it runs at every player, input and reveal.
//!
//! Input: any player may own one; the owner derives x0 and x1 from two fresh seeds and computes
//! x2 = x − x0 − x1. Server 0 gets both seeds, server 1 the seed of x1 and
//! x2, server 2 x2 and the seed of x0: about two elements per value leave
//! the owner, in one round. A value is revealed to every server or to one
//! named player; a reveal costs 8 bytes per element per sender.

use super::truncation::AdditiveShare;
use super::{Aby3, OpContext, Purpose, Share, Steps};
use crate::error::{Error, Result};
use crate::fixed::FixedConfig;
use crate::net::Endpoint;
use crate::net::memory::LinkModel;
use crate::parallel;
use crate::prng;
use crate::protocol::{Operand, Product, Protocol};
use crate::ring::RingTensor;
use crate::ring::layout::{Padding, Window};
use crate::ring::shape::numel;
use crate::vocabulary::{Comparison, Pool, Reduce, SortOrder, Unary};

impl Protocol for Aby3 {
    type Share = Share;

    fn fixed(&self) -> FixedConfig {
        self.fixed
    }

    fn holds_shares(&self) -> bool {
        self.server.is_some()
    }

    fn assume_link(&mut self, link: &LinkModel) {
        Aby3::assume_link(self, link);
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
        let n = numel(shape);
        let mut own_share = None;
        if net.me() == owner {
            let value = value.ok_or_else(|| Error::internal("the input owner has no value to share"))?;
            if value.shape() != shape {
                return Err(Error::invalid(format!(
                    "input of shape {:?} was declared with shape {shape:?}",
                    value.shape()
                )));
            }
            let seed_a = prng::draw(&self.own_seed, ctx.stream(Purpose::InputSeedA), SEED_WORDS);
            let seed_b = prng::draw(&self.own_seed, ctx.stream(Purpose::InputSeedB), SEED_WORDS);
            // Server 0 gets the seeds of x0 and x1, first: it expands them
            // while x2 is made for servers 1 and 2, which get x2 followed by
            // the seed of their other share, side by side.
            let tag = ctx.tag(STEP);
            let seeds = [&seed_a[..], &seed_b[..]].concat();
            if self.servers[0] == net.me() {
                own_share = Some(Self::unpack_input(ctx, 0, shape, seeds)?);
            } else {
                net.send(self.servers[0], tag, &seeds)?;
            }
            let mut for_1 = vec![0; n + SEED_WORDS];
            third_share(value.data(), [&seed_a, &seed_b], ctx, &mut for_1[..n]);
            let mut for_2 = for_1.clone();
            for_1[n..].copy_from_slice(&seed_b);
            for_2[n..].copy_from_slice(&seed_a);
            let mut others = Vec::new();
            for (j, message) in [(1, for_1), (2, for_2)] {
                if self.servers[j] == net.me() {
                    own_share = Some(Self::unpack_input(ctx, j, shape, message)?);
                } else {
                    others.push((self.servers[j], message));
                }
            }
            let sends: Vec<_> = others.iter().map(|(to, message)| (*to, tag, &message[..])).collect();
            net.send_many(&sends)?;
            return Ok(own_share);
        }
        let Some(j) = self.server else { return Ok(None) };
        let expected = if j == 0 { 2 * SEED_WORDS } else { SEED_WORDS + n };
        let message = Self::recv_len(net, owner, ctx.tag(STEP), expected)?;
        Ok(Some(Self::unpack_input(ctx, j, shape, message)?))
    }

    fn reveal(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: Option<&Share>,
        shape: &[usize],
        to: Option<usize>,
    ) -> Result<Option<RingTensor>> {
        let tag = ctx.tag(STEP);
        match (self.server, to) {
            (Some(i), None) => {
                let x = share_at_server(x)?;
                // Server i misses x_{i+2}, which server i+1 holds as `b`.
                net.send(self.servers[(i + 2) % 3], tag, x.b.data())?;
                let missing = Self::recv_shaped(net, self.servers[(i + 1) % 3], tag, shape)?;
                Ok(Some(open_with(x, missing)?))
            }
            (Some(i), Some(target)) => {
                let x = share_at_server(x)?;
                if let Some(t) = self.servers.iter().position(|&s| s == target) {
                    if (t + 1) % 3 == i {
                        net.send(target, tag, x.b.data())?;
                    }
                    if t == i {
                        let missing = Self::recv_shaped(net, self.servers[(i + 1) % 3], tag, shape)?;
                        return Ok(Some(open_with(x, missing)?));
                    }
                } else {
                    net.send(target, tag, x.a.data())?;
                }
                Ok(None)
            }
            (None, Some(target)) if target == net.me() => {
                let mut sum = RingTensor::zeros(shape);
                for &server in &self.servers {
                    sum.add_assign(&Self::recv_shaped(net, server, tag, shape)?)?;
                }
                Ok(Some(sum))
            }
            (None, _) => Ok(None),
        }
    }

    fn additive_part(&self, x: &Share) -> RingTensor {
        // Server i holds (x_i, x_{i+1}); x_i is its part, as in `reveal`.
        x.a.clone()
    }

    fn input_parts(&self, net: &mut Endpoint, ctx: OpContext, part: RingTensor) -> Result<Share> {
        // The additive parts are a 3-out-of-3 sharing: one reshare.
        self.reshare(net, ctx, part)
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
        let (x, c) = (Operand::Private(x), Operand::Public(c));
        let product = if public_left { self.matmul_additive(net, c, x)? } else { self.matmul_additive(net, x, c)? };
        self.truncate_additive(net, ctx, AdditiveShare::Whole(product))
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

    fn fuses_product_relu(&self, n: usize) -> bool {
        Aby3::fuses_product_relu(self, n)
    }

    fn product_relu(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        product: Product<Share>,
        bias: Option<Operand<Share>>,
    ) -> Result<Share> {
        Aby3::product_relu(self, net, ctx, product, bias)
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

    fn count_outside(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        x: &Share,
        bound: f64,
        segments: &[usize],
    ) -> Result<Share> {
        Aby3::count_outside(self, net, &mut Steps::new(ctx), x, bound, segments)
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
        filter: Operand<'_, Share>,
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

const STEP: u32 = 0;
const SEED_WORDS: usize = 4;

impl Aby3 {
    /// Server j's share from the owner's message to it: both seeds (server
    /// 0), or x2 followed by one seed (servers 1 and 2), whose x2 words
    /// become the share without a copy.
    fn unpack_input(ctx: OpContext, j: usize, shape: &[usize], mut message: Vec<u64>) -> Result<Share> {
        let n = numel(shape);
        let (a, b) = if j == 0 {
            (
                expand(&message[..SEED_WORDS], ctx, Purpose::InputShareA, n),
                expand(&message[SEED_WORDS..], ctx, Purpose::InputShareB, n),
            )
        } else {
            let seed: [u64; SEED_WORDS] = message[n..].try_into().expect("the length is checked on receipt");
            message.truncate(n);
            match j {
                1 => (expand(&seed, ctx, Purpose::InputShareB, n), message),
                _ => (message, expand(&seed, ctx, Purpose::InputShareA, n)),
            }
        };
        Ok(Share::new(RingTensor::new(shape.to_vec(), a)?, RingTensor::new(shape.to_vec(), b)?))
    }
}

/// The value a server's share `x` and the share it misses add up to,
/// summed into the received words rather than new memory.
fn open_with(x: &Share, mut missing: RingTensor) -> Result<RingTensor> {
    missing.add_assign(&x.a)?;
    missing.add_assign(&x.b)?;
    Ok(missing)
}

fn share_at_server(x: Option<&Share>) -> Result<&Share> {
    x.ok_or_else(|| Error::internal("a server has no share of the value to reveal"))
}

/// x2 = x - x0 - x1 into `x2`, where x0 and x1 are the streams the two
/// seeds (as words) expand to: made chunk by chunk, at the offsets
/// [`prng::draw`] gives them, so that the owner keeps neither.
fn third_share(x: &[u64], seeds: [&[u64]; 2], ctx: OpContext, x2: &mut [u64]) {
    let (key_a, key_b) = (words_key(seeds[0]), words_key(seeds[1]));
    let (stream_a, stream_b) = (ctx.stream(Purpose::InputShareA), ctx.stream(Purpose::InputShareB));
    parallel::for_chunks(x2, parallel::GRAIN, |start, chunk| {
        let mut x1 = [0; 1024];
        for (k, x2) in chunk.chunks_mut(x1.len()).enumerate() {
            let at = start + k * x1.len();
            let x1 = &mut x1[..x2.len()];
            prng::fill_at(&key_a, stream_a, at as u64, x2);
            prng::fill_at(&key_b, stream_b, at as u64, x1);
            for ((x2, x1), v) in x2.iter_mut().zip(&*x1).zip(&x[at..]) {
                *x2 = v.wrapping_sub(*x2).wrapping_sub(*x1);
            }
        }
    });
}

/// The words of the stream a seed (sent as 4 words) expands to.
fn expand(seed_words: &[u64], ctx: OpContext, purpose: Purpose, n: usize) -> Vec<u64> {
    prng::draw(&words_key(seed_words), ctx.stream(purpose), n)
}

/// The seed of an input share sent as words.
fn words_key(seed_words: &[u64]) -> prng::Seed {
    super::words_seed(seed_words).expect("a seed is 4 words: checked by the caller")
}
