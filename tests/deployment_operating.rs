//! Operating a deployment (issue 18, items 9 to 11): `--insecure-plaintext`
//! is warned about at every player, at start and in each run's summary,
//! and the receiver's output names the transport; `--output DIR` is
//! created (or refused) before the player connects, holds one file per
//! output and run named after the graph's output, and is never
//! overwritten; `--quiet` prints no matrices; log records (connections,
//! refusals, run summaries) follow `RUST_LOG`; `--threads` (item 12) sizes
//! each process's compute pool.

mod common;

use std::process::Command;
use std::time::Duration;

use common::deployment::*;

/// The lines of a player's standard error that summarize a run.
fn summaries(stderr: &str, name: &str) -> Vec<String> {
    stderr.lines().filter(|l| l.starts_with(&format!("{name}: run "))).map(str::to_string).collect()
}

#[test]
fn insecure_plaintext_is_warned_at_every_player_in_every_run_and_named_in_the_output() {
    let mut d = Deployment::new("insecure", false, 5000);
    d.start_all(false, &["--runs", "2"]);
    let outputs = d.finish(Duration::from_secs(60));
    check_seed_result(&outputs, 2);
    for (name, out) in &outputs {
        let (stdout, stderr) = text(out);
        let first = stderr.lines().next().unwrap_or("");
        assert!(first.contains(&format!("{name}: --insecure-plaintext")) && first.contains("WARN"), "{stderr}");
        let runs = summaries(&stderr, name);
        assert_eq!(runs.len(), 2, "{stderr}");
        assert!(runs.iter().all(|l| l.contains("INSECURE")), "{stderr}");
        if name == "result-receiver" {
            assert_eq!(stdout.matches("over INSECURE plaintext TCP").count(), 2, "{stdout}");
        }
    }
}

#[test]
fn results_go_to_a_new_folder_one_file_per_output_and_run_never_overwritten() {
    let mut d = Deployment::new("output", true, 5000);
    for name in PLAYERS {
        let extra: &[&str] = if name == "result-receiver" { &["--output", "out/new", "--quiet"] } else { &[] };
        d.start(name, "seed.tfe", &security(name, true), &[&["--runs", "3"], extra].concat());
    }
    let outputs = d.finish(Duration::from_secs(60));
    for (name, out) in &outputs {
        let (stdout, stderr) = text(out);
        assert!(out.status.success(), "{name}: {stderr}");
        // --quiet: no matrix; the summaries on standard error name TLS.
        assert!(!stdout.contains("10.0000"), "{name}: {stdout}");
        assert!(summaries(&stderr, name).iter().all(|l| l.contains("over TLS 1.3")), "{stderr}");
    }
    for run in 1..=3 {
        let file = d.dir.join(format!("out/new/y-run{run}.npy"));
        let (shape, values) = tfe::deploy::data::read_values(&file).unwrap();
        assert_eq!(shape, [5, 10]);
        assert!(values.iter().all(|v| (v - 10.0).abs() < 1e-3), "{values:?}");
    }
    let receiver = |output: &str| {
        let out = Command::new(TFE)
            .args(["party", "--config", "hosts.json", "--graph", "seed.tfe", "--name", "result-receiver"])
            .args(["--key", "certs/result-receiver.key", "--output", output])
            .env_remove("RUST_LOG")
            .current_dir(&d.dir)
            .output()
            .unwrap();
        assert!(!out.status.success(), "--output {output} should be refused");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // Alone, before any peer is up: both errors come at start, not after a run.
    let err = receiver("out/new");
    assert!(err.contains("it holds y-run") && err.contains("never overwritten"), "{err}");
    std::fs::write(d.dir.join("plain-file"), "").unwrap();
    let err = receiver("plain-file/results");
    assert!(err.contains("--output plain-file/results: cannot create the folder"), "{err}");
    let before = std::fs::metadata(d.dir.join("out/new/y-run1.npy")).unwrap().modified().unwrap();
    assert_eq!(std::fs::metadata(d.dir.join("out/new/y-run1.npy")).unwrap().modified().unwrap(), before);
}

#[test]
fn log_records_follow_rust_log() {
    // RUST_LOG=info: every connection, and a refused stranger.
    {
        let mut d = Deployment::new("log-info", true, 5000);
        let mut stranger = None;
        for name in PLAYERS {
            d.start_with_env(name, "seed.tfe", &security(name, true), &[], &[("RUST_LOG", "info")]);
            if name == "server0" {
                // Its garbage is out before the others start: server0 is
                // still waiting for them when it meets the stranger.
                let garbage = Stranger::Garbage.connect(&d.addresses[0], true);
                garbage.wait_started();
                stranger = Some(garbage);
            }
        }
        let outputs = d.finish(Duration::from_secs(60));
        drop(stranger);
        check_seed_result(&outputs, 1);
        let all: String = outputs.iter().map(|(_, out)| text(out).1).collect();
        for (name, out) in &outputs {
            let (_, stderr) = text(out);
            // server0 connects to no one: the others connect to it.
            let connected = if name == "server0" { "server1 connected from" } else { "connected to server0" };
            assert!(stderr.contains(&format!("{name}: {connected}")), "{stderr}");
            assert_eq!(summaries(&stderr, name).len(), 1, "{stderr}");
        }
        assert!(all.contains("server0: refused a connection from 127.0.0.1:"), "{all}");
    }
    // By default: warnings and run summaries, no connections.
    {
        let mut d = Deployment::new("log-default", true, 5000);
        d.start_all(true, &[]);
        for (name, out) in d.finish(Duration::from_secs(60)) {
            let (_, stderr) = text(&out);
            assert!(out.status.success(), "{name}: {stderr}");
            assert_eq!(summaries(&stderr, &name).len(), 1, "{stderr}");
            assert!(!stderr.contains("connected"), "{stderr}");
        }
    }
    // RUST_LOG=off: only the closing line, which is no log record.
    {
        let mut d = Deployment::new("log-off", false, 5000);
        for name in PLAYERS {
            d.start_with_env(name, "seed.tfe", &security(name, false), &["--runs", "2"], &[("RUST_LOG", "off")]);
        }
        for (name, out) in d.finish(Duration::from_secs(60)) {
            let (_, stderr) = text(&out);
            assert!(out.status.success(), "{name}: {stderr}");
            assert_eq!(stderr, format!("{name}: 2 of 2 runs completed\n"));
        }
    }
}

#[test]
fn each_player_sizes_its_compute_pool_by_threads_or_tfe_threads() {
    // The servers by the flag, the others by the environment variable.
    let mut d = Deployment::new("threads", false, 5000);
    for name in PLAYERS {
        let security = security(name, false);
        if name.starts_with("server") {
            d.start_with_env(name, "seed.tfe", &security, &["--threads", "1"], &[("RUST_LOG", "info")]);
        } else {
            d.start_with_env(name, "seed.tfe", &security, &[], &[("RUST_LOG", "info"), ("TFE_THREADS", "3")]);
        }
    }
    let outputs = d.finish(Duration::from_secs(60));
    check_seed_result(&outputs, 1);
    for (name, out) in &outputs {
        let (_, stderr) = text(out);
        let threads = if name.starts_with("server") { 1 } else { 3 };
        assert!(stderr.contains(&format!("worker threads in the compute pool: {threads}\n")), "{name}: {stderr}");
    }
}
