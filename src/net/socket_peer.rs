//! A peer over TCP (plain or TLS) that the player's own thread reads and
//! writes, with no reader thread in between.
//!
//! A reader thread costs every message a second wake-up: the socket wakes
//! the reader, the reader wakes the player. In a network of dozens of
//! rounds of small messages those hand-offs were most of the latency. Here
//! the socket is non-blocking; the endpoint waits on all of its sockets at
//! once with `poll` and parses frames incrementally from what arrived.
//!
//! Reads go through a staging buffer (one `read` usually brings a whole
//! small frame); the payload of a large data frame is read straight into
//! its word buffer from the endpoint's pool. Plain writes send the header
//! and the payload in one `sendmsg` with `MSG_NOSIGNAL` (a dead peer is an
//! error, never a SIGPIPE in the host process); TLS writes hand the bytes
//! to rustls and send its records the same way (see [`super::tls`]).

use std::io::{self, IoSlice, Read};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, RawFd};

use socket2::SockRef;

use super::endpoint::Incoming;
use super::frame::{self, HEADER_BYTES, Tag};
use super::pool::BufferPool;
use super::tls::TlsWire;
use crate::error::Error;

/// The byte stream under the frames.
pub(crate) enum Wire {
    Plain(TcpStream),
    /// Boxed: a rustls connection is large, and a peer lives long.
    Tls(Box<TlsWire>),
}

impl Wire {
    pub(crate) fn stream(&self) -> &TcpStream {
        match self {
            Wire::Plain(stream) => stream,
            Wire::Tls(tls) => tls.sock(),
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Wire::Plain(stream) => stream.read(buf),
            Wire::Tls(tls) => tls.read(buf),
        }
    }
}

/// Bytes of the staging buffer: one read takes many small frames.
const STAGE_BYTES: usize = 64 * 1024;
/// After a payload this large, the next header is read alone: the payload
/// behind it is likely large too, and should go straight into its buffer
/// rather than through the stage and a second copy.
const LARGE_PAYLOAD_BYTES: usize = STAGE_BYTES / 4;

/// A payload being read across several reads.
enum Partial {
    Data { tag: Tag, words: Vec<u64>, filled: usize },
    Abort { run: u64, bytes: Vec<u8>, filled: usize },
}

impl Partial {
    /// The payload's bytes and how many of them have arrived.
    fn bytes(&mut self) -> (&mut [u8], &mut usize) {
        match self {
            Partial::Data { words, filled, .. } => (frame::words_as_bytes_mut(words), filled),
            Partial::Abort { bytes, filled, .. } => (bytes, filled),
        }
    }

    fn finish(self, peer: &str) -> Incoming {
        match self {
            Partial::Data { tag, words, .. } => Incoming::Data(tag, words),
            Partial::Abort { run, bytes, .. } => match String::from_utf8(bytes) {
                Ok(reason) => Incoming::Abort { run, reason },
                Err(_) => Incoming::Closed(Error::protocol(peer, "malformed frame: abort reason is not UTF-8")),
            },
        }
    }
}

/// One peer's non-blocking socket and the frame being parsed from it.
pub(crate) struct SocketPeer {
    wire: Wire,
    name: String,
    max_payload: usize,
    buffers: BufferPool,
    stage: Box<[u8]>,
    /// Unparsed bytes are `stage[begin..end]`.
    begin: usize,
    end: usize,
    partial: Option<Partial>,
    /// The last payload was at least [`LARGE_PAYLOAD_BYTES`].
    after_large_payload: bool,
    /// Not read since the endpoint took the connection over: bytes may
    /// already wait inside it (TLS decrypts whole records, so the setup
    /// may have read past the hellos), where poll cannot see them.
    unread: bool,
}

impl SocketPeer {
    pub(crate) fn new(wire: Wire, name: String, max_payload: usize, buffers: BufferPool) -> io::Result<Self> {
        wire.stream().set_nonblocking(true)?;
        let stage = vec![0u8; STAGE_BYTES].into_boxed_slice();
        let (begin, end, partial, after_large_payload, unread) = (0, 0, None, false, true);
        Ok(SocketPeer { wire, name, max_payload, buffers, stage, begin, end, partial, after_large_payload, unread })
    }

    /// True until the first [`SocketPeer::read_ready`]: read it then
    /// without waiting for poll.
    pub(crate) fn unread(&self) -> bool {
        self.unread
    }

