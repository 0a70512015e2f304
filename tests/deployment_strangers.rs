//! Strangers on the network cannot stall a deployment (issue 18, item 1):
//! whatever order the five players start in, connections that stay silent,
//! send a byte a second or send garbage to a player's port delay nobody,
//! and a refused connection is logged by the player that refused it.

mod common;

use std::time::Duration;

use common::deployment::*;

/// Starts the players in `order`, a moment apart, and right after each one
/// connects a silent, a slow and a garbage stranger to it; every player
/// must still finish the seed program.
fn run_in_order(test: &str, tls: bool, order: [&str; 5]) {
    // A connect timeout far beyond the players' own start-up: a stranger
    // that held a listener until it passed would fail the run.
    let mut d = Deployment::with_timeouts(test, tls, 5000, 20_000);
    let mut strangers = Vec::new();
    for name in order {
        d.start(name, "seed.tfe", &security(name, tls), &[]);
        let address = d.addresses[PLAYERS.iter().position(|p| *p == name).unwrap()].clone();
        for kind in [Stranger::Silent, Stranger::Slow, Stranger::Garbage] {
            strangers.push(kind.connect(&address, tls));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let outputs = d.finish(Duration::from_secs(60));
    drop(strangers);
    check_seed_result(&outputs, 1);
    // Garbage is refused as soon as it arrives, by a player still admitting.
    let logged = outputs.iter().any(|(_, out)| text(out).1.contains("refused a connection from 127.0.0.1:"));
    let all: Vec<String> = outputs.iter().map(|(n, out)| format!("{n}: {}", text(out).1)).collect();
    assert!(logged, "no player logged a refused connection:\n{}", all.join("\n"));
}

#[test]
fn strangers_do_not_stall_players_that_start_receivers_first() {
    // The order of the report: the input provider and the receiver, then
    // server2 (a silent socket to it at once), then server0 and server1.
    run_in_order("strangers-issue", true, ["input-provider", "result-receiver", "server2", "server0", "server1"]);
}

#[test]
fn strangers_do_not_stall_players_that_start_in_reverse_order() {
    run_in_order("strangers-reverse", true, ["result-receiver", "input-provider", "server2", "server1", "server0"]);
}

#[test]
fn strangers_do_not_stall_players_that_start_in_order() {
    run_in_order("strangers-forward", true, PLAYERS);
}

#[test]
fn strangers_do_not_stall_plaintext_players() {
    run_in_order("strangers-plain", false, ["input-provider", "result-receiver", "server2", "server0", "server1"]);
}
