//! Batching: the one thread that runs the served model.
//!
//! Each server's connections hand it that server's part of each request.
//! A request is ready once all three servers have their part (or one
//! refused it); ready requests are run in the order they became ready, as
//! many as fit in `max_batch` samples per run. While a batch runs, new
//! requests queue, and the next run takes all of them (up to the maximum):
//! under load batches grow by themselves, and a lone request runs at once,
//! as fast as a batch of one (a positive `window` makes the batcher wait
//! that long for more requests before it runs, as TensorFlow Serving's
//! `batch_timeout_micros` does).
//!
//! Answers go out in the order requests became ready; a client's requests
//! reach every server in the order it sent them, so each client gets its
//! answers in order. The three servers' parts of a request stay in
//! separate slots, each answered on its own server's connection.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::model::ServedModel;
use super::wire::{Frame, Kind, PayloadWriter};
use crate::error::Error;

/// What identifies a client: the random key its three connections share.
pub type ClientKey = [u8; 16];

/// Where the answers of one connection go (its writer thread).
pub trait Outbox: Send {
    /// Queues a frame that answers one request.
    fn answer(&self, frame: Frame);
}

/// One server's part of a request, or why that server refused it.
pub enum Body {
    /// The client's additive part of the input for this server.
    Part(Vec<u64>),
    /// The request was malformed (the message says how).
    Refused(String),
}

/// What the connections tell the batcher.
pub enum Event {
    /// Server `server`'s connection of client `key` read request `id`.
    Request {
        /// The server (0 to 2) whose connection read it.
        server: usize,
        /// The client.
        key: ClientKey,
        /// The client's request id.
        id: u64,
        /// Samples in the request.
        rows: usize,
        /// The part or the refusal.
        body: Body,
        /// Where this server's answer goes.
        outbox: Box<dyn Outbox>,
    },
    /// Server `server`'s connection of client `key` closed: that client's
    /// requests that still miss this server's part never complete.
    Closed {
        /// The server.
        server: usize,
        /// The client.
        key: ClientKey,
    },
}

/// Counters of the service, readable while it runs.
#[derive(Debug, Default)]
pub struct ServeStats {
    /// Requests answered with a prediction.
    pub predictions: AtomicU64,
    /// Requests answered with an error.
    pub errors: AtomicU64,
    /// Runs of the model.
    pub batches: AtomicU64,
    /// Samples run (without padding).
    pub samples: AtomicU64,
}

type Slot = Option<(Body, Box<dyn Outbox>)>;

/// A request while its parts arrive.
struct Pending {
    id: u64,
    rows: usize,
    slots: [Slot; 3],
}

impl Pending {
    fn complete(&self) -> bool {
        self.slots.iter().all(Option::is_some)
    }

    fn refusal(&self) -> Option<String> {
        self.slots.iter().flatten().find_map(|(body, _)| match body {
            Body::Refused(message) => Some(message.clone()),
            Body::Part(_) => None,
        })
    }

    fn answer_all(self, frame: impl Fn() -> Frame) {
        for (_, outbox) in self.slots.into_iter().flatten() {
            outbox.answer(frame());
        }
    }
}

#[derive(Default)]
struct Queue {
    pending: HashMap<(ClientKey, u64), Pending>,
    ready: VecDeque<Pending>,
}

impl Queue {
    fn apply(&mut self, event: Event, stats: &ServeStats) {
        match event {
            Event::Request { server, key, id, rows, body, outbox } => {
                let entry =
                    self.pending.entry((key, id)).or_insert_with(|| Pending { id, rows, slots: [None, None, None] });
                if entry.slots[server].is_some() {
                    stats.errors.fetch_add(1, Ordering::Relaxed);
                    outbox.answer(Frame::error(id, &format!("request {id} was sent twice to server{server}")));
                    return;
                }
                let body = match body {
                    Body::Part(_) if entry.rows != rows => Body::Refused(format!(
                        "request {id} holds {rows} samples at server{server} but a different count at another server"
                    )),
                    body => body,
                };
                entry.slots[server] = Some((body, outbox));
                if entry.complete()
                    && let Some(done) = self.pending.remove(&(key, id))
                {
                    self.ready.push_back(done);
                }
            }
            Event::Closed { server, key } => {
                self.pending.retain(|(k, _), p| *k != key || p.slots[server].is_some());
            }
        }
    }

    fn ready_rows(&self) -> usize {
        self.ready.iter().map(|p| p.rows).sum()
    }

    /// The ready requests of the next run, in order: as many as fit in
    /// `max_batch` samples (refused ones take none).
    fn take_batch(&mut self, max_batch: usize) -> Vec<Pending> {
        let mut batch = Vec::new();
        let mut rows = 0;
        while let Some(next) = self.ready.front() {
            let need = if next.refusal().is_some() { 0 } else { next.rows };
            if rows + need > max_batch {
                break;
            }
            rows += need;
            batch.extend(self.ready.pop_front());
        }
        batch
    }
}