    /// Whether a payload is half read: a wait then is for more bytes of a
    /// long transfer, which come at the pace of the sender's CPU, not of a
    /// reply (see [`spin_then_poll`]).
    pub(crate) fn in_long_transfer(&self) -> bool {
        self.partial.is_some()
    }

    pub(crate) fn fd(&self) -> RawFd {
        self.wire.stream().as_raw_fd()
    }

    pub(crate) fn shutdown(&self) {
        let _ = self.wire.stream().shutdown(std::net::Shutdown::Both);
    }

    /// Closes the sending side, then reads and drops what the peer still
    /// sends until it closes too or `deadline` passes.
    ///
    /// Closing a socket that holds unread bytes makes the kernel reset the
    /// connection, and a reset discards what the peer has not read yet:
    /// after an abort, that is the abort frame with its reason. The peer
    /// would then see only a broken connection, blamed on this player.
    pub(crate) fn close_gracefully(&mut self, deadline: std::time::Instant) {
        if self.wire.stream().shutdown(std::net::Shutdown::Write).is_err() {
            return;
        }
        // What still arrives is dropped: the stage serves as the sink.
        loop {
            match self.wire.stream().read(&mut self.stage) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if wait_ready(self.wire.stream(), libc::POLLIN, deadline).is_err() {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    }

    /// Takes what it can of `header` then `payload`, from byte `sent` on;
    /// returns the new count. `WouldBlock` means the socket buffer is full.
    /// Over TLS every byte is taken at once; [`SocketPeer::flush`] then
    /// tells when the records are out.
    pub(crate) fn send_some(&mut self, header: &[u8], payload: &[u8], sent: usize) -> io::Result<usize> {
        let (head, body) =
            if sent < header.len() { (&header[sent..], payload) } else { (&[][..], &payload[sent - header.len()..]) };
        match &mut self.wire {
            Wire::Plain(stream) => {
                let slices = [IoSlice::new(head), IoSlice::new(body)];
                Ok(sent + SockRef::from(&*stream).send_vectored_with_flags(&slices, libc::MSG_NOSIGNAL)?)
            }
            Wire::Tls(tls) => {
                tls.write(head)?;
                tls.write(body)?;
                Ok(header.len() + payload.len())
            }
        }
    }

    /// `WouldBlock` while bytes taken by [`SocketPeer::send_some`] are still
    /// waiting to go out (TLS records); plain sockets hold nothing back.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        match &mut self.wire {
            Wire::Plain(_) => Ok(()),
            Wire::Tls(tls) => tls.flush(),
        }
    }

    /// Reads every frame that has arrived, until the socket has nothing
    /// more for now. A closed or broken connection ends with
    /// [`Incoming::Closed`], after which nothing more is read.
    pub(crate) fn read_ready(&mut self, out: &mut Vec<Incoming>) {
        self.unread = false;
        loop {
            match self.step() {
                Ok(Some(incoming)) => out.push(incoming),
                Ok(None) => {}
                Err(Stop::Drained) => return,
                Err(Stop::Closed(error)) => {
                    out.push(Incoming::Closed(error));
                    return;
                }
            }
        }
    }

    /// Makes progress on the current frame: a finished frame, `None` for
    /// progress without one, or why reading stops.
    fn step(&mut self) -> Result<Option<Incoming>, Stop> {
        let Some(partial) = &mut self.partial else {
            if self.end - self.begin >= HEADER_BYTES {
                return self.start_frame();
            }
            self.refill()?;
            return Ok(None);
        };
        let (bytes, filled) = partial.bytes();
        if *filled < bytes.len() {
            if self.begin < self.end {
                let n = (bytes.len() - *filled).min(self.end - self.begin);
                bytes[*filled..*filled + n].copy_from_slice(&self.stage[self.begin..self.begin + n]);
                *filled += n;
                self.begin += n;
            } else {
                let n = read_some(&mut self.wire, &mut bytes[*filled..], &self.name)?;
                if n == 0 {
                    return Err(closed_inside_frame(&self.name));
                }
                *filled += n;
            }
        }
        if *filled < bytes.len() {
            return Ok(None);
        }
        self.after_large_payload = bytes.len() >= LARGE_PAYLOAD_BYTES;
        Ok(self.partial.take().map(|done| done.finish(&self.name)))
    }

