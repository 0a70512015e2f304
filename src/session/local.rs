//! Local mode: every player of a graph in this process, one thread each,
//! connected over loopback TCP (ports chosen by the OS and passed along, so
//! parallel sessions never collide) or over in-memory channels.

use std::cell::Cell;
use std::collections::HashSet;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};

use super::feeds::{Feeds, Provider, check_variable_values, values_provider};
use super::party::{Party, PartyRun, TcpJoin};
use super::stats::RunStats;
use crate::error::{Error, Result};
use crate::graph::{Graph, Kind, Op, TensorId};
use crate::net::memory::{self, LinkModel};
use crate::net::{Interrupt, PlayerAddr, TcpOptions, tcp};
use crate::protocol::SeedSource;
use crate::ring::RingTensor;

/// How the players of a local session talk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Loopback TCP, the same code path as a deployment.
    Tcp,
    /// Loopback TCP with TLS 1.3 and fresh in-memory certificates: what a
    /// deployment's encryption costs.
    Tls,
    /// Crossbeam channels, no sockets.
    Memory,
    /// Crossbeam channels through a modeled network link between every two
    /// players (its round trip and bandwidth): what a network this machine
    /// does not have would cost, for benchmarks.
    Modeled(LinkModel),
}

/// Settings of a local session.
#[derive(Clone, Debug)]
pub struct LocalOptions {
    /// How the players talk to each other.
    pub transport: Transport,
    /// How long a player keeps trying to connect to a peer.
    pub connect_timeout: Duration,
    /// How long a player waits for a message before it names the silent peer.
    pub recv_timeout: Duration,
    /// Where the players' PRNG seeds come from (OS entropy unless a test fixes them).
    pub seeds: SeedSource,
}

impl Default for LocalOptions {
    fn default() -> Self {
        LocalOptions {
            transport: Transport::Tcp,
            connect_timeout: Duration::from_secs(30),
            recv_timeout: Duration::from_secs(30),
            seeds: SeedSource::OsEntropy,
        }
    }
}

/// The result of a local run: every fetched value and every player's costs.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// One array per fetch, in order (an empty array for an assignment).
    pub outputs: Vec<ndarray::ArrayD<f64>>,
    /// Every player's costs.
    pub stats: RunStats,
}

/// What a player thread returns from a run: what the player learned, and
/// its additive parts of the private tensors asked for (at servers).
type PlayerRun = (PartyRun, Vec<RingTensor>);

/// Joins the mesh and sets up the protocol, on the player's own thread.
type Connector = Box<dyn FnOnce() -> Result<Party> + Send>;

enum Command {
    Run { fetches: Arc<Vec<TensorId>>, parts: Arc<Vec<TensorId>>, feeds: Arc<Feeds> },
    SetProvider(String, Provider),
    ResetVariables,
}

struct PlayerThread {
    commands: Sender<Command>,
    results: Receiver<Result<PlayerRun>>,
    handle: Option<JoinHandle<()>>,
}

/// All players of a graph running in this process.
///
/// The seed program: a private variable of server0 times a private input,
/// revealed to the servers.
///
/// ```
/// use std::sync::Arc;
/// use tfe::graph::Graph;
/// use tfe::session::{Feeds, LocalOptions, LocalSession, Transport};
///
/// let mut graph = Graph::default();
/// let w = graph.private_variable("w", "server0", &[2, 2])?;
/// let x = graph.private_input("x", "input-provider", &[1, 2])?;
/// let y = graph.matmul(x, w)?;
/// let result = graph.reveal(y, None)?;
///
/// let options = LocalOptions { transport: Transport::Memory, ..LocalOptions::default() };
/// let mut session = LocalSession::new(&graph, options)?;
/// session.set_variable_values("w", vec![1.0, 2.0, 3.0, 4.0])?;
/// session.set_provider("x", Arc::new(|_req| Ok(vec![1.0, 1.0])))?;
/// let run = session.run(&[result], &Feeds::new())?;
/// assert!((run.outputs[0][[0, 1]] - 6.0).abs() < 1e-3);
/// # Ok::<(), tfe::Error>(())
/// ```
pub struct LocalSession {
    graph: Arc<Graph>,
    players: Vec<PlayerThread>,
    provided: HashSet<String>,
    last_stats: Option<RunStats>,
    /// Shared by every player: interrupts the run in progress.
    interrupt: Arc<Interrupt>,
}

