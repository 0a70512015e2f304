//! The sign of a shared value times a shared value, `[msb(d)·v]`, in three
//! rounds: the form ReLU, comparisons, maximum, minimum and abs take on
//! small tensors, where rounds and not bytes set the time (`msb.rs` with
//! `bit_inject` takes 8 rounds and 40 bytes per element; this takes 3
//! rounds and about 8·(k + 4) bytes per element). docs/protocols.md gives
//! the security argument; the steps are:
//!
//! 1. **The carry as a comparison.** With d = a + b (a = d0 + d1 at server
//!    0, b = d2 at servers 1 and 2) and k the comparison width of `msb.rs`,
//!    msb(d) = a_(k−1) ⊕ b_(k−1) ⊕ c, where the carry c into bit k−1 is
//!    [A > D] for A = a mod 2^(k−1) and D = 2^(k−1) − 1 − (b mod 2^(k−1)).
//!    Servers 0 and 1 compare X = 2A against Y = 2D + 1 (never equal):
//!    X > Y exactly when some bit j is 1 in X, 0 in Y, and the bits above
//!    j are equal. For each j, the party holding X sends a hash of X's bits
//!    above j where its bit j is 1 and of its own dummy where not; the
//!    party holding Y the same where its bit j is 0. The hash of position j,
//!    `K·p + M mod 2^61 − 1`, has keys fresh per element and position that
//!    servers 0 and 1 share, so any two different inputs hash to independent uniform
//!    words; the two dummies differ from each other and from every prefix,
//!    so only the first differing bit of X > Y gives two equal words. Both
//!    lists are rotated by a shared random amount and go to server 2, which
//!    learns t = c ⊕ β: servers 0 and 1 swap X and Y (comparing Y > X) when
//!    their shared random bit β is 1. One round.
//! 2. **The sign as XOR shares.** msb(d) ⊕ negate = w ⊕ t' with w =
//!    a_(k−1) ⊕ β ⊕ negate at server 0 and t' = t ⊕ b_(k−1) at server 2.
//!    With bits μ, λ that servers 0 and 2 share, the replicated boolean
//!    sharing (m0, m1, m2) = (μ, w ⊕ μ ⊕ λ, t' ⊕ λ) of it needs m1 sent to
//!    server 1 (in round 1) and m2 (in round 2).
//! 3. **Times v.** The two transfers of `bit_inject`, started as soon as
//!    their sender knows its part: server 0 offers (m0 ⊕ m1 ⊕ c)(v0 + v1)
//!    to server 1 in round 1, server 2 offers (m2 ⊕ m0 ⊕ c)·v2 to server 0
//!    in round 2 (server 2 knows v2 as well as server 1 does), and the
//!    three parts are reshared in round 3.
//!
//! A false equality of two different prefixes has probability 1/(2^61 − 1)
//! per position, so a wrong sign at most k/(2^61 − 1) < 2^−55 per element.
//! Prefixes have at most k − 1 bits, hence k ≤ 61 ([`MAX_BITS`]).

use super::conversion::{chosen_mask, transfer_offers};
use super::{Aby3, OpContext, Purpose, Share, Steps};
use crate::error::Result;
use crate::net::Endpoint;
use crate::parallel::{GRAIN, map, try_for_chunks};
use crate::ring::RingTensor;

/// The prime 2^61 − 1 of the hashes.
const Q: u64 = (1 << 61) - 1;

/// The widest comparison whose prefixes (k − 1 bits) are below the dummies.
pub(super) const MAX_BITS: u32 = 61;

/// Elements whose hash keys are drawn at once (2k words each, in L1).
const KEY_BLOCK: usize = 16;

/// What servers 0 and 1 hash where they have no prefix to list: above every
/// prefix (below 2^60), below [`Q`], and different from each other.
const DUMMIES: [u64; 2] = [1 << 60, (1 << 60) + 1];

/// The most elements worth three rounds of about 8·(k + 4) bytes each
/// rather than the 8 rounds of 40 bytes of `msb.rs`, in local mode over
/// loopback TCP: `tfe bench --only relu` times ReLU on each side of it, and
/// the three-round form costs about 1 µs per element more (BENCHMARKS.md).
/// Across a real network, where each round costs a round trip, the limit
/// would be higher.
pub(super) const MAX_ELEMENTS: usize = 1 << 8;

