//! Products of shared values: elementwise, matrix, square.
//!
//! Each server computes an additive 3-out-of-3 share of the product
//! locally, five products among the three servers (see [`Part`]). A ring
//! product then reshares it (one message of 8 bytes per element, masked by a
//! zero-sharing); a fixed-point product hands it straight to the truncation,
//! which returns a replicated share of the truncated product in two rounds.

use std::borrow::Cow;

use super::truncation::AdditiveShare;
use super::{Aby3, OpContext, Purpose, STEP, Share};
use crate::error::{Error, Result};
use crate::net::Endpoint;
use crate::parallel::{GRAIN, try_for_chunks};
use crate::protocol::Operand;
use crate::ring::RingTensor;
use crate::ring::vectorized::vectorized_fn;

/// The step of the reshare message within an op.
const RESHARE_STEP: u32 = 0;

impl Aby3 {
    /// Elementwise fixed-point product (broadcasting), truncated.
    /// The truncation makes the local products part by part.
    pub fn mul(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        let (x, y) = broadcast_pair(x, y)?;
        let part = Part::of_server(self.index()?);
        let (xa, xb, ya, yb) = (x.a.data(), x.b.data(), y.a.data(), y.b.data());
        let make = |start: usize, z: &mut [u64]| {
            let end = start + z.len();
            local_mul_kernel(part, z, &xa[start..end], &xb[start..end], &ya[start..end], &yb[start..end]);
        };
        self.truncate_additive(net, ctx, AdditiveShare::ByParts { shape: x.shape().to_vec(), make: &make })
    }

    /// Fixed-point square, truncated; one local product cheaper than `mul`.
    pub fn square(&self, net: &mut Endpoint, ctx: OpContext, x: &Share) -> Result<Share> {
        // z_i = x_i^2 + 2·x_i·x_{i+1}
        let z = x.a.zip_with(&x.b, |a, b| a.wrapping_mul(a.wrapping_add(b.wrapping_mul(2))))?;
        self.truncate_additive(net, ctx, AdditiveShare::Whole(z))
    }

    /// Matrix product in the ring, without truncation: one round, 8·m·n bytes.
    #[cfg(test)]
    pub fn matmul_ring(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        let z = local_matmul(net, Part::of_server(self.index()?), x, y)?;
        self.reshare(net, ctx, z)
    }

    /// This server's additive 3-out-of-3 part of the ring product x·y (no
    /// communication): what a fixed-point product truncates. With a public
    /// operand, the product of this server's first share alone (the other
    /// share's product is never part of the sum).
    pub(super) fn matmul_additive(&self, net: &Endpoint, x: Operand<Share>, y: Operand<Share>) -> Result<RingTensor> {
        match (x, y) {
            (Operand::Private(x), Operand::Private(y)) => local_matmul(net, Part::of_server(self.index()?), x, y),
            (Operand::Private(x), Operand::Public(c)) => x.a.matmul(c),
            (Operand::Public(c), Operand::Private(y)) => c.matmul(&y.a),
            (Operand::Public(_), Operand::Public(_)) => Err(Error::internal("a private product of public operands")),
        }
    }

    /// Fixed-point matrix product, truncated.
    pub fn matmul(&self, net: &mut Endpoint, ctx: OpContext, x: &Share, y: &Share) -> Result<Share> {
        let z = local_matmul(net, Part::of_server(self.index()?), x, y)?;
        self.truncate_additive(net, ctx, AdditiveShare::Whole(z))
    }

    /// Turns an additive 3-out-of-3 share into a replicated one: server i
    /// sends `z_i + α_i` to server i-1, where the `α_i` are a zero-sharing.
    pub fn reshare(&self, net: &mut Endpoint, ctx: OpContext, mut z: RingTensor) -> Result<Share> {
        try_for_chunks(z.data_mut(), GRAIN, |first, chunk| {
            for (k, step) in chunk.chunks_mut(STEP).enumerate() {
                let (mut from_next, mut from_prev) = ([0u64; STEP], [0u64; STEP]);
                let (from_next, from_prev) = (&mut from_next[..step.len()], &mut from_prev[..step.len()]);
                let start = first + k * STEP;
                self.fill_at(true, ctx, Purpose::ZeroShare, start, from_next)?;
                self.fill_at(false, ctx, Purpose::ZeroShare, start, from_prev)?;
                for ((v, &p), &q) in step.iter_mut().zip(from_next.iter()).zip(from_prev.iter()) {
                    *v = v.wrapping_add(p).wrapping_sub(q);
                }
            }
            Ok::<(), crate::Error>(())
        })?;
        let tag = ctx.tag(RESHARE_STEP);
        net.send(self.neighbour(2)?, tag, z.data())?;
        let b = Self::recv_shaped(net, self.neighbour(1)?, tag, z.shape())?;
        Ok(Share::new(z, b))
    }
}

/// Which part of the nine cross products `x_j·y_k` a server computes. With
/// `(a, b) = (x_i, x_{i+1})` and (ya, yb) likewise, the three parts below add
/// up to x·y and each uses only the server's own shares:
///
/// - server 2: (a + b)·(ya + yb) = x2y2 + x2y0 + x0y2 + x0y0, one product;
/// - server 0: a·yb + b·(ya + yb) = x0y1 + x1y0 + x1y1, two;
/// - server 1: a·yb + b·ya = x1y2 + x2y1, two.
///
/// Five products in all instead of the six of ABY3's
/// `z_i = x_i·y_i + x_i·y_{i+1} + x_{i+1}·y_i`. Fewer is impossible: a
/// product a server can form is (α·a + β·b)·(γ·ya + δ·yb), and modulo 2
/// no four of them cover each of the nine pairs `x_j·y_k` an odd number of
/// times (checked exhaustively). The parts are not alike, but every message
/// built from them is masked with fresh randomness, so their distribution
/// is never seen. Server 2, the dealer of the truncation, does the one
/// product: in local mode it then draws its masks while the others are
/// still multiplying.
#[derive(Clone, Copy)]
enum Part {
    SumTimesSum,
    TwoProductsWithSum,
    TwoCrossProducts,
}

