//! The per-element arithmetic of the truncation (see `truncation.rs` for the
//! protocol): what each server computes for one step of at most [`STEP`]
//! elements, from its received words and random words, as loops over
//! equally long slices compiled for the CPU's widest vectors (see
//! `ring::vectorized`). Nothing here sends, receives or draws randomness.
//!
//! Server 2's `r_msb` parts need f + 1 <= 31 bits, so two go in a word. Within
//! a step of `len` elements, word `j` holds element `j` in its low half and
//! element `j + half` in its high half (`half = ⌈len/2⌉`), so that packing
//! and unpacking are elementwise over two contiguous halves.

use super::STEP;
use crate::ring::vectorized::vectorized_fn;

/// Added to x so that x' = x + 2^62 has a zero most significant bit.
const OFFSET: u64 = 1 << 62;

/// Words of the packed `r_msb` parts of a step, or of a part of `len`
/// elements (only a part's last step can have odd length).
pub(super) fn packed_len(len: usize) -> usize {
    len.div_ceil(2)
}

/// Server 2's random words for one step of the truncation.
pub(super) struct DealerWords<'a> {
    /// `r = r_a + ρ − z2`: `r_a` shared with server 0, ρ with server 1.
    pub r_a: &'a [u64],
    pub rho: &'a [u64],
    /// Server 0's part of `r_hi` (from the seed they share).
    pub high: &'a [u64],
    /// Server 1's part of `r_msb` (from the seed they share).
    pub msb: &'a [u64],
}

vectorized_fn! {
    /// Server 2's messages for one step: the other parts of `r_msb` (for
    /// server 0, packed) and of `r_hi` (for server 1), where `r = r_a + ρ − z2`.
    pub(super) fn deal(f: u32, z2: &[u64], words: &DealerWords, msb_packed: &mut [u64], high_parts: &mut [u64]) {
        let mut msb_parts = [0u64; STEP];
        let msb_parts = &mut msb_parts[..z2.len()];
        let DealerWords { r_a, rho, high, msb } = words;
        let random = r_a.iter().zip(rho.iter()).zip(high.iter().zip(msb.iter()));
        let outputs = msb_parts.iter_mut().zip(high_parts.iter_mut());
        for ((z2, ((r_a, rho), (high, msb))), (msb_part, high_part)) in z2.iter().zip(random).zip(outputs) {
            let r = r_a.wrapping_add(*rho).wrapping_sub(*z2);
            *msb_part = (r >> 63).wrapping_sub(*msb);
            *high_part = ((r << 1) >> (f + 1)).wrapping_sub(*high);
        }
        pack(msb_parts, msb_packed);
    }
}

vectorized_fn! {
    /// Server 0's part of the truncated value, less its output share w0,
    /// for one step: `c` is the opened x + r (without [`OFFSET`]),
    /// `msb_packed` its parts of `r_msb` from server 2, `high` its part of
    /// `r_hi`.
    pub(super) fn part_at_0(f: u32, c: &[u64], msb_packed: &[u64], high: &[u64], w0: &[u64], part: &mut [u64]) {
        // The r_msb parts are unpacked into `part`, each read just before
        // its element's result overwrites it.
        unpack(msb_packed, part);
        for ((c, part), (high, w0)) in c.iter().zip(part.iter_mut()).zip(high.iter().zip(w0)) {
            let c = c.wrapping_add(OFFSET);
            let carry = carry_part(c, *part, true);
            // This server's part of ⌊x / 2^f⌋, less w0.
            let y = ((c << 1) >> (f + 1)).wrapping_add(carry << (63 - f)).wrapping_sub(*high).wrapping_sub(OFFSET >> f);
            *part = y.wrapping_sub(*w0);
        }
    }
}

vectorized_fn! {
    /// Server 1's part of the truncated value, less its output share w2,
    /// for one step: `c` as at server 0, `v1` its part of `r_msb`, `high`
    /// its part of `r_hi` from server 2.
    pub(super) fn part_at_1(f: u32, c: &[u64], v1: &[u64], high: &[u64], w2: &[u64], part: &mut [u64]) {
        for ((c, v1), ((high, w2), part)) in c.iter().zip(v1).zip(high.iter().zip(w2).zip(part.iter_mut())) {
            let carry = carry_part(c.wrapping_add(OFFSET), *v1, false);
            *part = (carry << (63 - f)).wrapping_sub(*high).wrapping_sub(*w2);
        }
    }
}

/// A server's part of carry = msb(c) XOR `r_msb` from its part `v` of `r_msb`:
/// msb(c)·[first] + v − 2·msb(c)·v, where exactly one of the two servers
/// adds the public msb(c).
#[inline(always)]
fn carry_part(c: u64, v: u64, first: bool) -> u64 {
    let c_msb = c >> 63;
    // 2·msb(c)·v without a multiply: all ones where msb(c) is set.
    let twice_v_if_msb = ((c as i64 >> 63) as u64) & (v << 1);
    let public = if first { c_msb } else { 0 };
    public.wrapping_add(v).wrapping_sub(twice_v_if_msb)
}

vectorized_fn! {
    /// `sum += words`, elementwise.
    pub(super) fn add_into(sum: &mut [u64], words: &[u64]) {
        sum.iter_mut().zip(words).for_each(|(s, w)| *s = s.wrapping_add(*w));
    }
}

vectorized_fn! {
    /// `c = a + b`, elementwise: the opened value from the two masked shares.
    pub(super) fn open(a: &[u64], b: &[u64], c: &mut [u64]) {
        c.iter_mut().zip(a.iter().zip(b)).for_each(|(c, (a, b))| *c = a.wrapping_add(*b));
    }
}

/// Packs the low 32 bits of `parts` (one step) two to a word.
#[inline(always)]
fn pack(parts: &[u64], packed: &mut [u64]) {
    let (low, high) = parts.split_at(packed.len());
    packed.iter_mut().zip(low).for_each(|(w, l)| *w = l & 0xFFFF_FFFF);
    packed.iter_mut().zip(high).for_each(|(w, h)| *w |= h << 32);
}

/// The inverse of [`pack`]: each part mod 2^32.
#[inline(always)]
fn unpack(packed: &[u64], parts: &mut [u64]) {
    let (low, high) = parts.split_at_mut(packed.len());
    low.iter_mut().zip(packed).for_each(|(l, w)| *l = w & 0xFFFF_FFFF);
    high.iter_mut().zip(packed).for_each(|(h, w)| *h = w >> 32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_keeps_the_low_32_bits_of_every_part_of_odd_and_even_steps() {
        for len in [1, 2, 7, 8, STEP - 1, STEP] {
            let parts: Vec<u64> = (0..len as u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).collect();
            let mut packed = vec![0; packed_len(len)];
            pack(&parts, &mut packed);
            let mut back = vec![0; len];
            unpack(&packed, &mut back);
            let expected: Vec<u64> = parts.iter().map(|p| p & 0xFFFF_FFFF).collect();
            assert_eq!(back, expected, "len {len}");
        }
    }

    #[test]
    fn the_carry_parts_add_up_to_msb_of_c_xor_r_msb() {
        for (c, r_msb) in [(0u64, 0u64), (1 << 63, 0), (0, 1), (u64::MAX, 1)] {
            let v0 = 0x1234_5678_9ABC_DEF0u64;
            let v1 = r_msb.wrapping_sub(v0);
            let carry = carry_part(c, v0, true).wrapping_add(carry_part(c, v1, false));
            assert_eq!(carry, (c >> 63) ^ r_msb, "c {c:#x}, r_msb {r_msb}");
        }
    }
}
