//! Dense row-major tensors over the ring, with wrapping arithmetic.
//!
//! Elementwise kernels are generic over [`RingElement`]; the matrix product of
//! `u64` tensors goes to the dispatched GEMM in [`super::gemm`].

use super::element::RingElement;
use super::gemm::Factor;
use super::shape::{self, fmt_shape, numel};
use crate::error::{Error, Result};
use crate::parallel::{GRAIN, for_chunks};

/// A contiguous row-major tensor of ring elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tensor<T: RingElement = u64> {
    shape: Vec<usize>,
    data: Vec<T>,
}

/// The tensor type of `Z_2^64`, the ring of ABY3 in tfe.
pub type RingTensor = Tensor<u64>;

impl<T: RingElement> Tensor<T> {
    /// A tensor from a shape and row-major data; the lengths must agree.
    pub fn new(shape: Vec<usize>, data: Vec<T>) -> Result<Self> {
        if shape::checked_numel(&shape) != Some(data.len()) {
            return Err(Error::invalid(format!(
                "shape {} needs {} elements, found {}",
                fmt_shape(&shape),
                shape::checked_numel(&shape).map_or("more than 2^64".to_string(), |n| n.to_string()),
                data.len()
            )));
        }
        Ok(Tensor { shape, data })
    }

    /// A tensor of zeros.
    pub fn zeros(shape: &[usize]) -> Self {
        Tensor { shape: shape.to_vec(), data: vec![T::ZERO; numel(shape)] }
    }

    /// A tensor with every element equal to `value`.
    pub fn filled(shape: &[usize], value: T) -> Self {
        Tensor { shape: shape.to_vec(), data: vec![value; numel(shape)] }
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    pub fn data(&self) -> &[T] {
        &self.data
    }

    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }

