//! A host that does not ignore SIGPIPE (the default of a C program) must
//! get an error, not be killed, when a peer dies while it sends. This file
//! holds one test because it changes the signal disposition of its process.

use std::sync::Arc;
use std::time::Duration;

use tfe::graph::Graph;
use tfe::session::{Feeds, LocalOptions, LocalSession, Transport};

#[test]
fn a_dead_peer_is_an_error_not_a_sigpipe() {
    // SAFETY: set before this test starts any thread; restores what C hosts have.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    for transport in [Transport::Tls, Transport::Tcp] {
        let mut g = Graph::default();
        let x = g.private_input("x", "alice", &[256, 256]).unwrap();
        let y = g.matmul(x, x).unwrap();
        let out = g.reveal(y, Some("alice")).unwrap();
        let options = LocalOptions { transport, recv_timeout: Duration::from_secs(3), ..LocalOptions::default() };
        let mut session = LocalSession::new(&g, options).unwrap();
        // alice's provider panics: alice aborts and its connections close
        // while the servers may still be sending to it.
        session.set_provider("x", Arc::new(|_| panic!("the data source crashed"))).unwrap();
        let err = session.run(&[out], &Feeds::new()).unwrap_err().to_string();
        assert!(err.contains("alice") || err.contains("provider"), "{err}");
    }
}
