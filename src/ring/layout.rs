//! Data movement as index maps: slice, pad, gather, concat, im2col and
//! pooling windows.
//!
//! Each layout op computes, once, the flat source index of every output
//! element ([`NONE`] for an element that is zero, such as padding); then
//! [`Tensor::take`] applies the map. A secret share applies the same map to
//! both of its components, so these ops cost no communication.

use super::element::RingElement;
use super::shape::{check_size, checked_add, checked_mul, fmt_shape, numel, strides};
use super::tensor::Tensor;
use crate::error::{Error, Result};
use crate::vocabulary::code_enum;

/// The source index of an output element that is zero.
pub const NONE: usize = usize::MAX;

code_enum! {
    /// Spatial padding of convolutions and pooling, with TensorFlow's meaning.
    pub enum Padding ("padding") {
        /// No padding: windows lie inside the input.
        Valid = 0 => "valid",
        /// Output size ⌈in / stride⌉, zeros split before and after (the extra one after).
        Same = 1 => "same",
    }
}

/// Output size and padding before, along one spatial axis.
pub fn window_output(input: usize, window: usize, stride: usize, padding: Padding) -> Result<(usize, usize)> {
    if window == 0 || stride == 0 {
        return Err(Error::invalid(format!("window {window} and stride {stride} must be positive")));
    }
    match padding {
        Padding::Valid => {
            if window > input {
                return Err(Error::invalid(format!(
                    "window of {window} does not fit an input of {input} with VALID padding"
                )));
            }
            Ok(((input - window) / stride + 1, 0))
        }
        Padding::Same => {
            if input == 0 {
                return Err(Error::invalid("an empty axis has no window positions with SAME padding"));
            }
            let out = input.div_ceil(stride);
            // (out - 1) * stride < input, so only the window can overflow.
            let span = checked_add((out - 1) * stride, window, || format!("window {window} with stride {stride}"))?;
            Ok((out, span.saturating_sub(input) / 2))
        }
    }
}

impl<T: RingElement> Tensor<T> {
    /// The tensor of `shape` whose element i is `self[index[i]]`, or zero for [`NONE`].
    pub fn take(&self, shape: &[usize], index: &[usize]) -> Result<Self> {
        if numel(shape) != index.len() {
            return Err(Error::internal(format!(
                "index map of {} entries for shape {}",
                index.len(),
                fmt_shape(shape)
            )));
        }
        let data = self.data();
        let out = index.iter().map(|&i| if i == NONE { T::ZERO } else { data[i] }).collect();
        Tensor::new(shape.to_vec(), out)
    }
}

fn check_rank(what: &str, shape: &[usize], rank: usize) -> Result<()> {
    if shape.len() != rank {
        return Err(Error::invalid(format!("{what} expects rank {rank}, found shape {}", fmt_shape(shape))));
    }
    Ok(())
}

/// Calls `f(flat_out, multi_index)` for every index of `shape`, in order.
fn for_each_index(shape: &[usize], mut f: impl FnMut(&[usize])) {
    let n = numel(shape);
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..n {
        f(&idx);
        for axis in (0..shape.len()).rev() {
            idx[axis] += 1;
            if idx[axis] < shape[axis] {
                break;
            }
            idx[axis] = 0;
        }
    }
}

/// The shape of a slice (`size`), checked against `shape` without the index
/// map: what shape inference needs, in time that does not grow with the slice.
pub fn slice_shape(shape: &[usize], begin: &[usize], size: &[usize]) -> Result<Vec<usize>> {
    // `begin + size` is checked: a begin near `usize::MAX` must not wrap
    // around to a window that seems to fit.
    let fits = |a: usize| begin[a].checked_add(size[a]).is_some_and(|end| end <= shape[a]);
    if begin.len() != shape.len() || size.len() != shape.len() || !(0..shape.len()).all(fits) {
        return Err(Error::invalid(format!(
            "slice begin {begin:?} size {size:?} does not fit shape {}",
            fmt_shape(shape)
        )));
    }
    Ok(size.to_vec())
}

/// `x[begin .. begin + size]` along every axis.
pub fn slice_map(shape: &[usize], begin: &[usize], size: &[usize]) -> Result<(Vec<usize>, Vec<usize>)> {
    slice_shape(shape, begin, size)?;
    let st = strides(shape);
    let mut index = Vec::with_capacity(numel(size));
    for_each_index(size, |i| index.push((0..i.len()).map(|a| (begin[a] + i[a]) * st[a]).sum()));
    Ok((size.to_vec(), index))
}