    pub fn into_data(self) -> Vec<T> {
        self.data
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Applies `f` to every element (on the rayon pool when large: see
    /// [`crate::parallel`]).
    pub fn map(&self, f: impl Fn(T) -> T + Sync + Send) -> Self {
        let mut data = vec![T::ZERO; self.len()];
        for_chunks(&mut data, GRAIN, |start, out| {
            for (o, &x) in out.iter_mut().zip(&self.data[start..]) {
                *o = f(x);
            }
        });
        Tensor { shape: self.shape.clone(), data }
    }

    /// Combines two tensors elementwise with numpy broadcasting.
    pub fn zip_with(&self, other: &Self, f: impl Fn(T, T) -> T + Sync + Send) -> Result<Self> {
        if self.shape == other.shape {
            let mut data = vec![T::ZERO; self.len()];
            for_chunks(&mut data, GRAIN, |start, out| {
                for ((o, &a), &b) in out.iter_mut().zip(&self.data[start..]).zip(&other.data[start..]) {
                    *o = f(a, b);
                }
            });
            return Ok(Tensor { shape: self.shape.clone(), data });
        }
        let out_shape = shape::broadcast_shapes(&self.shape, &other.shape)?;
        if let Some(data) = zip_tiled(self, other, &out_shape, &f) {
            return Ok(Tensor { shape: out_shape, data });
        }
        if let Some((column, row, column_first)) = column_and_row(self, other, &out_shape) {
            let data = if column_first { zip_outer(column, row, &f) } else { zip_outer(column, row, |c, r| f(r, c)) };
            return Ok(Tensor { shape: out_shape, data });
        }
        let a_index = broadcast_index(&self.shape, &out_shape);
        let b_index = broadcast_index(&other.shape, &out_shape);
        let data = (0..numel(&out_shape)).map(|i| f(self.data[a_index(i)], other.data[b_index(i)])).collect();
        Ok(Tensor { shape: out_shape, data })
    }

    /// Combines `other` into `self` elementwise; shapes must be equal.
    pub fn zip_assign(&mut self, other: &Self, f: impl Fn(T, T) -> T + Sync + Send) -> Result<()> {
        if self.shape != other.shape {
            return Err(Error::invalid(format!(
                "in-place operation needs equal shapes, found {} and {}",
                fmt_shape(&self.shape),
                fmt_shape(&other.shape)
            )));
        }
        for_chunks(&mut self.data, GRAIN, |start, chunk| {
            for (a, &b) in chunk.iter_mut().zip(&other.data[start..]) {
                *a = f(*a, b);
            }
        });
        Ok(())
    }

    pub fn add(&self, other: &Self) -> Result<Self> {
        self.zip_with(other, T::wrapping_add)
    }

    pub fn sub(&self, other: &Self) -> Result<Self> {
        self.zip_with(other, T::wrapping_sub)
    }

    /// Elementwise product with broadcasting (a scalar tensor multiplies everything).
    pub fn mul(&self, other: &Self) -> Result<Self> {
        self.zip_with(other, T::wrapping_mul)
    }

    pub fn neg(&self) -> Self {
        self.map(T::wrapping_neg)
    }

    pub fn add_assign(&mut self, other: &Self) -> Result<()> {
        self.zip_assign(other, T::wrapping_add)
    }

    pub fn shl(&self, amount: u32) -> Self {
        self.map(move |x| x.shl(amount))
    }

    pub fn shr_logical(&self, amount: u32) -> Self {
        self.map(move |x| x.shr_logical(amount))
    }

    pub fn shr_arithmetic(&self, amount: u32) -> Self {
        self.map(move |x| x.shr_arithmetic(amount))
    }

    pub fn xor(&self, other: &Self) -> Result<Self> {
        self.zip_with(other, T::xor)
    }

    pub fn and(&self, other: &Self) -> Result<Self> {
        self.zip_with(other, T::and)
    }

    /// The same data under a new shape with the same element count.
    pub fn reshape(&self, new_shape: &[usize]) -> Result<Self> {
        shape::check_reshape(&self.shape, new_shape)?;
        Ok(Tensor { shape: new_shape.to_vec(), data: self.data.clone() })
    }

    /// Permutes the axes; `perm[i]` is the input axis that becomes axis `i`.
    pub fn transpose(&self, perm: &[usize]) -> Result<Self> {
        let out_shape = shape::transpose_shape(&self.shape, perm)?;
        if self.shape.len() == 2 && perm == [1, 0] {
            return Ok(self.transpose_2d());
        }
        let in_strides = shape::strides(&self.shape);
        let out_strides = shape::strides(&out_shape);
        let data = (0..self.len())
            .map(|flat| {
                let mut src = 0;
                for (axis, &p) in perm.iter().enumerate() {
                    src += (flat / out_strides[axis]) % out_shape[axis] * in_strides[p];
                }
                self.data[src]
            })
            .collect();
        Ok(Tensor { shape: out_shape, data })
    }

    fn transpose_2d(&self) -> Self {
        const BLOCK: usize = 32;
        let (rows, cols) = (self.shape[0], self.shape[1]);
        let mut data = vec![T::ZERO; self.len()];
        for r0 in (0..rows).step_by(BLOCK) {
            for c0 in (0..cols).step_by(BLOCK) {
                for r in r0..(r0 + BLOCK).min(rows) {
                    for c in c0..(c0 + BLOCK).min(cols) {
                        data[c * rows + r] = self.data[r * cols + c];
                    }
                }
            }
        }
        Tensor { shape: vec![cols, rows], data }
    }

    /// Sums along one axis (removing it), or over everything when `axis` is `None`.
    pub fn sum(&self, axis: Option<usize>) -> Result<Self> {
        let out_shape = shape::sum_shape(&self.shape, axis)?;
        let Some(axis) = axis else {
            let total = self.data.iter().fold(T::ZERO, |acc, &x| acc.wrapping_add(x));
            return Ok(Tensor { shape: out_shape, data: vec![total] });
        };
        let outer: usize = self.shape[..axis].iter().product();
        let dim = self.shape[axis];
        let inner: usize = self.shape[axis + 1..].iter().product();
        let mut data = vec![T::ZERO; outer * inner];
        for o in 0..outer {
            let out_row = &mut data[o * inner..(o + 1) * inner];
            for d in 0..dim {
                let start = (o * dim + d) * inner;
                for (acc, &x) in out_row.iter_mut().zip(&self.data[start..start + inner]) {
                    *acc = acc.wrapping_add(x);
                }
            }
        }
        Ok(Tensor { shape: out_shape, data })
    }

    /// Cumulative sums along `axis` (wrapping), in the shape of `self`:
    /// `exclusive` leaves each element out of its own sum (the first is
    /// zero), `reverse` sums from the end of the axis.
    pub fn cumsum(&self, axis: usize, exclusive: bool, reverse: bool) -> Result<Self> {
        shape::check_axis(&self.shape, axis)?;
        let outer: usize = self.shape[..axis].iter().product();
        let dim = self.shape[axis];
        let inner: usize = self.shape[axis + 1..].iter().product();
        let mut data = vec![T::ZERO; self.data.len()];
        let mut acc = vec![T::ZERO; inner];
        for o in 0..outer {
            acc.fill(T::ZERO);
            for step in 0..dim {
                let d = if reverse { dim - 1 - step } else { step };
                let start = (o * dim + d) * inner;
                let (src, dst) = (&self.data[start..start + inner], &mut data[start..start + inner]);
                for ((acc, out), &x) in acc.iter_mut().zip(dst).zip(src) {
                    if exclusive {
                        *out = *acc;
                        *acc = acc.wrapping_add(x);
                    } else {
                        *acc = acc.wrapping_add(x);
                        *out = *acc;
                    }
                }
            }
        }
        Ok(Tensor { shape: self.shape.clone(), data })
    }
}

impl Tensor<u64> {
    /// The matrix product of two rank-2 tensors, on the dispatched GEMM.
    pub fn matmul(&self, other: &Self) -> Result<Self> {
        let out_shape = shape::matmul_shape(&self.shape, &other.shape)?;
        let (m, k, n) = (self.shape[0], self.shape[1], other.shape[1]);
        let mut out = vec![0u64; m * n];
        super::gemm::gemm(m, k, n, &self.data, &other.data, &mut out, false);
        Ok(Tensor { shape: out_shape, data: out })
    }

    /// `self += a · b` for rank-2 tensors, without a temporary for the product.
    pub fn add_matmul(&mut self, a: &Self, b: &Self) -> Result<()> {
        self.matmul_of_sums((a, None), (b, None), true)
    }

    /// `self = a · b` for rank-2 tensors, in this tensor's memory: its old
    /// contents are never read.
    pub fn assign_matmul(&mut self, a: &Self, b: &Self) -> Result<()> {
        self.matmul_of_sums((a, None), (b, None), false)
    }

    /// `self = a · b`, or `self += a · b` when `accumulate`, for rank-2
    /// tensors, where each factor is one tensor or the sum of two of one
    /// shape: `(x, Some(y))` is x + y, added while the GEMM packs its
    /// blocks and never stored.
    pub fn matmul_of_sums(
        &mut self,
        a: (&Self, Option<&Self>),
        b: (&Self, Option<&Self>),
        accumulate: bool,
    ) -> Result<()> {
        let (fa, fb) = (sum_factor(a)?, sum_factor(b)?);
        let (a, b) = (a.0, b.0);
        let out_shape = shape::matmul_shape(&a.shape, &b.shape)?;
        if out_shape != self.shape {
            return Err(Error::invalid(format!(
                "matmul result {} does not fit the accumulator {}",
                fmt_shape(&out_shape),
                fmt_shape(&self.shape)
            )));
        }
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1]);
        super::gemm::gemm_factors(m, k, n, fa, fb, &mut self.data, accumulate);
        Ok(())
    }
}

