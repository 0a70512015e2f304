//! One player's side of a session: its graph, its connections, its protocol
//! instance and the shares of its variables. Local sessions run one party
//! per thread; a deployment runs one party per process.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::execute::{Pending, Value};
use super::feeds::{Feeds, Provider, check_variable_values, values_provider};
use super::fusion::Fusions;
use super::stats::{OpSpan, PlayerStats};
use crate::error::{Error, Result};
use crate::graph::{Graph, Kind, Op, TensorId};
use crate::net::memory::LinkModel;
use crate::net::{Cancel, Endpoint, Hello, Interrupt, PlayerAddr, TcpOptions, TlsSettings, tcp};
use crate::protocol::{Aby3, OpContext, Protocol, SeedSource};
use crate::ring::RingTensor;

/// Endpoint indices of the three servers: a graph lists them first.
pub(super) const SERVERS: [usize; 3] = [0, 1, 2];

/// Every node's value after a run, and the variable writes to apply.
type Executed<S> = (Vec<Value<S>>, Pending<S>);

/// How a player joins the mesh over TCP.
pub struct TcpJoin<'a> {
    /// Where every player of the graph listens, in the graph's player order.
    pub players: &'a [PlayerAddr],
    /// This player's bound socket.
    pub listener: std::net::TcpListener,
    /// The same at every player of the session.
    pub session_id: [u8; 16],
    /// Connect timeout and socket options.
    pub options: TcpOptions,
    /// TLS 1.3 with pinned certificates; `None` is plaintext.
    pub tls: Option<&'a TlsSettings>,
    /// The caller's check while waiting for the others ([`Cancel::NEVER`]:
    /// until the connect timeout).
    pub cancel: Cancel<'a>,
}

/// What one player got from a run: the fetched values it learned (decoded)
/// and its costs.
#[derive(Clone, Debug)]
pub struct PartyRun {
    /// One entry per fetch: `Some` where this player learns the value.
    pub outputs: Vec<Option<ndarray::ArrayD<f64>>>,
    /// This player's costs.
    pub stats: PlayerStats,
}

/// The protocol a party runs: ABY3, the one implementation of [`Protocol`].
/// The session computes through the trait only (`execute.rs`), so a second
/// protocol (docs/architecture.md, "Layers") is a choice made here, at setup;
/// the public [`Party`] does not name it.
pub(super) type Proto = Aby3;

/// A share of [`Proto`]'s.
pub(super) type ProtoShare = <Proto as Protocol>::Share;

/// One player running graphs.
pub struct Party {
    pub(super) graph: Arc<Graph>,
    pub(super) net: Endpoint,
    pub(super) proto: Proto,
    /// Shares of initialized variables (`None` at players without shares).
    pub(super) variables: HashMap<TensorId, Option<Arc<ProtoShare>>>,
    pub(super) providers: HashMap<String, Provider>,
    run: u64,
    /// Runs that completed at this player.
    completed: u64,
}

impl<'a> TcpJoin<'a> {
    /// A join that waits for the others until the connect timeout
    /// ([`Cancel::NEVER`]).
    pub fn new(
        players: &'a [PlayerAddr],
        listener: std::net::TcpListener,
        session_id: [u8; 16],
        options: TcpOptions,
        tls: Option<&'a TlsSettings>,
    ) -> Self {
        TcpJoin { players, listener, session_id, options, tls, cancel: Cancel::NEVER }
    }
}

impl Party {
    /// Sets up ABY3 over an endpoint that is already connected.
    pub(crate) fn new(graph: Arc<Graph>, mut net: Endpoint, seeds: &SeedSource) -> Result<Self> {
        let me = net.me();
        // The servers talk to each other in every round and see a stopped
        // server first; the other players hear of it from them.
        net.set_witness_distance(if SERVERS.contains(&me) { 1 } else { 2 });
        let proto = Aby3::setup(&mut net, SERVERS, graph.fixed(), seeds)
            .map_err(|e| with_context(e, &format!("setting up player '{}'", graph.players()[me])))?;
        Ok(Party { graph, net, proto, variables: HashMap::new(), providers: HashMap::new(), run: 0, completed: 0 })
    }

