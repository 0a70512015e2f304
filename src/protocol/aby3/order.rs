//! Order and sign on arithmetic shares: abs, minimum, `reduce_min`, argmin
//! and sort, all exact within the fixed-point range.
//!
//! Each is built from `msb_times` of `compare.rs`, the sign of a difference
//! times a value: 3 rounds on up to 256 elements (`sign_lists.rs`), else 8
//! (the msb of `msb.rs` and a bit injection, about 40 bytes per element):
//! - abs(x) = x − 2·msb(x)·x, like ReLU;
//! - minimum(x, y) = y + msb(x − y)·(x − y), like maximum;
//! - `reduce_min(x) = −reduce_max(−x)` and `argmin(x) = argmax(−x)`: the
//!   tournaments of `pooling.rs`, one sign per level, ⌈log2 k⌉ levels for k
//!   candidates; argmin returns the first minimum, as argmax the first
//!   maximum;
//! - sort: Batcher's odd-even merge sort, a data-independent network of
//!   compare-and-swap steps. For n elements along the axis (k = ⌈log2 n⌉)
//!   it has k(k+1)/2 layers of disjoint comparators; every comparator of a
//!   layer, in every lane, goes through one batched sign times the
//!   difference, so a layer costs one sign's rounds. The network for n is the one for the next power of
//!   two without the comparators that touch an index ≥ n: every comparator
//!   puts its minimum at its lower index, so +∞ padding would stay in place
//!   and those comparators never swap.

use super::multiply::broadcast_pair;
use super::pooling::flat_concat;
use super::{Aby3, Share, Steps};
use crate::error::Result;
use crate::net::Endpoint;
use crate::ring::shape::check_axis;
use crate::vocabulary::SortOrder;

/// One layer of a sorting network: disjoint comparators (low, high) with
/// low < high; each puts the smaller value at `low`.
pub(super) type Layer = Vec<(usize, usize)>;

impl Aby3 {
    /// |x| = x − 2·msb(x)·x, exact: 3 rounds on small tensors, else 8.
    pub fn abs(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share) -> Result<Share> {
        let negative_part = self.msb_times(net, steps, x, false, x)?;
        x.sub(&negative_part.add(&negative_part)?)
    }

    /// Elementwise minimum (shapes broadcast): 3 rounds on small tensors, else 8.
    pub fn minimum(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, y: &Share) -> Result<Share> {
        let (x, y) = broadcast_pair(x, y)?;
        // x < y ⇔ msb(x − y): then x, else y.
        let d = x.sub(&y)?;
        y.add(&self.msb_times(net, steps, &d, false, &d)?)
    }

    /// Minimum along `axis` (removed from the shape): −max(−x).
    pub fn reduce_min(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, axis: usize) -> Result<Share> {
        Ok(self.reduce_max(net, steps, &x.neg(), axis)?.neg())
    }

    /// The index of the first minimum along `axis` (removed from the
    /// shape), as a fixed-point integer: the first maximum of −x.
    pub fn argmin(&self, net: &mut Endpoint, steps: &mut Steps, x: &Share, axis: usize) -> Result<Share> {
        self.argmax(net, steps, &x.neg(), axis)
    }

