//! ABY3: semi-honest, honest-majority three-party computation over `Z_2^64`
//! with replicated secret sharing (Mohassel and Rindal, CCS 2018).
//!
//! The three servers hold replicated shares ([`Share`]). Each adjacent pair
//! of servers (i, i+1) shares a ChaCha seed, exchanged once per session, so
//! zero-sharings and masks cost no communication. Other players (input
//! providers, result receivers) take part only in input and reveal.
//!
//! Files: `share.rs` (local ops), `multiply.rs` (products), `truncation.rs`
//! (exact fixed-point truncation), `protocol_impl.rs` (the [`Protocol`] methods, input sharing and reveal),
//! `boolean.rs` (XOR shares and AND), `conversion.rs` (A2B, B2A, bit
//! injection), `msb.rs` (the sign, from the low bits the fixed-point range
//! uses, with a bit-sliced carry tree), `sign_lists.rs` (the sign times a
//! value in three rounds, for small tensors), `product_relu.rs` (a dense or
//! convolution layer and its ReLU, the truncation and the sign overlapped), `compare.rs` (comparisons, select,
//! ReLU), `tensor_ops.rs` (layout, conv2d, average pooling), `pooling.rs`
//! (max pooling, `reduce_max`, argmax as index or one-hot), `approx.rs`
//! (sigmoid, exp, reciprocal, inverse square root, softmax), `order.rs`
//! (abs, minimum, `reduce_min`, argmin, sort).

mod approx;
mod boolean;
mod compare;
mod conversion;
mod msb;
mod multiply;
mod order;
mod outside;
mod pooling;
mod product_relu;
mod protocol_impl;
mod share;
mod sign_lists;
pub mod tensor_ops;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_approx;
#[cfg(test)]
mod tests_bounds;
#[cfg(test)]
mod tests_compare;
#[cfg(test)]
mod tests_order;
#[cfg(test)]
mod tests_outside;
#[cfg(test)]
mod tests_product_relu;
#[cfg(test)]
mod tests_sign_lists;
#[cfg(test)]
mod tests_tensor;
mod truncation;
mod truncation_kernels;

pub use boolean::BoolShare;
pub use outside::{outside_group_size, outside_window_bits};
pub use share::Share;

use crate::error::{Error, Result};
use crate::fixed::FixedConfig;
use crate::net::{Endpoint, Tag};
use crate::prng::{self, Seed, StreamId};
use crate::ring::RingTensor;

/// Where one op runs: its run and op numbers name its messages and its
/// randomness, so players agree on both without further coordination.
///
/// `sub` numbers the primitive steps of a composite op (a comparison runs
/// many ANDs, a sigmoid several products): each gets its own message steps
/// and its own keystreams. A graph node's context has `sub = 0`; composite
/// kernels hand out the others through [`Steps`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpContext {
    pub run: u64,
    pub op: u32,
    pub sub: u32,
}

/// Message steps of one primitive (`step` below this); `sub` fills the rest
/// of the tag's step field.
const STEPS_PER_SUB: u32 = 16;
/// Purposes of one primitive; `sub` selects a block of them. A seed's
/// keystream has room for 2^18 purposes (see `prng`), hence [`MAX_SUB`].
const PURPOSES_PER_SUB: u32 = 64;
/// Primitive steps one graph node may take.
const MAX_SUB: u32 = (1 << 18) / PURPOSES_PER_SUB - 1;

impl OpContext {
    /// The context of graph node `op` in run `run`.
    pub fn new(run: u64, op: u32) -> Self {
        OpContext { run, op, sub: 0 }
    }

    pub fn tag(&self, step: u32) -> Tag {
        debug_assert!(step < STEPS_PER_SUB);
        Tag { run: self.run, op: self.op, step: self.sub * STEPS_PER_SUB + step }
    }

    fn stream(&self, purpose: Purpose) -> StreamId {
        StreamId { run: self.run, op: self.op, purpose: self.sub * PURPOSES_PER_SUB + purpose as u32 }
    }
}