    /// Connects to every other player over TCP (TLS 1.3 with pinned
    /// certificates when `join.tls` is given) and sets up the protocol.
    pub fn connect_tcp(graph: Arc<Graph>, me: &str, join: TcpJoin<'_>, seeds: &SeedSource) -> Result<Self> {
        let TcpJoin { players, listener, session_id, options, tls, cancel } = join;
        let names: Vec<&str> = players.iter().map(|p| p.name.as_str()).collect();
        if names != graph.players() {
            return Err(Error::config(format!(
                "the player list {:?} does not match the graph's players {:?}",
                names,
                graph.players()
            )));
        }
        let index = graph.player_index(me)?;
        let hello = Hello::new(me, session_id, graph.digest());
        let net = tcp::connect_mesh(listener, players, index, &hello, options, tls, cancel)?;
        Party::new(graph, net, seeds)
    }
}

impl Party {
    /// Tells the protocol the link between the servers, so that it takes
    /// the forms of its ops that are fastest across it: the sign of a
    /// ReLU, a comparison or a maximum in 3 rounds on larger tensors than
    /// in local mode, where a round costs little
    /// (`three_round_sign_limit` in `protocol/aby3/sign_lists.rs`). Every
    /// player of the session
    /// must assume the same link, before the first run; a deployment takes
    /// it from its hostmap's `link`.
    pub fn assume_link(&mut self, link: &LinkModel) {
        Protocol::assume_link(&mut self.proto, link);
    }

    /// This player's name.
    pub fn name(&self) -> &str {
        &self.graph.players()[self.net.me()]
    }

    /// The graph this player runs.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Registers the callback that produces input `name` at this player.
    pub fn set_provider(&mut self, name: &str, provider: Provider) {
        self.providers.insert(name.to_string(), provider);
    }

    /// Gives the private variable `name`, which this player must own, its
    /// initial value (row-major): shared the first time a run needs the
    /// variable (and again after `reset_variables`); a feed takes
    /// precedence. Checked as `LocalSession::set_variable_values` does.
    pub fn set_variable_values(&mut self, name: &str, values: Vec<f64>) -> Result<()> {
        let owner = check_variable_values(&self.graph, name, &values)?;
        if owner != self.net.me() {
            return Err(Error::invalid(format!(
                "variable '{name}' belongs to '{}', not to '{}': only its owner gives its values",
                self.graph.players()[owner],
                self.name()
            )));
        }
        self.set_provider(name, values_provider(values));
        Ok(())
    }

    /// Bytes this player has sent to `player` since it connected, frame
    /// headers included: what its socket to that player carried after the
    /// handshake (before TLS record overhead).
    pub fn wire_bytes_sent_to(&self, player: &str) -> Result<u64> {
        Ok(self.net.wire_bytes_to(self.graph.player_index(player)?))
    }

    /// Tells the other players that this player gives up on its next run,
    /// and why, without taking part in it: a caller that stops between two
    /// runs the others go on with makes them fail that run at once, naming
    /// this player, instead of waiting for it to the receive timeout.
    pub(crate) fn abort_next_run(&mut self, reason: &str) -> Result<()> {
        self.run += 1;
        self.net.begin_run(self.run)?;
        self.net.abort(self.run, reason);
        Ok(())
    }

    /// Says that this player runs no more, and waits until every other
    /// player has completed every run this one took part in (or says so
    /// too). Fails, naming the player, when one closed, aborted or went
    /// silent first. A party dropped without `finish` says it runs no more
    /// without waiting.
    pub fn finish(&mut self) -> Result<()> {
        if self.completed < self.run {
            return Err(Error::invalid(format!("run {} did not complete at this player", self.run)));
        }
        self.net.finish(self.run)
    }

    /// How many of this player's runs completed at every player, as far as
    /// this player knows (all of them after a successful [`Party::finish`]).
    pub fn runs_completed_everywhere(&self) -> u64 {
        let me = self.net.me();
        (0..self.net.names().len())
            .filter(|&j| j != me)
            .map(|j| self.net.peer_run(j).saturating_sub(1))
            .fold(self.completed, u64::min)
    }

    /// How long this player waits for a message before it names the silent peer.
    pub fn set_recv_timeout(&mut self, timeout: Duration) {
        self.net.set_recv_timeout(timeout);
    }

    /// Makes this player's runs interruptible through `interrupt`, whose
    /// owner marks each run in progress (see [`crate::Interrupt`]).
    pub fn set_interrupt(&mut self, interrupt: Arc<Interrupt>) {
        self.net.set_interrupt(interrupt);
    }

    /// Forgets every variable's shares: the next run that needs a variable
    /// initializes it again. Every player must do this before the same run.
    pub fn reset_variables(&mut self) {
        self.variables.clear();
    }

