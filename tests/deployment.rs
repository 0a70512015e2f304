//! Deployment: every player its own OS process (`tfe party`) on loopback
//! (the harness is `common/deployment.rs`). The seed program with three
//! servers, an input provider and a result receiver, over plaintext and TLS
//! (server0 gives the variable w's value, which the graph file does not
//! hold); the link a hostmap declares, in every player's log; a server
//! killed mid-run; a wrong certificate; a player with another graph.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::deployment::*;

#[test]
fn five_processes_run_the_seed_program_over_plaintext_tcp() {
    let mut d = Deployment::new("plain", false, 5000);
    d.start_all(false, &[]);
    let outputs = d.finish(Duration::from_secs(30));
    check_seed_result(&outputs, 1);
    // The link the servers measure over loopback is below the floor of a
    // measured link (`session/probe.rs`): none is assumed.
    for (name, out) in &outputs {
        assert!(!text(out).1.contains("assuming a link"), "{name}: {}", text(out).1);
    }
}

#[test]
fn every_player_logs_the_link_its_hostmap_declares() {
    let mut d = Deployment::new("link", false, 5000);
    let hostmap = d.dir.join("hosts.json");
    let declared = std::fs::read_to_string(&hostmap).unwrap().trim_end().strip_suffix('}').unwrap().to_string()
        + ", \"link\": {\"rtt_ms\": 40, \"mbit_per_s\": 352}}";
    std::fs::write(&hostmap, declared).unwrap();
    d.start_all(false, &[]);
    let outputs = d.finish(Duration::from_secs(30));
    check_seed_result(&outputs, 1);
    for (name, out) in &outputs {
        let want =
            format!("{name}: assuming a link of 40.0 ms round trip and 352 Mbit/s between the servers (the hostmap's)");
        assert!(text(out).1.contains(&want), "{name}: {}", text(out).1);
    }
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