/// Runs batches until every connection (and the acceptor) has gone.
#[expect(clippy::needless_pass_by_value, reason = "the thread owns its model and channel")]
pub fn run(mut model: ServedModel, events: Receiver<Event>, window: Duration, stats: Arc<ServeStats>) {
    let max_batch = model.info().max_batch;
    let mut queue = Queue::default();
    loop {
        while queue.ready.is_empty() {
            match events.recv() {
                Ok(event) => queue.apply(event, &stats),
                Err(_) => return,
            }
        }
        if !window.is_zero() {
            let deadline = Instant::now() + window;
            while queue.ready_rows() < max_batch {
                match events.recv_deadline(deadline) {
                    Ok(event) => queue.apply(event, &stats),
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                }
            }
        }
        while let Ok(event) = events.try_recv() {
            queue.apply(event, &stats);
        }
        let batch = queue.take_batch(max_batch);
        execute(&mut model, batch, &stats);
    }
}

/// Runs one batch and answers each of its requests, in order.
fn execute(model: &mut ServedModel, batch: Vec<Pending>, stats: &ServeStats) {
    let width = model.info().input_len();
    let lens = model.info().output_lens();
    let mut parts: [Vec<u64>; 3] = Default::default();
    let mut rows = 0;
    for p in batch.iter().filter(|p| p.refusal().is_none()) {
        for (j, slot) in p.slots.iter().enumerate() {
            if let Some((Body::Part(words), _)) = slot {
                parts[j].extend_from_slice(&words[..p.rows * width]);
            }
        }
        rows += p.rows;
    }
    let outcome = if rows > 0 { Some(model.run(rows, parts)) } else { None };
    if rows > 0 {
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats.samples.fetch_add(rows as u64, Ordering::Relaxed);
    }
    let mut offset = 0;
    for p in batch {
        let (id, rows) = (p.id, p.rows);
        if let Some(reason) = p.refusal() {
            stats.errors.fetch_add(1, Ordering::Relaxed);
            p.answer_all(|| Frame::error(id, &reason));
            continue;
        }
        match &outcome {
            Some(Ok(outputs)) => {
                stats.predictions.fetch_add(1, Ordering::Relaxed);
                for (j, (_, outbox)) in p.slots.into_iter().flatten().enumerate() {
                    let mut w = PayloadWriter::default();
                    w.u32(lens.len() as u32);
                    for (output, len) in outputs[j].iter().zip(&lens) {
                        let words = &output[offset * len..(offset + rows) * len];
                        w.u32(words.len() as u32).words(words);
                    }
                    outbox.answer(Frame { kind: Kind::Result, id, payload: w.0 });
                }
            }
            Some(Err(e)) => {
                stats.errors.fetch_add(1, Ordering::Relaxed);
                let message = failure(e);
                p.answer_all(|| Frame::error(id, &message));
            }
            None => {}
        }
        offset += rows;
    }
}

/// What a client is told when its batch failed at the servers: the
/// error's public reason (never a value).
fn failure(e: &Error) -> String {
    format!("the servers failed the batch: {}", e.public_reason())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<Frame>>>);

    impl Outbox for Sink {
        fn answer(&self, frame: Frame) {
            self.0.lock().unwrap().push(frame);
        }
    }

    fn request(server: usize, key: u8, id: u64, rows: usize, sink: &Sink) -> Event {
        Event::Request {
            server,
            key: [key; 16],
            id,
            rows,
            body: Body::Part(vec![0; rows]),
            outbox: Box::new(sink.clone()),
        }
    }

    #[test]
    fn a_request_is_ready_once_every_server_has_its_part_and_batches_keep_the_order() {
        let (stats, sink) = (ServeStats::default(), Sink::default());
        let mut q = Queue::default();
        for id in 1..=3 {
            q.apply(request(0, 1, id, 2, &sink), &stats);
            q.apply(request(1, 1, id, 2, &sink), &stats);
        }
        assert!(q.ready.is_empty());
        for id in 1..=3 {
            q.apply(request(2, 1, id, 2, &sink), &stats);
        }
        let ids: Vec<u64> = q.take_batch(5).iter().map(|p| p.id).collect();
        assert_eq!(ids, [1, 2]);
        assert_eq!(q.ready_rows(), 2);
    }

    #[test]
    fn a_closed_connection_drops_the_requests_that_miss_its_part_and_a_twice_sent_part_is_refused() {
        let (stats, sink) = (ServeStats::default(), Sink::default());
        let mut q = Queue::default();
        q.apply(request(0, 1, 1, 1, &sink), &stats);
        q.apply(request(0, 2, 1, 1, &sink), &stats);
        q.apply(request(0, 2, 1, 1, &sink), &stats);
        assert!(String::from_utf8_lossy(&sink.0.lock().unwrap()[0].payload).contains("sent twice to server0"));
        q.apply(Event::Closed { server: 1, key: [1; 16] }, &stats);
        assert_eq!(q.pending.len(), 1);
        q.apply(Event::Closed { server: 0, key: [2; 16] }, &stats);
        assert_eq!(q.pending.len(), 1, "server 0 had its part of client 2's request");
    }
}