    /// Runs the graph for `fetches`. Every player must call `run` with the
    /// same fetches; each passes the feeds of the inputs it owns. On error,
    /// this player tells the others it gives up, so they fail fast too.
    pub fn run(&mut self, fetches: &[TensorId], feeds: &Feeds) -> Result<PartyRun> {
        Ok(self.run_with_parts(fetches, &[], feeds)?.0)
    }

    /// Runs the graph like [`Party::run`], and also returns this server's
    /// additive part of each private tensor of `parts` (empty at players
    /// without shares): a client outside the mesh (`crate::serve`) adds the
    /// three servers' parts to learn a value no server sees.
    pub(crate) fn run_with_parts(
        &mut self,
        fetches: &[TensorId],
        parts: &[TensorId],
        feeds: &Feeds,
    ) -> Result<(PartyRun, Vec<RingTensor>)> {
        self.run += 1;
        let run = self.run;
        let started = Instant::now();
        let before = self.net.counters();
        let mut stats = PlayerStats { player: self.name().to_string(), ..PlayerStats::default() };
        let outcome = self.net.begin_run(run).and_then(|()| self.execute(run, fetches, parts, feeds, &mut stats));
        match outcome {
            Ok((values, pending)) => {
                self.variables.extend(pending);
                stats.counters = self.net.counters() - before;
                stats.wall_time = started.elapsed();
                let outputs: Vec<_> = fetches.iter().map(|id| self.output(*id, &values[id.0 as usize])).collect();
                let shares = parts
                    .iter()
                    .filter_map(|id| match &values[id.0 as usize] {
                        Value::Private(Some(share)) => Some(self.proto.additive_part(share)),
                        _ => None,
                    })
                    .collect();
                for value in values {
                    self.recycle_value(value);
                }
                self.check_range(fetches, &outputs)?;
                self.completed = run;
                Ok((PartyRun { outputs, stats }, shares))
            }
            Err(e) => {
                self.give_up(run, &e);
                Err(e)
            }
        }
    }

    /// Tells the other players that this one gives up on `run` because of
    /// `e`, so they fail fast and name where the failure started. Peers
    /// learn the public reason only: an invalid input's detail (a value, a
    /// provider's text) stays here. Another player's abort is theirs to
    /// tell; this player's own (an interrupt) is told like any failure.
    pub(super) fn give_up(&mut self, run: u64, e: &Error) {
        match e {
            Error::Aborted { player, message } if player == self.name() => self.net.abort(run, message),
            Error::Aborted { .. } => {}
            _ => self.net.abort(run, &e.public_reason()),
        }
    }

    fn execute(
        &mut self,
        run: u64,
        fetches: &[TensorId],
        parts: &[TensorId],
        feeds: &Feeds,
        stats: &mut PlayerStats,
    ) -> Result<Executed<ProtoShare>> {
        super::check_fetches_in_snapshot(&self.graph, fetches)?;
        super::check_fetches_in_snapshot(&self.graph, parts)?;
        for &id in fetches {
            let node = self.graph.node(id)?;
            if node.kind == Kind::Private {
                return Err(Error::invalid(format!("tensor {} is private: fetch a reveal of it instead", id.0)));
            }
        }
        for &id in parts {
            if self.graph.node(id)?.kind != Kind::Private {
                return Err(Error::internal(format!("tensor {} is not private: it has no additive parts", id.0)));
            }
        }
        let graph = self.graph.clone();
        // Parts are kept to the end of the run like fetches.
        let fetches = &[fetches, parts].concat();
        let mut needed = vec![false; graph.nodes().len()];
        for id in graph.dependencies(fetches) {
            needed[id.0 as usize] = true;
        }
        // Built, not cloned: cloning `Unused`, whose other bytes are never
        // written (the tag lives in a niche), reads them in optimized code,
        // which valgrind reports as a jump on uninitialised memory.
        let mut values: Vec<Value<ProtoShare>> = graph.nodes().iter().map(|_| Value::Unused).collect();
        let fusions = Fusions::plan(&self.proto, &graph, &needed, fetches);
        let mut last_use = last_uses(&graph, &needed, fetches);
        fusions.extend_uses(&graph, &mut last_use);
        let mut pending = Pending::new();
        let run_start = Instant::now();
        for (index, node) in graph.nodes().iter().enumerate() {
            if !needed[index] || fusions.absorbs(index) {
                continue;
            }
            let (counters_before, started) = (self.net.counters(), Instant::now());
            let value = match fusions.chain(index) {
                Some(chain) => self.eval_layer_relu(OpContext::new(run, index as u32), chain, &values)?,
                None => self.eval(run, TensorId(index as u32), node, &values, feeds, &mut pending)?,
            };
            values[index] = value;
            // Values no later node reads go back to the endpoint's buffer
            // pool, for the messages and results of the next ops.
            for input in &node.inputs {
                let i = input.0 as usize;
                if last_use[i] == Some(index) {
                    self.recycle_value(std::mem::replace(&mut values[i], Value::Unused));
                }
            }
            let span = OpSpan {
                node: index as u32,
                op: node.op.name(),
                start: started - run_start,
                duration: started.elapsed(),
                counters: self.net.counters() - counters_before,
            };
            let op = stats.by_op.entry(span.op).or_default();
            op.count += 1;
            op.counters += span.counters;
            op.wall_time += span.duration;
            stats.spans.push(span);
        }
        self.agree_on_writes(run, &pending)?;
        Ok((values, pending))
    }