/// The message step of each round's context: in round 1 both lists go to
/// server 2 and server 0's m1 and offers to server 1; in round 2 server 2
/// sends m2 to server 1 and its offers to server 0.
const STEP: u32 = 0;

/// `(key·prefix + offset) mod Q` for key, offset < Q and prefix < 2^61,
/// reduced to 0..Q.
fn hash(key: u64, prefix: u64, offset: u64) -> u64 {
    let product = u128::from(key) * u128::from(prefix) + u128::from(offset);
    let folded = (product as u64 & Q) + (product >> 61) as u64;
    let reduced = (folded & Q) + (folded >> 61);
    if reduced >= Q { reduced - Q } else { reduced }
}

/// A keystream word as an element of the field of [`Q`] (bias below 2^−60).
fn field(word: u64) -> u64 {
    let x = word >> 3;
    if x >= Q { x - Q } else { x }
}

/// The k words one comparing server sends for one element: for each bit j
/// of `value` (k bits), the hash of the bits above j where bit j is
/// `listed` (1 for X, 0 for Y), else of `dummy`; rotated by `rotation`.
fn list(value: u64, listed: u64, keys: &[u64], dummy: u64, rotation: usize, out: &mut [u64]) {
    let k = out.len();
    let mut slot = rotation;
    for (j, key) in keys.chunks_exact(2).enumerate() {
        let input = if (value >> j) & 1 == listed { value >> (j + 1) } else { dummy };
        out[slot] = hash(field(key[0]), input, field(key[1]));
        slot = if slot + 1 == k { 0 } else { slot + 1 };
    }
}

impl Aby3 {
    /// Whether `[msb(d)·v]` on `n` elements takes the three-round form.
    pub(super) fn sign_in_three_rounds(&self, n: usize) -> bool {
        let k = self.fixed.comparison_bits();
        n <= self.three_round_sign_max && k <= MAX_BITS
    }

    /// `[(msb(d) ⊕ negate)·v]` for d and v of one shape, in three rounds
    /// (module docs); exact in the range `msb.rs` states for `d`.
    pub(super) fn sign_times(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        d: &Share,
        negate: bool,
        v: &Share,
    ) -> Result<Share> {
        let me = self.index()?;
        let (first, second, third) = (steps.take()?, steps.take()?, steps.take()?);
        let n = d.len();
        let k = self.fixed.comparison_bits() as usize;
        let low = (1u64 << (k - 1)) - 1;
        let top = |word: u64| (word >> (k - 1)) & 1;
        let z = match me {
            0 => {
                let a = map(n, |i| d.a.data()[i].wrapping_add(d.b.data()[i]));
                let (beta, lists) = self.comparison_lists(first, k, n, |i| 2 * (a[i] & low), true)?;
                net.send(self.servers[2], first.tag(STEP), &lists)?;
                let w = map(n, |i| top(a[i]) ^ beta[i] ^ u64::from(negate));
                let (mu, lambda) = self.masking_bits(first, false, n)?;
                let m1 = map(n, |i| w[i] ^ mu[i] ^ lambda[i]);
                // Transfer 1: e = m0 ⊕ m1 and v0 + v1, masks shared with server 2.
                let masks = self.transfer_masks(false, first, n)?;
                let (v0, v1) = (v.a.data(), v.b.data());
                let offers = transfer_offers(n, |i| mu[i] ^ m1[i], |i| v0[i].wrapping_add(v1[i]), &masks);
                net.send(self.servers[1], first.tag(STEP), &[m1.as_slice(), &offers].concat())?;
                // Transfer 2, chosen with m1.
                let theirs = Self::recv_len(net, self.servers[2], second.tag(STEP), 2 * n)?;
                map(n, |i| theirs[m1[i] as usize * n + i])
            }
            1 => {
                let b = d.b.data();
                let (_, lists) = self.comparison_lists(first, k, n, |i| 2 * (low - (b[i] & low)) + 1, false)?;
                net.send(self.servers[2], first.tag(STEP), &lists)?;
                let from_0 = Self::recv_len(net, self.servers[0], first.tag(STEP), 3 * n)?;
                let (m1, offered) = from_0.split_at(n);
                let m2 = Self::recv_len(net, self.servers[2], second.tag(STEP), n)?;
                // Transfer 1 chosen with m2; the mask of transfer 2 that m1 picks.
                let masks = self.transfer_masks(true, second, n)?;
                map(n, |i| offered[m2[i] as usize * n + i].wrapping_add(chosen_mask(&masks, m1[i], i)))
            }
            _ => {
                let b = d.a.data();
                let from_0 = Self::recv_len(net, self.servers[0], first.tag(STEP), k * n)?;
                let from_1 = Self::recv_len(net, self.servers[1], first.tag(STEP), k * n)?;
                let t = map(n, |i| {
                    let (x, y) = (&from_0[i * k..(i + 1) * k], &from_1[i * k..(i + 1) * k]);
                    u64::from(x.iter().zip(y).any(|(x, y)| x == y)) ^ top(b[i])
                });
                let (mu, lambda) = self.masking_bits(first, true, n)?;
                let m2 = map(n, |i| t[i] ^ lambda[i]);
                net.send(self.servers[1], second.tag(STEP), &m2)?;
                // Transfer 2: e = m2 ⊕ m0 and v2, masks shared with server 1.
                let masks = self.transfer_masks(false, second, n)?;
                let v2 = v.a.data();
                let offers = transfer_offers(n, |i| m2[i] ^ mu[i], |i| v2[i], &masks);
                net.send(self.servers[0], second.tag(STEP), &offers)?;
                // Transfer 1's mask that server 1 picks with m2.
                let masks = self.transfer_masks(true, first, n)?;
                map(n, |i| chosen_mask(&masks, m2[i], i))
            }
        };
        self.reshare(net, third, RingTensor::new(d.shape().to_vec(), z)?)
    }

