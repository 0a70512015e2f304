//! Conversions between arithmetic and boolean shares: A2B, the most
//! significant bit, bit injection and B2A.
//!
//! A2B writes x = a + b with a = x0 + x1 (known to server 0, which
//! boolean-shares it: one round) and b = x2 (held by servers 1 and 2 as a
//! boolean component: free), then adds them with a Kogge–Stone adder:
//! one AND round for the generate bits and six for the prefix (spans 1 to
//! 32), 8 rounds in all; the P and G updates of a level travel in one
//! message (16 bytes per element, the last level 8).
//!
//! The MSB needs only one carry, from the low bits the fixed-point range
//! uses: a bit-sliced tree in `msb.rs`.
//!
//! Bit injection multiplies a shared bit m = m0 ⊕ m1 ⊕ m2 by an arithmetic
//! share x with two one-round transfers in parallel: server 0 knows
//! e = m0 ⊕ m1 and x0 + x1 and offers (e ⊕ c)(x0 + x1) for c = 0, 1, masked
//! by two words it shares with server 2; server 1 takes the one for c = m2
//! and server 2, who also knows m2, keeps its mask. Symmetrically server 1
//! offers (m1 ⊕ m2 ⊕ c)·x2 to server 0, who chooses with m0. The receiver
//! sees one masked value and one random word. The parts form a 3-out-of-3
//! sharing of m·x, reshared in a second round: 2 rounds, at most 24 bytes
//! per element per server.

use super::{Aby3, BoolShare, OpContext, Purpose, Share, Steps};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::parallel::{map, map2};
use crate::ring::RingTensor;

const TRANSFER_STEP: u32 = 0;
#[cfg(test)]
const OPEN_STEP: u32 = 0;

