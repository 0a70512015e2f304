//! In-memory transport: every player in one process, frames passed over
//! crossbeam channels. Same endpoint semantics as TCP, without sockets.

use std::time::Duration;

use crossbeam_channel::unbounded;

use super::endpoint::{Endpoint, Peer};
use super::pool::BufferPool;

/// Endpoints for `names.len()` players, fully connected in memory.
pub fn mesh(names: &[String], recv_timeout: Duration) -> Vec<Endpoint> {
    let n = names.len();
    // channels[from][to] carries frames from `from` to `to`.
    let mut senders: Vec<Vec<Option<_>>> = (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
    let mut receivers: Vec<Vec<Option<_>>> = (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
    for from in 0..n {
        for to in 0..n {
            if from != to {
                let (tx, rx) = unbounded();
                senders[from][to] = Some(tx);
                receivers[to][from] = Some(rx);
            }
        }
    }
    // A message is copied into a buffer of its receiver's pool, which the
    // receiver recycles, as the TCP readers do.
    let buffers: Vec<BufferPool> = (0..n).map(|_| BufferPool::default()).collect();
    (0..n)
        .map(|me| {
            let peers = (0..n)
                .map(|other| {
                    let tx = senders[me][other].take()?;
                    let rx = receivers[me][other].take()?;
                    Some(Peer::Memory { to: tx, buffers: buffers[other].clone(), incoming: rx })
                })
                .collect();
            Endpoint::new(me, names.to_vec(), peers, recv_timeout, buffers[me].clone())
        })
        .collect()
}
