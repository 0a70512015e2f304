//! Where input values come from at run time: feeds passed to `run`, or
//! provider callbacks that run at the owning player only.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::fixed::FixedConfig;
use crate::graph::{Graph, Op};
use crate::ring::RingTensor;
use crate::ring::shape::{fmt_shape, numel};

/// What a provider is asked for.
#[derive(Clone, Debug)]
pub struct ProviderRequest<'a> {
    /// The input's (or variable's) name.
    pub name: &'a str,
    /// The shape of the value wanted.
    pub shape: &'a [usize],
    /// The run that needs the value (1 for the first run).
    pub run: u64,
}

/// A callback that produces an input's values (row-major) at its owner.
pub type Provider = Arc<dyn Fn(&ProviderRequest) -> Result<Vec<f64>> + Send + Sync>;

/// Input values for one run, by input name, row-major.
///
/// A fed input takes its values from the feeds instead of its provider:
///
/// ```
/// use tfe::graph::Graph;
/// use tfe::session::{Feeds, LocalOptions, LocalSession, Transport};
///
/// let mut graph = Graph::default();
/// let x = graph.private_input("x", "input-provider", &[3])?;
/// let y = graph.reveal(x, None)?;
/// let options = LocalOptions { transport: Transport::Memory, ..LocalOptions::default() };
/// let mut session = LocalSession::new(&graph, options)?;
///
/// let mut feeds = Feeds::new();
/// feeds.insert("x", vec![0.5, -1.0, 2.0]);
/// let run = session.run(&[y], &feeds)?;
/// assert_eq!(run.outputs[0].as_slice(), Some(&[0.5, -1.0, 2.0][..]));
/// # Ok::<(), tfe::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Feeds {
    values: HashMap<String, Vec<f64>>,
    /// Ring words given as they are, not encoded: an additive part of a
    /// value a client outside the mesh shared (`crate::serve`).
    ring: HashMap<String, Vec<u64>>,
}

impl Feeds {
    /// No feeds.
    pub fn new() -> Self {
        Feeds::default()
    }

    /// Adds (or replaces) the values of the input called `name`.
    pub fn insert(&mut self, name: &str, values: Vec<f64>) -> &mut Self {
        self.values.insert(name.to_string(), values);
        self
    }

    /// Adds an n-dimensional array; its shape is checked against the graph at run time.
    pub fn insert_array(&mut self, name: &str, array: ndarray::ArrayD<f64>) -> &mut Self {
        // An owned array iterates in logical (row-major) order, whatever its layout.
        let values = array.into_iter().collect();
        self.insert(name, values)
    }

    /// Whether `name` has a feed of either kind.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name) || self.ring.contains_key(name)
    }

    /// Adds (or replaces) ring words for the input called `name`, which its
    /// owner shares as they are: a part of a value a client split among the
    /// servers, uniformly random on its own, so never range-checked.
    pub(crate) fn insert_ring(&mut self, name: &str, words: Vec<u64>) -> &mut Self {
        self.ring.insert(name.to_string(), words);
        self
    }

    /// The values fed for `name`, if any.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.values.get(name).map(Vec::as_slice)
    }

    /// Checks every feed names an input or variable of `graph` and has the
    /// right number of values.
    pub fn validate(&self, graph: &Graph) -> Result<()> {
        let ring = self.ring.iter().map(|(name, words)| (name, words.len()));
        for (name, len) in self.values.iter().map(|(name, values)| (name, values.len())).chain(ring) {
            let Some(id) = graph.find_named(name) else {
                return Err(Error::invalid(format!("feed '{name}' names no input or variable of the graph")));
            };
            let shape = graph.shape(id)?;
            if len != numel(shape) {
                return Err(Error::invalid(format!(
                    "feed '{name}' has {len} values, expected {} for shape {}",
                    numel(shape),
                    fmt_shape(shape)
                )));
            }
        }
        Ok(())
    }
}