impl Aby3 {
    /// Boolean shares of the two summands a = x0 + x1 and b = x2 of x.
    pub(super) fn a2b_summands(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<(BoolShare, BoolShare)> {
        let me = self.index()?;
        let shape = x.shape().to_vec();
        let a_value: Option<Vec<u64>> = (me == 0).then(|| x.a.add(&x.b).map(RingTensor::into_data)).transpose()?;
        let a = self.share_bool_from(net, ctx, 0, a_value.as_deref(), &shape)?;
        let zero = RingTensor::zeros(&shape);
        let b = match me {
            0 => BoolShare::new(zero.clone(), zero),
            1 => BoolShare::new(zero, x.b.clone()),
            _ => BoolShare::new(x.a.clone(), zero),
        };
        Ok((a, b))
    }

    /// Arithmetic to boolean: 8 rounds, at most 104 bytes per element.
    #[cfg(test)]
    pub fn a2b(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<BoolShare> {
        let (a, b) = self.a2b_summands(net, steps.take()?, x)?;
        self.add_bool(net, steps, &a, &b)
    }

    /// The sum of two boolean-shared words (mod 2^64): Kogge–Stone, 7 rounds.
    #[cfg(test)]
    pub(super) fn add_bool(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        a: &BoolShare,
        b: &BoolShare,
    ) -> Result<BoolShare> {
        let p0 = a.xor(b)?;
        let mut g = self.and_bool(net, steps.take()?, a, b)?;
        let mut p = p0.clone();
        for level in 0..6 {
            let s = 1u32 << level;
            if level < 5 {
                // G ^= P & (G << s) and P &= P << s, in one message.
                let left = concat(&p, &p);
                let right = concat(&g.shl(s), &p.shl(s));
                let (za, zb) = self.and_words(net, steps.take()?, [&left.0, &left.1, &right.0, &right.1])?;
                let n = p.len();
                g = g.xor(&from_words(g.shape(), za[..n].to_vec(), zb[..n].to_vec())?)?;
                p = from_words(p.shape(), za[n..].to_vec(), zb[n..].to_vec())?;
            } else {
                g = g.xor(&self.and_bool(net, steps.take()?, &p, &g.shl(s))?)?;
            }
        }
        p0.xor(&g.shl(1))
    }

    /// The most significant bit of x, as a boolean share in bit 0 of each
    /// word (other bits zero): 6 rounds, about 16 bytes per element on the
    /// default 39 bits (see `msb.rs` for the range in which it is exact).
    /// `bit · x` for a boolean-shared bit (bit 0 of each word) and an
    /// arithmetic share of the same shape: 2 rounds.
    pub fn bit_inject(&self, net: &mut Endpoint, steps: &mut Steps, bit: &BoolShare, x: &Share) -> Result<Share> {
        if bit.shape() != x.shape() {
            return Err(Error::invalid(format!(
                "bit injection needs equal shapes, found bits {:?} and values {:?}",
                bit.shape(),
                x.shape()
            )));
        }
        let ctx = steps.take()?;
        let n = x.len();
        let tag = ctx.tag(TRANSFER_STEP);
        let (ma, mb) = (bit.a.data(), bit.b.data());
        let (xa, xb) = (x.a.data(), x.b.data());
        let pick = |offers: &[u64], c: &(dyn Fn(usize) -> u64 + Sync)| -> Vec<u64> {
            map(n, |i| offers[c(i) as usize * n + i])
        };
        let z = match self.index()? {
            0 => {
                // e = m0 ⊕ m1, v = x0 + x1; masks shared with server 2.
                let r = self.transfer_masks(false, ctx, n)?;
                let mine = transfer_offers(n, |i| (ma[i] ^ mb[i]) & 1, |i| xa[i].wrapping_add(xb[i]), &r);
                net.send(self.servers[1], tag, &mine)?;
                let theirs = Self::recv_len(net, self.servers[1], tag, 2 * n)?;
                pick(&theirs, &|i| ma[i] & 1)
            }
            1 => {
                // e = m1 ⊕ m2, v = x2; masks shared with server 2.
                let r = self.transfer_masks(true, ctx, n)?;
                let mine = transfer_offers(n, |i| (ma[i] ^ mb[i]) & 1, |i| xb[i], &r);
                net.send(self.servers[0], tag, &mine)?;
                let theirs = Self::recv_len(net, self.servers[0], tag, 2 * n)?;
                pick(&theirs, &|i| mb[i] & 1)
            }
            _ => {
                // Holds m2 (a) and m0 (b): keeps the masks the receivers chose.
                let from_0 = self.transfer_masks(true, ctx, n)?;
                let from_1 = self.transfer_masks(false, ctx, n)?;
                map(n, |i| chosen_mask(&from_0, ma[i] & 1, i).wrapping_add(chosen_mask(&from_1, mb[i] & 1, i)))
            }
        };
        self.reshare(net, steps.take()?, RingTensor::new(x.shape().to_vec(), z)?)
    }

    /// The two masks of a transfer, from the seed shared with the next
    /// (`next`) or the previous server.
    pub(super) fn transfer_masks(&self, next: bool, ctx: OpContext, n: usize) -> Result<(Vec<u64>, Vec<u64>)> {
        let (mut r0, mut r1) = (vec![0u64; n], vec![0u64; n]);
        self.fill_at(next, ctx, Purpose::InjectMask0, 0, &mut r0)?;
        self.fill_at(next, ctx, Purpose::InjectMask1, 0, &mut r1)?;
        Ok((r0, r1))
    }

    /// Boolean to arithmetic for whole words: 9 rounds.
    ///
    /// Components x1 and x2 of the result are drawn from seeds (server 1
    /// knows both); server 1 boolean-shares −x1 − x2, the adder computes
    /// x0 = x − x1 − x2, which is opened to servers 0 and 2.
    #[cfg(test)]
    pub fn b2a(&self, net: &mut Endpoint, steps: &mut Steps, x: &BoolShare) -> Result<Share> {
        let me = self.index()?;
        let shape = x.shape().to_vec();
        let n = x.len();
        let draw_ctx = steps.take()?;
        let draw = |next: bool| -> Result<Vec<u64>> {
            let mut out = vec![0u64; n];
            self.fill_at(next, draw_ctx, Purpose::B2aComponent, 0, &mut out)?;
            Ok(out)
        };
        // Server i's seeds: `next` with i+1 and `prev` with i−1. Component 1
        // comes from the seed of servers 0 and 1, component 2 from 1 and 2.
        let (c1, c2) = match me {
            0 => (Some(draw(true)?), None),
            1 => (Some(draw(false)?), Some(draw(true)?)),
            _ => (None, Some(draw(false)?)),
        };
        let neg_sum: Option<Vec<u64>> = (me == 1).then(|| {
            let (c1, c2) = (c1.as_ref().unwrap(), c2.as_ref().unwrap());
            (0..n).map(|i| c1[i].wrapping_add(c2[i]).wrapping_neg()).collect()
        });
        let t = self.share_bool_from(net, steps.take()?, 1, neg_sum.as_deref(), &shape)?;
        let c0 = self.add_bool(net, steps, x, &t)?;
        // Open component 0 to servers 0 and 2: server 0 misses boolean
        // component 2 (from server 1), server 2 misses component 1 (from 0).
        let tag = steps.take()?.tag(OPEN_STEP);
        let tensor = |v: Vec<u64>| RingTensor::new(shape.clone(), v);
        match me {
            0 => {
                net.send(self.servers[2], tag, c0.b.data())?;
                let missing = Self::recv_len(net, self.servers[1], tag, n)?;
                let v0 = (0..n).map(|i| c0.a.data()[i] ^ c0.b.data()[i] ^ missing[i]).collect();
                Ok(Share::new(tensor(v0)?, tensor(c1.unwrap())?))
            }
            1 => {
                net.send(self.servers[0], tag, c0.b.data())?;
                Ok(Share::new(tensor(c1.unwrap())?, tensor(c2.unwrap())?))
            }
            _ => {
                let missing = Self::recv_len(net, self.servers[0], tag, n)?;
                let v0 = (0..n).map(|i| c0.a.data()[i] ^ c0.b.data()[i] ^ missing[i]).collect();
                Ok(Share::new(tensor(c2.unwrap())?, tensor(v0)?))
            }
        }
    }
}

/// A transfer's offers `(e ⊕ c)·v − mask_c`: all of c = 0, then all of c = 1.
pub(super) fn transfer_offers(
    n: usize,
    e: impl Fn(usize) -> u64 + Sync + Send,
    v: impl Fn(usize) -> u64 + Sync + Send,
    masks: &(Vec<u64>, Vec<u64>),
) -> Vec<u64> {
    let (zero, one) = map2(n, |i| {
        let (e, v) = (e(i), v(i));
        let ev = e.wrapping_mul(v);
        (ev.wrapping_sub(masks.0[i]), v.wrapping_sub(ev).wrapping_sub(masks.1[i]))
    });
    [zero, one].concat()
}

/// The mask a transfer's receiver took for choice c of element i.
pub(super) fn chosen_mask(masks: &(Vec<u64>, Vec<u64>), c: u64, i: usize) -> u64 {
    if c == 0 { masks.0[i] } else { masks.1[i] }
}

/// The components of two boolean shares, one after the other.
#[cfg(test)]
fn concat(x: &BoolShare, y: &BoolShare) -> (Vec<u64>, Vec<u64>) {
    ([x.a.data(), y.a.data()].concat(), [x.b.data(), y.b.data()].concat())
}

#[cfg(test)]
fn from_words(shape: &[usize], a: Vec<u64>, b: Vec<u64>) -> Result<BoolShare> {
    Ok(BoolShare::new(RingTensor::new(shape.to_vec(), a)?, RingTensor::new(shape.to_vec(), b)?))
}
