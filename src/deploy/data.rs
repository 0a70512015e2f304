//! Input and result files of a deployed player: `.npy` (float64 or
//! float32, any shape) or `.csv` (numbers separated by commas or
//! whitespace, one row per line).

use std::path::Path;

use ndarray::{ArrayD, IxDyn};
use ndarray_npy::{ReadNpyExt, WriteNpyExt};

use crate::error::{Error, Result};

/// Reads the values of an input from a file; the caller checks the shape.
pub fn read_values(path: &Path) -> Result<(Vec<usize>, Vec<f64>)> {
    let bad = |m: String| Error::invalid(format!("input file {}: {m}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("npy") => {
            let reader = std::io::BufReader::new(file);
            let array = match ArrayD::<f64>::read_npy(reader) {
                Ok(a) => a,
                Err(_) => {
                    let reader = std::io::BufReader::new(std::fs::File::open(path).map_err(|e| bad(e.to_string()))?);
                    ArrayD::<f32>::read_npy(reader)
                        .map_err(|e| bad(format!("{e} (expected a float64 or float32 .npy array)")))?
                        .mapv(f64::from)
                }
            };
            Ok((array.shape().to_vec(), array.iter().copied().collect()))
        }
        Some("csv") => {
            let text = std::io::read_to_string(file).map_err(|e| bad(e.to_string()))?;
            let mut values = Vec::new();
            let mut rows = 0;
            let mut columns = None;
            for (line_no, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let row: Vec<f64> = line
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|t| !t.is_empty())
                    .map(|t| t.parse().map_err(|_| bad(format!("line {}: '{t}' is not a number", line_no + 1))))
                    .collect::<Result<_>>()?;
                if *columns.get_or_insert(row.len()) != row.len() {
                    return Err(bad(format!(
                        "line {} has {} values, expected {} like the first row",
                        line_no + 1,
                        row.len(),
                        columns.unwrap_or(0)
                    )));
                }
                values.extend(row);
                rows += 1;
            }
            Ok((vec![rows, columns.unwrap_or(0)], values))
        }
        _ => Err(bad("expected a .npy or .csv file".into())),
    }
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
    match path.extension().and_then(|e| e.to_str()) {
        Some("npy") => write_npy(path, &to_array(shape, values.to_vec())?),
        Some("csv") => {
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
        _ => Err(bad("expected a .npy or .csv file".into())),
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
}
