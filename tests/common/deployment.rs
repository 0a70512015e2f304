//! The harness of the deployment tests (`deployment*.rs`): every player its
//! own OS process (`tfe party`) on loopback, started and stopped by the
//! test, every child reaped; and strangers that connect to a player
//! without being one.

use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const TFE: &str = env!("CARGO_BIN_EXE_tfe");
pub const PLAYERS: [&str; 5] = ["server0", "server1", "server2", "input-provider", "result-receiver"];

/// A folder with a hostmap on free loopback ports, a seed graph and an
/// input file; kills and reaps whatever it started when dropped.
pub struct Deployment {
    pub dir: PathBuf,
    /// Each player's address, in the order of [`PLAYERS`].
    pub addresses: Vec<String>,
    children: Vec<(String, Child)>,
    /// One deployment at a time: five processes per test on two cores, run
    /// beside another test's five, stretch failure detection past the
    /// bounds the tests assert.
    _one_at_a_time: MutexGuard<'static, ()>,
}

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

impl Deployment {
    pub fn new(test: &str, tls: bool, recv_timeout_ms: u64) -> Self {
        Deployment::with_timeouts(test, tls, recv_timeout_ms, 8000)
    }

    pub fn with_timeouts(test: &str, tls: bool, recv_timeout_ms: u64, connect_timeout_ms: u64) -> Self {
        // A test that failed while holding the lock poisoned it; the next may still run.
        let one_at_a_time = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = std::env::temp_dir().join(format!("tfe-deploy-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ports: Vec<u16> = {
            let listeners: Vec<_> =
                PLAYERS.iter().map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
            listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
        };
        let players: Vec<String> = PLAYERS
            .iter()
            .zip(&ports)
            .map(|(name, port)| format!("{{\"name\": \"{name}\", \"address\": \"127.0.0.1:{port}\"}}"))
            .collect();
        let hostmap = format!(
            "{{\"players\": [{}], \"connect_timeout_ms\": {connect_timeout_ms}, \"recv_timeout_ms\": {recv_timeout_ms}}}",
            players.join(", ")
        );
        std::fs::write(dir.join("hosts.json"), hostmap).unwrap();
        let addresses = ports.iter().map(|port| format!("127.0.0.1:{port}")).collect();
        let d = Deployment { dir, addresses, children: Vec::new(), _one_at_a_time: one_at_a_time };
        if tls {
            d.tool(&["certs", "--config", "hosts.json"]);
        }
        d.tool(&["graph", "seed", "--out", "seed.tfe"]);
        std::fs::write(d.dir.join("x.csv"), "1,1,1,1,1,1,1,1,1,1\n".repeat(5)).unwrap();
        // w's value is not in the graph: server0, its owner, gives it.
        std::fs::write(d.dir.join("w.csv"), "1,1,1,1,1,1,1,1,1,1\n".repeat(10)).unwrap();
        d
    }

    /// Runs a `tfe` tool command in the folder and checks it succeeded.
    pub fn tool(&self, args: &[&str]) {
        let out = Command::new(TFE).args(args).current_dir(&self.dir).output().unwrap();
        assert!(out.status.success(), "tfe {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Starts `tfe party` for a player; `extra` adds or overrides arguments.
    pub fn start(&mut self, name: &str, graph: &str, security: &[String], extra: &[&str]) {
        self.start_with_env(name, graph, security, extra, &[]);
    }

    /// As [`Deployment::start`], with environment variables (`RUST_LOG`
    /// is unset unless given, so that the test's own does not count).
    pub fn start_with_env(
        &mut self,
        name: &str,
        graph: &str,
        security: &[String],
        extra: &[&str],
        env: &[(&str, &str)],
    ) {
        let mut cmd = Command::new(TFE);
        cmd.env_remove("RUST_LOG").envs(env.iter().copied());
        cmd.current_dir(&self.dir)
            .args(["party", "--config", "hosts.json", "--name", name, "--graph", graph])
            .args(security)
            .args(extra)
            // Files, not pipes: a chatty player must never block on a full pipe.
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(self.dir.join(format!("{name}.out"))).unwrap())
            .stderr(std::fs::File::create(self.dir.join(format!("{name}.err"))).unwrap());
        match name {
            "input-provider" => cmd.args(["--input", "x=x.csv"]),
            "server0" => cmd.args(["--input", "w=w.csv"]),
            _ => &mut cmd,
        };
        self.children.push((name.to_string(), cmd.spawn().unwrap()));
    }

    pub fn start_all(&mut self, tls: bool, extra: &[&str]) {
        for name in PLAYERS {
            self.start(name, "seed.tfe", &security(name, tls), extra);
        }
    }

    /// Waits for every child (at most `limit` in all) and returns each
    /// one's exit status and output by name.
    pub fn finish(&mut self, limit: Duration) -> Vec<(String, Output)> {
        let deadline = Instant::now() + limit;
        let mut outputs = Vec::new();
        for (name, mut child) in std::mem::take(&mut self.children) {
            while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let status = child.wait().unwrap();
            let read = |ext: &str| std::fs::read(self.dir.join(format!("{name}.{ext}"))).unwrap_or_default();
            outputs.push((name.clone(), Output { status, stdout: read("out"), stderr: read("err") }));
        }
        outputs
    }

    /// Waits for every child but `stopped` (at most `limit` in all), kills
    /// the rest, and returns each one's exit status, output, and when it
    /// ended after `since`.
    pub fn finish_timed(&mut self, stopped: &str, since: Instant, limit: Duration) -> Vec<(String, Output, Duration)> {
        let deadline = Instant::now() + limit;
        let mut ended: Vec<Option<Duration>> =
            self.children.iter().map(|(n, _)| (n == stopped).then_some(Duration::ZERO)).collect();
        while ended.iter().any(Option::is_none) && Instant::now() < deadline {
            for (i, (_, child)) in self.children.iter_mut().enumerate() {
                if ended[i].is_none() && child.try_wait().unwrap().is_some() {
                    ended[i] = Some(since.elapsed());
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let outputs = self.finish(Duration::ZERO);
        outputs.into_iter().zip(ended).map(|((n, o), e)| (n, o, e.unwrap_or(limit))).collect()
    }

    /// Sends a signal (SIGSTOP, SIGCONT, ...) to a player's process.
    pub fn signal(&self, name: &str, signal: i32) {
        let (_, child) = self.children.iter().find(|(n, _)| n == name).unwrap();
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    }

    /// The last run a player reported as done on standard error (0 before any).
    pub fn last_run(&self, name: &str) -> u64 {
        let err = std::fs::read_to_string(self.dir.join(format!("{name}.err"))).unwrap_or_default();
        let prefix = format!("{name}: run ");
        err.lines().filter_map(|l| l.strip_prefix(&prefix)?.split(':').next()?.parse().ok()).max().unwrap_or(0)
    }

    /// Waits (at most a minute) until a player has reported run `run` done.
    pub fn wait_for_run(&self, name: &str, run: u64) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.last_run(name) < run {
            assert!(Instant::now() < deadline, "{name} did not reach run {run}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill(&mut self, name: &str) {
        let (_, child) = self.children.iter_mut().find(|(n, _)| n == name).unwrap();
        child.kill().unwrap(); // SIGKILL
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn security(name: &str, tls: bool) -> Vec<String> {
    if tls { vec!["--key".into(), format!("certs/{name}.key")] } else { vec!["--insecure-plaintext".into()] }
}

pub fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

pub fn check_seed_result(outputs: &[(String, Output)], runs: usize) {
    for (name, out) in outputs {
        let (stdout, stderr) = text(out);
        assert!(out.status.success(), "{name} failed: {stderr}");
        if name == "result-receiver" {
            assert_eq!(stdout.matches("10.0000").count(), 50 * runs, "{stdout}");
        } else {
            // Only the result receiver learns the result.
            assert!(!stdout.contains("10.0000"), "{name} printed a result: {stdout}");
        }
    }
}

/// What a stranger does once connected.
#[derive(Clone, Copy, Debug)]
pub enum Stranger {
    /// Says nothing.
    Silent,
    /// Sends the start of a plausible handshake, a byte a second.
    Slow,
    /// Sends bytes that are no handshake at all.
    Garbage,
}

/// A stranger connected to a player until dropped.
pub struct StrangerConnection {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// Gets a message once the stranger has connected and sent its first bytes.
    started: std::sync::mpsc::Receiver<()>,
}

impl Stranger {
    /// Connects to `address` (retrying while nothing listens there yet)
    /// and behaves as `self` until the returned handle is dropped.
    pub fn connect(self, address: &str, tls: bool) -> StrangerConnection {
        let stop = Arc::new(AtomicBool::new(false));
        let address = address.to_string();
        let stopped = stop.clone();
        let (started_tx, started) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut stream = loop {
                match TcpStream::connect(&address) {
                    Ok(stream) => break stream,
                    Err(_) if Instant::now() < deadline && !stopped.load(Ordering::Relaxed) => {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(_) => return,
                }
            };
            // The start of a TLS ClientHello record, or of a tfe hello.
            let plausible: &[u8] = if tls { &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01] } else { b"TFE\0\x02\x00\x07" };
            match self {
                Stranger::Garbage => {
                    let _ = stream.write_all(b"GET / HTTP/1.1\r\nHost: tfe\r\n\r\n");
                    let _ = started_tx.send(());
                }
                Stranger::Slow => {
                    for byte in plausible.iter().cycle() {
                        if stopped.load(Ordering::Relaxed) || stream.write_all(&[*byte]).is_err() {
                            break;
                        }
                        let _ = started_tx.send(());
                        sleep_unless(&stopped, Duration::from_secs(1));
                    }
                }
                Stranger::Silent => {
                    let _ = started_tx.send(());
                }
            }
            while !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        StrangerConnection { stop, thread: Some(thread), started }
    }
}

impl StrangerConnection {
    /// Waits until the stranger has connected and sent its first bytes (a
    /// slow one: its first byte), so that the player meets it before the
    /// players started after this call.
    pub fn wait_started(&self) {
        self.started.recv_timeout(Duration::from_secs(30)).expect("the stranger connected within 30 s");
    }
}

fn sleep_unless(stop: &AtomicBool, duration: Duration) {
    let until = Instant::now() + duration;
    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for StrangerConnection {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
