//! The served model at the servers: one local session whose graph holds
//! the model once per batch size (1, 2, 4, 8, 16, then every multiple of
//! 16, and the maximum), all copies reading the same weight variables,
//! which the model owner shares once, when the service starts. A batch
//! runs the smallest copy that holds it, padded with zero samples: past 16
//! samples by less than 16, where powers of two alone (as
//! `nn::PrivatePredictor` has them) would nearly double a batch of 65.
//!
//! A copy's input is fed as the three additive parts a client made of it,
//! one at each server (`Op::InputParts`), which the servers reshare in one
//! round: each part is uniformly random on its own, so no player sees the
//! input. The outputs are not revealed to anyone: each server hands back
//! its additive part of them, for the client to add.

use crate::error::{Error, Result};
use crate::fixed::FixedConfig;
use crate::graph::TensorId;
use crate::nn::{BatchCopies, Model, build_copies, input_name};
use crate::ring::RingTensor;
use crate::session::{Feeds, LocalOptions, LocalSession};

/// The player that owns the weights.
const OWNER: &str = "model-owner";

/// 1, 2, 4, 8, 16, then the multiples of 16 below `max_batch`, then
/// `max_batch`.
fn batch_sizes(max_batch: usize) -> Vec<usize> {
    let small = [1, 2, 4, 8].into_iter();
    let large = (1..).map(|k| 16 * k);
    let mut sizes: Vec<usize> = small.chain(large).take_while(|&b| b < max_batch).collect();
    sizes.push(max_batch);
    sizes
}

/// The model for one batch size.
struct BatchGraph {
    batch: usize,
    /// The model's outputs, private.
    outputs: Vec<TensorId>,
}

/// What a client needs to know of the model: shapes per sample (without
/// the batch axis), the largest batch, the fixed-point encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelInfo {
    /// The shape of one input sample.
    pub input_shape: Vec<usize>,
    /// The shape of one sample of each output.
    pub output_shapes: Vec<Vec<usize>>,
    /// The most samples a request (and a batch) may hold.
    pub max_batch: usize,
    /// How values are encoded in the ring.
    pub fixed: FixedConfig,
}

impl ModelInfo {
    /// Values per input sample.
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// Values per sample of each output.
    pub fn output_lens(&self) -> Vec<usize> {
        self.output_shapes.iter().map(|s| s.iter().product()).collect()
    }
}

/// The model at the three servers, ready to run batches of parts.
pub struct ServedModel {
    session: LocalSession,
    graphs: Vec<BatchGraph>,
    info: ModelInfo,
}

impl ServedModel {
    /// Builds the graphs for batches of 1 to `max_batch` samples, starts
    /// the players and shares the weights (with one batch of zeros).
    pub fn new(model: &dyn Model, max_batch: usize, options: LocalOptions) -> Result<Self> {
        if max_batch == 0 {
            return Err(Error::invalid("max_batch is 0, expected at least one sample per request"));
        }
        let BatchCopies { graph: g, per_batch, weights } =
            build_copies(model, &batch_sizes(max_batch), OWNER, |g, batch, shape| {
                g.private_input_parts(&input_name(batch), shape)
            })?;
        let sample = model.input_shape().to_vec();
        let (_, largest) = &per_batch[per_batch.len() - 1];
        let output_shapes = largest.iter().map(|&y| Ok(g.shape(y)?[1..].to_vec())).collect::<Result<_>>()?;
        let graphs = per_batch.into_iter().map(|(batch, outputs)| BatchGraph { batch, outputs }).collect();
        let info = ModelInfo { input_shape: sample, output_shapes, max_batch, fixed: g.fixed() };
        let mut session = LocalSession::new(&g, options)?;
        for (name, values) in weights {
            session.set_variable_values(&name, values)?;
        }
        let mut served = ServedModel { session, graphs, info };
        let zeros = vec![0; served.info.input_len()];
        served.run(1, [zeros.clone(), zeros.clone(), zeros])?;
        Ok(served)
    }