    /// Parses the header at the front of the stage into a partial frame,
    /// or a whole one when it has no payload.
    fn start_frame(&mut self) -> Result<Option<Incoming>, Stop> {
        let head: [u8; HEADER_BYTES] = self.stage[self.begin..self.begin + HEADER_BYTES].try_into().unwrap();
        self.begin += HEADER_BYTES;
        let malformed = |m: String| Stop::Closed(Error::protocol(&self.name, format!("malformed frame: {m}")));
        self.partial = Some(match frame::parse_header(&head, self.max_payload).map_err(malformed)? {
            frame::Header::Data { tag, words } => Partial::Data { tag, words: self.buffers.take(words), filled: 0 },
            frame::Header::Abort { run, bytes } => Partial::Abort { run, bytes: vec![0; bytes], filled: 0 },
            frame::Header::Progress { run } => return Ok(Some(Incoming::Progress(run))),
        });
        Ok(None)
    }

    /// Moves unparsed bytes to the front of the stage and reads more: as
    /// much as fits, or after a large payload only the rest of a header.
    fn refill(&mut self) -> Result<(), Stop> {
        self.stage.copy_within(self.begin..self.end, 0);
        self.end -= self.begin;
        self.begin = 0;
        let limit = if self.after_large_payload { HEADER_BYTES } else { STAGE_BYTES };
        let n = read_some(&mut self.wire, &mut self.stage[self.end..limit], &self.name)?;
        if n == 0 {
            return Err(if self.end == 0 {
                Stop::Closed(Error::network(&self.name, "connection closed by the peer"))
            } else {
                closed_inside_frame(&self.name)
            });
        }
        self.end += n;
        Ok(())
    }
}

fn closed_inside_frame(name: &str) -> Stop {
    Stop::Closed(Error::protocol(name, "malformed frame: connection closed inside a frame"))
}

/// Why [`SocketPeer::step`] stopped reading.
enum Stop {
    /// Nothing more has arrived for now.
    Drained,
    Closed(Error),
}

fn read_some(wire: &mut Wire, buf: &mut [u8], name: &str) -> Result<usize, Stop> {
    loop {
        match wire.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(Stop::Drained),
            Err(e) => return Err(Stop::Closed(Error::network(name, format!("connection lost: {e}")))),
        }
    }
}

/// How long a wait for a reply first polls without blocking, yielding the
/// core between tries, before it sleeps in `poll`. A peer on this host or a
/// LAN often answers within it, and a sleeping thread pays the scheduler's
/// wake-up on every round: on loopback, network A at batch 1 (12 rounds)
/// took 0.71-0.93 ms with every wait asleep and 0.48-0.66 ms with this
/// (BENCHMARKS.md). A wait that lasts longer costs at most this much CPU
/// more. Waits inside a long transfer (sending into a full socket, or
/// receiving a large payload) sleep at once: there the spinning thread would
/// take the core from the sender (a private multiplication of 10^6 values
/// over TCP took about 18 % longer).
const SPIN: std::time::Duration = std::time::Duration::from_micros(100);

/// [`poll`] for at most `timeout`, first without blocking for up to
/// [`SPIN`] (yielding between tries), then asleep for the rest.
pub(crate) fn spin_then_poll(fds: &mut [libc::pollfd], timeout: std::time::Duration) -> io::Result<()> {
    let started = std::time::Instant::now();
    let spin = SPIN.min(timeout);
    loop {
        poll(fds, std::time::Duration::ZERO)?;
        if fds.iter().any(|fd| fd.revents != 0) {
            return Ok(());
        }
        let spent = started.elapsed();
        if spent >= spin {
            return poll(fds, timeout.saturating_sub(spent));
        }
        std::thread::yield_now();
    }
}

/// Waits until one of `fds` is ready for `events` (or the timeout passes)
/// and returns which ones are, with their `revents`.
pub(crate) fn poll(fds: &mut [libc::pollfd], timeout: std::time::Duration) -> io::Result<()> {
    // Round up: a timeout of 0.3 ms must still wait, not spin.
    let ms = timeout.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
    loop {
        // SAFETY: `fds` is a valid, exclusively borrowed array of pollfd of
        // the given length for the duration of the call.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if ready >= 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Waits until the socket is readable or writable (`events`), or fails
/// with `TimedOut` at the deadline.
pub(crate) fn wait_ready(sock: &TcpStream, events: libc::c_short, deadline: std::time::Instant) -> io::Result<()> {
    let mut fd = [libc::pollfd { fd: sock.as_raw_fd(), events, revents: 0 }];
    while fd[0].revents == 0 {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            let what = if events == libc::POLLIN { "sent nothing" } else { "stopped reading" };
            return Err(io::Error::new(io::ErrorKind::TimedOut, format!("the peer {what} within the timeout")));
        }
        poll(&mut fd, left)?;
    }
    Ok(())
}
