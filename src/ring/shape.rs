//! Shape arithmetic shared by ring tensors, protocols and graph shape
//! inference: element counts, numpy-style broadcasting, and the shape rules
//! of matmul, conv2d, sum, transpose, reshape, `expand_dims` and squeeze.

use super::layout::{self, Padding, Window};
use crate::error::{Error, Result};

/// Number of elements of a tensor of this shape (1 for a scalar). Only for
/// shapes that passed [`check_size`] (every shape in a graph did); use
/// [`checked_numel`] for a shape that comes straight from a caller.
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Number of elements of a shape, or `None` when the product overflows.
pub fn checked_numel(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// `a + b`, or an error that names `what` when the sum overflows `usize`.
pub fn checked_add(a: usize, b: usize, what: impl FnOnce() -> String) -> Result<usize> {
    a.checked_add(b).ok_or_else(|| Error::invalid(format!("{}: {a} + {b} overflows", what())))
}

/// `a * b`, or an error that names `what` when the product overflows `usize`.
pub fn checked_mul(a: usize, b: usize, what: impl FnOnce() -> String) -> Result<usize> {
    a.checked_mul(b).ok_or_else(|| Error::invalid(format!("{}: {a} * {b} overflows", what())))
}

/// Largest element count of one tensor (2^34, 128 GiB of u64 words).
pub const MAX_ELEMENTS: usize = 1 << 34;

/// Checks that a declared shape has a sane element count (no overflow).
pub fn check_size(shape: &[usize]) -> Result<()> {
    match checked_numel(shape) {
        Some(n) if n <= MAX_ELEMENTS => Ok(()),
        _ => Err(Error::invalid(format!(
            "shape {} has too many elements (expected at most {MAX_ELEMENTS})",
            fmt_shape(shape)
        ))),
    }
}

/// Formats a shape as `[5, 10]` for error messages.
pub fn fmt_shape(shape: &[usize]) -> String {
    format!("{shape:?}")
}

/// The numpy broadcast of two shapes, or an error naming both.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank { a[i + a.len() - rank] } else { 1 };
        let db = if i + b.len() >= rank { b[i + b.len() - rank] } else { 1 };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => {
                return Err(Error::invalid(format!(
                    "shapes {} and {} cannot be broadcast together (dimension {i}: {da} vs {db})",
                    fmt_shape(a),
                    fmt_shape(b)
                )));
            }
        };
    }
    Ok(out)
}

/// The output shape of a 2-D matrix product, or an error naming both shapes.
pub fn matmul_shape(a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    if a.len() != 2 || b.len() != 2 {
        return Err(Error::invalid(format!(
            "matmul expects two matrices (rank 2), found shapes {} and {}",
            fmt_shape(a),
            fmt_shape(b)
        )));
    }
    if a[1] != b[0] {
        return Err(Error::invalid(format!(
            "matmul inner dimensions differ: {} x {} (expected {} rows on the right, found {})",
            fmt_shape(a),
            fmt_shape(b),
            a[1],
            b[0]
        )));
    }
    Ok(vec![a[0], b[1]])
}

/// The shape after inserting a unit axis at `axis`.
pub fn expand_dims_shape(shape: &[usize], axis: usize) -> Result<Vec<usize>> {
    if axis > shape.len() {
        return Err(Error::invalid(format!(
            "expand_dims: axis {axis} is out of range for shape {} (expected at most {})",
            fmt_shape(shape),
            shape.len()
        )));
    }
    let mut out = shape.to_vec();
    out.insert(axis, 1);
    Ok(out)
}

/// The shape after removing the unit axis `axis`.
pub fn squeeze_shape(shape: &[usize], axis: usize) -> Result<Vec<usize>> {
    if shape.get(axis) != Some(&1) {
        return Err(Error::invalid(format!("squeeze: axis {axis} of shape {} is not of size 1", fmt_shape(shape))));
    }
    let mut out = shape.to_vec();
    out.remove(axis);
    Ok(out)
}

/// The shape of a conv2d filter as a [KH·KW·C, O] matrix, checked against
/// the input's.
pub fn conv2d_filter_matrix(x: &[usize], w: &[usize], window: &Window) -> Result<[usize; 2]> {
    if w.len() != 4 || x.len() != 4 || w[2] != x[3] || w[0] != window.kh || w[1] != window.kw {
        return Err(Error::invalid(format!(
            "conv2d expects an NHWC input and a [KH, KW, C, O] filter with matching C, found input {} and filter {}",
            fmt_shape(x),
            fmt_shape(w)
        )));
    }
    Ok([w[0] * w[1] * w[2], w[3]])
}