/// Zero padding: `pads[a] = (before, after)` elements on axis a.
pub fn pad_map(shape: &[usize], pads: &[(usize, usize)]) -> Result<(Vec<usize>, Vec<usize>)> {
    if pads.len() != shape.len() {
        return Err(Error::invalid(format!(
            "pad needs one (before, after) pair per axis of shape {}, found {}",
            fmt_shape(shape),
            pads.len()
        )));
    }
    let out = pad_shape(shape, pads)?;
    let st = strides(shape);
    let mut index = Vec::with_capacity(numel(&out));
    for_each_index(&out, |i| {
        let mut src = 0;
        for a in 0..i.len() {
            if i[a] < pads[a].0 || i[a] >= pads[a].0 + shape[a] {
                index.push(NONE);
                return;
            }
            src += (i[a] - pads[a].0) * st[a];
        }
        index.push(src);
    });
    Ok((out, index))
}

/// The shape after padding: `before + dim + after` per axis, checked for
/// overflow and against the size limit.
pub fn pad_shape(shape: &[usize], pads: &[(usize, usize)]) -> Result<Vec<usize>> {
    let what = || format!("pad {pads:?} of shape {}", fmt_shape(shape));
    let out = shape
        .iter()
        .zip(pads)
        .map(|(&d, &(before, after))| checked_add(d, before, what).and_then(|n| checked_add(n, after, what)))
        .collect::<Result<Vec<usize>>>()?;
    check_size(&out).map_err(|e| Error::invalid_in(what(), &e))?;
    Ok(out)
}

/// The shape of a gather of `indices` along `axis` (the indices checked
/// against the axis), without the index map: what shape inference needs, in
/// time that does not grow with the result.
pub fn gather_shape(shape: &[usize], indices: &[usize], axis: usize) -> Result<Vec<usize>> {
    super::shape::check_axis(shape, axis)?;
    if let Some(bad) = indices.iter().find(|&&i| i >= shape[axis]) {
        return Err(Error::invalid(format!(
            "gather index {bad} is out of range for axis {axis} of shape {}",
            fmt_shape(shape)
        )));
    }
    let mut out = shape.to_vec();
    out[axis] = indices.len();
    Ok(out)
}

/// Elements `indices` along `axis` (numpy `take`).
pub fn gather_map(shape: &[usize], indices: &[usize], axis: usize) -> Result<(Vec<usize>, Vec<usize>)> {
    let out = gather_shape(shape, indices, axis)?;
    let st = strides(shape);
    let mut index = Vec::with_capacity(numel(&out));
    for_each_index(&out, |i| {
        index.push((0..i.len()).map(|a| if a == axis { indices[i[a]] * st[a] } else { i[a] * st[a] }).sum());
    });
    Ok((out, index))
}

/// The shape of a concatenation along `axis`.
pub fn concat_shape(shapes: &[&[usize]], axis: usize) -> Result<Vec<usize>> {
    let first = shapes.first().ok_or_else(|| Error::invalid("concat needs at least one tensor"))?;
    super::shape::check_axis(first, axis)?;
    let mut out = first.to_vec();
    for s in &shapes[1..] {
        let same_rest = s.len() == first.len() && (0..s.len()).all(|a| a == axis || s[a] == first[a]);
        if !same_rest {
            return Err(Error::invalid(format!(
                "concat along axis {axis}: shapes {} and {} differ on another axis",
                fmt_shape(first),
                fmt_shape(s)
            )));
        }
        out[axis] = checked_add(out[axis], s[axis], || format!("concat along axis {axis}"))?;
    }
    Ok(out)
}

/// Concatenates tensors along `axis`.
pub fn concat<T: RingElement>(tensors: &[&Tensor<T>], axis: usize) -> Result<Tensor<T>> {
    let shapes: Vec<&[usize]> = tensors.iter().map(|t| t.shape()).collect();
    let out = concat_shape(&shapes, axis)?;
    let outer: usize = out[..axis].iter().product();
    let mut data = Vec::with_capacity(numel(&out));
    for o in 0..outer {
        for t in tensors {
            let chunk: usize = t.shape()[axis..].iter().product();
            data.extend_from_slice(&t.data()[o * chunk..(o + 1) * chunk]);
        }
    }
    Tensor::new(out, data)
}