impl LocalSession {
    /// Starts one thread per player, connects them and sets up the protocol.
    #[expect(clippy::needless_pass_by_value, reason = "public API: a session takes its options, as the README shows")]
    pub fn new(graph: &Graph, options: LocalOptions) -> Result<Self> {
        Self::with_interrupt(graph, &options, Interrupt::new())
    }

    /// As [`LocalSession::new`], interrupted through `interrupt` (a
    /// trainer's, which outlives its sessions).
    pub(crate) fn with_interrupt(graph: &Graph, options: &LocalOptions, interrupt: Arc<Interrupt>) -> Result<Self> {
        let graph = Arc::new(graph.clone());
        let names = graph.players().to_vec();
        let (ready_tx, ready_rx) = unbounded();
        let mut players = Vec::new();
        let connectors: Vec<Connector> = match options.transport {
            Transport::Memory | Transport::Modeled(_) => {
                let link = if let Transport::Modeled(link) = options.transport { Some(link) } else { None };
                memory::mesh(&names, options.recv_timeout, link)
                    .into_iter()
                    .map(|net| {
                        let (graph, seeds) = (graph.clone(), options.seeds.clone());
                        Box::new(move || {
                            let mut party = Party::new(graph, net, &seeds)?;
                            if let Some(link) = &link {
                                party.assume_link(link);
                            }
                            Ok(party)
                        }) as Connector
                    })
                    .collect()
            }
            Transport::Tcp | Transport::Tls => tcp_connectors(&graph, options)?,
        };
        for (index, connect) in connectors.into_iter().enumerate() {
            let (command_tx, command_rx) = unbounded();
            let (result_tx, result_rx) = bounded(1);
            let ready_tx = ready_tx.clone();
            let interrupt = interrupt.clone();
            let handle = std::thread::Builder::new()
                .name(format!("tfe-{}", names[index]))
                .spawn(move || player_loop(connect, interrupt, ready_tx, command_rx, result_tx))
                .map_err(|e| Error::internal(format!("cannot start a player thread: {e}")))?;
            players.push(PlayerThread { commands: command_tx, results: result_rx, handle: Some(handle) });
        }
        drop(ready_tx);
        let setup: Vec<Result<()>> = ready_rx.iter().take(names.len()).collect();
        let session = LocalSession { graph, players, provided: HashSet::new(), last_stats: None, interrupt };
        root_cause(setup)?;
        Ok(session)
    }

    /// The graph the session runs.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Registers the callback that produces input (or variable) `name`; it
    /// runs on the thread of the input's owner only (`tfe-<owner>`, a
    /// server's thread when a server owns the input).
    pub fn set_provider(&mut self, name: &str, provider: Provider) -> Result<()> {
        let id = self
            .graph
            .find_named(name)
            .ok_or_else(|| Error::invalid(format!("no input or variable named '{name}' to provide values for")))?;
        let (Op::PrivateInput { owner, .. } | Op::PrivateVariable { owner, .. }) = self.graph.node(id)?.op else {
            return Err(Error::invalid(format!(
                "'{name}' is fed as additive parts at the servers: it takes no provider"
            )));
        };
        self.players[owner]
            .commands
            .send(Command::SetProvider(name.to_string(), provider))
            .map_err(|_| Error::internal("the owner's thread has stopped"))?;
        self.provided.insert(name.to_string());
        Ok(())
    }

    /// Gives the private variable `name` its initial value (row-major),
    /// kept at the thread of its owner, which shares it the first time a
    /// run needs the variable (and again after `reset_variables`). A feed
    /// of the variable takes precedence. Checked here: a variable of the
    /// graph, as many values as its shape has elements, each in range.
    pub fn set_variable_values(&mut self, name: &str, values: Vec<f64>) -> Result<()> {
        check_variable_values(&self.graph, name, &values)?;
        self.set_provider(name, values_provider(values))
    }

    /// Forgets every variable's shares; the next run initializes them again.
    pub fn reset_variables(&mut self) -> Result<()> {
        for p in &self.players {
            p.commands.send(Command::ResetVariables).map_err(|_| Error::internal("a player thread has stopped"))?;
        }
        Ok(())
    }

