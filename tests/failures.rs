//! Bad input and failing players: each gives a clear error that names what
//! was wrong (or who), within the receive timeout, and the session or
//! process stays usable afterwards.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tfe::Error;
use tfe::SeedSource;
use tfe::graph::Graph;
use tfe::internals::net::tcp;
use tfe::session::{Feeds, LocalOptions, LocalSession, Party, TcpJoin};
use tfe::{PlayerAddr, TcpOptions};

/// The seed program; server0 gives w (ten by ten ones) at run time.
fn seed_graph() -> (Graph, tfe::graph::TensorId) {
    let mut g = Graph::default();
    let w = g.private_variable("w", "server0", &[10, 10]).unwrap();
    let x = g.private_input("x", "input-provider", &[5, 10]).unwrap();
    let y = g.matmul(x, w).unwrap();
    let out = g.reveal(y, None).unwrap();
    (g, out)
}

/// A local session of the seed graph, w given at server0.
fn seed_session(g: &Graph) -> LocalSession {
    let mut session = LocalSession::new(g, short_timeouts()).unwrap();
    session.set_variable_values("w", vec![1.0; 100]).unwrap();
    session
}

/// What each player of the seed graph feeds in a deployment: its own data.
fn seed_feeds(name: &str) -> Feeds {
    let mut feeds = Feeds::new();
    match name {
        "input-provider" => feeds.insert("x", vec![1.0; 50]),
        "server0" => feeds.insert("w", vec![1.0; 100]),
        _ => &mut feeds,
    };
    feeds
}

fn short_timeouts() -> LocalOptions {
    LocalOptions {
        recv_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(5),
        ..LocalOptions::default()
    }
}

#[test]
fn bad_feeds_are_reported_before_anything_runs_and_the_session_stays_usable() {
    let (g, out) = seed_graph();
    let mut session = seed_session(&g);
    let run = |session: &mut LocalSession, name: &str, values: Vec<f64>| {
        let mut feeds = Feeds::new();
        feeds.insert(name, values);
        session.run(&[out], &feeds)
    };
    let err = run(&mut session, "x", vec![1.0; 49]).unwrap_err().to_string();
    assert!(err.contains("49 values, expected 50"), "{err}");
    let err = run(&mut session, "nobody", vec![1.0; 50]).unwrap_err().to_string();
    assert!(err.contains("'nobody'"), "{err}");
    let err = session.run(&[out], &Feeds::new()).unwrap_err().to_string();
    assert!(err.contains("neither a feed nor a provider"), "{err}");
    // Values the fixed-point range cannot hold fail at the owner, whose
    // error (the one a local session returns) names the input, the element,
    // the value (compactly) and the range. Its peers learn less: see
    // `private_values_and_provider_texts_stay_at_their_owner`.
    for (bad, shown) in [(f64::NAN, "NaN"), (f64::INFINITY, "inf"), (3e6, "3000000"), (1e300, "1e300")] {
        let mut values = vec![1.0; 50];
        values[17] = bad;
        let err = run(&mut session, "x", values).unwrap_err();
        assert!(matches!(&err, Error::InvalidInput { input, .. } if input == "x"), "{err}");
        let text = err.to_string();
        assert!(text.contains(&format!("invalid input 'x': element [1, 7] of shape [5, 10] is {shown}, ")), "{text}");
        assert!(text.contains("[-1048576, 1048576]") && text.len() < 200, "{text}");
    }
    let ok = run(&mut session, "x", vec![1.0; 50]).unwrap();
    assert!(ok.outputs[0].iter().all(|&v| v == 10.0));
    let private_fetch = g.find_named("x").unwrap();
    assert!(session.run(&[private_fetch], &Feeds::new()).unwrap_err().to_string().contains("private"));
    let foreign = tfe::graph::TensorId(999);
    assert!(session.run(&[foreign], &Feeds::new()).is_err());
}

