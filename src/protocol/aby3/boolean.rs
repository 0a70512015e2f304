//! Boolean (XOR) replicated shares over `u64` words, and the AND protocol.
//!
//! A word w = w0 ⊕ w1 ⊕ w2; server i holds `(w_i, w_{i+1})`, like the
//! arithmetic [`Share`](super::Share). XOR, NOT, shifts and AND with a
//! public mask are local, because each is linear over GF(2) (an arithmetic
//! right shift too: it copies bit 63, and copying commutes with XOR).
//! AND costs one round and 8 bytes per word per server: each server XORs
//! its three cross terms with a zero-sharing drawn from the pairwise seeds
//! and sends the result to the previous server, exactly like the
//! arithmetic product's reshare.

use crate::parallel::{GRAIN, try_for_chunks};

use super::{Aby3, OpContext, Purpose};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::ring::RingTensor;
use crate::ring::shape::fmt_shape;

const AND_STEP: u32 = 0;
const SHARE_STEP: u32 = 0;
#[cfg(test)]
const REVEAL_STEP: u32 = 0;

/// One server's replicated XOR share of a tensor of 64-bit words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoolShare {
    /// `w_i`, where i is the holder's server index.
    pub a: RingTensor,
    /// w_{i+1}.
    pub b: RingTensor,
}

impl BoolShare {
    pub fn new(a: RingTensor, b: RingTensor) -> Self {
        debug_assert_eq!(a.shape(), b.shape());
        BoolShare { a, b }
    }

    pub fn shape(&self) -> &[usize] {
        self.a.shape()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.a.len()
    }

    /// Applies a GF(2)-linear map of words to both components.
    pub fn map(&self, f: impl Fn(u64) -> u64 + Sync + Send + Copy) -> BoolShare {
        BoolShare::new(self.a.map(f), self.b.map(f))
    }

    pub fn xor(&self, other: &BoolShare) -> Result<BoolShare> {
        check_same(self, other)?;
        Ok(BoolShare::new(self.a.xor(&other.a)?, self.b.xor(&other.b)?))
    }

    /// XORs a public word into every element (into component 0 only, which
    /// server 0 holds as `a` and server 2 as `b`).
    pub fn xor_public(&self, server: usize, c: u64) -> BoolShare {
        match server {
            0 => BoolShare::new(self.a.map(move |w| w ^ c), self.b.clone()),
            2 => BoolShare::new(self.a.clone(), self.b.map(move |w| w ^ c)),
            _ => self.clone(),
        }
    }

    /// AND with a public word, local.
    pub fn and_public(&self, c: u64) -> BoolShare {
        self.map(move |w| w & c)
    }

    /// Bitwise NOT.
    pub fn not(&self, server: usize) -> BoolShare {
        self.xor_public(server, u64::MAX)
    }

    #[cfg(test)]
    pub fn shl(&self, amount: u32) -> BoolShare {
        self.map(move |w| w << amount)
    }

    pub fn shr_logical(&self, amount: u32) -> BoolShare {
        self.map(move |w| w >> amount)
    }

    #[cfg(test)]
    pub fn shr_arithmetic(&self, amount: u32) -> BoolShare {
        self.map(move |w| ((w as i64) >> amount) as u64)
    }
}

/// One server's part of x & y for replicated components `(x_i, x_{i+1})` and
/// `(y_i, y_{i+1})`: the three cross terms it can form. The parts of the three
/// servers XOR to x & y.
#[inline(always)]
pub(super) fn cross_terms(xa: u64, xb: u64, ya: u64, yb: u64) -> u64 {
    (xa & (ya ^ yb)) ^ (xb & ya)
}

fn check_same(x: &BoolShare, y: &BoolShare) -> Result<()> {
    if x.shape() != y.shape() {
        return Err(Error::invalid(format!(
            "boolean shares of shapes {} and {} cannot be combined (expected equal shapes)",
            fmt_shape(x.shape()),
            fmt_shape(y.shape())
        )));
    }
    Ok(())
}

impl Aby3 {
    /// Bitwise AND of two boolean shares: one round, 8 bytes per word.
    pub fn and_bool(&self, net: &mut Endpoint, ctx: OpContext, x: &BoolShare, y: &BoolShare) -> Result<BoolShare> {
        check_same(x, y)?;
        let (a, b) = self.and_words(net, ctx, [x.a.data(), x.b.data(), y.a.data(), y.b.data()])?;
        let shape = x.shape().to_vec();
        Ok(BoolShare::new(RingTensor::new(shape.clone(), a)?, RingTensor::new(shape, b)?))
    }