/// Geometry of a 2-D window op on an NHWC tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Window height.
    pub kh: usize,
    /// Window width.
    pub kw: usize,
    /// Stride along the height.
    pub sh: usize,
    /// Stride along the width.
    pub sw: usize,
    /// How the input is padded.
    pub padding: Padding,
}

/// (N, OH, OW, C) and padding before (top, left) of a window op.
pub fn window_geometry(shape: &[usize], w: Window) -> Result<([usize; 4], usize, usize)> {
    check_rank("a 2-D window op (NHWC)", shape, 4)?;
    let (oh, top) = window_output(shape[1], w.kh, w.sh, w.padding)
        .map_err(|e| Error::invalid_in(format_args!("height of input {}", fmt_shape(shape)), &e))?;
    let (ow, left) = window_output(shape[2], w.kw, w.sw, w.padding)
        .map_err(|e| Error::invalid_in(format_args!("width of input {}", fmt_shape(shape)), &e))?;
    Ok(([shape[0], oh, ow, shape[3]], top, left))
}

/// The shape [N·OH·OW, KH·KW·C] of the im2col patches, checked for overflow
/// and against the size limit (the patches can be far larger than the
/// input or the output).
pub fn im2col_shape(shape: &[usize], w: Window) -> Result<[usize; 2]> {
    let ([n, oh, ow, c], _, _) = window_geometry(shape, w)?;
    let what = || format!("the patches of a {}x{} window over input {}", w.kh, w.kw, fmt_shape(shape));
    let rows = checked_mul(checked_mul(n, oh, what)?, ow, what)?;
    let cols = checked_mul(checked_mul(w.kh, w.kw, what)?, c, what)?;
    check_size(&[rows, cols]).map_err(|e| Error::invalid_in(what(), &e))?;
    Ok([rows, cols])
}

/// The KH·KW index maps of [`window_maps`] hold as many elements as a
/// tensor of [KH·KW, N, OH, OW, C]: checked against the size limit.
pub fn check_window_maps_size(shape: &[usize], w: Window) -> Result<()> {
    let (out, _, _) = window_geometry(shape, w)?;
    let what = || format!("a {}x{} window over input {}", w.kh, w.kw, fmt_shape(shape));
    let offsets = checked_mul(w.kh, w.kw, what)?;
    let mut all = vec![offsets];
    all.extend(out);
    check_size(&all).map_err(|e| Error::invalid_in(what(), &e))
}

/// im2col: rows (n, oh, ow), columns (kh, kw, c), zeros where the window
/// leaves the input. A convolution is then `patches · W[KH·KW·C, O]`.
pub fn im2col_map(shape: &[usize], w: Window) -> Result<(Vec<usize>, Vec<usize>)> {
    let [rows, cols] = im2col_shape(shape, w)?;
    let ([n, oh, ow, c], top, left) = window_geometry(shape, w)?;
    let (h, wd) = (shape[1], shape[2]);
    let mut index = Vec::with_capacity(rows * cols);
    for b in 0..n {
        for y in 0..oh {
            for x in 0..ow {
                for ky in 0..w.kh {
                    for kx in 0..w.kw {
                        let iy = (y * w.sh + ky) as isize - top as isize;
                        let ix = (x * w.sw + kx) as isize - left as isize;
                        let inside = iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < wd;
                        for ch in 0..c {
                            index.push(if inside { ((b * h + iy as usize) * wd + ix as usize) * c + ch } else { NONE });
                        }
                    }
                }
            }
        }
    }
    Ok((vec![rows, cols], index))
}

/// The output shape [N, OH, OW, C], one index map per window offset, and
/// the number of elements inside the input of each window (per position).
pub type WindowMaps = (Vec<usize>, Vec<Vec<usize>>, Vec<usize>);

