//! How each kind of op field is written in the canonical graph encoding
//! (little-endian throughout): the [`Field`] encodings the op table names
//! for its fields, over a byte [`Writer`] and [`Reader`]. Reading checks
//! every count and size before it allocates, and every error says what it
//! expected.

use crate::error::{Error, Result};
use crate::ring::layout::{Padding, Window};

/// The encoding of a field of type `T`.
pub(super) trait Field<T> {
    fn write(w: &mut Writer, v: &T);
    /// Reads the field called `name` (for errors that need it).
    fn read(r: &mut Reader, name: &str) -> Result<T>;
}

/// A name: u32 byte count, UTF-8 bytes (at most 4096).
pub(super) struct Str;
/// A player index, as u32.
pub(super) struct U32;
/// A shape: u32 rank (at most 64), then u64 dimensions (each at most 2^40).
pub(super) struct Dims;
/// An axis or size: u64, at most 2^40.
pub(super) struct Index;
/// An optional axis or player: u64, `u64::MAX` for none.
pub(super) struct OptIndex;
/// A list of indices: u64 count, then each as [`Index`].
pub(super) struct Indices;
/// `(before, after)` pairs, flattened into [`Indices`].
pub(super) struct Pairs;
/// Two numbers (strides) as a [`Dims`] of length 2.
pub(super) struct Pair;
/// A pooling window: its size and strides as a [`Dims`] of length 4, then
/// its padding's code.
pub(super) struct WindowDims;
/// An f64 by its bits: u64.
pub(super) struct Bits;
/// Public values: u64 count, then each f64 by its bits.
pub(super) struct Values;
/// A flag: one byte, 0 or 1.
pub(super) struct Flag;
/// A variant of a `code_enum!`: its code, one byte.
pub(super) struct Code;

impl Field<String> for Str {
    fn write(w: &mut Writer, v: &String) {
        w.str(v);
    }
    fn read(r: &mut Reader, _: &str) -> Result<String> {
        r.str()
    }
}

impl Field<usize> for U32 {
    fn write(w: &mut Writer, v: &usize) {
        w.u32(*v as u32);
    }
    fn read(r: &mut Reader, _: &str) -> Result<usize> {
        Ok(r.u32()? as usize)
    }
}

impl Field<Vec<usize>> for Dims {
    fn write(w: &mut Writer, v: &Vec<usize>) {
        w.u32(v.len() as u32);
        for &d in v {
            w.u64(d as u64);
        }
    }
    fn read(r: &mut Reader, _: &str) -> Result<Vec<usize>> {
        let rank = r.count("dimensions", 64)?;
        (0..rank).map(|_| r.at_most_2_40("dimension")).collect()
    }
}

impl Field<usize> for Index {
    fn write(w: &mut Writer, v: &usize) {
        w.u64(*v as u64);
    }
    fn read(r: &mut Reader, _: &str) -> Result<usize> {
        r.at_most_2_40("index")
    }
}

impl Field<Option<usize>> for OptIndex {
    fn write(w: &mut Writer, v: &Option<usize>) {
        w.u64(v.map_or(u64::MAX, |a| a as u64));
    }
    fn read(r: &mut Reader, _: &str) -> Result<Option<usize>> {
        let v = r.u64()?;
        Ok((v != u64::MAX).then_some(v as usize))
    }
}

impl Field<Vec<usize>> for Indices {
    fn write(w: &mut Writer, v: &Vec<usize>) {
        write_words::<_, Index>(w, v);
    }
    fn read(r: &mut Reader, name: &str) -> Result<Vec<usize>> {
        read_words::<_, Index>(r, name, "indices")
    }
}

/// A list of items of one word each, as `F` writes them, after its length.
fn write_words<T, F: Field<T>>(w: &mut Writer, items: &[T]) {
    w.u64(items.len() as u64);
    for item in items {
        F::write(w, item);
    }
}

/// What [`write_words`] wrote; `what` names the items when their count
/// is more than the words left.
fn read_words<T, F: Field<T>>(r: &mut Reader, name: &str, what: &str) -> Result<Vec<T>> {
    let n = r.words_announced(what)?;
    (0..n).map(|_| F::read(r, name)).collect()
}

impl Field<Vec<(usize, usize)>> for Pairs {
    fn write(w: &mut Writer, v: &Vec<(usize, usize)>) {
        Indices::write(w, &v.iter().flat_map(|&(b, a)| [b, a]).collect());
    }
    fn read(r: &mut Reader, name: &str) -> Result<Vec<(usize, usize)>> {
        let flat: Vec<usize> = Indices::read(r, name)?;
        if !flat.len().is_multiple_of(2) {
            return Err(Error::invalid(format!("{} padding amounts, expected pairs", flat.len())));
        }
        Ok(flat.chunks(2).map(|p| (p[0], p[1])).collect())
    }
}

