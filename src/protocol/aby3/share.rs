//! Replicated 2-out-of-3 arithmetic shares and the ops on them that need no
//! communication.
//!
//! A value x = x0 + x1 + x2 (mod 2^64). Server i holds `(x_i, x_{i+1})`: `a` is
//! `x_i` and `b` is `x_{i+1}`. Linear ops act on both components; a public
//! constant is added to x0 only, which server 0 holds as `a` and server 2 as `b`.

use crate::error::Result;
use crate::ring::RingTensor;

/// One server's replicated share of a tensor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// `x_i`, where i is the holder's server index.
    pub a: RingTensor,
    /// x_{i+1}.
    pub b: RingTensor,
}

impl Share {
    pub fn new(a: RingTensor, b: RingTensor) -> Self {
        debug_assert_eq!(a.shape(), b.shape());
        Share { a, b }
    }

    pub fn shape(&self) -> &[usize] {
        self.a.shape()
    }

    pub fn len(&self) -> usize {
        self.a.len()
    }

    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }

    pub fn add(&self, other: &Share) -> Result<Share> {
        Ok(Share::new(self.a.add(&other.a)?, self.b.add(&other.b)?))
    }

    pub fn sub(&self, other: &Share) -> Result<Share> {
        Ok(Share::new(self.a.sub(&other.a)?, self.b.sub(&other.b)?))
    }

    pub fn neg(&self) -> Share {
        Share::new(self.a.neg(), self.b.neg())
    }

    /// Which of server `server`'s components, `[a, b]`, is x0: the one a
    /// public value is added to (server 0 holds x0 as `a`, server 2 as `b`,
    /// server 1 not at all).
    pub(super) fn holds_x0(server: usize) -> [bool; 2] {
        [server == 0, server == 2]
    }

    /// Adds a public tensor (broadcasting) held by the server with index `server`.
    /// c is added to x0 ([`Share::holds_x0`]); a component without it is
    /// copied, or broadcast where c is larger.
    pub fn add_public(&self, server: usize, c: &RingTensor) -> Result<Share> {
        let shape = crate::ring::shape::broadcast_shapes(self.shape(), c.shape())?;
        let plus = |t: &RingTensor, gets_c: bool| -> Result<RingTensor> {
            if gets_c {
                t.add(c)
            } else if t.shape() == shape.as_slice() {
                Ok(t.clone())
            } else {
                t.add(&RingTensor::zeros(c.shape()))
            }
        };
        let [in_a, in_b] = Share::holds_x0(server);
        Ok(Share::new(plus(&self.a, in_a)?, plus(&self.b, in_b)?))
    }

    /// `c - x` for a public `c`.
    pub fn rsub_public(&self, server: usize, c: &RingTensor) -> Result<Share> {
        self.neg().add_public(server, c)
    }

    /// Multiplies by a public tensor (broadcasting), without truncation.
    pub fn mul_public(&self, c: &RingTensor) -> Result<Share> {
        Ok(Share::new(self.a.mul(c)?, self.b.mul(c)?))
    }

    pub fn reshape(&self, shape: &[usize]) -> Result<Share> {
        Ok(Share::new(self.a.reshape(shape)?, self.b.reshape(shape)?))
    }

    pub fn transpose(&self, perm: &[usize]) -> Result<Share> {
        Ok(Share::new(self.a.transpose(perm)?, self.b.transpose(perm)?))
    }

    pub fn sum(&self, axis: Option<usize>) -> Result<Share> {
        Ok(Share::new(self.a.sum(axis)?, self.b.sum(axis)?))
    }

    /// Repeats the share along broadcast dimensions to `shape`.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Share> {
        if self.shape() == shape {
            return Ok(self.clone());
        }
        let zero = RingTensor::zeros(shape);
        Ok(Share::new(zero.add(&self.a)?, zero.add(&self.b)?))
    }
}