    /// Hands a value's words back to the endpoint's buffer pool (within its
    /// bounds) for later messages and results; a share the variable store
    /// still holds stays where it is.
    fn recycle_value(&self, value: Value<ProtoShare>) {
        match value {
            Value::Private(Some(share)) => {
                if let Ok(share) = Arc::try_unwrap(share) {
                    self.proto.recycle(&self.net, share);
                }
            }
            Value::Public(t) | Value::Revealed(Some(t)) => self.net.recycle(t.into_data()),
            _ => {}
        }
    }

    /// Fails when a revealed value this player learned lies outside the
    /// fixed-point range: the computation overflowed and the value would be
    /// wrong, so it is reported, never returned. The value is public to this
    /// player, so checking it reveals nothing more; the other players have
    /// finished the run and are not told.
    fn check_range(&self, fetches: &[TensorId], outputs: &[Option<ndarray::ArrayD<f64>>]) -> Result<()> {
        let fixed = self.proto.fixed();
        let bound = fixed.bound();
        for (i, (&id, output)) in fetches.iter().zip(outputs).enumerate() {
            let node = self.graph.node(id)?;
            let (Some(values), Op::Reveal { .. }) = (output, &node.op) else { continue };
            let bad = values.iter().filter(|v| v.abs() > bound).count();
            if bad > 0 {
                let source = node.inputs[0];
                return Err(Error::OutOfRange(format!(
                    "fetch {i} (tensor {}, the reveal of tensor {}, a '{}'): {bad} of {} values are outside the \
                     fixed-point range [-{bound}, {bound}] ({} integer bits): the computation overflowed",
                    id.0,
                    source.0,
                    self.graph.node(source)?.op.name(),
                    values.len(),
                    fixed.int_bits
                )));
            }
        }
        Ok(())
    }

    fn output(&self, id: TensorId, value: &Value<ProtoShare>) -> Option<ndarray::ArrayD<f64>> {
        let shape = self.graph.shape(id).ok()?;
        let tensor: &RingTensor = match value {
            Value::Public(t) | Value::Revealed(Some(t)) => t,
            Value::Done => return Some(ndarray::ArrayD::zeros(ndarray::IxDyn(&[0]))),
            _ => return None,
        };
        let values = self.proto.fixed().decode(tensor);
        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(shape), values).ok()
    }
}

fn with_context(e: Error, context: &str) -> Error {
    match e {
        Error::Internal(m) => Error::Internal(format!("{context}: {m}")),
        other => other,
    }
}

/// For each node, the last needed node that reads it; `None` for nodes no
/// later node reads and for fetched nodes, whose values outlive the run.
fn last_uses(graph: &Graph, needed: &[bool], fetches: &[TensorId]) -> Vec<Option<usize>> {
    let mut last = vec![None; graph.nodes().len()];
    for (index, node) in graph.nodes().iter().enumerate() {
        if needed[index] {
            for input in &node.inputs {
                last[input.0 as usize] = Some(index);
            }
        }
    }
    for id in fetches {
        last[id.0 as usize] = None;
    }
    last
}

impl Drop for Party {
    fn drop(&mut self) {
        // Peers waiting in `finish` learn that this player's last run
        // completed and that it runs no more.
        if self.run > 0 && self.completed == self.run {
            self.net.say_done(self.run);
        }
    }
}