/// A provider that gives the same values at every call: a variable's
/// initial value, kept at its owner.
pub fn values_provider(values: Vec<f64>) -> Provider {
    let values = Arc::new(values);
    Arc::new(move |_| Ok(values.as_ref().clone()))
}

/// Checks initial values for the private variable `name` of `graph`: a
/// variable, with as many values as its shape has elements, each within the
/// fixed-point range. Returns the variable's owner.
pub fn check_variable_values(graph: &Graph, name: &str, values: &[f64]) -> Result<usize> {
    let id =
        graph.find_named(name).ok_or_else(|| Error::invalid(format!("the graph has no variable named '{name}'")))?;
    let node = graph.node(id)?;
    let Op::PrivateVariable { owner, shape, .. } = &node.op else {
        return Err(Error::invalid(format!("'{name}' is an input, expected a variable (feed or provide inputs)")));
    };
    check_initial_values(graph.fixed(), name, values, shape)?;
    Ok(*owner)
}

/// Initial values for the variable `name` of `shape`: as many as its
/// elements, each within the fixed-point range.
pub(crate) fn check_initial_values(fixed: FixedConfig, name: &str, values: &[f64], shape: &[usize]) -> Result<()> {
    if values.len() != numel(shape) {
        return Err(Error::invalid(format!(
            "variable '{name}': {} values, expected {} for shape {}",
            values.len(),
            numel(shape),
            fmt_shape(shape)
        )));
    }
    fixed.check_values(values, shape).map_err(|e| Error::invalid_in(format_args!("variable '{name}'"), &e))
}

/// The encoded values of an input or variable at its owner: from the
/// feeds, else the provider. A value or count the input cannot take, and a
/// provider's failure or panic, are [`Error::InvalidInput`]: their detail
/// (which may hold a value or the provider's text) stays at the owner.
pub fn owner_values(
    op: &Op,
    run: u64,
    feeds: &Feeds,
    providers: &HashMap<String, Provider>,
    fixed: &FixedConfig,
) -> Result<RingTensor> {
    let (Op::PrivateInput { name, shape, .. } | Op::PrivateVariable { name, shape, .. }) = op else {
        return Err(Error::internal("input values requested for a node that is not an input"));
    };
    if let Some(words) = feeds.ring.get(name) {
        return RingTensor::new(shape.clone(), words.clone()).map_err(|e| Error::invalid_input(name, e.without_kind()));
    }
    let values = if let Some(values) = feeds.get(name) {
        Cow::Borrowed(values)
    } else if let Some(provider) = providers.get(name) {
        let request = ProviderRequest { name, shape, run };
        let call = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| provider(&request)));
        match call {
            Ok(Ok(values)) => Cow::Owned(values),
            Ok(Err(e)) => {
                return Err(Error::invalid_input(
                    name,
                    format!("its provider failed in run {run}: {}", e.without_kind()),
                ));
            }
            Err(_) => return Err(Error::invalid_input(name, format!("its provider panicked in run {run}"))),
        }
    } else {
        return Err(Error::invalid(format!("no feed and no provider for input or variable '{name}' at its owner")));
    };
    if values.len() != numel(shape) {
        return Err(Error::invalid_input(
            name,
            format!("got {} values, expected {} for shape {}", values.len(), numel(shape), fmt_shape(shape)),
        ));
    }
    fixed.encode(shape, &values).map_err(|e| Error::invalid_input(name, e.without_kind()))
}

/// Server `server`'s additive part of an [`Op::InputParts`] input: its ring
/// words from the feeds, as many as the shape holds.
pub fn part_values(name: &str, shape: &[usize], feeds: &Feeds, server: &str) -> Result<RingTensor> {
    let words =
        feeds.ring.get(name).ok_or_else(|| Error::invalid(format!("no part fed for input '{name}' at {server}")))?;
    RingTensor::new(shape.to_vec(), words.clone()).map_err(|e| Error::invalid_input(name, e.without_kind()))
}
