//! Getting values in and out: input sharing by any player, reveal to every
//! server or to one named player.
//!
//! Input: the owner derives x0 and x1 from two fresh seeds and computes
//! x2 = x − x0 − x1. Server 0 gets both seeds, server 1 the seed of x1 and
//! x2, server 2 x2 and the seed of x0: about two elements per value leave
//! the owner, in one round. Reveal costs 8 bytes per element per sender.

use super::{Aby3, OpContext, Purpose, Share};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::prng;
use crate::ring::RingTensor;
use crate::ring::shape::numel;

const STEP: u32 = 0;
const SEED_WORDS: usize = 4;

impl Aby3 {
    /// Shares a value of `shape` owned by player `owner` (an endpoint index).
    /// The owner passes `Some(value)`; servers get their share, other
    /// players get `None`.
    pub fn input(
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
            let x0 = expand(&seed_a, ctx, Purpose::InputShareA, n);
            let x1 = expand(&seed_b, ctx, Purpose::InputShareB, n);
            let x2: Vec<u64> = (0..n).map(|i| value.data()[i].wrapping_sub(x0[i]).wrapping_sub(x1[i])).collect();
            for j in 0..3 {
                let message = match j {
                    0 => [&seed_a[..], &seed_b[..]].concat(),
                    1 => [&seed_b[..], &x2[..]].concat(),
                    _ => [&x2[..], &seed_a[..]].concat(),
                };
                if self.servers[j] == net.me() {
                    own_share = Some(Self::unpack_input(ctx, j, shape, &message)?);
                } else {
                    net.send(self.servers[j], ctx.tag(STEP), &message)?;
                }
            }
            return Ok(own_share);
        }
        let Some(j) = self.server else { return Ok(None) };
        let expected = if j == 0 { 2 * SEED_WORDS } else { SEED_WORDS + n };
        let message = Self::recv_len(net, owner, ctx.tag(STEP), expected)?;
        Ok(Some(Self::unpack_input(ctx, j, shape, &message)?))
    }

    /// Server j's share from the owner's message to it.
    fn unpack_input(ctx: OpContext, j: usize, shape: &[usize], message: &[u64]) -> Result<Share> {
        let n = numel(shape);
        let (a, b) = match j {
            0 => (
                expand(&message[..SEED_WORDS], ctx, Purpose::InputShareA, n),
                expand(&message[SEED_WORDS..], ctx, Purpose::InputShareB, n),
            ),
            1 => (expand(&message[..SEED_WORDS], ctx, Purpose::InputShareB, n), message[SEED_WORDS..].to_vec()),
            _ => (message[..n].to_vec(), expand(&message[n..], ctx, Purpose::InputShareA, n)),
        };
        Ok(Share::new(RingTensor::new(shape.to_vec(), a)?, RingTensor::new(shape.to_vec(), b)?))
    }

    /// Reveals a shared value to every server (`to = None`) or to one player.
    /// Returns the value at the players that learn it, `None` elsewhere.
    pub fn reveal(
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

/// The words of the stream a seed (sent as 4 words) expands to.
fn expand(seed_words: &[u64], ctx: OpContext, purpose: Purpose, n: usize) -> Vec<u64> {
    let seed = super::words_seed(seed_words).expect("a seed is 4 words: checked by the caller");
    prng::draw(&seed, ctx.stream(purpose), n)
}
