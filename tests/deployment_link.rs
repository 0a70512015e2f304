//! A deployment whose hostmap declares a WAN link between the servers:
//! every player opened from it takes the three-round sign on a ReLU of
//! 1,000 values, over real TCP. Without the declaration the servers
//! measure the link, which over loopback is below the floor of a measured
//! link (`session/probe.rs`): 8 rounds, as in local mode.

use std::sync::Arc;

use tfe::deploy::Hostmap;
use tfe::deploy::party::{ChannelSecurity, open};
use tfe::graph::Graph;
use tfe::session::Feeds;

mod common;
use common::hosts::loopback_players;

const PLAYERS: [&str; 4] = ["server0", "server1", "server2", "alice"];

/// The ReLU's rounds at the busiest server, and the revealed values.
fn relu_over(link: &str) -> (u64, Vec<f64>) {
    let mut g = Graph::default();
    let x = g.private_input("x", "alice", &[1000]).unwrap();
    let y = g.relu(x).unwrap();
    let out = g.reveal(y, None).unwrap();
    let graph = Arc::new(g);
    let text = format!("{{\"players\": {}{link}}}", loopback_players(&PLAYERS));
    let hostmap = Hostmap::parse(&text, std::env::temp_dir()).unwrap();
    let values: Vec<f64> = (0..1000).map(|i| f64::from(i) / 10.0 - 50.0).collect();
    let runs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = PLAYERS
            .iter()
            .map(|name| {
                let (hostmap, graph, values) = (&hostmap, graph.clone(), values.clone());
                s.spawn(move || {
                    let mut party = open(hostmap, graph, name, &ChannelSecurity::InsecurePlaintext).unwrap();
                    let mut feeds = Feeds::new();
                    if *name == "alice" {
                        feeds.insert("x", values);
                    }
                    let run = party.run(&[out], &feeds).unwrap();
                    // The others may still be running: leave together.
                    party.finish().unwrap();
                    run
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let rounds = runs[..3]
        .iter()
        .filter_map(|r| r.stats.spans.iter().find(|span| span.node == y.0))
        .map(|span| span.counters.rounds)
        .max()
        .unwrap();
    (rounds, runs[0].outputs[0].as_ref().unwrap().iter().copied().collect())
}

#[test]
fn a_declared_wan_link_takes_the_three_round_sign_on_a_thousand_values() {
    let want: Vec<f64> = (0..1000).map(|i| (f64::from(i) / 10.0 - 50.0).max(0.0)).collect();
    for (link, rounds) in [("", 8), (", \"link\": {\"rtt_ms\": 40, \"mbit_per_s\": 352}", 3)] {
        let (got_rounds, got) = relu_over(link);
        assert_eq!(got_rounds, rounds, "link '{link}'");
        // Within the inputs' own rounding to 16 fractional bits.
        let worst = got.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0.0, f64::max);
        assert!(worst <= 1.0 / 65536.0, "link '{link}': off by {worst}");
    }
}
