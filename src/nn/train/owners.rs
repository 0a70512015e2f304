//! Data owners: which players provide the training features and how their
//! parts join. Each owner feeds its part of every batch as a private input
//! of its own; the servers join the parts on shares (a concatenation along
//! the batch axis or the input's last axis, free), so no player but the
//! owner ever holds a part in plaintext.
//!
//! A split by rows takes from each owner, for every batch, a fixed number of
//! its samples in proportion to its share of all samples; the label owner
//! holds the labels of the owners' samples in the owners' order (the first
//! owner's samples, then the second's, ...) and feeds those of each batch's
//! samples. A split by features joins each owner's columns of the same
//! samples along the input's last axis, in the owners' order.

use crate::error::{Error, Result};
use crate::graph::{Graph, TensorId};
use crate::ring::shape::numel;
use crate::session::Feeds;

/// How several data owners hold the training features (see
/// [`super::Trainer::with_data_owners`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataOwners {
    /// Each owner holds whole samples: every batch takes samples from each
    /// owner in proportion to its share of the samples (owners of 600 and
    /// 400 samples give 6 and 4 to each batch of 10), joined along the
    /// batch axis in this order.
    Rows(Vec<String>),
    /// Each owner holds some features of every sample: `(owner, count)`
    /// with `count` entries along the input's last axis (columns of a flat
    /// input, channels of an image), joined in this order.
    Features(Vec<(String, usize)>),
}

/// One owner's private input.
#[derive(Clone, Debug)]
pub(super) struct Part {
    pub owner: String,
    /// The input's name in the graph (and its feed).
    pub input: String,
    /// The part of one sample's shape this owner holds.
    pub sample: Vec<usize>,
}

/// The owners' inputs and how they join.
#[derive(Clone, Debug)]
pub(super) struct Layout {
    pub by_rows: bool,
    pub parts: Vec<Part>,
}

/// The rows of one batch: for each owner, where its rows start in its own
/// data and in the batch, and how many it gives (fewer than its slot holds
/// in a last, padded batch).
pub(super) struct BatchRows {
    /// Per owner: (first row in the owner's data, rows given).
    pub taken: Vec<(usize, usize)>,
    /// Per slot of the joined batch: the sample's index in the owners'
    /// order, or `None` for padding.
    pub slots: Vec<Option<usize>>,
}

impl Layout {
    /// One data owner with the whole input, fed as `input`.
    pub fn single(owner: &str, input: &str, input_shape: &[usize]) -> Layout {
        let part = Part { owner: owner.into(), input: input.into(), sample: input_shape.to_vec() };
        Layout { by_rows: true, parts: vec![part] }
    }

    /// The inputs of `owners` for samples of `input_shape`.
    pub fn new(owners: &DataOwners, input_shape: &[usize]) -> Result<Layout> {
        let named = |owner: &str, i: usize, sample: Vec<usize>| Part {
            owner: owner.to_string(),
            input: format!("x.{i}"),
            sample,
        };
        let parts: Vec<Part> = match owners {
            DataOwners::Rows(names) => {
                names.iter().enumerate().map(|(i, o)| named(o, i, input_shape.to_vec())).collect()
            }
            DataOwners::Features(columns) => {
                let last = input_shape.last().copied().unwrap_or(0);
                let total: usize = columns.iter().map(|c| c.1).sum();
                if let Some((owner, _)) = columns.iter().find(|c| c.1 == 0) {
                    return Err(Error::invalid(format!("data owner '{owner}' holds 0 features, expected at least 1")));
                }
                if total != last {
                    let list: Vec<String> = columns.iter().map(|(o, n)| format!("'{o}' {n}")).collect();
                    return Err(Error::invalid(format!(
                        "a split by features: the owners hold {total} features ({}), expected the {last} of the \
                         input's last axis",
                        list.join(", ")
                    )));
                }
                let base = &input_shape[..input_shape.len() - 1];
                columns.iter().enumerate().map(|(i, (o, n))| named(o, i, [base, &[*n]].concat())).collect()
            }
        };
        if parts.is_empty() {
            return Err(Error::invalid("no data owners, expected at least one"));
        }
        Ok(Layout { by_rows: matches!(owners, DataOwners::Rows(_)), parts })
    }

    /// The joined features of a batch with `rows[i]` rows from owner i.
    pub fn input(&self, g: &mut Graph, rows: &[usize]) -> Result<TensorId> {
        let mut joined: Option<TensorId> = None;
        for (part, &n) in self.parts.iter().zip(rows) {
            let x = g.private_input(&part.input, &part.owner, &[[n].as_slice(), &part.sample].concat())?;
            let axis = if self.by_rows { 0 } else { part.sample.len() };
            joined = Some(match joined {
                None => x,
                Some(j) => g.concat(j, x, axis)?,
            });
        }
        Ok(joined.expect("at least one owner"))
    }

