//! The shapes of a model that answers batches of 1 to `max_batch` samples
//! (a predictor, a serving client) and the checks of the buffers a caller
//! passes for one batch: its input, and one output buffer per output.

use super::args;
use super::error::Failure;
use super::nn::check_len;
use crate::error::{Error, Result};
use crate::ring::shape::fmt_shape;

/// `[max_batch, input shape...]` and `[max_batch, output shape...]` of each
/// output.
pub(crate) struct BatchShapes {
    pub input: Vec<usize>,
    pub outputs: Vec<Vec<usize>>,
}

impl BatchShapes {
    /// From the shapes of one sample.
    pub fn of_samples(max_batch: usize, input: &[usize], outputs: &[Vec<usize>]) -> Self {
        let full = |shape: &[usize]| [&[max_batch][..], shape].concat();
        BatchShapes { input: full(input), outputs: outputs.iter().map(|s| full(s)).collect() }
    }

    /// The samples in `x_len` input values; the message names `x` and what
    /// it must hold.
    pub fn batch(&self, x_len: usize) -> Result<usize, Failure> {
        let (max, input) = (self.input[0], self.input[1..].iter().product::<usize>());
        if x_len == 0 || !x_len.is_multiple_of(input) || x_len / input > max {
            return Err(Failure::invalid(format!(
                "'x' has {x_len} values, expected 1 to {max} samples of {input} values each (shape {}, batch first)",
                fmt_shape(&self.input)
            )));
        }
        Ok(x_len / input)
    }

    /// Checks that `out_len` values hold output `index` of `batch` samples;
    /// the message names `param` and what it must hold.
    pub fn check_out(&self, param: &str, index: usize, batch: usize, out_len: usize) -> Result<(), Failure> {
        check_len(param, out_len, &[&[batch][..], &self.outputs[index][1..]].concat())
    }

    /// Predicts `x` with `predict` (every output, in order) and writes the
    /// first output to `out`, after checking both buffers.
    pub fn predict_first(
        &self,
        x: &[f64],
        out: &mut [f64],
        predict: impl FnOnce(&[f64]) -> Result<Vec<Vec<f64>>>,
    ) -> Result<(), Failure> {
        let batch = self.batch(x.len())?;
        self.check_out("out", 0, batch, out.len())?;
        let y = predict(x)?.into_iter().next().unwrap_or_default();
        if y.len() != out.len() {
            return Err(
                Error::internal(format!("the prediction has {} values, expected {}", y.len(), out.len())).into()
            );
        }
        out.copy_from_slice(&y);
        Ok(())
    }

    /// Predicts `x` with `predict` and writes output `i` to `outs[i]`, which
    /// holds `out_lens[i]` doubles; nothing is written unless every buffer
    /// checks and the prediction succeeds.
    ///
    /// # Safety
    /// `outs` and `out_lens` point to `count` pointers and lengths, each
    /// `outs[i]` to `out_lens[i]` writable doubles, no two overlapping.
    pub unsafe fn predict_outputs(
        &self,
        x: &[f64],
        (outs, out_lens, count): (*const *mut f64, *const usize, usize),
        predict: impl FnOnce(&[f64]) -> Result<Vec<Vec<f64>>>,
    ) -> Result<(), Failure> {
        let outs = unsafe { args::slice(outs, count, "outs") }?;
        let out_lens = unsafe { args::slice(out_lens, count, "out_lens") }?;
        if count != self.outputs.len() {
            return Err(Failure::invalid(format!(
                "count is {count}, expected the model's {} outputs",
                self.outputs.len()
            )));
        }
        let batch = self.batch(x.len())?;
        let mut buffers = Vec::with_capacity(count);
        for (i, (&out, &len)) in outs.iter().zip(out_lens).enumerate() {
            let param = format!("outs[{i}]");
            self.check_out(&param, i, batch, len)?;
            buffers.push(unsafe { args::slice_mut(out, len, &param) }?);
        }
        let ys = predict(x)?;
        if ys.len() != count || ys.iter().zip(&buffers).any(|(y, out)| y.len() != out.len()) {
            return Err(Error::internal("the prediction's outputs do not have the checked lengths").into());
        }
        for (y, out) in ys.iter().zip(buffers) {
            out.copy_from_slice(y);
        }
        Ok(())
    }
}
