//! Where input values come from at run time: feeds passed to `run`, or
//! provider callbacks that run at the owning player only.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::graph::{Graph, Op};
use crate::ring::shape::{fmt_shape, numel};

/// What a provider is asked for.
#[derive(Clone, Debug)]
pub struct ProviderRequest<'a> {
    /// The input's (or variable's) name.
    pub name: &'a str,
    pub shape: &'a [usize],
    /// The run that needs the value (1 for the first run).
    pub run: u32,
}

/// A callback that produces an input's values (row-major) at its owner.
pub type Provider = Arc<dyn Fn(&ProviderRequest) -> Result<Vec<f64>> + Send + Sync>;

/// Input values for one run, by input name, row-major.
#[derive(Clone, Debug, Default)]
pub struct Feeds {
    values: HashMap<String, Vec<f64>>,
}

impl Feeds {
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
        let values = array.as_standard_layout().iter().copied().collect();
        self.insert(name, values)
    }

    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.values.get(name).map(Vec::as_slice)
    }

    /// Checks every feed names an input or variable of `graph` and has the
    /// right number of values.
    pub fn validate(&self, graph: &Graph) -> Result<()> {
        for (name, values) in &self.values {
            let Some(id) = graph.find_named(name) else {
                return Err(Error::invalid(format!("feed '{name}' names no input or variable of the graph")));
            };
            let shape = graph.shape(id)?;
            if values.len() != numel(shape) {
                return Err(Error::invalid(format!(
                    "feed '{name}' has {} values, expected {} for shape {}",
                    values.len(),
                    numel(shape),
                    fmt_shape(shape)
                )));
            }
        }
        Ok(())
    }
}

/// The values of an input at its owner: from the feeds, else the provider.
pub fn input_values(op: &Op, run: u32, feeds: &Feeds, providers: &HashMap<String, Provider>) -> Result<Vec<f64>> {
    let (name, shape) = match op {
        Op::PrivateInput { name, shape, .. } | Op::PrivateVariable { name, shape, .. } => (name, shape),
        _ => {
            return Err(Error::internal("input values requested for a node that is not an input"));
        }
    };
    let values = if let Some(values) = feeds.get(name) {
        values.to_vec()
    } else if let Some(provider) = providers.get(name) {
        let request = ProviderRequest { name, shape, run };
        let call = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| provider(&request)));
        call.map_err(|_| Error::invalid(format!("the provider of input '{name}' panicked")))??
    } else {
        return Err(Error::invalid(format!("no feed and no provider for input '{name}' at its owner")));
    };
    if values.len() != numel(shape) {
        return Err(Error::invalid(format!(
            "input '{name}' got {} values, expected {} for shape {}",
            values.len(),
            numel(shape),
            fmt_shape(shape)
        )));
    }
    Ok(values)
}
