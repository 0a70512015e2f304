//! The frame: the unit of data between two players after the handshake.
//!
//! Layout, all little-endian: `len u32 | kind u32 | run u64 | op u32 | step u32`
//! followed by `len` payload bytes. A data frame carries raw `u64` words; an
//! abort frame carries a UTF-8 reason; a progress frame (no payload) says the
//! sender has begun `run` (flow control, see `super::endpoint`). Anything
//! else is a protocol error. The run is 64 bits wide: it never wraps.

#[cfg(test)]
use std::io::{Read, Write};

/// Bytes of the frame header.
pub const HEADER_BYTES: usize = 24;
/// Largest abort reason accepted, in bytes.
pub const MAX_ABORT_BYTES: usize = 64 * 1024;

const KIND_DATA: u32 = 1;
const KIND_ABORT: u32 = 2;
const KIND_PROGRESS: u32 = 3;

/// Names a message: which run, which op of the graph, which step of the op.
///
/// A large message may be sent in parts (so the receiver works on the first
/// while the rest is on its way): the part's index is in the high
/// `PART_BITS` bits of `step`, below them is the step proper. Parts of one
/// step are one round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    pub run: u64,
    pub op: u32,
    pub step: u32,
}

/// Bits of [`Tag::step`] that hold the index of a part.
pub const PART_BITS: u32 = 16;
/// Parts a step may be sent in.
pub const MAX_PARTS: usize = 1 << PART_BITS;

impl Tag {
    /// The tag of part `index` of this step's message.
    ///
    /// Panics if `index` is [`MAX_PARTS`] or more, or if this tag already
    /// names a part or its step does not leave room for one.
    pub fn part(self, index: usize) -> Tag {
        assert!(index < MAX_PARTS, "part {index} of a message: at most {MAX_PARTS} parts");
        assert!(self.step < 1 << (32 - PART_BITS), "step {} leaves no room for a part index", self.step);
        Tag { step: self.step | ((index as u32) << (32 - PART_BITS)), ..self }
    }

    /// The tag without its part index: the round the message belongs to.
    pub fn round(self) -> Tag {
        Tag { step: self.step & ((1 << (32 - PART_BITS)) - 1), ..self }
    }
}

/// A decoded frame.
#[derive(Debug, PartialEq)]
#[cfg(test)]
pub enum Frame {
    Data(Tag, Vec<u64>),
    Abort { run: u64, reason: String },
    Progress { run: u64 },
}

/// Why a frame could not be read.
#[derive(Debug)]
#[cfg(test)]
#[allow(dead_code, reason = "the payloads are read through Debug when a test fails")]
pub enum ReadError {
    /// The peer closed the connection between frames.
    Closed,
    /// The connection failed, or closed in the middle of a frame.
    Io(std::io::Error),
    /// The bytes do not form a valid frame.
    Malformed(String),
}

/// Writes a data frame with the words as little-endian bytes.
#[cfg(test)]
pub fn write_data(out: &mut impl Write, tag: Tag, words: &[u64]) -> std::io::Result<()> {
    out.write_all(&data_header(tag, words.len())?)?;
    write_words(out, words)
}

/// Writes an abort frame for `run`.
#[cfg(test)]
pub fn write_abort(out: &mut impl Write, run: u64, reason: &str) -> std::io::Result<()> {
    let (head, reason) = abort_frame(run, reason);
    out.write_all(&head)?;
    out.write_all(reason.as_bytes())
}

/// Reads one frame; `max_payload` bounds what a peer can make us allocate.
#[cfg(test)]
pub fn read_frame(input: &mut impl Read, max_payload: usize) -> Result<Frame, ReadError> {
    let mut head = [0u8; HEADER_BYTES];
    read_header(input, &mut head)?;
    match parse_header(&head, max_payload).map_err(ReadError::Malformed)? {
        Header::Data { tag, words: len } => {
            let mut words = vec![0; len];
            read_words(input, &mut words).map_err(ReadError::Io)?;
            Ok(Frame::Data(tag, words))
        }
        Header::Abort { run, bytes: len } => {
            let mut bytes = vec![0u8; len];
            input.read_exact(&mut bytes).map_err(ReadError::Io)?;
            let reason =
                String::from_utf8(bytes).map_err(|_| ReadError::Malformed("abort reason is not UTF-8".into()))?;
            Ok(Frame::Abort { run, reason })
        }
        Header::Progress { run } => Ok(Frame::Progress { run }),
    }
}

