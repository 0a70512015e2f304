//! The files a deployed player writes the results it learns to
//! (`tfe party --output DIR`): one `.npy` file per output and run, named
//! after the graph's output name, `DIR/<output>-run<N>.npy` (an unnamed
//! output is `node<index>`). The folder is created, and checked, before
//! the player connects: a folder that cannot be written, or that holds
//! results of an earlier deployment under the same names, is an error at
//! start, and a file is never overwritten.

use std::path::{Path, PathBuf};

use ndarray::ArrayD;
use ndarray_npy::WriteNpyExt;

use crate::error::{Error, Result};
use crate::graph::{Graph, TensorId};

/// The name a result is written under: the graph's name for the output,
/// or `node<index>` for an output the graph does not name.
pub fn output_name(graph: &Graph, output: TensorId) -> String {
    graph.output_name(output).map_or_else(|| format!("node{}", output.0), str::to_string)
}

/// A folder of result files.
#[derive(Clone, Debug)]
pub struct ResultFiles {
    dir: PathBuf,
}

impl ResultFiles {
    /// Creates `dir` if missing, checks that a file can be made in it, and
    /// that it holds no result file of any of `names` (`<name>-run*.npy`),
    /// which a new deployment's runs would otherwise meet.
    pub fn create(dir: &Path, names: &[String]) -> Result<Self> {
        let at = |m: String| Error::config(format!("--output {}: {m}", dir.display()));
        std::fs::create_dir_all(dir).map_err(|e| at(format!("cannot create the folder: {e}")))?;
        let probe = dir.join(format!(".tfe-probe-{}", std::process::id()));
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
            .map_err(|e| at(format!("cannot write a file there: {e}")))?;
        let _ = std::fs::remove_file(&probe);
        let entries = std::fs::read_dir(dir).map_err(|e| at(format!("cannot list the folder: {e}")))?;
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if let Some(name) = names.iter().find(|n| is_result_file(&file, n)) {
                return Err(at(format!(
                    "it holds {file}, a result of output '{name}' of an earlier deployment: move or \
                     remove those files, or choose another folder (results are never overwritten)"
                )));
            }
        }
        Ok(ResultFiles { dir: dir.to_path_buf() })
    }

    /// The file of output `name` in run `run` (counted from 1).
    pub fn path(&self, name: &str, run: u64) -> PathBuf {
        self.dir.join(format!("{name}-run{run}.npy"))
    }

    /// Writes the result of output `name` in run `run` as float64 `.npy`;
    /// a file that exists already is an error, never overwritten.
    pub fn write(&self, name: &str, run: u64, value: &ArrayD<f64>) -> Result<PathBuf> {
        let path = self.path(name, run);
        let failed = |e: String| Error::invalid(format!("cannot write result file {}: {e}", path.display()));
        let file =
            std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| failed(e.to_string()))?;
        value.write_npy(std::io::BufWriter::new(file)).map_err(|e| failed(e.to_string()))?;
        Ok(path)
    }
}

/// Whether `file` is `<name>-run<digits>.npy`.
fn is_result_file(file: &str, name: &str) -> bool {
    file.strip_prefix(name)
        .and_then(|rest| rest.strip_prefix("-run"))
        .and_then(|rest| rest.strip_suffix(".npy"))
        .is_some_and(|run| !run.is_empty() && run.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_named_per_output_and_run_and_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("tfe-results-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let names = vec!["y".to_string()];
        let files = ResultFiles::create(&dir.join("new"), &names).unwrap();
        let value = ArrayD::from_elem(ndarray::IxDyn(&[2]), 1.5);
        let path = files.write("y", 1, &value).unwrap();
        assert_eq!(path, dir.join("new/y-run1.npy"));
        let err = files.write("y", 1, &value).unwrap_err().to_string();
        assert!(err.contains("y-run1.npy"), "{err}");
        let err = ResultFiles::create(&dir.join("new"), &names).unwrap_err().to_string();
        assert!(err.contains("it holds y-run1.npy, a result of output 'y'"), "{err}");
        // Other files, and other outputs' files, are no obstacle.
        assert!(ResultFiles::create(&dir.join("new"), &["y2".to_string(), "x".to_string()]).is_ok());
        assert!(is_result_file("y-run12.npy", "y") && !is_result_file("y-run.npy", "y"));
        std::fs::write(dir.join("file"), "").unwrap();
        let err = ResultFiles::create(&dir.join("file"), &names).unwrap_err().to_string();
        assert!(err.contains("cannot create the folder"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
