//! A revealed value outside the fixed-point range (an overflowed
//! computation) fails the run with `Error::OutOfRange`, naming the fetch and
//! counting its bad values; it is never returned as a plausible number.

use tfe::error::Error;
use tfe::graph::Graph;
use tfe::session::{Feeds, LocalOptions, LocalSession};

#[test]
fn a_reveal_that_leaves_the_range_fails_and_names_the_fetch() {
    let mut g = Graph::default();
    let x = g.private_input("x", "alice", &[3]).unwrap();
    // 2000² = 4·10^6 is beyond 2^20 = 1048576; 1000² is not.
    let squared = g.square(x).unwrap();
    let to_alice = g.reveal(squared, Some("alice")).unwrap();
    let to_servers = g.reveal(squared, None).unwrap();
    let fine = g.reveal(x, Some("alice")).unwrap();
    let mut session = LocalSession::new(&g, LocalOptions::default()).unwrap();
    let mut feeds = Feeds::new();
    feeds.insert("x", vec![2000.0, -1000.0, -2000.0]);
    for fetch in [to_alice, to_servers] {
        let err = session.run(&[fine, fetch], &feeds).unwrap_err();
        let Error::OutOfRange(message) = &err else { panic!("expected OutOfRange, found {err:?}") };
        for part in [
            format!("fetch 1 (tensor {}, the reveal of tensor {}, a 'square')", fetch.0, squared.0),
            "2 of 3 values are outside the fixed-point range [-1048576, 1048576]".to_string(),
        ] {
            assert!(message.contains(&part), "{message}\nshould contain: {part}");
        }
        assert!(!message.contains("4000000"), "no values in the message: {message}");
    }
    // In range, the same session runs on.
    feeds.insert("x", vec![1000.0, -1000.0, 0.5]);
    let r = session.run(&[to_alice], &feeds).unwrap();
    assert_eq!(r.outputs[0].iter().copied().collect::<Vec<_>>(), vec![1e6, 1e6, 0.25]);
}
