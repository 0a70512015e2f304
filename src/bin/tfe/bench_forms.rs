//! `tfe bench --only forms`: what the sign's three-round form costs where a
//! round costs little. Networks B, C and D at batch 1 run as deployments of
//! threads over loopback TCP, once with local mode's forms (no link: the
//! three-round sign on up to 256 elements) and once with the forms of TF
//! Encrypted's WAN (its link declared: up to about 12,600 elements),
//! alternated in the same run: the rounds each form takes against its time
//! (BENCHMARKS.md, issue 19).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tfe::deploy::party::{ChannelSecurity, open};
use tfe::graph::Graph;
use tfe::nn::{PredictionGraph, networks, prediction_graph};
use tfe::session::{Feeds, LinkModel};

use super::bench_deploy::{loopback_hostmap, text};

/// The player that owns the weights and gives their values.
const OWNER: &str = "model-owner";
/// The player that feeds the input and learns the prediction.
const CLIENT: &str = "client";

/// Each network with local mode's forms, then the WAN's; the median over
/// alternated deployments of each one's median prediction time.
pub fn run(quick: bool) -> Result<(), String> {
    let (deployments, runs) = if quick { (2, 5) } else { (6, 11) };
    let nets = [
        ("B", networks::network_b as fn(u64) -> tfe::Result<_>),
        ("C", networks::network_c),
        ("D", networks::network_d),
    ];
    for (name, network) in nets {
        let model = network(1).map_err(text)?;
        let prediction = prediction_graph(&model, 1, OWNER, CLIENT).map_err(text)?;
        let graph = Arc::new(prediction.graph.clone());
        let settings = [("local", None), ("wan", Some(LinkModel::WAN))];
        let mut medians = [Vec::new(), Vec::new()];
        let mut rounds = [0; 2];
        for _ in 0..deployments {
            for (k, (_, link)) in settings.iter().enumerate() {
                let (median, taken) = deployed(&graph, &prediction, *link, runs)?;
                medians[k].push(median);
                rounds[k] = taken;
            }
        }
        for (k, (forms, _)) in settings.iter().enumerate() {
            medians[k].sort();
            println!(
                "{{\"bench\":\"forms_network_{name}\",\"size\":1,\"transport\":\"tcp\",\"forms\":\"{forms}\",\
                 \"median_s\":{:.6},\"deployments\":{deployments},\"runs\":{runs},\"rounds\":{}}}",
                medians[k][deployments / 2].as_secs_f64(),
                rounds[k]
            );
        }
    }
    Ok(())
}

/// One deployment of `graph` (every player a thread, over loopback TCP,
/// assuming `link`): server0's median of `runs` predictions after the
/// first (which shares the weights), and the rounds of the busiest server.
fn deployed(
    graph: &Arc<Graph>,
    prediction: &PredictionGraph,
    link: Option<LinkModel>,
    runs: usize,
) -> Result<(Duration, u64), String> {
    let mut hostmap = loopback_hostmap(&std::env::temp_dir(), graph.players())?;
    hostmap.link = link;
    let results: Vec<Result<(Vec<Duration>, u64), String>> = std::thread::scope(|s| {
        let players: Vec<_> = graph
            .players()
            .iter()
            .map(|me| {
                let hostmap = &hostmap;
                s.spawn(move || {
                    let text = |e: tfe::Error| format!("{me}: {e}");
                    let mut party =
                        open(hostmap, graph.clone(), me, &ChannelSecurity::InsecurePlaintext).map_err(text)?;
                    if me == OWNER {
                        for (name, values) in &prediction.weights {
                            party.set_variable_values(name, values.clone()).map_err(text)?;
                        }
                    }
                    let mut feeds = Feeds::new();
                    if me == CLIENT {
                        feeds.insert(&prediction.input, vec![0.5; 784]);
                    }
                    let mut times = Vec::with_capacity(runs + 1);
                    let mut rounds = 0;
                    for _ in 0..=runs {
                        let started = Instant::now();
                        rounds = party.run(&prediction.outputs, &feeds).map_err(text)?.stats.counters.rounds;
                        times.push(started.elapsed());
                    }
                    // The others may still be running: leave together.
                    party.finish().map_err(text)?;
                    Ok((times, rounds))
                })
            })
            .collect();
        players.into_iter().map(|p| p.join().unwrap_or_else(|_| Err("a player thread panicked".into()))).collect()
    });
    let results = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let mut times = results[0].0[1..].to_vec();
    times.sort();
    let rounds = results[..3].iter().map(|(_, r)| *r).max().unwrap_or(0);
    Ok((times[times.len() / 2], rounds))
}