impl Part {
    fn of_server(index: usize) -> Part {
        match index {
            2 => Part::SumTimesSum,
            0 => Part::TwoProductsWithSum,
            _ => Part::TwoCrossProducts,
        }
    }

    /// The part for one element.
    #[inline(always)]
    fn of(self, a: u64, b: u64, ya: u64, yb: u64) -> u64 {
        match self {
            Part::SumTimesSum => a.wrapping_add(b).wrapping_mul(ya.wrapping_add(yb)),
            Part::TwoProductsWithSum => a.wrapping_mul(yb).wrapping_add(b.wrapping_mul(ya.wrapping_add(yb))),
            Part::TwoCrossProducts => a.wrapping_mul(yb).wrapping_add(b.wrapping_mul(ya)),
        }
    }
}

/// `x` and `y` broadcast to one shape; borrowed when they have it already.
pub(super) fn broadcast_pair<'a>(x: &'a Share, y: &'a Share) -> Result<(Cow<'a, Share>, Cow<'a, Share>)> {
    if x.shape() == y.shape() {
        return Ok((Cow::Borrowed(x), Cow::Borrowed(y)));
    }
    let shape = crate::ring::shape::broadcast_shapes(x.shape(), y.shape())?;
    Ok((Cow::Owned(x.broadcast_to(&shape)?), Cow::Owned(y.broadcast_to(&shape)?)))
}

vectorized_fn! {
    /// z = this server's part of x·y for equally long slices of the shares.
    fn local_mul_kernel(part: Part, z: &mut [u64], xa: &[u64], xb: &[u64], ya: &[u64], yb: &[u64]) {
        // One loop per part, so that the part is a constant inside it;
        // zipped slices, no indexing, so no bounds checks.
        let mut each = |part: Part| {
            for (z, ((&a, &b), (&ya, &yb))) in z.iter_mut().zip(xa.iter().zip(xb).zip(ya.iter().zip(yb))) {
                *z = part.of(a, b, ya, yb);
            }
        };
        match part {
            Part::SumTimesSum => each(Part::SumTimesSum),
            Part::TwoProductsWithSum => each(Part::TwoProductsWithSum),
            Part::TwoCrossProducts => each(Part::TwoCrossProducts),
        }
    }
}

/// This server's additive 3-out-of-3 share of the matrix product x·y: one
/// ring GEMM at server 2, two at servers 0 and 1 (see [`Part`]), into
/// memory from the endpoint's buffer pool (no fresh pages to fault in).
/// The sums of shares are added while the GEMM packs its blocks.
fn local_matmul(net: &Endpoint, part: Part, x: &Share, y: &Share) -> Result<RingTensor> {
    let shape = crate::ring::shape::matmul_shape(x.shape(), y.shape())?;
    let mut out = RingTensor::new(shape.clone(), net.buffer(crate::ring::shape::numel(&shape)))?;
    match part {
        Part::SumTimesSum => out.matmul_of_sums((&x.a, Some(&x.b)), (&y.a, Some(&y.b)), false)?,
        Part::TwoProductsWithSum => {
            out.assign_matmul(&x.a, &y.b)?;
            out.matmul_of_sums((&x.b, None), (&y.a, Some(&y.b)), true)?;
        }
        Part::TwoCrossProducts => {
            out.assign_matmul(&x.a, &y.b)?;
            out.add_matmul(&x.b, &y.a)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    /// The products server `i` (holding `x_i, x_{i+1}` and `y_i, y_{i+1}`) can
    /// form, modulo 2: `(α·x_i + β·x_{i+1})·(γ·y_i + δ·y_{i+1})` for nonzero
    /// (α, β) and (γ, δ), each as the set of pairs `x_j·y_k` it contains, bit
    /// 3j + k of a 9-bit mask. (An even coefficient vanishes mod 2, which
    /// leaves a smaller product or none: covered by using fewer.)
    fn products_mod_2() -> Vec<u16> {
        let forms = [(1, 0), (0, 1), (1, 1)];
        let mut products = Vec::new();
        for i in 0..3 {
            let held = [i, (i + 1) % 3];
            let vector = |(p, q): (u16, u16)| [(held[0], p), (held[1], q)];
            for u in forms {
                for v in forms {
                    let mut mask = 0u16;
                    for (j, p) in vector(u) {
                        for (k, q) in vector(v) {
                            mask ^= (p & q) << (3 * j + k);
                        }
                    }
                    products.push(mask);
                }
            }
        }
        products
    }

    /// Whether some `count` distinct products sum to every pair once, mod 2
    /// (a product used twice cancels, so distinct ones are all there is).
    fn covers_every_pair(products: &[u16], count: usize, sum: u16) -> bool {
        if count == 0 {
            return sum == 0x1FF;
        }
        (0..products.len()).any(|k| covers_every_pair(&products[k + 1..], count - 1, sum ^ products[k]))
    }

    #[test]
    fn no_four_local_products_make_an_additive_share_of_the_product_but_five_do() {
        let products = products_mod_2();
        assert_eq!(products.len(), 27);
        // x·y = Σ_{j,k} x_j·y_k: every one of the nine pairs an odd number of
        // times. An integer combination that does it does it mod 2.
        for count in 0..=4 {
            assert!(!covers_every_pair(&products, count, 0), "{count} products cover every pair");
        }
        assert!(covers_every_pair(&products, 5, 0));
    }
}