impl Field<(usize, usize)> for Pair {
    fn write(w: &mut Writer, v: &(usize, usize)) {
        Dims::write(w, &vec![v.0, v.1]);
    }
    fn read(r: &mut Reader, name: &str) -> Result<(usize, usize)> {
        let [a, b] = window_numbers(r, name)?;
        Ok((a, b))
    }
}

impl Field<Window> for WindowDims {
    fn write(w: &mut Writer, v: &Window) {
        Dims::write(w, &vec![v.kh, v.kw, v.sh, v.sw]);
        Code::write(w, &v.padding);
    }
    fn read(r: &mut Reader, name: &str) -> Result<Window> {
        let [kh, kw, sh, sw] = window_numbers(r, name)?;
        let padding: Padding = Code::read(r, name)?;
        Ok(Window { kh, kw, sh, sw, padding })
    }
}

/// A [`Dims`] of exactly `N` numbers.
fn window_numbers<const N: usize>(r: &mut Reader, name: &str) -> Result<[usize; N]> {
    let dims: Vec<usize> = Dims::read(r, name)?;
    <[usize; N]>::try_from(dims.as_slice())
        .map_err(|_| Error::invalid(format!("{} window numbers, expected {N}", dims.len())))
}

impl Field<f64> for Bits {
    fn write(w: &mut Writer, v: &f64) {
        w.u64(v.to_bits());
    }
    fn read(r: &mut Reader, _: &str) -> Result<f64> {
        Ok(f64::from_bits(r.u64()?))
    }
}

impl Field<Vec<f64>> for Values {
    fn write(w: &mut Writer, v: &Vec<f64>) {
        write_words::<_, Bits>(w, v);
    }
    fn read(r: &mut Reader, name: &str) -> Result<Vec<f64>> {
        read_words::<_, Bits>(r, name, "values")
    }
}

impl Field<bool> for Flag {
    fn write(w: &mut Writer, v: &bool) {
        w.u8(u8::from(*v));
    }
    fn read(r: &mut Reader, name: &str) -> Result<bool> {
        match r.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(Error::invalid(format!("{name} flag {other}, expected 0 or 1"))),
        }
    }
}

impl<T: Copy + Into<u8> + TryFrom<u8, Error = Error>> Field<T> for Code {
    fn write(w: &mut Writer, v: &T) {
        w.u8((*v).into());
    }
    fn read(r: &mut Reader, _: &str) -> Result<T> {
        T::try_from(r.u8()?)
    }
}

/// The bytes of an encoding being written.
pub(super) struct Writer(pub(super) Vec<u8>);

impl Writer {
    pub(super) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(super) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
}

/// The bytes of an encoding being read, and how far.
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
}

impl Reader<'_> {
    pub(super) fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.bytes.len() - self.pos < n {
            return Err(Error::invalid(format!(
                "truncated: expected {n} more bytes at offset {}, found {}",
                self.pos,
                self.bytes.len() - self.pos
            )));
        }
        self.pos += n;
        Ok(&self.bytes[self.pos - n..self.pos])
    }
    pub(super) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub(super) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    pub(super) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    pub(super) fn count(&mut self, what: &str, max: usize) -> Result<usize> {
        let n = self.u32()? as usize;
        if n > max {
            return Err(Error::invalid(format!("{n} {what}: expected at most {max}")));
        }
        Ok(n)
    }
    pub(super) fn str(&mut self) -> Result<String> {
        let n = self.count("bytes in a name", 4096)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| Error::invalid("a name is not UTF-8"))
    }
    /// A u64 count of 8-byte words to follow, no more than the bytes left.
    fn words_announced(&mut self, what: &str) -> Result<usize> {
        let n = self.u64()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= (self.bytes.len() - self.pos) / 8)
            .ok_or_else(|| Error::invalid(format!("{n} {what} announced, but the file is shorter")))
    }
    /// A size, index or dimension (`what`): u64, at most 2^40.
    fn at_most_2_40(&mut self, what: &str) -> Result<usize> {
        let v = self.u64()?;
        usize::try_from(v)
            .ok()
            .filter(|&v| v <= 1 << 40)
            .ok_or_else(|| Error::invalid(format!("{what} {v} is too large (expected at most 2^40)")))
    }
}