    /// Sorts along `axis` with Batcher's odd-even merge network: 8 rounds
    /// per layer (module docs).
    pub fn sort(
        &self,
        net: &mut Endpoint,
        steps: &mut Steps,
        x: &Share,
        axis: usize,
        order: SortOrder,
    ) -> Result<Share> {
        check_axis(x.shape(), axis)?;
        let n = x.shape()[axis];
        let rank = x.shape().len();
        // The axis last, then one column share of all lanes per position.
        let mut perm: Vec<usize> = (0..rank).filter(|&d| d != axis).collect();
        perm.push(axis);
        let moved = x.transpose(&perm)?;
        let moved_shape = moved.shape().to_vec();
        if n <= 1 || moved.is_empty() {
            return Ok(x.clone());
        }
        let lanes = moved.len() / n;
        let rows = moved.reshape(&[lanes, n])?;
        let mut columns = (0..n).map(|j| rows.gather(&[j], 1)?.reshape(&[lanes])).collect::<Result<Vec<_>>>()?;
        for layer in sorting_network(n) {
            let low = flat_concat(&layer.iter().map(|&(i, _)| &columns[i]).collect::<Vec<_>>())?;
            let high = flat_concat(&layer.iter().map(|&(_, j)| &columns[j]).collect::<Vec<_>>())?;
            // Swap where high < low: low += b·(high − low), high −= b·(high − low).
            let d = high.sub(&low)?;
            let moved_by = self.msb_times(net, steps, &d, false, &d)?;
            let (low, high) = (low.add(&moved_by)?, high.sub(&moved_by)?);
            for (c, &(i, j)) in layer.iter().enumerate() {
                columns[i] = low.slice(&[c * lanes], &[lanes])?;
                columns[j] = high.slice(&[c * lanes], &[lanes])?;
            }
        }
        if order == SortOrder::Descending {
            columns.reverse();
        }
        let stacked = columns.iter().map(|c| c.reshape(&[lanes, 1])).collect::<Result<Vec<_>>>()?;
        let sorted = Share::concat(&stacked.iter().collect::<Vec<_>>(), 1)?.reshape(&moved_shape)?;
        let mut inverse = vec![0; rank];
        for (k, &d) in perm.iter().enumerate() {
            inverse[d] = k;
        }
        sorted.transpose(&inverse)
    }
}

/// The layers of Batcher's odd-even merge sort for `n` elements: the
/// network of the next power of two without comparators at indices ≥ n,
/// and without the layers that leaves empty.
pub(super) fn sorting_network(n: usize) -> Vec<Layer> {
    let size = n.next_power_of_two();
    let mut layers = Vec::new();
    let mut p = 1;
    while p < size {
        let mut k = p;
        while k >= 1 {
            let mut layer = Vec::new();
            let mut j = k % p;
            while j + k < size {
                for i in 0..k.min(size - j - k) {
                    let (low, high) = (i + j, i + j + k);
                    if low / (2 * p) == high / (2 * p) && high < n {
                        layer.push((low, high));
                    }
                }
                j += 2 * k;
            }
            if !layer.is_empty() {
                layers.push(layer);
            }
            k /= 2;
        }
        p *= 2;
    }
    layers
}

#[cfg(test)]
mod tests {
    use super::sorting_network;

    fn apply(network: &[super::Layer], values: &mut [i64]) {
        for layer in network {
            for &(i, j) in layer {
                assert!(i < j);
                if values[j] < values[i] {
                    values.swap(i, j);
                }
            }
        }
    }

    #[test]
    fn the_network_sorts_every_0_1_input_up_to_14_and_random_inputs_up_to_100() {
        // The 0-1 principle: a comparator network that sorts every 0-1
        // input sorts every input.
        for n in 0..=14usize {
            let network = sorting_network(n);
            for layer in &network {
                let mut seen = vec![false; n];
                for &(i, j) in layer {
                    assert!(!seen[i] && !seen[j], "n {n}: comparators of a layer overlap");
                    seen[i] = true;
                    seen[j] = true;
                }
            }
            for bits in 0..1u32 << n {
                let mut v: Vec<i64> = (0..n).map(|i| i64::from(bits >> i & 1)).collect();
                apply(&network, &mut v);
                assert!(v.windows(2).all(|w| w[0] <= w[1]), "n {n}, input {bits:b}");
            }
        }
        let mut state = 99u64;
        for n in [15, 16, 17, 31, 33, 64, 100] {
            let network = sorting_network(n);
            let k = n.next_power_of_two().trailing_zeros() as usize;
            assert!(network.len() <= k * (k + 1) / 2, "n {n}: {} layers", network.len());
            for _ in 0..20 {
                let mut v: Vec<i64> = (0..n)
                    .map(|_| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        (state >> 40) as i64 % 50 - 25
                    })
                    .collect();
                let mut want = v.clone();
                want.sort_unstable();
                apply(&network, &mut v);
                assert_eq!(v, want, "n {n}");
            }
        }
        assert_eq!(sorting_network(1).len(), 0);
        assert_eq!(sorting_network(2), vec![vec![(0, 1)]]);
        assert_eq!(sorting_network(8).len(), 6);
    }
}
