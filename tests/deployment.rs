//! Deployment: every player its own OS process (`tfe party`) on loopback,
//! started and stopped by the test, every child reaped. The seed program
//! with three servers, an input provider and a result receiver, over
//! plaintext and TLS (server0 gives the variable w's value, which the
//! graph file does not hold); a server killed mid-run; a wrong certificate;
//! a player with another graph.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

const TFE: &str = env!("CARGO_BIN_EXE_tfe");
const PLAYERS: [&str; 5] = ["server0", "server1", "server2", "input-provider", "result-receiver"];

/// A folder with a hostmap on free loopback ports, a seed graph and an
/// input file; kills and reaps whatever it started when dropped.
struct Deployment {
    dir: PathBuf,
    children: Vec<(String, Child)>,
    /// One deployment at a time: five processes per test on two cores, run
    /// beside another test's five, stretch failure detection past the
    /// bounds the tests assert.
    _one_at_a_time: MutexGuard<'static, ()>,
}

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

impl Deployment {
    fn new(test: &str, tls: bool, recv_timeout_ms: u64) -> Self {
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
            "{{\"players\": [{}], \"connect_timeout_ms\": 8000, \"recv_timeout_ms\": {recv_timeout_ms}}}",
            players.join(", ")
        );
        std::fs::write(dir.join("hosts.json"), hostmap).unwrap();
        let d = Deployment { dir, children: Vec::new(), _one_at_a_time: one_at_a_time };
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
    fn tool(&self, args: &[&str]) {
        let out = Command::new(TFE).args(args).current_dir(&self.dir).output().unwrap();
        assert!(out.status.success(), "tfe {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Starts `tfe party` for a player; `extra` adds or overrides arguments.
    fn start(&mut self, name: &str, graph: &str, security: &[String], extra: &[&str]) {
        let mut cmd = Command::new(TFE);
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

    fn start_all(&mut self, tls: bool, extra: &[&str]) {
        for name in PLAYERS {
            self.start(name, "seed.tfe", &security(name, tls), extra);
        }
    }

    /// Waits for every child (at most `limit` in all) and returns each
    /// one's exit status and output by name.
    fn finish(&mut self, limit: Duration) -> Vec<(String, Output)> {
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

    fn kill(&mut self, name: &str) {
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

fn security(name: &str, tls: bool) -> Vec<String> {
    if tls { vec!["--key".into(), format!("certs/{name}.key")] } else { vec!["--insecure-plaintext".into()] }
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn check_seed_result(outputs: &[(String, Output)], runs: usize) {
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

#[test]
fn five_processes_run_the_seed_program_over_plaintext_tcp() {
    let mut d = Deployment::new("plain", false, 5000);
    d.start_all(false, &[]);
    check_seed_result(&d.finish(Duration::from_secs(30)), 1);
}

#[test]
fn five_processes_run_the_seed_program_over_tls() {
    let mut d = Deployment::new("tls", true, 5000);
    d.start_all(true, &["--runs", "3"]);
    let outputs = d.finish(Duration::from_secs(30));
    check_seed_result(&outputs, 3);
    let receiver = &outputs.iter().find(|(n, _)| n == "result-receiver").unwrap().1;
    assert_eq!(text(receiver).0.matches("run 3").count(), 1, "a long-lived party serves several runs");
}

#[test]
fn a_server_killed_mid_run_is_named_by_every_other_player_within_the_timeout() {
    let mut d = Deployment::new("kill", true, 3000);
    d.start_all(true, &["--runs", "1000000"]);
    // Let the players connect and run a while, then kill server2.
    std::thread::sleep(Duration::from_millis(1500));
    let killed_at = Instant::now();
    d.kill("server2");
    let outputs = d.finish(Duration::from_secs(20));
    assert!(killed_at.elapsed() < Duration::from_secs(12), "{:?}", killed_at.elapsed());
    for (name, out) in &outputs {
        if name == "server2" {
            continue;
        }
        let (_, stderr) = text(out);
        assert!(!out.status.success(), "{name} should have failed");
        // The servers talk to server2 in every run; the others learn of it
        // from the servers' abort or from a closed connection.
        assert!(stderr.contains("server2") || !name.starts_with("server"), "{name}: {stderr}");
        assert!(stderr.contains("tfe:"), "{name}: {stderr}");
    }
}

#[test]
fn a_player_with_the_wrong_key_cannot_join() {
    let mut d = Deployment::new("badcert", true, 3000);
    // server1 presents server2's key with server1's pinned certificate.
    for name in PLAYERS {
        let key = if name == "server1" { "certs/server2.key".to_string() } else { format!("certs/{name}.key") };
        d.start(name, "seed.tfe", &["--key".to_string(), key], &[]);
    }
    let outputs = d.finish(Duration::from_secs(30));
    for (name, out) in &outputs {
        let (stdout, stderr) = text(out);
        assert!(!out.status.success(), "{name} should have failed: {stdout}");
        assert!(!stdout.contains("10.0000"), "{name}: {stdout}");
        assert!(stderr.contains("tfe:"), "{name}: {stderr}");
    }
    let server1 = text(&outputs.iter().find(|(n, _)| n == "server1").unwrap().1).1;
    assert!(server1.contains("certificate") || server1.contains("TLS"), "{server1}");
}

#[test]
fn a_player_with_another_graph_is_refused_by_every_peer() {
    let mut d = Deployment::new("badgraph", false, 3000);
    d.tool(&["graph", "seed", "--out", "other.tfe", "--receiver", "server1"]);
    for name in PLAYERS {
        let graph = if name == "server2" { "other.tfe" } else { "seed.tfe" };
        d.start(name, graph, &security(name, false), &[]);
    }
    let outputs = d.finish(Duration::from_secs(30));
    for (name, out) in &outputs {
        let (_, stderr) = text(out);
        assert!(!out.status.success(), "{name} should have failed");
        assert!(stderr.contains("graph") || stderr.contains("server2"), "{name}: {stderr}");
    }
}

#[test]
fn bad_command_lines_and_files_get_clear_errors() {
    let d = Deployment::new("badargs", false, 3000);
    let run = |args: &[&str]| {
        let out = Command::new(TFE).args(args).current_dir(&d.dir).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let base = ["party", "--config", "hosts.json", "--graph", "seed.tfe", "--insecure-plaintext"];
    let err = run(&[&base[..], &["--name", "mallory"]].concat());
    assert!(err.contains("'mallory' is not in the hostmap"), "{err}");
    let err = run(&[&base[..], &["--name", "input-provider", "--input", "x=missing.csv"]].concat());
    assert!(err.contains("missing.csv"), "{err}");
    std::fs::write(d.dir.join("short.csv"), "1,2,3\n").unwrap();
    let err = run(&[&base[..], &["--name", "input-provider", "--input", "x=short.csv"]].concat());
    assert!(err.contains("expected exactly [5, 10]"), "{err}");
    let err = run(&[&base[..], &["--name", "input-provider", "--input", "w=w.csv"]].concat());
    assert!(err.contains("'w' belongs to 'server0'"), "{err}");
    let err = run(&["party", "--config", "hosts.json", "--name", "server0", "--graph", "seed.tfe"]);
    assert!(err.contains("--key is required"), "{err}");
    std::fs::write(d.dir.join("broken.tfe"), b"TFEG\x01").unwrap();
    let err =
        run(&["party", "--config", "hosts.json", "--name", "server0", "--graph", "broken.tfe", "--insecure-plaintext"]);
    assert!(err.contains("broken.tfe"), "{err}");
    std::fs::write(d.dir.join("bad.json"), "{\"players\": []}").unwrap();
    let err =
        run(&["party", "--config", "bad.json", "--name", "server0", "--graph", "seed.tfe", "--insecure-plaintext"]);
    assert!(err.contains("'server0' is missing"), "{err}");
    assert!(Path::new(&d.dir).exists());
}

#[test]
fn an_input_file_of_another_shape_is_refused_not_reshaped() {
    let d = Deployment::new("inputshape", false, 3000);
    let party = |file: &str| {
        let out = Command::new(TFE)
            .args(["party", "--config", "hosts.json", "--graph", "seed.tfe", "--insecure-plaintext"])
            .args(["--name", "input-provider", "--input", &format!("x={file}")])
            .current_dir(&d.dir)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{file} should be refused");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // x is 5x10: a 10x5 file and a flat 50-value file hold as many values.
    std::fs::write(d.dir.join("tall.csv"), "1,1,1,1,1\n".repeat(10)).unwrap();
    let err = party("tall.csv");
    assert!(err.contains("shape [10, 5], expected exactly [5, 10]") && err.contains("'x'"), "{err}");
    std::fs::write(d.dir.join("flat.csv"), format!("{}\n", vec!["1"; 50].join(","))).unwrap();
    let err = party("flat.csv");
    assert!(err.contains("shape [1, 50], expected exactly [5, 10]"), "{err}");
}

#[test]
fn a_player_without_a_file_for_its_input_is_told_the_option() {
    let d = Deployment::new("noinput", false, 3000);
    let out = Command::new(TFE)
        .args(["party", "--config", "hosts.json", "--graph", "seed.tfe", "--insecure-plaintext"])
        .args(["--name", "input-provider"])
        .current_dir(&d.dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("no feed and no provider for input 'x'") && err.contains("--input x=FILE"), "{err}");
}
