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
use crate::net::memory::LinkModel;
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

/// The k − 1 low bits of a word.
fn low_bits(k: u32) -> u64 {
    (1u64 << (k - 1)) - 1
}

/// Bit k − 1 of a word: its sign as a k-bit number.
fn top(k: u32, word: u64) -> u64 {
    (word >> (k - 1)) & 1
}

/// Role 0's part of the product: transfer 2's offers chosen with m1.
pub(super) fn role_0_part(offers: &[u64], m1: &[u64]) -> Vec<u64> {
    let n = m1.len();
    map(n, |i| offers[m1[i] as usize * n + i])
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

/// Which server plays which part of the three-round sign: role r is
/// server (r + rotation) mod 3. Role 0 holds a, roles 1 and 2 hold b, and
/// role 2 receives the lists. Every seed the parts draw from is the one a
/// role shares with the next or the previous role, and a server's
/// replicated shares are `(x_r, x_(r+1))` in role numbering too, so any
/// rotation runs the same protocol: `sign_times` takes rotation 0, and
/// `product_relu.rs` rotation 2 (a at server 2, b at servers 0 and 1).
#[derive(Clone, Copy)]
pub(super) struct SignRoles {
    pub rotation: usize,
}

impl SignRoles {
    /// The role `server` plays.
    pub fn of(self, server: usize) -> usize {
        (server + 3 - self.rotation) % 3
    }

    /// The index, in `Aby3::servers`, of the server playing `role`.
    pub fn server(self, role: usize) -> usize {
        (role + self.rotation) % 3
    }
}

/// What role 0 sends in round 1, and keeps.
pub(super) struct RoleZeroRound1 {
    /// Its k words per element, for role 2.
    pub lists: Vec<u64>,
    /// m1 and the two offers of transfer 1 (n words each), for role 1.
    pub to_role_1: Vec<u64>,
    /// m1, which picks its part of transfer 2.
    pub m1: Vec<u64>,
}

/// What role 2 sends in round 2, and keeps.
pub(super) struct RoleTwoRound2 {
    /// m2, for role 1.
    pub m2: Vec<u64>,
    /// The two offers of transfer 2, for role 0.
    pub offers: Vec<u64>,
    /// Its additive part of the product.
    pub part: Vec<u64>,
}

/// The most elements for which the three-round form beats the eight-round
/// one across `link`: it saves 5 rounds of half a round trip each, and
/// costs its busiest server 304 more bytes per element (344 against 40 at
/// k = 39) and about 1 µs more of work ([`MAX_ELEMENTS`]). Never below
/// [`MAX_ELEMENTS`], the limit measured in local mode, nor above 2^16,
/// where the lists would take tens of megabytes.
pub(super) fn three_round_sign_limit(link: &LinkModel) -> usize {
    let saved = 5.0 * link.rtt.as_secs_f64() / 2.0;
    let per_element = 304.0 * 8.0 / link.bits_per_second.max(1) as f64 + 1e-6;
    ((saved / per_element) as usize).clamp(MAX_ELEMENTS, 1 << 16)
}

impl Aby3 {
    /// Takes the three-round sign on as many elements as pays across
    /// `link` ([`three_round_sign_limit`]). Every server must assume the
    /// same link: the forms' messages differ.
    pub fn assume_link(&mut self, link: &LinkModel) {
        self.three_round_sign_max = three_round_sign_limit(link);
    }

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
        let roles = SignRoles { rotation: 0 };
        let at = |role: usize| self.servers[roles.server(role)];
        let (first, second, third) = (steps.take()?, steps.take()?, steps.take()?);
        let n = d.len();
        let k = self.fixed.comparison_bits();
        let z = match roles.of(self.index()?) {
            0 => {
                let a = map(n, |i| d.a.data()[i].wrapping_add(d.b.data()[i]));
                let (v0, v1) = (v.a.data(), v.b.data());
                let sent = self.sign_role_0(first, k, &a, negate, |i| v0[i].wrapping_add(v1[i]))?;
                net.send(at(2), first.tag(STEP), &sent.lists)?;
                net.send(at(1), first.tag(STEP), &sent.to_role_1)?;
                let offers = Self::recv_len(net, at(2), second.tag(STEP), 2 * n)?;
                role_0_part(&offers, &sent.m1)
            }
            1 => {
                let lists = self.sign_role_1_lists(first, k, d.b.data())?;
                net.send(at(2), first.tag(STEP), &lists)?;
                let from_0 = Self::recv_len(net, at(0), first.tag(STEP), 3 * n)?;
                let m2 = Self::recv_len(net, at(2), second.tag(STEP), n)?;
                self.sign_role_1_part(second, &from_0, &m2)?
            }
            _ => {
                let from_0 = Self::recv_len(net, at(0), first.tag(STEP), k as usize * n)?;
                let from_1 = Self::recv_len(net, at(1), first.tag(STEP), k as usize * n)?;
                let sent = self.sign_role_2([first, second], k, [&from_0, &from_1], d.a.data(), v.a.data())?;
                net.send(at(1), second.tag(STEP), &sent.m2)?;
                net.send(at(0), second.tag(STEP), &sent.offers)?;
                sent.part
            }
        };
        self.reshare(net, third, RingTensor::new(d.shape().to_vec(), z)?)
    }

    /// Role 0's round 1 for its summand `a` of d (k-bit comparison), with
    /// `v_pair(i)` the sum of its two shares of v: its list, and m1 with
    /// the offers of transfer 1 (e = m0 ⊕ m1 times v0 + v1, masks shared
    /// with role 2).
    pub(super) fn sign_role_0(
        &self,
        first: OpContext,
        k: u32,
        a: &[u64],
        negate: bool,
        v_pair: impl Fn(usize) -> u64 + Sync + Send,
    ) -> Result<RoleZeroRound1> {
        let (n, low) = (a.len(), low_bits(k));
        let (beta, lists) = self.comparison_lists(first, k as usize, n, |i| 2 * (a[i] & low), true)?;
        let w = map(n, |i| top(k, a[i]) ^ beta[i] ^ u64::from(negate));
        let (mu, lambda) = self.masking_bits(first, false, n)?;
        let m1 = map(n, |i| w[i] ^ mu[i] ^ lambda[i]);
        let masks = self.transfer_masks(false, first, n)?;
        let offers = transfer_offers(n, |i| mu[i] ^ m1[i], v_pair, &masks);
        let to_role_1 = [m1.as_slice(), &offers].concat();
        Ok(RoleZeroRound1 { lists, to_role_1, m1 })
    }

    /// Role 1's list for its summand `b` of d (k-bit comparison).
    pub(super) fn sign_role_1_lists(&self, first: OpContext, k: u32, b: &[u64]) -> Result<Vec<u64>> {
        let low = low_bits(k);
        Ok(self.comparison_lists(first, k as usize, b.len(), |i| 2 * (low - (b[i] & low)) + 1, false)?.1)
    }

    /// Role 1's part of the product: transfer 1 chosen with m2, and the
    /// mask of transfer 2 that m1 picks (`from_0` is role 0's m1 and offers).
    pub(super) fn sign_role_1_part(&self, second: OpContext, from_0: &[u64], m2: &[u64]) -> Result<Vec<u64>> {
        let n = m2.len();
        let (m1, offered) = from_0.split_at(n);
        let masks = self.transfer_masks(true, second, n)?;
        Ok(map(n, |i| offered[m2[i] as usize * n + i].wrapping_add(chosen_mask(&masks, m1[i], i))))
    }

    /// Role 2, once both lists (`[role 0's, role 1's]`) are in: t from
    /// them and its summand `b` of d, m2, the offers of transfer 2 (e =
    /// m2 ⊕ m0 times `v_own`, its first share of v, which role 1 also
    /// holds; masks shared with role 1), and its part of the product (the
    /// mask of transfer 1 that m2 picks).
    pub(super) fn sign_role_2(
        &self,
        [first, second]: [OpContext; 2],
        k: u32,
        [from_0, from_1]: [&[u64]; 2],
        b: &[u64],
        v_own: &[u64],
    ) -> Result<RoleTwoRound2> {
        let (n, k_words) = (b.len(), k as usize);
        let t = map(n, |i| {
            let (x, y) = (&from_0[i * k_words..(i + 1) * k_words], &from_1[i * k_words..(i + 1) * k_words]);
            u64::from(x.iter().zip(y).any(|(x, y)| x == y)) ^ top(k, b[i])
        });
        let (mu, lambda) = self.masking_bits(first, true, n)?;
        let m2 = map(n, |i| t[i] ^ lambda[i]);
        let masks = self.transfer_masks(false, second, n)?;
        let offers = transfer_offers(n, |i| m2[i] ^ mu[i], |i| v_own[i], &masks);
        let masks = self.transfer_masks(true, first, n)?;
        let part = map(n, |i| chosen_mask(&masks, m2[i], i));
        Ok(RoleTwoRound2 { m2, offers, part })
    }

    /// Role 0's (`role_0`) or role 1's list of k words for each of n
    /// elements, and the bits β. Role 0 holds X (and lists its value's
    /// ones) where β = 0, role 1 where β = 1; chunks of whole elements,
    /// each about [`GRAIN`] words, run in parallel.
    fn comparison_lists(
        &self,
        ctx: OpContext,
        k: usize,
        n: usize,
        value: impl Fn(usize) -> u64 + Sync + Send,
        role_0: bool,
    ) -> Result<(Vec<u64>, Vec<u64>)> {
        // Roles 0 and 1 share role 0's `next` seed (role 1's `prev`).
        let mut coins = vec![0u64; n];
        self.fill_at(role_0, ctx, Purpose::SignCoins, 0, &mut coins)?;
        let beta: Vec<u64> = coins.iter().map(|c| c & 1).collect();
        let dummy = DUMMIES[usize::from(!role_0)];
        let mut lists = vec![0u64; k * n];
        try_for_chunks(&mut lists, k * GRAIN.div_ceil(k), |start, chunk| {
            // The keys of a few elements at a time: 2k words each, drawn
            // where they are used instead of all at once.
            let mut keys = vec![0u64; 2 * k * KEY_BLOCK];
            for (b, block) in chunk.chunks_mut(k * KEY_BLOCK).enumerate() {
                let first = start / k + b * KEY_BLOCK;
                let keys = &mut keys[..2 * block.len()];
                self.fill_at(role_0, ctx, Purpose::SignHashKeys, 2 * k * first, keys)?;
                for (e, out) in block.chunks_mut(k).enumerate() {
                    let i = first + e;
                    let rotation = ((coins[i] >> 1) % k as u64) as usize;
                    let listed = beta[i] ^ u64::from(role_0);
                    list(value(i), listed, &keys[2 * k * e..2 * k * (e + 1)], dummy, rotation, out);
                }
            }
            Ok::<(), crate::Error>(())
        })?;
        Ok((beta, lists))
    }

    /// The bits μ and λ roles 0 and 2 share (role 0's `prev` seed, role
    /// 2's `next`).
    fn masking_bits(&self, ctx: OpContext, next: bool, n: usize) -> Result<(Vec<u64>, Vec<u64>)> {
        let mut words = vec![0u64; n];
        self.fill_at(next, ctx, Purpose::SignMaskBits, 0, &mut words)?;
        Ok(words.iter().map(|w| (w & 1, (w >> 1) & 1)).unzip())
    }
}
