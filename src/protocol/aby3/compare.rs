//! Comparisons, select, ReLU and maximum on arithmetic shares.
//!
//! Every comparison is the sign of a difference: less(x, y) = msb(x − y),
//! and every op here is one `msb_times`, the sign times a value: 3 rounds on
//! up to 256 elements (`sign_lists.rs`), else the msb and its injection.
//! By default the msb reads the low f + i + 3 bits (`msb.rs`), exact when
//! |x − y| < 2^(f+i+2): always for fixed-point values within the configured
//! range (|v| ≤ 2^(f+i)); with `ComparisonWidth::Full`, whenever
//! |x − y| < 2^63. The resulting bit is injected into the fixed-point
//! constant 1.0, so results are private fixed-point 0.0 / 1.0 that compose
//! with every other op. Costs of the eight-round form: msb (6 rounds, about
//! 16 bytes; 7 rounds and 27 bytes on all 64 bits) + injection (2 rounds,
//! ≤ 24 bytes): 8 rounds and about 40 bytes per element per server.
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
    pub(super) fn bit_to_fixed(&self, net: &mut Endpoint, steps: &mut Steps, bit: &BoolShare) -> Result<Share> {
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
    #[cfg(test)]
    pub fn is_negative(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        self.compare(net, steps, x, false)
    }

    /// msb(d), or its negation, as fixed-point 0/1.
    fn compare(&self, net: &mut Endpoint, steps: &mut Steps, d: &Share, negate: bool) -> Result<Share> {
        let one = self.share_public(&RingTensor::filled(d.shape(), 1u64 << self.fixed.frac_bits))?;
        self.msb_times(net, steps, d, negate, &one)
    }

    /// `[(msb(d) ⊕ negate)·v]` for d and v of one shape: 3 rounds on
    /// tensors small enough that rounds cost more than bytes
    /// (`sign_lists.rs`), else the msb (6 rounds) and its injection (2).
    pub(super) fn msb_times(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        d: &Share,
        negate: bool,
        v: &Share,
    ) -> Result<Share> {
        if self.sign_in_three_rounds(d.len()) {
            return self.sign_times(net, steps, d, negate, v);
        }
        let mut bit = self.msb(net, steps, d)?;
        if negate {
            bit = bit.xor_public(self.index()?, 1);
        }
        self.bit_inject(net, steps, &bit, v)
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

    /// ReLU(x) = x − msb(x)·x, exact in range: 3 rounds and 43 words per
    /// element on up to 256 elements, else 8 rounds and about 40 bytes.
    pub fn relu(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        x.sub(&self.msb_times(net, steps, x, false, x)?)
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

    /// Elementwise maximum (shapes broadcast): 3 rounds on small tensors, else 8.
    pub fn maximum(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, y: &Share) -> Result<Share> {
        let (x, y) = broadcast_pair(x, y)?;
        let (x, y) = (x.as_ref(), y.as_ref());
        // y < x ⇔ msb(y − x): then x, else y.
        y.add(&self.msb_times(net, steps, &y.sub(x)?, false, &x.sub(y)?)?)
    }
}