/// For each of the KH·KW window offsets, the map to an [N, OH, OW, C]
/// tensor of the elements at that offset. Offsets outside the input take
/// the window's first element inside it (so a maximum ignores padding), or
/// [`NONE`] when `zero_outside`.
pub fn window_maps(shape: &[usize], w: Window, zero_outside: bool) -> Result<WindowMaps> {
    check_window_maps_size(shape, w)?;
    let ([n, oh, ow, c], top, left) = window_geometry(shape, w)?;
    let (h, wd) = (shape[1], shape[2]);
    let per = n * oh * ow * c;
    let mut maps = vec![Vec::with_capacity(per); w.kh * w.kw];
    let mut counts = Vec::with_capacity(n * oh * ow);
    for b in 0..n {
        for y in 0..oh {
            for x in 0..ow {
                let rows = (0..w.kh).map(|ky| (y * w.sh + ky) as isize - top as isize);
                let inside_rows: Vec<usize> =
                    rows.filter(|&r| r >= 0 && (r as usize) < h).map(|r| r as usize).collect();
                let cols = (0..w.kw).map(|kx| (x * w.sw + kx) as isize - left as isize);
                let inside_cols: Vec<usize> =
                    cols.filter(|&q| q >= 0 && (q as usize) < wd).map(|q| q as usize).collect();
                counts.push(inside_rows.len() * inside_cols.len());
                let (first_r, first_c) = (inside_rows[0], inside_cols[0]);
                for ky in 0..w.kh {
                    for kx in 0..w.kw {
                        let iy = (y * w.sh + ky) as isize - top as isize;
                        let ix = (x * w.sw + kx) as isize - left as isize;
                        let inside = iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < wd;
                        let (ry, rx) = if inside { (iy as usize, ix as usize) } else { (first_r, first_c) };
                        let map = &mut maps[ky * w.kw + kx];
                        for ch in 0..c {
                            map.push(if inside || !zero_outside { ((b * h + ry) * wd + rx) * c + ch } else { NONE });
                        }
                    }
                }
            }
        }
    }
    Ok((vec![n, oh, ow, c], maps, counts))
}

/// The shape of [`patches_map`]'s result, `[N, OH, OW, KH·KW, C]`, with the
/// same checks and without the maps.
pub fn patches_shape(shape: &[usize], w: Window) -> Result<Vec<usize>> {
    check_window_maps_size(shape, w)?;
    let ([n, oh, ow, c], _, _) = window_geometry(shape, w)?;
    Ok(vec![n, oh, ow, w.kh * w.kw, c])
}

/// The windows of an NHWC tensor as [N, OH, OW, KH·KW, C]: element
/// (n, y, x, k, c) is the input at offset k of window (y, x), channel c.
/// Offsets outside the input are zero (`zero_outside`, as a convolution
/// pads) or repeat the window's first element inside it (as a maximum
/// ignores padding), the maps of [`window_maps`].
pub fn patches_map(shape: &[usize], w: Window, zero_outside: bool) -> Result<(Vec<usize>, Vec<usize>)> {
    let (out, maps, _) = window_maps(shape, w, zero_outside)?;
    let (positions, c, k) = (out[0] * out[1] * out[2], out[3], maps.len());
    let mut index = Vec::with_capacity(positions * k * c);
    for p in 0..positions {
        for map in &maps {
            index.extend_from_slice(&map[p * c..(p + 1) * c]);
        }
    }
    Ok((vec![out[0], out[1], out[2], k, c], index))
}

/// The number of elements inside the input of each window of
/// [`patches_map`], per position (n, y, x).
pub fn window_counts(shape: &[usize], w: Window) -> Result<Vec<usize>> {
    Ok(window_maps(shape, w, true)?.2)
}

