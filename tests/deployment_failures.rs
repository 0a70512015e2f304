//! How deployed players fail (issue 18, items 2, 4, 5, 6): a player runs
//! at most one run ahead of a peer that is stopped, and goes on when it
//! resumes; a stopped server is named by every player within the timeout
//! and a small margin; a killed input provider is named by every player;
//! a player's exit status and last line say whether and how many runs
//! completed at every player.

mod common;

use std::time::{Duration, Instant};

use common::deployment::*;

/// The last line a player wrote on standard error.
fn last_line(stderr: &str) -> &str {
    stderr.lines().last().unwrap_or("")
}

#[test]
fn a_player_stays_within_one_run_of_a_stopped_peer_and_goes_on_when_it_resumes() {
    // A receive timeout far beyond the pause: slow but alive never fails.
    let mut d = Deployment::new("flow", true, 20_000);
    d.start_all(true, &["--runs", "400"]);
    d.wait_for_run("server0", 10);
    d.signal("server0", libc::SIGSTOP);
    // The others run on until flow control holds them; then they wait.
    std::thread::sleep(Duration::from_secs(2));
    let (server0, provider) = (d.last_run("server0"), d.last_run("input-provider"));
    d.signal("server0", libc::SIGCONT);
    // The input provider sends run r only once server0 has begun run r - 1.
    assert!(provider <= server0 + 2, "the input provider ran ahead to run {provider}, server0 is at {server0}");
    let outputs = d.finish(Duration::from_secs(120));
    check_seed_result(&outputs, 400);
    for (name, out) in &outputs {
        let (_, stderr) = text(out);
        assert_eq!(last_line(&stderr), format!("{name}: 400 of 400 runs completed"), "{stderr}");
    }
}

#[test]
fn a_stopped_server_is_named_by_every_player_within_the_timeout_and_a_margin() {
    let timeout = Duration::from_secs(4);
    let mut d = Deployment::new("stop", true, timeout.as_millis() as u64);
    d.start_all(true, &["--runs", "1000000"]);
    d.wait_for_run("result-receiver", 5);
    let stopped_at = Instant::now();
    d.signal("server2", libc::SIGSTOP);
    let outputs = d.finish_timed("server2", stopped_at, Duration::from_secs(60));
    for (name, out, ended) in &outputs {
        if name == "server2" {
            continue;
        }
        let (_, stderr) = text(out);
        assert!(!out.status.success(), "{name} should have failed");
        let error = stderr.lines().find(|l| l.starts_with("tfe:")).unwrap_or("");
        assert!(error.contains("'server2'"), "{name} blames another player: {stderr}");
        // The timeout, a margin of a quarter of it, and generous slack for
        // a loaded machine; the input provider used to take twice the timeout.
        assert!(*ended < timeout * 2, "{name} ended {ended:?} after server2 stopped");
    }
}

#[test]
fn a_killed_input_provider_is_named_by_every_player() {
    let mut d = Deployment::new("killip", true, 4000);
    d.start_all(true, &["--runs", "1000000"]);
    d.wait_for_run("result-receiver", 5);
    d.kill("input-provider");
    for (name, out) in d.finish(Duration::from_secs(60)) {
        if name == "input-provider" {
            continue;
        }
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{name} should have failed");
        let error = stderr.lines().find(|l| l.starts_with("tfe:")).unwrap_or("");
        assert!(error.contains("'input-provider'"), "{name} does not name the input provider: {stderr}");
    }
}

#[test]
fn a_player_whose_runs_did_not_complete_everywhere_fails_and_says_how_many_did() {
    let mut d = Deployment::new("killrr", true, 4000);
    d.start_all(true, &["--runs", "1000000"]);
    d.wait_for_run("result-receiver", 5);
    d.kill("result-receiver");
    for (name, out) in d.finish(Duration::from_secs(60)) {
        if name == "result-receiver" {
            continue;
        }
        let (_, stderr) = text(&out);
        // The input provider sent every input it had to send so far, and
        // still did not see its runs complete at the receiver.
        assert!(!out.status.success(), "{name} should have failed: {stderr}");
        let last = last_line(&stderr);
        let done: u64 = last
            .strip_prefix(&format!("{name}: "))
            .and_then(|l| l.strip_suffix(" of 1000000 runs completed"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{name}'s last line: {last}"));
        assert!((5..1_000_000).contains(&done), "{name}: {last}");
    }
}