/// The output shape of conv2d: [N, OH, OW, O].
pub fn conv2d_shape(x: &[usize], w: &[usize], strides: (usize, usize), padding: Padding) -> Result<Vec<usize>> {
    let window =
        Window { kh: *w.first().unwrap_or(&0), kw: *w.get(1).unwrap_or(&0), sh: strides.0, sw: strides.1, padding };
    conv2d_filter_matrix(x, w, &window)?;
    layout::im2col_shape(x, window)?;
    let ([n, oh, ow, _], _, _) = layout::window_geometry(x, window)?;
    Ok(vec![n, oh, ow, w[3]])
}

/// Checks that `axis` names a dimension of `shape`.
pub fn check_axis(shape: &[usize], axis: usize) -> Result<()> {
    if axis >= shape.len() {
        return Err(Error::invalid(format!(
            "axis {axis} is out of range for shape {} (expected an axis below {})",
            fmt_shape(shape),
            shape.len()
        )));
    }
    Ok(())
}

/// The shape after summing along `axis` (`None` sums everything to a scalar).
pub fn sum_shape(shape: &[usize], axis: Option<usize>) -> Result<Vec<usize>> {
    match axis {
        None => Ok(vec![]),
        Some(axis) => {
            check_axis(shape, axis)?;
            let mut out = shape.to_vec();
            out.remove(axis);
            Ok(out)
        }
    }
}

/// How many elements a reduction along `axis` (or over everything) combines
/// into each result; an error when it is none (a mean of nothing).
pub fn reduced_count(shape: &[usize], axis: Option<usize>) -> Result<usize> {
    let n = match axis {
        None => numel(shape),
        Some(axis) => {
            check_axis(shape, axis)?;
            shape[axis]
        }
    };
    if n == 0 {
        return Err(Error::invalid(format!("a reduction over no elements of shape {}", fmt_shape(shape))));
    }
    Ok(n)
}

/// Checks that a permutation is valid for `shape` and returns the permuted shape.
pub fn transpose_shape(shape: &[usize], perm: &[usize]) -> Result<Vec<usize>> {
    let mut seen = vec![false; shape.len()];
    if perm.len() != shape.len() {
        return Err(Error::invalid(format!(
            "transpose permutation {perm:?} has {} axes, expected {} for shape {}",
            perm.len(),
            shape.len(),
            fmt_shape(shape)
        )));
    }
    for &p in perm {
        if p >= shape.len() || seen[p] {
            return Err(Error::invalid(format!(
                "transpose permutation {perm:?} is not a permutation of 0..{}",
                shape.len()
            )));
        }
        seen[p] = true;
    }
    Ok(perm.iter().map(|&p| shape[p]).collect())
}

/// Checks that a reshape keeps the element count (`to` need not have
/// passed [`check_size`]: an overflowing count is a mismatch).
pub fn check_reshape(from: &[usize], to: &[usize]) -> Result<()> {
    check_size(to)?;
    if numel(from) != numel(to) {
        return Err(Error::invalid(format!(
            "cannot reshape {} ({} elements) to {} ({} elements)",
            fmt_shape(from),
            numel(from),
            fmt_shape(to),
            numel(to)
        )));
    }
    Ok(())
}

/// Row-major strides of a shape.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut out = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        out[i] = out[i + 1] * shape[i + 1];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast_shapes(&[5, 10], &[10]).unwrap(), vec![5, 10]);
        assert_eq!(broadcast_shapes(&[], &[3, 2]).unwrap(), vec![3, 2]);
        assert_eq!(broadcast_shapes(&[4, 1], &[1, 3]).unwrap(), vec![4, 3]);
        let err = broadcast_shapes(&[5, 10], &[3]).unwrap_err().to_string();
        assert!(err.contains("[5, 10]") && err.contains("[3]"), "{err}");
    }

    #[test]
    fn matmul_shape_names_both_shapes() {
        assert_eq!(matmul_shape(&[5, 10], &[10, 3]).unwrap(), vec![5, 3]);
        let err = matmul_shape(&[5, 10], &[9, 3]).unwrap_err().to_string();
        assert!(err.contains("[5, 10]") && err.contains("[9, 3]"), "{err}");
    }

    #[test]
    fn strides_are_row_major() {
        assert_eq!(strides(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(strides(&[]), Vec::<usize>::new());
    }
}
