//! In-memory transport: every player in one process, frames passed over
//! crossbeam channels. Same endpoint semantics as TCP, without sockets.
//!
//! A mesh may model a network link between every two players
//! ([`LinkModel`]: round-trip time and bandwidth per direction), for
//! benchmarks at network settings this machine cannot produce: each
//! direction of each link sends one frame at a time at its bandwidth, and a
//! frame arrives half a round trip after its last byte left. The sender
//! never waits (its link buffers everything); the receiver takes a frame
//! only once it has arrived.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, SendError, Sender, TryRecvError, unbounded};

use super::endpoint::{Endpoint, Incoming, Peer};
use super::frame::HEADER_BYTES;
use super::pool::BufferPool;

/// A network link's round-trip time and bandwidth (per direction).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkModel {
    /// The round trip of an empty message.
    pub rtt: Duration,
    /// Bits per second in each direction.
    pub bits_per_second: u64,
}

impl LinkModel {
    /// TF Encrypted's published LAN setting: 0.02 ms RTT, 40 Gbit/s.
    pub const LAN: LinkModel = LinkModel { rtt: Duration::from_micros(20), bits_per_second: 40_000_000_000 };
    /// TF Encrypted's published WAN setting: 40 ms RTT, 352 Mbit/s.
    pub const WAN: LinkModel = LinkModel { rtt: Duration::from_millis(40), bits_per_second: 352_000_000 };

    /// How long `bytes` take to leave the sender.
    fn transmission(&self, bytes: usize) -> Duration {
        Duration::from_secs_f64(bytes as f64 * 8.0 / self.bits_per_second.max(1) as f64)
    }
}

/// A frame on its way, and when the link delivers it (`None`: at once).
pub(crate) struct Carried {
    frame: Incoming,
    arrives: Option<Instant>,
}

/// The sending side of one direction of an in-memory link.
pub(crate) struct Outbox {
    to: Sender<Carried>,
    link: Option<LinkModel>,
    /// When the link has sent everything handed to it so far.
    free_at: Cell<Instant>,
}

impl Outbox {
    /// Hands `frame` to the link; fails when the receiver has gone.
    pub(crate) fn send(&self, frame: Incoming) -> Result<(), SendError<Carried>> {
        let arrives = self.link.map(|link| {
            let bytes = HEADER_BYTES
                + match &frame {
                    Incoming::Data(_, words) => words.len() * 8,
                    Incoming::Abort { reason, .. } => reason.len(),
                    Incoming::Progress(_) | Incoming::Closed(_) => 0,
                };
            let sent = self.free_at.get().max(Instant::now()) + link.transmission(bytes);
            self.free_at.set(sent);
            sent + link.rtt / 2
        });
        self.to.send(Carried { frame, arrives })
    }
}

/// The receiving side of one direction of an in-memory link.
pub(crate) struct Inbox(Receiver<Carried>);

impl Inbox {
    /// The next frame, if one has been sent; waits for the link to deliver it.
    pub(crate) fn try_recv(&self) -> Result<Incoming, TryRecvError> {
        self.0.try_recv().map(arrive)
    }

    /// The next frame sent within `timeout`; waits for the link to deliver it.
    pub(crate) fn recv_timeout(&self, timeout: Duration) -> Result<Incoming, RecvTimeoutError> {
        self.0.recv_timeout(timeout).map(arrive)
    }
}

/// Waits until the frame has arrived: sleeps for most of a long wait, and
/// yields through the last stretch, which sleep would overshoot (a LAN
/// round trip is shorter than the scheduler's sleep granularity).
fn arrive(carried: Carried) -> Incoming {
    if let Some(arrives) = carried.arrives {
        const SPIN: Duration = Duration::from_micros(200);
        loop {
            let left = arrives.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if left > SPIN {
                std::thread::sleep(left.saturating_sub(SPIN));
            } else {
                std::thread::yield_now();
            }
        }
    }
    carried.frame
}

/// Endpoints for `names.len()` players, fully connected in memory, each
/// link modeled by `link` (or instant when `None`).
pub fn mesh(names: &[String], recv_timeout: Duration, link: Option<LinkModel>) -> Vec<Endpoint> {
    let n = names.len();
    // links[from][to] carries frames from `from` to `to`.
    let mut outboxes: Vec<Vec<Option<Outbox>>> = (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
    let mut inboxes: Vec<Vec<Option<Inbox>>> = (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
    for from in 0..n {
        for to in 0..n {
            if from != to {
                let (tx, rx) = unbounded();
                outboxes[from][to] = Some(Outbox { to: tx, link, free_at: Cell::new(Instant::now()) });
                inboxes[to][from] = Some(Inbox(rx));
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
                    let to = outboxes[me][other].take()?;
                    let incoming = inboxes[me][other].take()?;
                    Some(Peer::Memory { to, buffers: buffers[other].clone(), incoming })
                })
                .collect();
            Endpoint::new(me, names.to_vec(), peers, recv_timeout, buffers[me].clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::Tag;

    fn tag(step: u32) -> Tag {
        Tag { run: 1, op: 0, step }
    }

    /// A frame arrives no sooner than half a round trip after its last
    /// byte left at the link's bandwidth; frames queue behind each other
    /// on one direction of a link and keep their order.
    #[test]
    fn a_modeled_link_delays_each_frame_by_its_transmission_and_half_a_round_trip() {
        let link = LinkModel { rtt: Duration::from_millis(30), bits_per_second: 8_000_000 };
        let names: Vec<String> = ["a", "b"].iter().map(ToString::to_string).collect();
        let mut endpoints = mesh(&names, Duration::from_secs(10), Some(link));
        let mut b = endpoints.pop().unwrap();
        let mut a = endpoints.pop().unwrap();
        a.begin_run(1).unwrap();
        b.begin_run(1).unwrap();
        let words = vec![7u64; 10_000 - HEADER_BYTES / 8];
        let started = Instant::now();
        a.send(1, tag(0), &words).unwrap();
        a.send(1, tag(1), &[1, 2, 3]).unwrap();
        // The first frame is 80,000 bytes: 80 ms at 8 Mbit/s, then 15 ms.
        assert_eq!(b.recv(0, tag(0)).unwrap(), words);
        let first = started.elapsed();
        assert!(first >= Duration::from_millis(95), "the first frame arrived after {first:?}");
        assert_eq!(b.recv(0, tag(1)).unwrap(), [1, 2, 3]);
        assert!(started.elapsed() >= first, "the second frame overtook the first");
    }
}
