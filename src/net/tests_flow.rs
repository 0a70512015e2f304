//! Tests of flow control and of which abort ends a wait, over plain TCP
//! among three players whose processes stay alive: a player stopped by
//! another's abort sends none of its own, and must not hold its peers up
//! for a whole receive timeout; an abort of a run a peer has gone past
//! must not fail the wait for that peer.

use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use super::endpoint::{Endpoint, Peer};
use super::frame::Tag;
use super::memory;
use super::pool::BufferPool;
use super::socket_peer::{SocketPeer, Wire};
use crate::error::{Error, Result};

/// Far longer than the tests wait for an answer: a wait that only ends at
/// the receive timeout is a hang here.
const RECV_TIMEOUT: Duration = Duration::from_secs(300);
const ANSWER_WITHIN: Duration = Duration::from_secs(60);

/// Players "a", "b" and "c", each connected to the other two over TCP.
fn mesh() -> Vec<Endpoint> {
    let names: Vec<String> = ["a", "b", "c"].iter().map(ToString::to_string).collect();
    let buffers: Vec<BufferPool> = names.iter().map(|_| BufferPool::default()).collect();
    let mut peers: Vec<Vec<Option<Peer>>> = names.iter().map(|_| vec![None, None, None]).collect();
    let socket = |stream, me: usize, to: usize| {
        let socket = SocketPeer::new(Wire::Plain(stream), names[to].clone(), 1 << 30, buffers[me].clone()).unwrap();
        Some(Peer::Socket(Box::new(socket)))
    };
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        peers[i][j] = socket(client, i, j);
        peers[j][i] = socket(server, j, i);
    }
    let endpoints = peers.into_iter().enumerate().zip(buffers);
    endpoints.map(|((me, peers), buffers)| Endpoint::new(me, names.clone(), peers, RECV_TIMEOUT, buffers)).collect()
}

fn tag(run: u64) -> Tag {
    Tag { run, op: 1, step: 0 }
}

/// Runs `wait` on a thread and returns what it returned, failing the test
/// when it is still waiting after [`ANSWER_WITHIN`].
fn answered<T: Send + 'static>(wait: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, answer) = mpsc::channel();
    std::thread::spawn(move || sender.send(wait()));
    answer.recv_timeout(ANSWER_WITHIN).expect("the wait outlasted the test: it only ends at the receive timeout")
}

/// Begins runs 1 to `last` at `endpoint`.
fn begin_runs(endpoint: &mut Endpoint, last: u64) {
    for run in 1..=last {
        endpoint.begin_run(run).unwrap();
    }
}

/// `a_waits` for b where c failed run 1 and b, stopped by it, stays at run
/// 1 and says nothing: the wait ends, with c's abort.
fn ends_with_cs_abort<T: std::fmt::Debug + Send + 'static>(
    a_waits: impl FnOnce(&mut Endpoint) -> Result<T> + Send + 'static,
) {
    let [mut a, mut b, mut c]: [Endpoint; 3] = mesh().try_into().ok().unwrap();
    begin_runs(&mut b, 1);
    begin_runs(&mut c, 1);
    c.abort(1, "c's provider failed");
    match answered(move || a_waits(&mut a)) {
        Err(Error::Aborted { player, message }) => {
            assert_eq!(player, "c", "{message}");
            assert!(message.contains("provider failed"), "{message}");
        }
        other => panic!("expected c's abort, found {other:?}"),
    }
    drop((b, c));
}

#[test]
fn a_peer_stopped_by_another_players_abort_ends_the_wait_for_its_window() {
    ends_with_cs_abort(|a| {
        begin_runs(a, 3);
        // Data of run 3 goes to b once b has begun run 2.
        a.send(1, tag(3), &[7])
    });
}

#[test]
fn a_peer_stopped_by_another_players_abort_ends_the_wait_to_finish() {
    ends_with_cs_abort(|a| {
        begin_runs(a, 1);
        a.finish(1)
    });
}

#[test]
fn another_players_abort_of_the_run_ends_a_receive_from_a_silent_peer() {
    ends_with_cs_abort(|a| {
        begin_runs(a, 1);
        a.recv(1, tag(1))
    });
}

#[test]
fn an_abort_of_a_run_the_peer_has_gone_past_does_not_end_the_wait_for_it() {
    // In memory a wait for b reads b's frames one at a time: a learns that
    // b began run 1 (where c aborted) before it learns that b began run 2.
    let names: Vec<String> = ["a", "b", "c"].iter().map(ToString::to_string).collect();
    let [mut a, mut b, mut c]: [Endpoint; 3] = memory::mesh(&names, RECV_TIMEOUT, None).try_into().ok().unwrap();
    begin_runs(&mut a, 3);
    begin_runs(&mut c, 1);
    c.abort(1, "c's provider failed");
    // Every player goes on after the failed run.
    begin_runs(&mut b, 2);
    let sent = answered(move || {
        c.begin_run(2)?;
        c.begin_run(3)?;
        c.send(0, tag(3), &[5])?;
        // a files c's abort of run 1 on the way to c's data of run 3.
        assert_eq!(a.recv(2, tag(3))?, vec![5]);
        a.send(1, tag(3), &[7])
    });
    sent.expect("c's abort of run 1 failed the wait for b, which went on to run 2");
    assert_eq!(b.recv(0, tag(3)).unwrap(), vec![7]);
}