/// Hands out the sub-contexts of one composite op, in an order every server
/// follows identically, so no two primitives share messages or randomness.
///
/// Kernels come in one form each: a primitive (one product, truncation,
/// AND, reshare) takes the [`OpContext`] it runs in; a composite (a
/// comparison, an approximation, a sort) takes the `Steps` it draws its
/// primitives' contexts from, and passes it on to the composites it is built
/// of. A graph node's composite starts from `Steps::new(ctx)`.
#[derive(Debug)]
pub struct Steps {
    base: OpContext,
    next: u32,
}

impl Steps {
    /// The primitives of the op running in `ctx` (a node context, `sub = 0`).
    pub fn new(ctx: OpContext) -> Self {
        Steps { base: ctx, next: ctx.sub + 1 }
    }

    /// The context of the next primitive.
    pub fn take(&mut self) -> Result<OpContext> {
        if self.next > MAX_SUB {
            return Err(Error::internal(format!("op {} needs more than {MAX_SUB} primitive steps", self.base.op)));
        }
        self.next += 1;
        Ok(OpContext { sub: self.next - 1, ..self.base })
    }
}

/// Every use of randomness within one op has its own purpose, so no two
/// draws of an op ever share keystream.
#[derive(Clone, Copy, Debug)]
#[repr(u32)]
enum Purpose {
    ZeroShare = 1,
    InputSeedA,
    InputSeedB,
    InputShareA,
    InputShareB,
    /// The truncation's masks: `r_A` (servers 0 and 2), ρ (servers 1 and 2).
    TruncMaskA,
    TruncMaskB,
    TruncHighShare,
    TruncMsbShare,
    TruncOutShare0,
    TruncOutShare2,
    /// XOR zero-sharing of a boolean AND.
    AndZeroShare,
    /// The mask a server puts on a boolean value it alone knows.
    BoolInputMask,
    /// The two masks of the bit-injection transfers.
    InjectMask0,
    InjectMask1,
    /// Random arithmetic components of a boolean-to-arithmetic conversion
    /// (`b2a`, which only the tests run; the variant stays so that the
    /// purposes after it keep their numbers).
    #[cfg_attr(not(test), expect(dead_code, reason = "drawn by the test-only b2a"))]
    B2aComponent,
    /// The three-round sign (`sign_lists.rs`): the hash keys, and the bits
    /// β and rotations that servers 0 and 1 share; the bits μ and λ of
    /// servers 0 and 2.
    SignHashKeys,
    SignCoins,
    SignMaskBits,
}

/// Elements per step of a fused kernel within a chunk of parallel work
/// (`crate::parallel`): the step's random words live in buffers on the stack
/// (a few KiB, in L1).
const STEP: usize = 512;

/// The op number used for the seed exchange, before any run.
const SETUP_OP: u32 = u32::MAX;

/// How servers get their pairwise seeds.
#[derive(Clone, Debug)]
pub enum SeedSource {
    /// From OS entropy, exchanged between neighbours (the default).
    OsEntropy,
    /// Fixed seeds derived from a label: for reproducible tests only.
    InsecureDeterministicForTests(u64),
}

/// The seeds of one server: shared with the next and the previous server.
struct PairSeeds {
    next: Seed,
    prev: Seed,
}

/// One player's instance of the ABY3 protocol.
pub struct Aby3 {
    /// The server index 0..3 of this player, or None for other players.
    server: Option<usize>,
    /// Endpoint indices of server0, server1 and server2.
    servers: [usize; 3],
    seeds: Option<PairSeeds>,
    /// This player's own randomness (input sharing).
    own_seed: Seed,
    fixed: FixedConfig,
    /// The most elements a sign takes in three rounds (`sign_lists.rs`).
    three_round_sign_max: usize,
}