impl<T: RingElement> Tensor<T> {
    /// The transpose of [`Tensor::take`]: the tensor of `shape` whose
    /// element j is the sum of `self[i]` over every i with `index[i] = j`
    /// ([`NONE`] entries are dropped). Linear, so a share scatters each of
    /// its components.
    pub fn scatter_add(&self, shape: &[usize], index: &[usize]) -> Result<Self> {
        if index.len() != self.len() {
            return Err(Error::internal(format!(
                "index map of {} entries for a tensor of shape {}",
                index.len(),
                fmt_shape(self.shape())
            )));
        }
        let n = numel(shape);
        let mut out = vec![T::ZERO; n];
        for (&i, &v) in index.iter().zip(self.data()) {
            if i != NONE {
                let slot = out.get_mut(i).ok_or_else(|| Error::internal(format!("index {i} outside {n} elements")))?;
                *slot = slot.wrapping_add(v);
            }
        }
        Tensor::new(shape.to_vec(), out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(shape: &[usize]) -> Tensor<u64> {
        Tensor::new(shape.to_vec(), (0..numel(shape) as u64).collect()).unwrap()
    }

    #[test]
    fn slice_pad_gather_concat() {
        let x = t(&[3, 4]);
        let (s, i) = slice_map(&[3, 4], &[1, 1], &[2, 2]).unwrap();
        assert_eq!(x.take(&s, &i).unwrap().data(), &[5, 6, 9, 10]);
        assert!(slice_map(&[3, 4], &[2, 0], &[2, 1]).unwrap_err().to_string().contains("[3, 4]"));
        let (s, i) = pad_map(&[3, 4], &[(1, 0), (0, 1)]).unwrap();
        let p = x.take(&s, &i).unwrap();
        assert_eq!(p.shape(), &[4, 5]);
        assert_eq!(&p.data()[..10], &[0, 0, 0, 0, 0, 0, 1, 2, 3, 0]);
        let (s, i) = gather_map(&[3, 4], &[3, 0, 3], 1).unwrap();
        assert_eq!(x.take(&s, &i).unwrap().data(), &[3, 0, 3, 7, 4, 7, 11, 8, 11]);
        assert!(gather_map(&[3, 4], &[4], 1).is_err());
        let c = concat(&[&x, &t(&[3, 1])], 1).unwrap();
        assert_eq!(c.shape(), &[3, 5]);
        assert_eq!(&c.data()[..5], &[0, 1, 2, 3, 0]);
        assert!(concat(&[&x, &t(&[2, 4])], 1).unwrap_err().to_string().contains("[2, 4]"));
    }

    #[test]
    fn window_sizes_follow_tensorflow() {
        assert_eq!(window_output(28, 5, 1, Padding::Valid).unwrap(), (24, 0));
        assert_eq!(window_output(28, 5, 2, Padding::Same).unwrap(), (14, 1));
        assert_eq!(window_output(5, 2, 2, Padding::Same).unwrap(), (3, 0));
        assert_eq!(window_output(7, 3, 2, Padding::Valid).unwrap(), (3, 0));
        assert!(window_output(2, 3, 1, Padding::Valid).is_err());
    }

    /// `patches_add` is the transpose of `patches`: ⟨patches(x), y⟩ = ⟨x, `patches_add(y)`⟩,
    /// for both treatments of the padding.
    #[test]
    fn patches_add_is_the_transpose_of_patches() {
        let shape = [2, 5, 4, 3];
        for (w, zero_outside) in [
            (Window { kh: 3, kw: 2, sh: 2, sw: 1, padding: Padding::Same }, true),
            (Window { kh: 3, kw: 3, sh: 2, sw: 2, padding: Padding::Same }, false),
            (Window { kh: 2, kw: 2, sh: 1, sw: 2, padding: Padding::Valid }, true),
        ] {
            let x = t(&shape);
            let (pshape, index) = patches_map(&shape, w, zero_outside).unwrap();
            assert_eq!(pshape.len(), 5);
            assert_eq!(pshape[3], w.kh * w.kw);
            let y = Tensor::new(pshape.clone(), (0..numel(&pshape) as u64).map(|v| v * 7 + 3).collect()).unwrap();
            let px = x.take(&pshape, &index).unwrap();
            let left: u64 = px.data().iter().zip(y.data()).map(|(a, b)| a.wrapping_mul(*b)).fold(0, u64::wrapping_add);
            let back = y.scatter_add(&shape, &index).unwrap();
            let right: u64 =
                x.data().iter().zip(back.data()).map(|(a, b)| a.wrapping_mul(*b)).fold(0, u64::wrapping_add);
            assert_eq!(left, right, "{w:?}");
        }
        assert!(t(&[4]).scatter_add(&[4], &[0, 1]).is_err());
    }

    #[test]
    fn im2col_of_a_same_convolution_pads_with_zeros() {
        let w = Window { kh: 3, kw: 3, sh: 1, sw: 1, padding: Padding::Same };
        let (s, i) = im2col_map(&[1, 2, 2, 1], w).unwrap();
        assert_eq!(s, vec![4, 9]);
        let p = t(&[1, 2, 2, 1]).take(&s, &i).unwrap();
        // Top-left output: the window is centred on element 0.
        assert_eq!(&p.data()[..9], &[0, 0, 0, 0, 0, 1, 0, 2, 3]);
    }
}