    /// The model's shapes and encoding.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Runs `rows` samples whose input is `parts[0] + parts[1] + parts[2]`
    /// (server j's part `parts[j]`, row-major, `rows` samples each) and
    /// returns each server's part of each output, `rows` samples long:
    /// `result[j][k]` is server j's part of output k.
    pub fn run(&mut self, rows: usize, parts: [Vec<u64>; 3]) -> Result<Vec<Vec<Vec<u64>>>> {
        let graph = self
            .graphs
            .iter()
            .find(|g| g.batch >= rows)
            .ok_or_else(|| Error::internal(format!("no graph holds a batch of {rows}")))?;
        let width = self.info.input_len();
        let mut feeds: Vec<Feeds> = (0..self.session.graph().players().len()).map(|_| Feeds::new()).collect();
        for (j, mut part) in parts.into_iter().enumerate() {
            if part.len() != rows * width {
                return Err(Error::internal(format!("server {j}'s part has {} words for {rows} rows", part.len())));
            }
            // Padding rows of zero parts are samples of zeros, which no
            // other row depends on; their outputs are dropped.
            part.resize(graph.batch * width, 0);
            feeds[j].insert_ring(&input_name(graph.batch), part);
        }
        let servers = self.session.run_parts(&graph.outputs, feeds)?;
        let lens = self.info.output_lens();
        Ok(servers
            .into_iter()
            .map(|outputs| outputs.into_iter().zip(&lens).map(|(y, len)| first_rows(y, rows * len)).collect())
            .collect())
    }
}

/// The first `n` words of a tensor.
fn first_rows(y: RingTensor, n: usize) -> Vec<u64> {
    let mut words = y.into_data();
    words.truncate(n);
    words
}

#[cfg(test)]
mod tests {
    use crate::graph::Graph;
    use crate::session::{Feeds, LocalOptions, LocalSession, Transport};

    /// Three parts fed at the servers come back, reshared, as parts that add
    /// up to the same value: one round, 8 bytes per element from each server,
    /// nothing at other players; a server without its part is an error that
    /// names the input.
    #[test]
    fn an_input_fed_as_parts_takes_one_round_of_8_bytes_per_element() {
        let mut g = Graph::default();
        let x = g.private_input_parts("x", &[2, 3]).unwrap();
        g.add_player("client").unwrap();
        let options = LocalOptions { transport: Transport::Memory, ..LocalOptions::default() };
        let mut session = LocalSession::new(&g, options).unwrap();
        let value: Vec<u64> = (0..6).map(|i: u64| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).collect();
        let parts: [Vec<u64>; 3] =
            [(0..6).map(|i| i * 7 + 1).collect(), (0..6).map(|i| u64::MAX - i).collect(), vec![0; 6]];
        let mut last = value.clone();
        for (l, (a, b)) in last.iter_mut().zip(parts[0].iter().zip(&parts[1])) {
            *l = l.wrapping_sub(*a).wrapping_sub(*b);
        }
        let fed = [parts[0].clone(), parts[1].clone(), last];
        let feeds = |fed: &[Vec<u64>]| {
            let mut feeds = vec![Feeds::new(); 4];
            for (j, part) in fed.iter().enumerate() {
                feeds[j].insert_ring("x", part.clone());
            }
            feeds
        };
        let out = session.run_parts(&[x], feeds(&fed)).unwrap();
        let sum: Vec<u64> =
            (0..6).map(|i| out.iter().fold(0u64, |s, server| s.wrapping_add(server[0].data()[i]))).collect();
        assert_eq!(sum, value);
        for player in &session.last_stats().unwrap().players {
            let c = player.counters;
            let want = if player.player.starts_with("server") { (1, 6 * 8) } else { (0, 0) };
            assert_eq!((c.rounds, c.bytes_sent), want, "{}", player.player);
        }
        let err = session.run_parts(&[x], feeds(&fed[..2])).unwrap_err().to_string();
        assert!(err.contains("no part fed for input 'x' at server2"), "{err}");
    }

    #[test]
    fn batch_sizes_grow_by_16_past_16_and_end_at_the_maximum() {
        assert_eq!(super::batch_sizes(1), [1]);
        assert_eq!(super::batch_sizes(5), [1, 2, 4, 5]);
        assert_eq!(super::batch_sizes(16), [1, 2, 4, 8, 16]);
        assert_eq!(super::batch_sizes(50), [1, 2, 4, 8, 16, 32, 48, 50]);
    }
}
