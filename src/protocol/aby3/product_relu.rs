//! A dense or convolution layer and its ReLU, ReLU(x·w + b) or
//! ReLU(conv(x, w) + b), in four rounds instead of five: the truncation of
//! the product (2 rounds, `truncation.rs`) and the three-round sign
//! (`sign_lists.rs`) overlap.
//!
//! The sign needs no round of its own to start: after the truncation's
//! first round, servers 0 and 1 know c = p + r and server 2 knows r, and
//! the truncation's result is v = ⌊c / 2^f⌋ − ⌊r / 2^f⌋ (modulo 2^(64−f)):
//! ⌊p / 2^f⌋ plus its carry e = [c mod 2^f < r mod 2^f], the one-unit
//! error `truncation.rs` states. So v = a + b with a = −⌊r / 2^f⌋ at one
//! server and b = ⌊c / 2^f⌋ at two: the form the sign takes its operand in,
//! with server 2 in the sign's role 0 and servers 0 and 1 in roles 1 and 2
//! (`SignRoles` with rotation 2). The ReLU is of v itself, exactly as when
//! the two run one after the other.
//!
//! 1. The truncation opens c; server 2, which knows r at once, also sends
//!    its list (to server 1) and m1 with the offers of the first transfer
//!    (to server 0): the shares of the truncated value it offers on come
//!    from seeds.
//! 2. Servers 0 and 1 exchange their parts of the truncated value; server 0
//!    also sends its list to server 1.
//! 3. Server 1 learns the sign's masked bit and sends m2 to server 0 and
//!    the offers of the second transfer (on its share of the truncated
//!    value, complete now) to server 2.
//! 4. The three parts of (1 − msb(v))·v are reshared.
//!
//! The sign compares the k = f + i + 3 low bits of a + b, which agree with
//! v's (k ≤ 64 − f), so it is exact in the range of the unfused ReLU. The
//! messages of rounds 1 and 2 are the truncation's, sent as a second part
//! of its rounds (`truncation_rounds`), so each round counts once. Security
//! is that of the two protocols composed: the sign's view at each server is
//! its view under rotation 2, the truncation's is unchanged, and each draws
//! its own keystreams (docs/protocols.md).

use super::sign_lists::{SignRoles, role_0_part};
use super::truncation::{AdditiveShare, truncation_rounds};
use super::{Aby3, OpContext, Share, Steps};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::net::frame::MAX_PARTS;
use crate::parallel::map;
use crate::protocol::{Operand, Product};
use crate::ring::RingTensor;

/// The part index, within the truncation's rounds, of the sign's messages:
/// the last, as the truncation's own take the first (at most 4 for the
/// 2^16 elements a three-round sign takes at most).
const SIGN_PART: usize = MAX_PARTS - 1;
/// The message step of the sign's own round (m2 and the second offers).
const SIGN_STEP: u32 = 0;
/// The sign's roles: role r is server (r + 2) mod 3, so server 2 (which
/// knows r) holds the summand a = −r and servers 0 and 1 the summand c.
const ROLES: SignRoles = SignRoles { rotation: 2 };

impl Aby3 {
    /// Whether [`Aby3::product_relu`] takes its four-round form on a
    /// product of `n` elements: where the sign of the ReLU takes three
    /// rounds.
    pub fn fuses_product_relu(&self, n: usize) -> bool {
        self.sign_in_three_rounds(n) && self.fixed.comparison_bits() + self.fixed.frac_bits <= 64
    }

    /// ReLU(product + bias) in four rounds (module docs), where
    /// [`Aby3::fuses_product_relu`] allows; `bias` broadcasts to the
    /// product.
    pub fn product_relu(
        &self,
        net: &mut Endpoint,
        ctx: OpContext,
        product: Product<Share>,
        bias: Option<Operand<Share>>,
    ) -> Result<Share> {
        let me = self.index()?;
        let mut p = match product {
            Product::MatMul(x, w) => self.matmul_additive(net, x, w)?,
            Product::Conv2d { x, filter, strides, padding } => {
                self.conv2d_additive(net, x, filter, strides, padding)?
            }
        };
        // This server's additive part of b·2^f: its first share, or the
        // public value at server 0.
        let f = self.fixed.frac_bits;
        let bias = match bias {
            Some(Operand::Private(b)) => Some(&b.a),
            Some(Operand::Public(b)) if me == 0 => Some(b),
            _ => None,
        };
        if let Some(b) = bias {
            let shape = p.shape().to_vec();
            p = p.zip_with(b, |p, b| p.wrapping_add(b << f))?;
            if p.shape() != shape {
                return Err(Error::internal(format!("a bias of shape {:?} widens the product", b.shape())));
            }
        }
        if !self.fuses_product_relu(p.len()) {
            return Err(Error::internal(format!("a fused layer and ReLU of {} elements", p.len())));
        }
        self.truncate_relu(net, &mut Steps::new(ctx), p)
    }

    /// ReLU(⌊p / 2^f⌋ + e) for this server's additive part `p` of p.
    pub(super) fn truncate_relu(&self, net: &mut Endpoint, steps: &mut Steps, p: RingTensor) -> Result<Share> {
        let (trunc, first, second, third) = (steps.take()?, steps.take()?, steps.take()?, steps.take()?);
        let (shape, n, k, f) = (p.shape().to_vec(), p.len(), self.fixed.comparison_bits(), self.fixed.frac_bits);
        let [open, exchange] = truncation_rounds(trunc).map(|tag| tag.part(SIGN_PART));
        let at = |role: usize| self.servers[ROLES.server(role)];
        let me = self.index()?;
        let part = match ROLES.of(me) {
            0 => {
                let mut r = vec![0u64; n];
                let v = self.truncate_at_2(net, trunc, AdditiveShare::Whole(p), f, Some(&mut r))?;
                let a = map(n, |i| (r[i] >> f).wrapping_neg());
                let (v0, v1) = (v.a.data(), v.b.data());
                let sent = self.sign_role_0(first, k, &a, true, |i| v0[i].wrapping_add(v1[i]))?;
                net.send(at(2), open, &sent.lists)?;
                net.send(at(1), open, &sent.to_role_1)?;
                let offers = Self::recv_len(net, at(2), second.tag(SIGN_STEP), 2 * n)?;
                role_0_part(&offers, &sent.m1)
            }
            role => {
                let mut c = vec![0u64; n];
                let opened = self.truncate_open(net, trunc, AdditiveShare::Whole(p), me, f, Some(&mut c))?;
                for c in &mut c {
                    *c >>= f;
                }
                if role == 1 {
                    let lists = self.sign_role_1_lists(first, k, &c)?;
                    net.send(at(2), exchange, &lists)?;
                    opened.close(net)?;
                    let from_0 = Self::recv_len(net, at(0), open, 3 * n)?;
                    let m2 = Self::recv_len(net, at(2), second.tag(SIGN_STEP), n)?;
                    self.sign_role_1_part(second, &from_0, &m2)?
                } else {
                    let v = opened.close(net)?;
                    let lists_0 = Self::recv_len(net, at(0), open, k as usize * n)?;
                    let lists_1 = Self::recv_len(net, at(1), exchange, k as usize * n)?;
                    let sent = self.sign_role_2([first, second], k, [&lists_0, &lists_1], &c, v.a.data())?;
                    net.send(at(1), second.tag(SIGN_STEP), &sent.m2)?;
                    net.send(at(0), second.tag(SIGN_STEP), &sent.offers)?;
                    sent.part
                }
            }
        };
        self.reshare(net, third, RingTensor::new(shape, part)?)
    }
}