/// The GEMM factor `x` or `x + y` (see [`Tensor::matmul_of_sums`]).
fn sum_factor<'a>((x, y): (&'a RingTensor, Option<&'a RingTensor>)) -> Result<Factor<'a>> {
    match y {
        None => Ok(Factor::Matrix(&x.data)),
        Some(y) if y.shape == x.shape => Ok(Factor::Sum(&x.data, &y.data)),
        Some(y) => Err(Error::invalid(format!(
            "a matmul factor sums {} and {}: the terms need one shape",
            fmt_shape(&x.shape),
            fmt_shape(&y.shape)
        ))),
    }
}

/// Maps a flat index of the broadcast output to a flat index of an input.
/// The broadcasts that repeat one operand whole (a bias row against a
/// batch, a scalar against anything): one operand has the output's shape and
/// the other's, without leading axes of 1, is the output's last axes, so its
/// element for output `i` is `i % its length`. `None` for other broadcasts.
fn zip_tiled<T: RingElement>(
    a: &Tensor<T>,
    b: &Tensor<T>,
    out_shape: &[usize],
    f: &(impl Fn(T, T) -> T + Sync + Send),
) -> Option<Vec<T>> {
    let repeats = |whole: &Tensor<T>, part: &Tensor<T>| {
        let leading_ones = part.shape.iter().take_while(|&&d| d == 1).count();
        whole.shape == out_shape && out_shape.ends_with(&part.shape[leading_ones..]) && !part.data.is_empty()
    };
    let (whole, part, part_first) = if repeats(a, b) {
        (a, b, false)
    } else if repeats(b, a) {
        (b, a, true)
    } else {
        return None;
    };
    let period = part.data.len();
    let mut data = vec![T::ZERO; whole.len()];
    for_chunks(&mut data, GRAIN, |start, out| {
        let mut j = start % period;
        for (o, &w) in out.iter_mut().zip(&whole.data[start..]) {
            let p = part.data[j];
            *o = if part_first { f(p, w) } else { f(w, p) };
            j += 1;
            if j == period {
                j = 0;
            }
        }
    });
    Some(data)
}