#[test]
fn a_run_that_fails_while_initializing_a_variable_leaves_every_player_agreeing() {
    // The owner of `w` is not a server: its part of the first run (sending
    // its shares of w) succeeds even though the client's input is out of
    // range. If the owner then thought w initialized while the servers did
    // not, the next run would wait forever for the owner's shares.
    let mut g = Graph::default();
    let w = g.private_variable("w", "model-owner", &[4, 2]).unwrap();
    let x = g.private_input("x", "client", &[3, 4]).unwrap();
    let y = g.matmul(x, w).unwrap();
    let out = g.reveal(y, Some("client")).unwrap();
    let mut session = LocalSession::new(&g, short_timeouts()).unwrap();
    session.set_variable_values("w", vec![0.5; 8]).unwrap();
    for values in [vec![1e9; 12], vec![1.0; 12], vec![2.0; 12]] {
        let mut feeds = Feeds::new();
        feeds.insert("x", values.clone());
        let result = session.run(&[out], &feeds);
        if values[0] > 1e6 {
            assert!(matches!(result, Err(Error::InvalidInput { .. })), "{result:?}");
        } else {
            let outputs = result.unwrap().outputs;
            assert!(outputs[0].iter().all(|&v| (v - 2.0 * values[0]).abs() < 1e-3), "{outputs:?}");
        }
    }
}

#[test]
fn a_failing_provider_aborts_the_run_everywhere_and_names_itself() {
    let (g, out) = seed_graph();
    let mut session = seed_session(&g);
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = calls.clone();
    session
        .set_provider(
            "x",
            Arc::new(move |req| {
                if counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    Err(Error::invalid("the sensor is offline"))
                } else {
                    Ok(vec![2.0; req.shape.iter().product()])
                }
            }),
        )
        .unwrap();
    let started = Instant::now();
    let err = session.run(&[out], &Feeds::new()).unwrap_err().to_string();
    assert!(err.contains("the sensor is offline"), "{err}");
    // The abort reaches the servers at once, not after the receive timeout.
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    let ok = session.run(&[out], &Feeds::new()).unwrap();
    assert!(ok.outputs[0].iter().all(|&v| v == 20.0));
}