impl Aby3 {
    /// Sets up the protocol for the endpoint's player: servers exchange
    /// pairwise seeds with their neighbours (one message each).
    pub fn setup(net: &mut Endpoint, servers: [usize; 3], fixed: FixedConfig, source: &SeedSource) -> Result<Self> {
        fixed.validate()?;
        let server = servers.iter().position(|&s| s == net.me());
        let own_seed = match source {
            SeedSource::OsEntropy => Seed::from_os_entropy()?,
            SeedSource::InsecureDeterministicForTests(label) => {
                Seed::insecure_deterministic_for_tests(label.wrapping_mul(31).wrapping_add(net.me() as u64 + 100))
            }
        };
        let seeds = match server {
            None => None,
            Some(i) => Some(exchange_seeds(net, servers, i, source)?),
        };
        Ok(Aby3 { server, servers, seeds, own_seed, fixed, three_round_sign_max: sign_lists::MAX_ELEMENTS })
    }

    /// This player's server index, if it is a server.
    #[cfg(test)]
    pub fn server_index(&self) -> Option<usize> {
        self.server
    }

    pub fn fixed(&self) -> FixedConfig {
        self.fixed
    }

    fn index(&self) -> Result<usize> {
        self.server.ok_or_else(|| Error::internal("a share operation ran on a player that is not a server"))
    }

    fn pair_seeds(&self) -> Result<&PairSeeds> {
        self.seeds.as_ref().ok_or_else(|| Error::internal("pairwise seeds exist only at servers"))
    }

    /// Endpoint index of the server `offset` places after this one.
    fn neighbour(&self, offset: usize) -> Result<usize> {
        Ok(self.servers[(self.index()? + offset) % 3])
    }

    /// Words `start..start + out.len()` of a stream of the seed shared with
    /// the next server (`next = true`) or the previous one.
    /// Large draws run in parallel blocks; the words do not depend on it.
    fn fill_at(&self, next: bool, ctx: OpContext, purpose: Purpose, start: usize, out: &mut [u64]) -> Result<()> {
        let seeds = self.pair_seeds()?;
        let seed = if next { &seeds.next } else { &seeds.prev };
        if start == 0 {
            prng::fill(seed, ctx.stream(purpose), out);
        } else {
            prng::fill_at(seed, ctx.stream(purpose), start as u64, out);
        }
        Ok(())
    }
}

/// Server i sends a fresh seed to server i+1 and receives one from i-1.
fn exchange_seeds(net: &mut Endpoint, servers: [usize; 3], i: usize, source: &SeedSource) -> Result<PairSeeds> {
    let tag = Tag { run: 0, op: SETUP_OP, step: 0 };
    let next = match source {
        SeedSource::OsEntropy => Seed::from_os_entropy()?,
        SeedSource::InsecureDeterministicForTests(label) => {
            Seed::insecure_deterministic_for_tests(label.wrapping_mul(7).wrapping_add(i as u64))
        }
    };
    net.send(servers[(i + 1) % 3], tag, &seed_words(&next))?;
    let words = net.recv(servers[(i + 2) % 3], tag)?;
    let prev = words_seed(&words).ok_or_else(|| {
        Error::protocol(&net.names()[servers[(i + 2) % 3]], format!("seed of {} words, expected 4", words.len()))
    })?;
    Ok(PairSeeds { next, prev })
}

fn seed_words(seed: &Seed) -> [u64; 4] {
    let b = seed.as_bytes();
    std::array::from_fn(|i| u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap()))
}

fn words_seed(words: &[u64]) -> Option<Seed> {
    if words.len() != 4 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (i, w) in words.iter().enumerate() {
        bytes[8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
    }
    Some(Seed::from_bytes(bytes))
}

impl Aby3 {
    /// Receives exactly `len` words from player `from`.
    fn recv_len(net: &mut Endpoint, from: usize, tag: Tag, len: usize) -> Result<Vec<u64>> {
        let words = net.recv(from, tag)?;
        if words.len() != len {
            return Err(Error::protocol(
                &net.names()[from],
                format!("op {} step {}: expected {len} words, found {}", tag.op, tag.step, words.len()),
            ));
        }
        Ok(words)
    }

    /// Receives a tensor of a known shape from player `from`.
    fn recv_shaped(net: &mut Endpoint, from: usize, tag: Tag, shape: &[usize]) -> Result<RingTensor> {
        let words = Self::recv_len(net, from, tag, crate::ring::shape::numel(shape))?;
        RingTensor::new(shape.to_vec(), words)
    }
}