    /// Runs the graph for `fetches` (reveals, public values or assignments).
    /// Bad fetches and feeds are reported before any player starts.
    ///
    /// Returns once every player has finished its part, including a
    /// provider in progress: a slow provider makes the others fail after
    /// their receive timeout (each logs its failure at debug level, target
    /// `"tfe::session"`), and its own player then finishes the run too, so no
    /// provider runs after `run` has returned.
    pub fn run(&mut self, fetches: &[TensorId], feeds: &Feeds) -> Result<RunResult> {
        if fetches.is_empty() {
            return Err(Error::invalid("nothing to fetch: expected at least one tensor"));
        }
        feeds.validate(&self.graph)?;
        self.check_run(fetches, |name| feeds.contains(name), false)?;
        let feeds = Arc::new(feeds.clone());
        let runs = self.dispatch(fetches, &[], &vec![feeds; self.players.len()])?;
        let runs: Vec<PartyRun> = runs.into_iter().map(|(run, _)| run).collect();
        let mut outputs = Vec::with_capacity(fetches.len());
        for (i, &id) in fetches.iter().enumerate() {
            let reader = match self.graph.node(id)?.op {
                Op::Reveal { to: Some(to) } => to,
                _ => 0,
            };
            let value = runs[reader].outputs[i].clone().ok_or_else(|| {
                Error::internal(format!("player '{}' did not learn fetch {i}", self.graph.players()[reader]))
            })?;
            outputs.push(value);
        }
        let stats = RunStats { players: runs.into_iter().map(|r| r.stats).collect() };
        self.last_stats = Some(stats.clone());
        Ok(RunResult { outputs, stats })
    }

    /// Runs the graph for the private tensors `parts` (and their writes),
    /// each player with its own feeds (`feeds[i]` at player i, in the
    /// graph's player order), and returns each server's additive parts of
    /// them, by server: the three add up to each value, which no player of
    /// the session learns (`crate::serve` sends them to its client).
    pub(crate) fn run_parts(&mut self, parts: &[TensorId], feeds: Vec<Feeds>) -> Result<Vec<Vec<RingTensor>>> {
        if feeds.len() != self.players.len() {
            return Err(Error::internal("run_parts takes one set of feeds per player"));
        }
        for f in &feeds {
            f.validate(&self.graph)?;
        }
        self.check_run(parts, |name| feeds.iter().any(|f| f.contains(name)), true)?;
        let feeds: Vec<Arc<Feeds>> = feeds.into_iter().map(Arc::new).collect();
        let runs = self.dispatch(&[], parts, &feeds)?;
        let mut servers = Vec::with_capacity(3);
        let mut stats = RunStats { players: Vec::with_capacity(runs.len()) };
        for (run, shares) in runs {
            stats.players.push(run.stats);
            if servers.len() < 3 {
                servers.push(shares);
            }
        }
        self.last_stats = Some(stats);
        Ok(servers)
    }

    /// Hands one run to every player thread and collects their results.
    fn dispatch(&mut self, fetches: &[TensorId], parts: &[TensorId], feeds: &[Arc<Feeds>]) -> Result<Vec<PlayerRun>> {
        let _in_progress = self.interrupt.begin();
        let fetches = Arc::new(fetches.to_vec());
        let parts = Arc::new(parts.to_vec());
        for (p, feeds) in self.players.iter().zip(feeds) {
            p.commands
                .send(Command::Run { fetches: fetches.clone(), parts: parts.clone(), feeds: feeds.clone() })
                .map_err(|_| Error::internal("a player thread has stopped"))?;
        }
        let results: Vec<Result<PlayerRun>> = self
            .players
            .iter()
            .map(|p| p.results.recv().unwrap_or_else(|_| Err(Error::internal("a player thread has stopped"))))
            .collect();
        root_cause(results)
    }

    /// What interrupts this session's run in progress from another thread
    /// (see [`crate::Interrupt`]): every player fails it with
    /// `Error::Aborted` soon after.
    pub fn interrupter(&self) -> Arc<Interrupt> {
        self.interrupt.clone()
    }

    /// The stats of the last successful run.
    pub fn last_stats(&self) -> Option<&RunStats> {
        self.last_stats.as_ref()
    }

    /// Checks the fetches (private tensors when `parts`, else anything but
    /// private ones) and that every input they need has a feed or provider.
    fn check_run(&self, fetches: &[TensorId], fed: impl Fn(&str) -> bool, parts: bool) -> Result<()> {
        super::check_fetches_in_snapshot(&self.graph, fetches)?;
        for &id in fetches {
            let private = self.graph.node(id)?.kind == Kind::Private;
            if private && !parts {
                return Err(Error::invalid(format!("tensor {} is private: fetch a reveal of it instead", id.0)));
            }
            if !private && parts {
                return Err(Error::invalid(format!("tensor {} is not private: it has no additive parts", id.0)));
            }
        }
        for node in self.graph.dependencies(fetches) {
            if let Op::PrivateInput { name, .. } | Op::InputParts { name, .. } = &self.graph.node(node)?.op
                && !fed(name)
                && !self.provided.contains(name)
            {
                return Err(Error::invalid(format!("input '{name}' has neither a feed nor a provider")));
            }
        }
        Ok(())
    }
}