#[test]
fn a_stalled_player_is_named_within_the_receive_timeout() {
    let (g, out) = seed_graph();
    let mut session = seed_session(&g);
    session
        .set_provider(
            "x",
            Arc::new(|req| {
                std::thread::sleep(Duration::from_secs(4));
                Ok(vec![1.0; req.shape.iter().product()])
            }),
        )
        .unwrap();
    let started = Instant::now();
    let err = session.run(&[out], &Feeds::new()).unwrap_err();
    assert!(matches!(&err, Error::Timeout { player, .. } if player == "input-provider"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(6));
}

/// Runs each player of `graphs` (one graph per player) on its own thread over
/// TCP; `behaviour(name, party)` decides what each does after connecting.
fn run_parties<T: Send>(graphs: Vec<Graph>, behaviour: impl Fn(&str, Party) -> T + Sync) -> Vec<Result<T, Error>> {
    let names = graphs[0].players().to_vec();
    let listeners: Vec<_> = names.iter().map(|n| tcp::bind(n, "127.0.0.1:0").unwrap()).collect();
    let addrs: Vec<PlayerAddr> = names
        .iter()
        .zip(&listeners)
        .map(|(n, l)| PlayerAddr { name: n.clone(), addr: l.local_addr().unwrap().to_string() })
        .collect();
    let options = TcpOptions {
        connect_timeout: Duration::from_secs(5),
        recv_timeout: Duration::from_secs(3),
        ..TcpOptions::default()
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = listeners
            .into_iter()
            .zip(graphs)
            .zip(&names)
            .map(|((listener, graph), name)| {
                let (addrs, behaviour) = (&addrs, &behaviour);
                scope.spawn(move || {
                    let join = TcpJoin::new(addrs, listener, [7; 16], options, None);
                    let party = Party::connect_tcp(Arc::new(graph), name, join, &SeedSource::OsEntropy)?;
                    Ok(behaviour(name, party))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn a_player_whose_connection_dies_is_named_by_every_other_player() {
    let (g, out) = seed_graph();
    for victim in ["server2", "input-provider"] {
        let started = Instant::now();
        let results = run_parties(vec![g.clone(); 4], |name, mut party| {
            if name == victim {
                drop(party); // closes every connection of this player mid-session
                return Ok(None);
            }
            party.run(&[out], &seed_feeds(name)).map(Some)
        });
        for (name, result) in g.players().iter().zip(results) {
            let inner = result.expect("connecting works");
            if name == victim {
                continue;
            }
            // The input provider's part ends once it has sent its shares; it
            // may finish before noticing that a server is gone.
            if name == "input-provider" && inner.is_ok() {
                continue;
            }
            let err = inner.expect_err("the run cannot finish without the victim").to_string();
            assert!(err.contains(victim), "{name} got: {err}");
        }
        assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
    }
}

#[test]
fn private_values_and_provider_texts_stay_at_their_owner() {
    // A distinctive value in a feed of an input and of a variable, and a
    // provider's own text: the owner's error names them; no other player's
    // error holds them, only that the owner's input was invalid.
    const SECRET: &str = "1234567";
    type Setup = Box<dyn Fn(&str, &mut Party, &mut Feeds) + Sync>;
    let (g, out) = seed_graph();
    let with_secret = |len: usize, at: usize| {
        let mut values = vec![1.0; len];
        values[at] = 1234567.0;
        values
    };
    let cases: Vec<(&str, &str, &str, Setup)> = vec![
        (
            "input-provider",
            "x",
            "element [1, 2] of shape [5, 10] is 1234567",
            Box::new(move |name, _, feeds| {
                if name == "input-provider" {
                    feeds.insert("x", with_secret(50, 12));
                }
            }),
        ),
        (
            "server0",
            "w",
            "element [3, 7] of shape [10, 10] is 1234567",
            Box::new(move |name, _, feeds| {
                if name == "server0" {
                    feeds.insert("w", with_secret(100, 37));
                }
            }),
        ),
        (
            "input-provider",
            "x",
            "the sensor 1234567 is offline",
            Box::new(|name, party, feeds| {
                if name == "input-provider" {
                    party.set_provider("x", Arc::new(|_| Err(Error::invalid("the sensor 1234567 is offline"))));
                    *feeds = Feeds::new();
                }
            }),
        ),
    ];
    for (owner, input, detail, setup) in &cases {
        let results = run_parties(vec![g.clone(); 4], |name, mut party| {
            let mut feeds = seed_feeds(name);
            setup(name, &mut party, &mut feeds);
            party.run(&[out], &feeds).map(|_| ())
        });
        for (name, result) in g.players().iter().zip(results) {
            let outcome = result.expect("connecting works");
            if name == owner {
                let err = outcome.expect_err("the owner refuses its input");
                assert!(matches!(&err, Error::InvalidInput { input: i, .. } if i == input), "{err}");
                assert!(err.to_string().contains(detail), "{name}: {err}");
                continue;
            }
            // A player with no part after the owner's may finish first.
            let Err(err) = outcome else {
                assert!(!name.starts_with("server"), "{name} finished despite the invalid input");
                continue;
            };
            let text = err.to_string();
            assert!(!text.contains(SECRET), "{name} learned the owner's private detail: {text}");
            if name.starts_with("server") {
                let reason = format!("player '{owner}' aborted the run: invalid input '{input}'");
                assert!(text.contains(&reason), "{name}: {text}");
            }
        }
    }
}

#[test]
fn players_with_different_graphs_refuse_each_other() {
    let (g, _) = seed_graph();
    let mut other = g.clone();
    other.neg(tfe::graph::TensorId(0)).unwrap();
    let graphs = vec![g.clone(), g.clone(), other, g.clone()];
    let results = run_parties(graphs, |_, _| ());
    let errors: Vec<String> = results.into_iter().filter_map(std::result::Result::err).map(|e| e.to_string()).collect();
    assert!(!errors.is_empty());
    assert!(errors.iter().any(|e| e.contains("different graph")), "{errors:?}");
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = tcp::bind("server0", &addr).unwrap_err().to_string();
    assert!(err.contains("server0") && err.contains(&addr), "{err}");
    let err = tcp::bind("server0", "no-port-here").unwrap_err().to_string();
    assert!(err.contains("host:port"), "{err}");
}