    /// The samples of each owner's part, checked: whole samples, and for a
    /// split by features the same samples at every owner.
    pub fn samples(&self, x: &[&[f64]]) -> Result<Vec<usize>> {
        if x.len() != self.parts.len() {
            return Err(Error::invalid(format!(
                "{} data parts for {} data owners ({}), expected one per owner",
                x.len(),
                self.parts.len(),
                self.owner_list()
            )));
        }
        let mut counts = Vec::new();
        for (part, values) in self.parts.iter().zip(x) {
            let per = numel(&part.sample).max(1);
            if values.is_empty() || !values.len().is_multiple_of(per) {
                return Err(Error::invalid(format!(
                    "data owner '{}': {} values, expected whole samples of {per} features",
                    part.owner,
                    values.len()
                )));
            }
            counts.push(values.len() / per);
        }
        if !self.by_rows
            && let Some(i) = counts.iter().position(|&c| c != counts[0])
        {
            return Err(Error::invalid(format!(
                "data owner '{}' has {} samples and '{}' {}: a split by features needs every owner's features \
                 of the same samples",
                self.parts[i].owner, counts[i], self.parts[0].owner, counts[0]
            )));
        }
        Ok(counts)
    }

    /// All samples, in the owners' order.
    pub fn total(&self, counts: &[usize]) -> usize {
        if self.by_rows { counts.iter().sum() } else { counts[0] }
    }

    /// Each owner's rows in a training batch of `batch`: by rows, in
    /// proportion to its samples, which must divide evenly.
    pub fn train_rows(&self, counts: &[usize], batch: usize) -> Result<Vec<usize>> {
        if !self.by_rows {
            return Ok(vec![batch; counts.len()]);
        }
        let total = self.total(counts);
        let mut rows = Vec::new();
        for (part, &n) in self.parts.iter().zip(counts) {
            if !(n * batch).is_multiple_of(total) || n * batch < total {
                return Err(Error::invalid(format!(
                    "data owner '{}': {n} of the {total} samples is not a whole share of each batch of {batch} \
                     ({n}·{batch}/{total} rows); give the owners sample counts in proportion to the batch size",
                    part.owner
                )));
            }
            rows.push(n * batch / total);
        }
        Ok(rows)
    }

    /// Each owner's rows in an evaluation batch of about `batch` (before
    /// any training fixed them): by rows, the owner's share of the batches.
    pub fn eval_rows(&self, counts: &[usize], batch: usize) -> Vec<usize> {
        if !self.by_rows {
            return vec![batch; counts.len()];
        }
        let batches = self.total(counts).div_ceil(batch);
        counts.iter().map(|&n| n.div_ceil(batches).max(1)).collect()
    }

    /// Which rows batch `k` of `rows[i]` rows per owner takes.
    pub fn batch_rows(&self, k: usize, counts: &[usize], rows: &[usize]) -> BatchRows {
        let mut taken = Vec::new();
        let mut slots = Vec::new();
        let mut offset = 0;
        for (i, (&n, &r)) in counts.iter().zip(rows).enumerate() {
            let start = (k * r).min(n);
            let given = r.min(n - start);
            taken.push((start, given));
            if self.by_rows || i == 0 {
                slots.extend((0..r).map(|j| (j < given).then_some(offset + start + j)));
            }
            if self.by_rows {
                offset += n;
            }
        }
        BatchRows { taken, slots }
    }

    /// The feeds of one batch (`at`, of `rows` per data owner): each owner's
    /// rows, zero-padded to its slot, for the parts this process holds
    /// (`Some` in `x`), and given `labels` (the labels and their values per
    /// sample), the batch's labels.
    pub fn batch_feeds(
        &self,
        at: &BatchRows,
        rows: &[usize],
        x: &[Option<&[f64]>],
        labels: Option<(&[f64], usize)>,
    ) -> Feeds {
        let mut feeds = Feeds::new();
        let parts = self.parts.iter().zip(x).zip(&at.taken).zip(rows);
        for (((part, values), &(start, given)), &r) in parts {
            let Some(values) = values else { continue };
            let per = numel(&part.sample);
            let mut v = values[start * per..(start + given) * per].to_vec();
            v.resize(r * per, 0.0);
            feeds.insert(&part.input, v);
        }
        if let Some((y, per_y)) = labels {
            feeds.insert(Y, gather_rows(y, &at.slots, per_y));
        }
        feeds
    }

    fn owner_list(&self) -> String {
        self.parts.iter().map(|p| format!("'{}'", p.owner)).collect::<Vec<_>>().join(", ")
    }
}

/// The name of the labels' input in the training graphs.
pub(super) const Y: &str = "y";

/// The batches that cover every sample (the last ones padded).
pub(super) fn covering_batches(counts: &[usize], rows: &[usize]) -> usize {
    counts.iter().zip(rows).map(|(&n, &r)| n.div_ceil(r)).max().unwrap_or(0)
}

/// The label rows of `slots` (zeros for padding), `per` values each.
fn gather_rows(y: &[f64], slots: &[Option<usize>], per: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(slots.len() * per);
    for slot in slots {
        match slot {
            Some(i) => out.extend_from_slice(&y[i * per..(i + 1) * per]),
            None => out.extend(std::iter::repeat_n(0.0, per)),
        }
    }
    out
}