impl Drop for LocalSession {
    fn drop(&mut self) {
        for p in &mut self.players {
            // Closing the command channel ends the thread's loop.
            let (closed, _) = unbounded();
            p.commands = closed;
        }
        for p in &mut self.players {
            if let Some(handle) = p.handle.take() {
                let _ = handle.join();
            }
        }
    }
}

/// Binds every player's listener on a free loopback port, then returns one
/// connector per player that joins the mesh from its own thread.
fn tcp_connectors(graph: &Arc<Graph>, options: &LocalOptions) -> Result<Vec<Connector>> {
    let mut listeners = Vec::new();
    let mut addrs = Vec::new();
    for name in graph.players() {
        let listener = tcp::bind(name, "127.0.0.1:0")?;
        let port = listener.local_addr().map_err(|e| Error::network(name, e))?.port();
        addrs.push(PlayerAddr { name: name.clone(), addr: format!("127.0.0.1:{port}") });
        listeners.push(listener);
    }
    let mut session_id = [0u8; 16];
    getrandom::fill(&mut session_id).map_err(|e| Error::internal(format!("OS entropy failed: {e}")))?;
    let tls: Vec<Option<crate::net::TlsSettings>> = match options.transport {
        Transport::Tls => crate::net::self_signed::ephemeral_set(graph.players())?.into_iter().map(Some).collect(),
        _ => graph.players().iter().map(|_| None).collect(),
    };
    let tcp_options = TcpOptions {
        connect_timeout: options.connect_timeout,
        recv_timeout: options.recv_timeout,
        ..TcpOptions::default()
    };
    Ok(listeners
        .into_iter()
        .zip(graph.players().to_vec())
        .zip(tls)
        .map(|((listener, name), tls)| {
            let (graph, addrs, seeds) = (graph.clone(), addrs.clone(), options.seeds.clone());
            Box::new(move || {
                let join = TcpJoin::new(&addrs, listener, session_id, tcp_options, tls.as_ref());
                Party::connect_tcp(graph, &name, join, &seeds)
            }) as Connector
        })
        .collect())
}

thread_local! {
    /// Set on the threads of local sessions' players.
    static PLAYER_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Whether the calling thread is a player's thread of a local session
/// (false during the thread's teardown, where nothing can be asked).
pub fn on_player_thread() -> bool {
    PLAYER_THREAD.try_with(Cell::get).unwrap_or(false)
}

#[expect(clippy::needless_pass_by_value, reason = "the player thread owns its channels: they close when it ends")]
fn player_loop(
    connect: Connector,
    interrupt: Arc<Interrupt>,
    ready: Sender<Result<()>>,
    commands: Receiver<Command>,
    results: Sender<Result<PlayerRun>>,
) {
    PLAYER_THREAD.with(|player| player.set(true));
    let mut party = match connect() {
        Ok(mut party) => {
            party.set_interrupt(interrupt);
            let _ = ready.send(Ok(()));
            party
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    drop(ready);
    for command in commands {
        match command {
            Command::Run { fetches, parts, feeds } => {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    party.run_with_parts(&fetches, &parts, &feeds)
                }));
                let outcome = outcome.unwrap_or_else(|_| Err(Error::internal("a player panicked during the run")));
                if let Err(e) = &outcome {
                    log::debug!(target: "tfe::session", "{} failed the run: {e}", party.name());
                }
                if results.send(outcome).is_err() {
                    return;
                }
            }
            Command::SetProvider(name, provider) => party.set_provider(&name, provider),
            Command::ResetVariables => party.reset_variables(),
        }
    }
}

/// All values if every player succeeded; otherwise the error that started
/// it: a player's own failure rather than the others' reactions to it.
fn root_cause<T>(results: Vec<Result<T>>) -> Result<Vec<T>> {
    if results.iter().all(Result::is_ok) {
        return Ok(results.into_iter().map(|r| r.ok().unwrap()).collect());
    }
    let rank = |e: &Error| match e {
        Error::Aborted { .. } => 3,
        Error::Timeout { .. } => 2,
        Error::Network { .. } => 1,
        _ => 0,
    };
    let errors = results.into_iter().filter_map(Result::err);
    Err(errors.min_by_key(rank).expect("at least one error"))
}