    /// Server 0's (`server0`) or server 1's list of k words for each of n
    /// elements, and the bits β. Server 0 holds X (and lists its value's
    /// ones) where β = 0, server 1 where β = 1; chunks of whole elements,
    /// each about [`GRAIN`] words, run in parallel.
    fn comparison_lists(
        &self,
        ctx: OpContext,
        k: usize,
        n: usize,
        value: impl Fn(usize) -> u64 + Sync + Send,
        server0: bool,
    ) -> Result<(Vec<u64>, Vec<u64>)> {
        // Servers 0 and 1 share server 0's `next` seed (server 1's `prev`).
        let mut coins = vec![0u64; n];
        self.fill_at(server0, ctx, Purpose::SignCoins, 0, &mut coins)?;
        let beta: Vec<u64> = coins.iter().map(|c| c & 1).collect();
        let dummy = DUMMIES[usize::from(!server0)];
        let mut lists = vec![0u64; k * n];
        try_for_chunks(&mut lists, k * GRAIN.div_ceil(k), |start, chunk| {
            // The keys of a few elements at a time: 2k words each, drawn
            // where they are used instead of all at once.
            let mut keys = vec![0u64; 2 * k * KEY_BLOCK];
            for (b, block) in chunk.chunks_mut(k * KEY_BLOCK).enumerate() {
                let first = start / k + b * KEY_BLOCK;
                let keys = &mut keys[..2 * block.len()];
                self.fill_at(server0, ctx, Purpose::SignHashKeys, 2 * k * first, keys)?;
                for (e, out) in block.chunks_mut(k).enumerate() {
                    let i = first + e;
                    let rotation = ((coins[i] >> 1) % k as u64) as usize;
                    let listed = beta[i] ^ u64::from(server0);
                    list(value(i), listed, &keys[2 * k * e..2 * k * (e + 1)], dummy, rotation, out);
                }
            }
            Ok::<(), crate::Error>(())
        })?;
        Ok((beta, lists))
    }

    /// The bits μ and λ servers 0 and 2 share (server 0's `prev` seed,
    /// server 2's `next`).
    fn masking_bits(&self, ctx: OpContext, next: bool, n: usize) -> Result<(Vec<u64>, Vec<u64>)> {
        let mut words = vec![0u64; n];
        self.fill_at(next, ctx, Purpose::SignMaskBits, 0, &mut words)?;
        Ok(words.iter().map(|w| (w & 1, (w >> 1) & 1)).unzip())
    }
}