/// For the outer broadcast of a column `[m, 1]` against a row `[k]` (or
/// `[1, k]`), either first, into `[m, k]` (a piecewise function's values
/// against its knots): the column's words, the row's, and whether the
/// column is the first operand. `None` for other broadcasts.
fn column_and_row<'a, T: RingElement>(
    a: &'a Tensor<T>,
    b: &'a Tensor<T>,
    out_shape: &[usize],
) -> Option<(&'a [T], &'a [T], bool)> {
    let &[m, k] = out_shape else { return None };
    let is_column = |t: &Tensor<T>| t.shape == [m, 1];
    let is_row = |t: &Tensor<T>| t.shape == [k] || t.shape == [1, k];
    match (m * k > 0, is_column(a) && is_row(b), is_row(a) && is_column(b)) {
        (true, true, _) => Some((&a.data, &b.data, true)),
        (true, false, true) => Some((&b.data, &a.data, false)),
        _ => None,
    }
}

/// `f(column[i], row[j])` at `[i, j]`, rows of whole chunks in parallel.
fn zip_outer<T: RingElement>(column: &[T], row: &[T], f: impl Fn(T, T) -> T + Sync + Send) -> Vec<T> {
    let k = row.len();
    let mut data = vec![T::ZERO; column.len() * k];
    for_chunks(&mut data, GRAIN.div_ceil(k) * k, |start, out| {
        for (out, &c) in out.chunks_mut(k).zip(&column[start / k..]) {
            for (o, &r) in out.iter_mut().zip(row) {
                *o = f(c, r);
            }
        }
    });
    data
}

