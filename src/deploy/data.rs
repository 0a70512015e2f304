//! Input and result files of a deployed player: `.npy` (float64 or
//! float32, any shape) or `.csv` (numbers separated by commas or
//! whitespace, one row per line). Extensions are matched without regard to
//! case.
//!
//! The sizes in a file are not trusted: a `.npy` header's shape is checked
//! against the bytes the file holds before anything is allocated, and
//! buffers are reserved fallibly, so a lying or huge file is an error that
//! names it, never an abort.

use std::io::{Cursor, Read, Seek};
use std::path::Path;

use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use ndarray_npy::WriteNpyExt;
use ndarray_npy::npy::header::Header;

use crate::error::{Error, Result};
use crate::ring::shape::checked_numel;

/// The file formats, by extension (any case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Npy,
    Csv,
}

fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?;
    if ext.eq_ignore_ascii_case("npy") {
        Some(Format::Npy)
    } else if ext.eq_ignore_ascii_case("csv") {
        Some(Format::Csv)
    } else {
        None
    }
}

/// Reads the values of an input from a file; the caller checks the shape.
pub fn read_values(path: &Path) -> Result<(Vec<usize>, Vec<f64>)> {
    let bad = |m: String| Error::invalid(format!("input file {}: {m}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    let file_len = file.metadata().map_err(|e| bad(e.to_string()))?.len();
    match format_of(path) {
        Some(Format::Npy) => read_npy(file, file_len).map_err(bad),
        Some(Format::Csv) => read_csv(file, file_len).map_err(bad),
        None => Err(bad("expected a .npy or .csv file".into())),
    }
}

/// Reads the values of a `.npy` file's bytes (what [`read_values`] does
/// after opening the file); for the fuzz targets.
pub(crate) fn parse_npy(bytes: &[u8]) -> std::result::Result<(Vec<usize>, Vec<f64>), String> {
    read_npy(Cursor::new(bytes), bytes.len() as u64)
}

/// Reads the values of a `.csv` file's bytes; for the fuzz targets.
pub(crate) fn parse_csv(bytes: &[u8]) -> std::result::Result<(Vec<usize>, Vec<f64>), String> {
    read_csv(bytes, bytes.len() as u64)
}

/// A buffer of `len` elements, or an error instead of an abort when the
/// host cannot hold it.
fn reserve<T>(len: usize, what: &str) -> std::result::Result<Vec<T>, String> {
    let mut buffer = Vec::new();
    buffer.try_reserve_exact(len).map_err(|_| format!("cannot allocate {len} {what}"))?;
    Ok(buffer)
}

/// The most bytes a `.npy` header may take (numpy writes a few hundred).
const MAX_NPY_HEADER: u64 = 1 << 20;

/// The deepest nesting of brackets a `.npy` header may hold: a dict whose
/// `shape` is a tuple is 2 deep.
const MAX_NPY_NESTING: usize = 8;

/// Refuses a header too long or nested too deep before the header parser
/// sees it: the parser backtracks, and a header of a few hundred `[` takes
/// it longer than any caller would wait.
fn check_header_shape(file: &mut (impl Read + Seek), header_end: u64) -> std::result::Result<(), String> {
    if header_end > MAX_NPY_HEADER {
        return Err(format!("the .npy header claims {header_end} bytes, expected at most {MAX_NPY_HEADER}"));
    }
    file.rewind().map_err(|e| e.to_string())?;
    let mut header = Vec::new();
    file.by_ref().take(header_end).read_to_end(&mut header).map_err(|e| e.to_string())?;
    let (mut depth, mut deepest) = (0usize, 0usize);
    for byte in &header {
        match byte {
            b'[' | b'(' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b')' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_NPY_NESTING {
        return Err(format!(
            "bad .npy header: brackets nested {deepest} deep, expected a dict of descr, fortran_order and shape \
             (at most {MAX_NPY_NESTING} deep)"
        ));
    }
    Ok(())
}

/// A float64 or float32 `.npy` array, either byte order, C or Fortran
/// order: its shape and its values in row-major order.
fn read_npy(mut file: impl Read + Seek, file_len: u64) -> std::result::Result<(Vec<usize>, Vec<f64>), String> {
    // The header's own length comes first: check it against the file
    // before the header parser allocates that much.
    let mut prefix = Vec::with_capacity(12);
    file.by_ref().take(12).read_to_end(&mut prefix).map_err(|e| e.to_string())?;
    if prefix.len() < 10 || &prefix[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (expected the magic string \\x93NUMPY and a header)".into());
    }
    let header_end = match prefix[6] {
        1 => 10 + u64::from(u16::from_le_bytes([prefix[8], prefix[9]])),
        _ if prefix.len() == 12 => 12 + u64::from(u32::from_le_bytes([prefix[8], prefix[9], prefix[10], prefix[11]])),
        _ => return Err("not a .npy file (the header is cut short)".into()),
    };
    if header_end > file_len {
        return Err(format!("the .npy header claims {header_end} bytes, the file holds {file_len}"));
    }
    check_header_shape(&mut file, header_end)?;
    file.rewind().map_err(|e| e.to_string())?;
    let mut reader = std::io::BufReader::new(file);
    let header = Header::from_reader(&mut reader).map_err(|e| format!("bad .npy header: {e}"))?;
    let descr = header.type_descriptor.as_string().cloned().unwrap_or_else(|| header.type_descriptor.to_string());
    let (width, little_endian) = match descr.as_str() {
        "<f8" | "=f8" => (8, true),
        ">f8" => (8, false),
        "<f4" | "=f4" => (4, true),
        ">f4" => (4, false),
        _ => return Err(format!("data type '{descr}': expected float64 or float32 ('<f8', '<f4', '>f8', '>f4')")),
    };
    let shape = header.shape;
    let data_len = file_len - header_end;
    let expected = checked_numel(&shape).and_then(|n| n.checked_mul(width));
    if expected.and_then(|e| u64::try_from(e).ok()) != Some(data_len) {
        let expected = expected.map_or("more than 2^64".to_string(), |e| e.to_string());
        return Err(format!(
            "the header says shape {shape:?} of '{descr}', so expected {expected} bytes of data, found {data_len}"
        ));
    }
    let count = checked_numel(&shape).unwrap_or(0);
    let mut bytes = reserve::<u8>(count * width, "bytes of .npy data")?;
    reader.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    let mut values = reserve::<f64>(count, "values")?;
    for chunk in bytes.chunks_exact(width) {
        values.push(match (width, little_endian) {
            (8, true) => f64::from_le_bytes(chunk.try_into().unwrap_or_default()),
            (8, false) => f64::from_be_bytes(chunk.try_into().unwrap_or_default()),
            (_, true) => f64::from(f32::from_le_bytes(chunk.try_into().unwrap_or_default())),
            (_, false) => f64::from(f32::from_be_bytes(chunk.try_into().unwrap_or_default())),
        });
    }
    if header.layout.is_fortran() {
        let array = ArrayD::from_shape_vec(IxDyn(&shape).f(), values).map_err(|e| e.to_string())?;
        values = array.iter().copied().collect();
    }
    Ok((shape, values))
}

/// Numbers separated by commas or whitespace, one row per line, every row
/// as long as the first; an empty cell between commas is an error.
fn read_csv(file: impl Read, file_len: u64) -> std::result::Result<(Vec<usize>, Vec<f64>), String> {
    let mut bytes = reserve::<u8>(usize::try_from(file_len).unwrap_or(usize::MAX), "bytes of CSV text")?;
    file.take(file_len).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|e| format!("not UTF-8 text ({e})"))?;
    let mut values = Vec::new();
    let mut rows = 0;
    let mut columns = None;
    for (line_no, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let line_no = line_no + 1;
        let cells: Vec<&str> = if line.contains(',') {
            line.split(',').map(str::trim).collect()
        } else {
            line.split_whitespace().collect()
        };
        let mut row = Vec::with_capacity(cells.len());
        for (column, cell) in cells.iter().enumerate() {
            if cell.is_empty() {
                return Err(format!("line {line_no}, column {}: empty cell (expected a number)", column + 1));
            }
            let value: f64 =
                cell.parse().map_err(|_| format!("line {line_no}, column {}: '{cell}' is not a number", column + 1))?;
            row.push(value);
        }
        if *columns.get_or_insert(row.len()) != row.len() {
            return Err(format!(
                "line {line_no} has {} values, expected {} like the first row",
                row.len(),
                columns.unwrap_or(0)
            ));
        }
        values.extend(row);
        rows += 1;
    }
    Ok((vec![rows, columns.unwrap_or(0)], values))
}

/// Writes a result as float64 `.npy`.
pub fn write_npy(path: &Path, array: &ArrayD<f64>) -> Result<()> {
    let file = std::fs::File::create(path)
        .map_err(|e| Error::invalid(format!("cannot write result file {}: {e}", path.display())))?;
    array
        .write_npy(std::io::BufWriter::new(file))
        .map_err(|e| Error::invalid(format!("cannot write result file {}: {e}", path.display())))
}

/// Writes values of `shape` (row-major) to a `.npy` file (float64, any
/// shape) or a `.csv` file (rank 1 as one row, rank 2 as rows), chosen by
/// the extension, as [`read_values`] reads them back.
pub fn write_values(path: &Path, shape: &[usize], values: &[f64]) -> Result<()> {
    let bad = |m: String| Error::invalid(format!("output file {}: {m}", path.display()));
    let count = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    if count != Some(values.len()) {
        return Err(bad(format!("{} values do not fill shape {shape:?}", values.len())));
    }
    match format_of(path) {
        Some(Format::Npy) => write_npy(path, &to_array(shape, values.to_vec())?),
        Some(Format::Csv) => {
            let columns = match shape {
                [n] | [_, n] => *n,
                _ => return Err(bad(format!("a .csv file holds rank 1 or 2, found shape {shape:?} (use .npy)"))),
            };
            let mut text = String::with_capacity(values.len() * 12);
            for row in values.chunks(columns.max(1)) {
                // `{:?}` is the shortest text that parses back to the same f64.
                let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
                text.push_str(&cells.join(","));
                text.push('\n');
            }
            std::fs::write(path, text).map_err(|e| bad(e.to_string()))
        }
        None => Err(bad("expected a .npy or .csv file".into())),
    }
}

/// An array from a shape and row-major values.
pub fn to_array(shape: &[usize], values: Vec<f64>) -> Result<ArrayD<f64>> {
    ArrayD::from_shape_vec(IxDyn(shape), values).map_err(|e| Error::invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_and_csv_round_trip() {
        let dir = std::env::temp_dir().join(format!("tfe-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let array = to_array(&[2, 3], vec![1.0, -2.5, 3.0, 4.0, 5.0, 6.25]).unwrap();
        write_npy(&dir.join("a.npy"), &array).unwrap();
        assert_eq!(read_values(&dir.join("a.npy")).unwrap(), (vec![2, 3], array.iter().copied().collect()));
        std::fs::write(dir.join("a.csv"), "1, -2.5, 3\n4 5 6.25\n\n").unwrap();
        assert_eq!(read_values(&dir.join("a.csv")).unwrap(), (vec![2, 3], array.iter().copied().collect()));
        std::fs::write(dir.join("bad.csv"), "1,2\n3\n").unwrap();
        let err = read_values(&dir.join("bad.csv")).unwrap_err().to_string();
        assert!(err.contains("line 2 has 1 values, expected 2"), "{err}");
        std::fs::write(dir.join("nan.csv"), "1,x\n").unwrap();
        assert!(read_values(&dir.join("nan.csv")).unwrap_err().to_string().contains("'x' is not a number"));
        assert!(read_values(&dir.join("a.txt")).is_err());
        for name in ["b.npy", "b.csv"] {
            write_values(&dir.join(name), &[2, 3], &[1.0, -2.5, 3.0, 4.0, 1e300, 6.25]).unwrap();
            assert_eq!(read_values(&dir.join(name)).unwrap(), (vec![2, 3], vec![1.0, -2.5, 3.0, 4.0, 1e300, 6.25]));
        }
        let err = write_values(&dir.join("c.csv"), &[1, 1, 2], &[1.0, 2.0]).unwrap_err().to_string();
        assert!(err.contains("c.csv") && err.contains("rank 1 or 2"), "{err}");
        assert!(write_values(&dir.join("d.npy"), &[3], &[1.0]).unwrap_err().to_string().contains("do not fill"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The fuzzer's input that took the header parser past its timeout (a
    /// dict of some 80 nested `[`): refused at once, as is a header longer
    /// than any numpy writes.
    #[test]
    fn a_deeply_nested_or_huge_header_is_refused_before_parsing() {
        let mut nested = b"\x93NUMPY\x01\x00\x76\x00{'descr': '<f8', ".to_vec();
        nested.extend(std::iter::repeat_n(b'[', 80));
        nested.extend(b"{'de8', {'fEscr':{'des', 9forAra\r\nord\xdeer': False, 'shape': (), }");
        nested.resize(10 + 0x76, b' ');
        let err = parse_npy(&nested).unwrap_err();
        assert!(err.contains("nested") && err.contains("deep"), "{err}");
        let mut huge = b"\x93NUMPY\x02\x00".to_vec();
        huge.extend(u32::to_le_bytes(2 << 20));
        huge.resize(12 + (2 << 20), b' ');
        let err = parse_npy(&huge).unwrap_err();
        assert!(err.contains("expected at most 1048576"), "{err}");
    }

    /// A version 1.0 `.npy` file: the header dictionary `dict`, then `data`.
    fn npy_bytes(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut header = dict.to_string();
        while !(10 + header.len() + 1).is_multiple_of(64) {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header.as_bytes());
        bytes.extend(data);
        bytes
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tfe-data-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn npy_data_of_another_length_than_its_header_says_is_an_error_not_an_abort() {
        let dir = scratch("npy-length");
        let huge = npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }", &[0; 16]);
        std::fs::write(dir.join("huge.npy"), huge).unwrap();
        let err = read_values(&dir.join("huge.npy")).unwrap_err().to_string();
        assert!(err.contains("huge.npy") && err.contains("expected 8796093022208 bytes of data, found 16"), "{err}");
        let ones: Vec<u8> = [1.0f64; 6].iter().flat_map(|v| v.to_le_bytes()).collect();
        let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
        std::fs::write(dir.join("short.npy"), npy_bytes(dict, &ones[..40])).unwrap();
        let err = read_values(&dir.join("short.npy")).unwrap_err().to_string();
        assert!(err.contains("expected 48 bytes of data, found 40"), "{err}");
        std::fs::write(dir.join("long.npy"), npy_bytes(dict, &[&ones[..], &[0; 8]].concat())).unwrap();
        let err = read_values(&dir.join("long.npy")).unwrap_err().to_string();
        assert!(err.contains("expected 48 bytes of data, found 56"), "{err}");
        let mut lying = npy_bytes(dict, &ones);
        lying[8..10].copy_from_slice(&u16::MAX.to_le_bytes());
        std::fs::write(dir.join("lying.npy"), lying).unwrap();
        let err = read_values(&dir.join("lying.npy")).unwrap_err().to_string();
        assert!(err.contains("header claims 65545 bytes"), "{err}");
        std::fs::write(dir.join("int.npy"), npy_bytes(&dict.replace("<f8", "<i8"), &ones)).unwrap();
        let err = read_values(&dir.join("int.npy")).unwrap_err().to_string();
        assert!(err.contains("'<i8'") && err.contains("float64 or float32"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn npy_float32_big_endian_and_fortran_order_read_row_major() {
        let dir = scratch("npy-kinds");
        let f32s: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0].iter().flat_map(|v| v.to_be_bytes()).collect();
        let dict = "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }";
        std::fs::write(dir.join("be.npy"), npy_bytes(dict, &f32s)).unwrap();
        assert_eq!(read_values(&dir.join("be.npy")).unwrap(), (vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]));
        // Column-major [[1, 2, 3], [4, 5, 6]].
        let f64s: Vec<u8> = [1.0f64, 4.0, 2.0, 5.0, 3.0, 6.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let dict = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
        std::fs::write(dir.join("f.NPY"), npy_bytes(dict, &f64s)).unwrap();
        assert_eq!(read_values(&dir.join("f.NPY")).unwrap(), (vec![2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn csv_empty_cells_are_errors_by_line_and_column_and_extensions_ignore_case() {
        let dir = scratch("csv");
        for (text, place) in
            [("1,,3\n", "line 1, column 2"), ("1,2,3\n4,5,\n", "line 2, column 3"), (",1\n", "line 1, column 1")]
        {
            std::fs::write(dir.join("empty.csv"), text).unwrap();
            let err = read_values(&dir.join("empty.csv")).unwrap_err().to_string();
            assert!(err.contains(place) && err.contains("empty cell"), "{text:?}: {err}");
        }
        std::fs::write(dir.join("upper.CSV"), "1,2\n3,4\n").unwrap();
        assert_eq!(read_values(&dir.join("upper.CSV")).unwrap(), (vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]));
        write_values(&dir.join("out.Csv"), &[2], &[5.0, 6.0]).unwrap();
        assert_eq!(read_values(&dir.join("out.Csv")).unwrap(), (vec![1, 2], vec![5.0, 6.0]));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
