//! Comparisons, select, ReLU and maximum on arithmetic shares.
//!
//! Every comparison is the sign of a difference: less(x, y) = msb(x − y).
//! By default the msb reads the low f + i + 3 bits (`msb.rs`), exact when
//! |x − y| < 2^(f+i+2): always for fixed-point values within the configured
//! range (|v| ≤ 2^(f+i)); with `ComparisonWidth::Full`, whenever
//! |x − y| < 2^63. The resulting bit is injected into the fixed-point
//! constant 1.0, so results are private fixed-point 0.0 / 1.0 that compose
//! with every other op. Costs: msb (6 rounds, about 16 bytes; 7 rounds and
//! 27 bytes on all 64 bits) + injection (2 rounds, ≤ 24 bytes): 8 rounds and
//! about 40 bytes per element per server.
//!
//! equal(x, y) tests x − y = 0 without an adder: with z = x − y split as
//! a = z0 + z1 (server 0) and b = z2, z = 0 exactly when the words a and −b
//! agree, so NOT(a ⊕ −b) is all ones; a tree of six ANDs folds the 64 bits.
//! 1 + 6 + 2 = 9 rounds.

use super::multiply::broadcast_pair;
use super::{Aby3, BoolShare, OpContext, Share, Steps};
use crate::error::Result;
use crate::net::Endpoint;
use crate::ring::RingTensor;

impl Aby3 {
    /// A share of a public tensor (in component 0).
    pub(super) fn share_public(&self, c: &RingTensor) -> Result<Share> {
        let zero = RingTensor::zeros(c.shape());
        Share::new(zero.clone(), zero).add_public(self.index()?, c)
    }

    /// A bit as fixed-point 0.0 / 1.0.
    fn bit_to_fixed(&self, net: &mut Endpoint, steps: &mut Steps, bit: &BoolShare) -> Result<Share> {
        let one = RingTensor::filled(bit.shape(), 1u64 << self.fixed.frac_bits);
        let one = self.share_public(&one)?;
        self.bit_inject(net, steps, bit, &one)
    }

    /// `[x < y]` as fixed-point 0/1; shapes broadcast.
    pub fn less(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, y: &Share) -> Result<Share> {
        self.compare(net, steps, &x.sub(y)?, false)
    }

    /// `[x > y]` as fixed-point 0/1.
    pub fn greater(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, y: &Share) -> Result<Share> {
        self.compare(net, steps, &y.sub(x)?, false)
    }

    /// `[x ≤ y] = NOT [x > y]`.
    pub fn less_equal(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, y: &Share) -> Result<Share> {
        self.compare(net, steps, &y.sub(x)?, true)
    }

    /// `[x ≥ y] = NOT [x < y]`.
    pub fn greater_equal(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, y: &Share) -> Result<Share> {
        self.compare(net, steps, &x.sub(y)?, true)
    }

    /// `[x < 0]` as fixed-point 0/1.
    pub fn is_negative(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        self.compare(net, steps, x, false)
    }

    /// msb(d), or its negation, as fixed-point 0/1.
    fn compare(&self, net: &mut Endpoint, steps: &mut Steps, d: &Share, negate: bool) -> Result<Share> {
        let mut bit = self.msb(net, steps, d)?;
        if negate {
            bit = bit.xor_public(self.index()?, 1);
        }
        self.bit_to_fixed(net, steps, &bit)
    }

    /// [x = y] as fixed-point 0/1: 9 rounds.
    pub fn equal(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, y: &Share) -> Result<Share> {
        let z = x.sub(y)?;
        let me = self.index()?;
        let (a, b) = self.a2b_summands(net, steps.take()?, &z)?;
        let minus_b = b.map(u64::wrapping_neg);
        // b has one nonzero component, so negating each component negates it.
        let mut all = a.xor(&minus_b)?.not(me);
        for level in 0..6 {
            let s = 1u32 << level;
            all = self.and_bool(net, steps.take()?, &all, &all.shr_logical(s))?;
        }
        self.bit_to_fixed(net, steps, &all.and_public(1))
    }

    /// ReLU(x) = x − msb(x)·x, exact in range: 8 rounds, about 40 bytes per element.
    pub fn relu(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        let bit = self.msb(net, steps, x)?;
        x.sub(&self.bit_inject(net, steps, &bit, x)?)
    }

    /// `c ? x : y` for an arithmetic share c of fixed-point 0.0 or 1.0 (a
    /// comparison's result), shapes broadcasting: y + c·(x − y), one
    /// fixed-point product (2 rounds). Exact for c ∈ {0, 1}: the product is
    /// 0 or (x − y)·2^f, a multiple of 2^f, which the truncation divides
    /// without error (its one-unit error is a carry out of the low f bits,
    /// which are zero). Other values of c interpolate, within one unit.
    pub fn select(&self, net: &mut Endpoint, ctx: OpContext, c: &Share, x: &Share, y: &Share) -> Result<Share> {
        use crate::ring::shape::broadcast_shapes;
        let shape = broadcast_shapes(c.shape(), &broadcast_shapes(x.shape(), y.shape())?)?;
        let (c, x, y) = (c.broadcast_to(&shape)?, x.broadcast_to(&shape)?, y.broadcast_to(&shape)?);
        y.add(&self.mul(net, ctx, &c, &x.sub(&y)?)?)
    }

    /// `c ? x : y` for a boolean-shared bit c (bit 0 of each word): 2 rounds.
    pub(super) fn select_bit(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        c: &BoolShare,
        x: &Share,
        y: &Share,
    ) -> Result<Share> {
        y.add(&self.bit_inject(net, steps, c, &x.sub(y)?)?)
    }

    /// Elementwise maximum (shapes broadcast): 8 rounds.
    pub fn maximum(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, y: &Share) -> Result<Share> {
        let (x, y) = broadcast_pair(x, y)?;
        let (x, y) = (x.as_ref(), y.as_ref());
        // y < x ⇔ msb(y − x): then x, else y.
        let bit = self.msb(net, steps, &y.sub(x)?)?;
        self.select_bit(net, steps, &bit, x, y)
    }
}