fn broadcast_index(in_shape: &[usize], out_shape: &[usize]) -> impl Fn(usize) -> usize + use<> {
    let offset = out_shape.len() - in_shape.len();
    let in_strides = shape::strides(in_shape);
    let out_strides = shape::strides(out_shape);
    let axes: Vec<(usize, usize, usize)> = (0..in_shape.len())
        .filter(|&i| in_shape[i] != 1)
        .map(|i| (out_strides[i + offset], out_shape[i + offset], in_strides[i]))
        .collect();
    move |flat| axes.iter().map(|&(os, od, is)| (flat / os) % od * is).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(shape: &[usize], data: &[u64]) -> RingTensor {
        Tensor::new(shape.to_vec(), data.to_vec()).unwrap()
    }

    /// Elementwise kernels follow the one threshold of `crate::parallel`:
    /// on the calling thread up to `GRAIN` elements, on the pool above.
    #[test]
    fn elementwise_kernels_go_to_the_pool_above_one_grain() {
        use std::sync::atomic::{AtomicBool, Ordering};
        for (n, pooled) in [(GRAIN, false), (GRAIN + 1, true)] {
            let x = RingTensor::filled(&[n], 3);
            let on_pool = AtomicBool::new(false);
            let y = x.map(|v| {
                if rayon::current_thread_index().is_some() {
                    on_pool.store(true, Ordering::Relaxed);
                }
                v + 1
            });
            assert!(y.data().iter().all(|&v| v == 4));
            assert_eq!(on_pool.load(Ordering::Relaxed), pooled, "map of {n} elements");
            let on_pool = AtomicBool::new(false);
            let z = x
                .zip_with(&y, |a, b| {
                    if rayon::current_thread_index().is_some() {
                        on_pool.store(true, Ordering::Relaxed);
                    }
                    a + b
                })
                .unwrap();
            assert!(z.data().iter().all(|&v| v == 7));
            assert_eq!(on_pool.load(Ordering::Relaxed), pooled, "zip of {n} elements");
        }
    }

    #[test]
    fn arithmetic_wraps() {
        let a = t(&[2], &[u64::MAX, 5]);
        let b = t(&[2], &[1, 7]);
        assert_eq!(a.add(&b).unwrap().data(), &[0, 12]);
        assert_eq!(b.sub(&a).unwrap().data(), &[2, 2]);
        assert_eq!(a.neg().data(), &[1, 5u64.wrapping_neg()]);
        assert_eq!(a.mul(&b).unwrap().data(), &[u64::MAX, 35]);
    }

    /// The repeating broadcasts (either operand first) and the general
    /// path give the same elements, also across chunks of the pool.
    #[test]
    fn repeated_operands_broadcast_as_the_general_rule_does() {
        let n = 5 * (GRAIN / 2 + 7); // three chunks, none a whole number of rows
        let big = RingTensor::new(vec![n / 5, 5], (0..n as u64).collect()).unwrap();
        for small in [t(&[5], &[1, 2, 3, 4, 5]), t(&[1, 5], &[7, 8, 9, 10, 11]), t(&[], &[3]), t(&[1], &[9])] {
            let expected: Vec<u64> =
                (0..n).map(|i| big.data()[i].wrapping_sub(small.data()[i % small.len()])).collect();
            assert_eq!(big.sub(&small).unwrap().data(), &expected[..], "{:?}", small.shape());
            let flipped: Vec<u64> = expected.iter().map(|v| v.wrapping_neg()).collect();
            assert_eq!(small.sub(&big).unwrap().data(), &flipped[..], "{:?}", small.shape());
        }
        // A column repeats across rows, not whole: the general rule.
        let col = t(&[2, 1], &[100, 200]);
        let a = t(&[2, 3], &[1, 2, 3, 4, 5, 6]);
        assert_eq!(col.sub(&a).unwrap().data(), &[99, 98, 97, 196, 195, 194]);
    }

    #[test]
    fn broadcasting_a_row_and_a_scalar() {
        let a = t(&[2, 3], &[1, 2, 3, 4, 5, 6]);
        let row = t(&[3], &[10, 20, 30]);
        assert_eq!(a.add(&row).unwrap().data(), &[11, 22, 33, 14, 25, 36]);
        let col = t(&[2, 1], &[100, 200]);
        assert_eq!(a.add(&col).unwrap().data(), &[101, 102, 103, 204, 205, 206]);
        let two = t(&[], &[2]);
        assert_eq!(a.mul(&two).unwrap().data(), &[2, 4, 6, 8, 10, 12]);
    }

    #[test]
    fn a_column_against_a_row_in_either_order_and_either_row_shape() {
        // Past one grain, so that the rows go to the pool in chunks.
        let (m, k) = (GRAIN / 7, 9);
        let column = t(&[m, 1], &(0..m as u64).map(|i| i * 1000).collect::<Vec<_>>());
        for row_shape in [vec![k], vec![1, k]] {
            let row = t(&row_shape, &(0..k as u64).collect::<Vec<_>>());
            let (ab, ba) = (column.sub(&row).unwrap(), row.sub(&column).unwrap());
            assert_eq!((ab.shape(), ba.shape()), (&[m, k][..], &[m, k][..]));
            for (i, j) in (0..m).flat_map(|i| (0..k).map(move |j| (i, j))) {
                let (c, r) = (i as u64 * 1000, j as u64);
                assert_eq!(ab.data()[i * k + j], c.wrapping_sub(r), "{i} {j}");
                assert_eq!(ba.data()[i * k + j], r.wrapping_sub(c), "{i} {j}");
            }
        }
        assert_eq!(t(&[0, 1], &[]).sub(&t(&[3], &[1, 2, 3])).unwrap().shape(), &[0, 3]);
    }

    #[test]
    fn cumsum_along_each_axis_in_all_four_modes() {
        let a = t(&[2, 3], &[1, 2, 3, 4, 5, u64::MAX]);
        assert_eq!(a.cumsum(1, false, false).unwrap().data(), &[1, 3, 6, 4, 9, 8]);
        assert_eq!(a.cumsum(1, true, false).unwrap().data(), &[0, 1, 3, 0, 4, 9]);
        assert_eq!(a.cumsum(1, false, true).unwrap().data(), &[6, 5, 3, 8, 4, u64::MAX]);
        assert_eq!(a.cumsum(1, true, true).unwrap().data(), &[5, 3, 0, 4, u64::MAX, 0]);
        assert_eq!(a.cumsum(0, false, false).unwrap().data(), &[1, 2, 3, 5, 7, 2]);
        assert_eq!(a.cumsum(0, true, true).unwrap().data(), &[4, 5, u64::MAX, 0, 0, 0]);
        assert!(a.cumsum(2, false, false).unwrap_err().to_string().contains("[2, 3]"));
        assert_eq!(t(&[0, 3], &[]).cumsum(0, false, false).unwrap().shape(), &[0, 3]);
    }

    #[test]
    fn transpose_sum_reshape() {
        let a = t(&[2, 3], &[1, 2, 3, 4, 5, 6]);
        assert_eq!(a.transpose(&[1, 0]).unwrap().data(), &[1, 4, 2, 5, 3, 6]);
        assert_eq!(a.sum(Some(0)).unwrap().data(), &[5, 7, 9]);
        assert_eq!(a.sum(Some(1)).unwrap().data(), &[6, 15]);
        assert_eq!(a.sum(None).unwrap().data(), &[21]);
        assert_eq!(a.reshape(&[3, 2]).unwrap().shape(), &[3, 2]);
        assert!(a.reshape(&[4]).is_err());
        let c = t(&[2, 1, 3], &[1, 2, 3, 4, 5, 6]);
        let ct = c.transpose(&[2, 0, 1]).unwrap();
        assert_eq!(ct.shape(), &[3, 2, 1]);
        assert_eq!(ct.data(), &[1, 4, 2, 5, 3, 6]);
    }

    #[test]
    fn shifts() {
        let a = t(&[2], &[(-8i64) as u64, 8]);
        assert_eq!(a.shr_arithmetic(2).data(), &[(-2i64) as u64, 2]);
        assert_eq!(a.shr_logical(62).data(), &[3, 0]);
        assert_eq!(a.shl(1).data(), &[(-16i64) as u64, 16]);
    }
}