/// What a frame header announces.
#[derive(Debug, PartialEq)]
pub enum Header {
    /// A data frame of `words` words.
    Data { tag: Tag, words: usize },
    /// An abort frame whose reason has `bytes` bytes.
    Abort { run: u64, bytes: usize },
    /// The sender has begun `run`.
    Progress { run: u64 },
}

/// Decodes and checks a header; the error says what was wrong.
pub fn parse_header(head: &[u8; HEADER_BYTES], max_payload: usize) -> Result<Header, String> {
    let field = |at: usize| u32::from_le_bytes(head[at..at + 4].try_into().unwrap());
    let (len, kind) = (field(0) as usize, field(4));
    let run = u64::from_le_bytes(head[8..16].try_into().unwrap());
    let tag = Tag { run, op: field(16), step: field(20) };
    match kind {
        KIND_DATA if len % 8 != 0 || len > max_payload => {
            Err(format!("data frame of {len} bytes: expected a multiple of 8 of at most {max_payload}"))
        }
        KIND_DATA => Ok(Header::Data { tag, words: len / 8 }),
        KIND_ABORT if len > MAX_ABORT_BYTES => {
            Err(format!("abort frame of {len} bytes: expected at most {MAX_ABORT_BYTES}"))
        }
        KIND_ABORT => Ok(Header::Abort { run, bytes: len }),
        KIND_PROGRESS if len != 0 => Err(format!("progress frame of {len} bytes: expected 0")),
        KIND_PROGRESS => Ok(Header::Progress { run }),
        other => Err(format!(
            "unknown frame kind {other}: expected {KIND_DATA} (data), {KIND_ABORT} (abort) or {KIND_PROGRESS} (progress)"
        )),
    }
}

/// The header of a data frame of `words` words.
pub fn data_header(tag: Tag, words: usize) -> std::io::Result<[u8; HEADER_BYTES]> {
    let len = words * 8;
    let len32 = u32::try_from(len).map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("frame of {len} bytes is too large"))
    })?;
    Ok(header(len32, KIND_DATA, tag))
}

/// The header and reason of an abort frame for `run`.
pub fn abort_frame(run: u64, reason: &str) -> ([u8; HEADER_BYTES], &str) {
    let reason = truncate_utf8(reason, MAX_ABORT_BYTES);
    (header(reason.len() as u32, KIND_ABORT, Tag { run, op: 0, step: 0 }), reason)
}

/// The header of a progress frame: the sender has begun `run`.
pub fn progress_header(run: u64) -> [u8; HEADER_BYTES] {
    header(0, KIND_PROGRESS, Tag { run, op: 0, step: 0 })
}

/// The bytes of `words` as they are in memory: the wire encoding on a
/// little-endian target (a big-endian one converts around this).
pub fn words_as_bytes(words: &[u64]) -> &[u8] {
    // SAFETY: u64 has no padding and u8 has alignment 1.
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), std::mem::size_of_val(words)) }
}

/// [`words_as_bytes`] for writing: every byte pattern is a valid u64.
pub fn words_as_bytes_mut(words: &mut [u64]) -> &mut [u8] {
    // SAFETY: as in `words_as_bytes`; any bytes written form valid u64s.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(words)) }
}

fn header(len: u32, kind: u32, tag: Tag) -> [u8; HEADER_BYTES] {
    let mut out = [0u8; HEADER_BYTES];
    out[0..4].copy_from_slice(&len.to_le_bytes());
    out[4..8].copy_from_slice(&kind.to_le_bytes());
    out[8..16].copy_from_slice(&tag.run.to_le_bytes());
    out[16..20].copy_from_slice(&tag.op.to_le_bytes());
    out[20..24].copy_from_slice(&tag.step.to_le_bytes());
    out
}