    /// The AND kernel on raw words `[x_a, x_b, y_a, y_b]` of equal length;
    /// returns this server's two components of x & y.
    pub(super) fn and_words(&self, net: &mut Endpoint, ctx: OpContext, w: [&[u64]; 4]) -> Result<(Vec<u64>, Vec<u64>)> {
        let [xa, xb, ya, yb] = w;
        self.reshare_xor(net, ctx, xa.len(), |j| cross_terms(xa[j], xb[j], ya[j], yb[j]))
    }

    /// Turns a 3-out-of-3 XOR sharing into a replicated one in one round
    /// (8 bytes per word): `local(j)` is this server's part of word j, for
    /// example its [`cross_terms`] of a product, or an XOR of several (an
    /// inner product costs what one AND costs). The part is masked with a
    /// zero-sharing drawn from the pairwise seeds, in the same pass, and sent
    /// to the previous server.
    pub(super) fn reshare_xor(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        n: usize,
        local: impl Fn(usize) -> u64 + Sync,
    ) -> Result<(Vec<u64>, Vec<u64>)> {
        let mut z = vec![0u64; n];
        try_for_chunks(&mut z, GRAIN, |start, out| {
            let mut words = vec![0u64; 2 * out.len()];
            let (from_next, from_prev) = words.split_at_mut(out.len());
            self.fill_at(true, ctx, Purpose::AndZeroShare, start, from_next)?;
            self.fill_at(false, ctx, Purpose::AndZeroShare, start, from_prev)?;
            for (i, o) in out.iter_mut().enumerate() {
                *o = local(start + i) ^ from_next[i] ^ from_prev[i];
            }
            Ok::<(), Error>(())
        })?;
        let tag = ctx.tag(AND_STEP);
        net.send(self.neighbour(2)?, tag, &z)?;
        let other = Self::recv_len(net, self.neighbour(1)?, tag, n)?;
        Ok((z, other))
    }

    /// Boolean-shares words known to server `owner` alone, in one round in
    /// which only the owner sends (8 bytes per word, to one server).
    ///
    /// The owner's components are (v ⊕ r, r) with r from the seed it shares
    /// with the next server; the third component is zero. The owner passes
    /// `Some(v)`, the others `None`.
    pub(super) fn share_bool_from(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        owner: usize,
        value: Option<&[u64]>,
        shape: &[usize],
    ) -> Result<BoolShare> {
        let n = crate::ring::shape::numel(shape);
        let me = self.index()?;
        let tensor = |v: Vec<u64>| RingTensor::new(shape.to_vec(), v);
        if me == owner {
            let v = value.ok_or_else(|| Error::internal("the owner of a boolean input has no value"))?;
            let mut r = vec![0u64; n];
            self.fill_at(true, ctx, Purpose::BoolInputMask, 0, &mut r)?;
            let masked = crate::parallel::map(n, |i| v[i] ^ r[i]);
            net.send(self.neighbour(2)?, ctx.tag(SHARE_STEP), &masked)?;
            Ok(BoolShare::new(tensor(masked)?, tensor(r)?))
        } else if me == (owner + 1) % 3 {
            let mut r = vec![0u64; n];
            self.fill_at(false, ctx, Purpose::BoolInputMask, 0, &mut r)?;
            Ok(BoolShare::new(tensor(r)?, RingTensor::zeros(shape)))
        } else {
            let masked = Self::recv_len(net, self.servers[owner], ctx.tag(SHARE_STEP), n)?;
            Ok(BoolShare::new(RingTensor::zeros(shape), tensor(masked)?))
        }
    }

    /// Opens a boolean share to every server: one round, 8 bytes per word.
    #[cfg(test)]
    pub fn reveal_bool(&self, net: &mut Endpoint, ctx: OpContext, x: &BoolShare) -> Result<RingTensor> {
        let tag = ctx.tag(REVEAL_STEP);
        net.send(self.neighbour(2)?, tag, x.b.data())?;
        let missing = Self::recv_len(net, self.neighbour(1)?, tag, x.len())?;
        let data = (0..x.len()).map(|i| x.a.data()[i] ^ x.b.data()[i] ^ missing[i]).collect();
        RingTensor::new(x.shape().to_vec(), data)
    }
}