/// Reads a header, telling a clean close (no byte) from a cut-off frame.
#[cfg(test)]
fn read_header(input: &mut impl Read, head: &mut [u8; HEADER_BYTES]) -> Result<(), ReadError> {
    let mut filled = 0;
    while filled < HEADER_BYTES {
        match input.read(&mut head[filled..]) {
            Ok(0) if filled == 0 => return Err(ReadError::Closed),
            Ok(0) => {
                return Err(ReadError::Malformed(format!(
                    "connection closed inside a frame header ({filled} of {HEADER_BYTES} bytes)"
                )));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
    Ok(())
}

fn truncate_utf8(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(target_endian = "little")]
#[cfg(test)]
fn write_words(out: &mut impl Write, words: &[u64]) -> std::io::Result<()> {
    out.write_all(words_as_bytes(words))
}

#[cfg(target_endian = "little")]
#[cfg(test)]
fn read_words(input: &mut impl Read, words: &mut [u64]) -> std::io::Result<()> {
    input.read_exact(words_as_bytes_mut(words))
}

#[cfg(target_endian = "big")]
#[cfg(test)]
fn write_words(out: &mut impl Write, words: &[u64]) -> std::io::Result<()> {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    out.write_all(&bytes)
}

#[cfg(target_endian = "big")]
#[cfg(test)]
fn read_words(input: &mut impl Read, words: &mut [u64]) -> std::io::Result<()> {
    let mut bytes = vec![0u8; words.len() * 8];
    input.read_exact(&mut bytes)?;
    for (w, chunk) in words.iter_mut().zip(bytes.chunks_exact(8)) {
        *w = u64::from_le_bytes(chunk.try_into().unwrap());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 1 << 20;

    #[test]
    fn data_and_abort_frames_round_trip() {
        // A run past 2^32: the field is 64 bits wide and never wraps.
        let run = (1 << 32) + 3;
        let tag = Tag { run, op: 7, step: 1 };
        let mut wire = Vec::new();
        write_data(&mut wire, tag, &[1, u64::MAX, 42]).unwrap();
        write_abort(&mut wire, run, "bad feed").unwrap();
        wire.extend_from_slice(&progress_header(u64::MAX));
        let mut input = &wire[..];
        assert_eq!(read_frame(&mut input, MAX).unwrap(), Frame::Data(tag, vec![1, u64::MAX, 42]));
        assert_eq!(read_frame(&mut input, MAX).unwrap(), Frame::Abort { run, reason: "bad feed".into() });
        assert_eq!(read_frame(&mut input, MAX).unwrap(), Frame::Progress { run: u64::MAX });
        assert!(matches!(read_frame(&mut input, MAX), Err(ReadError::Closed)));
    }

    #[test]
    fn parts_of_a_step_are_distinct_tags_of_one_round() {
        let tag = Tag { run: 3, op: 7, step: 65535 };
        let (first, last) = (tag.part(0), tag.part(MAX_PARTS - 1));
        assert_ne!(tag.part(1), first);
        assert_ne!(last, Tag { step: 65534, ..tag }.part(MAX_PARTS - 1));
        assert_eq!((first.round(), last.round(), tag.round()), (tag, tag, tag));
    }

    #[test]
    #[should_panic(expected = "at most 65536 parts")]
    fn a_part_index_beyond_the_field_is_refused() {
        Tag { run: 0, op: 0, step: 1 }.part(MAX_PARTS);
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        let tag = Tag { run: 0, op: 0, step: 0 };
        let mut odd = header(12, KIND_DATA, tag).to_vec();
        odd.extend_from_slice(&[0; 12]);
        let mut huge = header(u32::MAX - 7, KIND_DATA, tag).to_vec();
        huge.extend_from_slice(&[0; 8]);
        let unknown = header(0, 9, tag).to_vec();
        let cut = header(16, KIND_DATA, tag)[..7].to_vec();
        let short_payload = {
            let mut v = header(16, KIND_DATA, tag).to_vec();
            v.extend_from_slice(&[1; 8]);
            v
        };
        let bad_utf8 = {
            let mut v = header(2, KIND_ABORT, tag).to_vec();
            v.extend_from_slice(&[0xff, 0xfe]);
            v
        };
        for (name, wire) in [
            ("odd", odd),
            ("huge", huge),
            ("unknown", unknown),
            ("cut", cut),
            ("short", short_payload),
            ("utf8", bad_utf8),
        ] {
            let result = read_frame(&mut &wire[..], MAX);
            assert!(matches!(result, Err(ReadError::Malformed(_) | ReadError::Io(_))), "{name}");
        }
    }
}
