//! The client of a service: it splits its input into three additive parts,
//! one per server, and adds the servers' parts of the output; no server
//! receives more than its own part of either.
//!
//! In the ring `Z_2^64`, parts 0 and 1 are uniformly random words (the
//! ChaCha8 keystream of a seed drawn from the OS for each connection, one
//! stream per request and part) and part 2 is the encoded input minus both,
//! so each part on its own is uniformly random and says nothing of the
//! input.

use std::io::{BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::model::ModelInfo;
use super::wire::{Frame, Kind, Payload, PayloadWriter, VERSION, read_frame};
use crate::error::{Error, Result};
use crate::fixed::FixedConfig;
use crate::prng::{self, Seed, StreamId};

/// Settings of a client.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// How long to wait to connect, and for each answer.
    pub timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions { timeout: Duration::from_secs(30) }
    }
}

/// One connection, to one server.
struct Conn {
    name: String,
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

/// A client of a service ([`super::Server`]), with one long-lived
/// connection to each of the three servers. Requests are answered in the
/// order they are sent. After a network error the client must
/// [`reconnect`](Client::reconnect) before its next request.
pub struct Client {
    addr: String,
    options: ClientOptions,
    conns: Vec<Conn>,
    info: ModelInfo,
    next_id: u64,
    /// Set when a connection failed mid-request: its stream is out of step.
    broken: bool,
    /// The largest answer frame this client reads.
    max_answer: usize,
    /// The parts' randomness; new at each (re)connection, as request ids
    /// start again at 1.
    seed: Seed,
}

impl Client {
    /// Connects to the service at `addr` (`host:port`), which answers for
    /// all three servers (local mode).
    pub fn connect(addr: &str) -> Result<Client> {
        Client::connect_with(addr, ClientOptions::default())
    }

    /// [`Client::connect`] with settings.
    pub fn connect_with(addr: &str, options: ClientOptions) -> Result<Client> {
        let (conns, info) = open(addr, &options)?;
        let max_answer = 64 + info.output_lens().iter().map(|len| 4 + 8 * info.max_batch * len).sum::<usize>();
        Ok(Client {
            addr: addr.to_string(),
            options,
            conns,
            info,
            next_id: 1,
            broken: false,
            max_answer: max_answer.max(1 << 16),
            seed: Seed::from_os_entropy()?,
        })
    }

    /// Closes the connections and opens new ones (after a network error,
    /// or a restart of the service); requests continue from there.
    pub fn reconnect(&mut self) -> Result<()> {
        self.conns.clear();
        let (conns, info) = open(&self.addr, &self.options)?;
        self.conns = conns;
        self.info = info;
        self.next_id = 1;
        self.seed = Seed::from_os_entropy()?;
        self.broken = false;
        Ok(())
    }

    /// The model's shapes (per sample), largest batch and encoding.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The (first) output for a batch of 1 to `max_batch` samples
    /// (row-major, batch first).
    pub fn predict(&mut self, x: &[f64]) -> Result<Vec<f64>> {
        Ok(self.predict_outputs(x)?.swap_remove(0))
    }

    /// Every output of the model for one batch, in the model's order.
    /// A request the servers refuse (a wrong number of values, say) is an
    /// error that says why, and the client stays usable; an input value
    /// outside the fixed-point range is refused here and never sent.
    pub fn predict_outputs(&mut self, x: &[f64]) -> Result<Vec<Vec<f64>>> {
        if self.broken {
            return Err(Error::invalid("a connection failed during an earlier request: reconnect first"));
        }
        let fixed = self.info.fixed;
        let words = x
            .iter()
            .enumerate()
            .map(|(i, &v)| fixed.encode_value(v).map_err(|e| Error::invalid_input("x", format!("element {i}: {e}"))))
            .collect::<Result<Vec<u64>>>()?;
        let rows = x.len().div_ceil(self.info.input_len().max(1));
        let id = self.next_id;
        let parts = split(&words, &self.seed, id);
        self.next_id += 1;
        self.broken = true;
        for (conn, part) in self.conns.iter_mut().zip(&parts) {
            let mut w = PayloadWriter::default();
            w.u32(rows as u32).words(part);
            let frame = Frame { kind: Kind::Predict, id, payload: w.0 };
            conn.stream.write_all(&frame.encode()).map_err(|e| super::wire::io_error(&conn.name, &e))?;
        }
        let mut answers = Vec::with_capacity(3);
        for conn in &mut self.conns {
            let frame = read_frame(&mut conn.reader, self.max_answer, &conn.name)?
                .ok_or_else(|| Error::network(&conn.name, "the service closed the connection"))?;
            if frame.id != id && frame.kind != Kind::Error {
                return Err(Error::protocol(&conn.name, format!("an answer to request {}, expected {id}", frame.id)));
            }
            answers.push(frame);
        }
        self.broken = false;
        if let Some((conn, frame)) = self.conns.iter().zip(&answers).find(|(_, f)| f.kind == Kind::Error) {
            if frame.id != id {
                self.broken = true;
            }
            return Err(Error::invalid(format!(
                "{} refused request {id}: {}",
                conn.name,
                String::from_utf8_lossy(&frame.payload)
            )));
        }
        self.combine(&answers, rows.max(1), id)
    }

    /// Adds the three servers' parts of each output and decodes them.
    fn combine(&self, answers: &[Frame], rows: usize, id: u64) -> Result<Vec<Vec<f64>>> {
        let lens = self.info.output_lens();
        let mut sums: Vec<Vec<u64>> = lens.iter().map(|len| vec![0u64; rows * len]).collect();
        for (conn, frame) in self.conns.iter().zip(answers) {
            if frame.kind != Kind::Result {
                return Err(Error::protocol(&conn.name, format!("a {:?} frame, expected a Result", frame.kind)));
            }
            let mut p = Payload::new(&frame.payload, &conn.name);
            let count = p.u32("the number of outputs")? as usize;
            if count != lens.len() {
                return Err(Error::protocol(&conn.name, format!("{count} outputs, expected {}", lens.len())));
            }
            for sum in &mut sums {
                let n = p.u32("an output's length")? as usize;
                if n != sum.len() {
                    return Err(Error::protocol(
                        &conn.name,
                        format!("an output of {n} values, expected {}", sum.len()),
                    ));
                }
                for (s, w) in sum.iter_mut().zip(p.words(n, "an output")?) {
                    *s = s.wrapping_add(w);
                }
            }
        }
        let bound = self.info.fixed.bound();
        sums.iter()
            .enumerate()
            .map(|(k, sum)| {
                let values: Vec<f64> = sum.iter().map(|&w| self.info.fixed.decode_value(w)).collect();
                let bad = values.iter().filter(|v| v.abs() > bound).count();
                if bad > 0 {
                    return Err(Error::OutOfRange(format!(
                        "request {id}, output {k}: {bad} of {} values are outside the fixed-point range \
                         [-{bound}, {bound}]: the computation overflowed",
                        values.len()
                    )));
                }
                Ok(values)
            })
            .collect()
    }
}

/// Three additive parts of `words` for request `id`: two uniformly random
/// (streams of `seed` no other request uses), the third the rest.
fn split(words: &[u64], seed: &Seed, id: u64) -> [Vec<u64>; 3] {
    let random = |purpose: u32| prng::draw(seed, StreamId { run: id, op: 0, purpose }, words.len());
    let (a, b) = (random(0), random(1));
    let c = words.iter().zip(&a).zip(&b).map(|((x, a), b)| x.wrapping_sub(*a).wrapping_sub(*b)).collect();
    [a, b, c]
}

/// Opens the three connections and reads the model's description.
fn open(addr: &str, options: &ClientOptions) -> Result<(Vec<Conn>, ModelInfo)> {
    let target = addr
        .to_socket_addrs()
        .map_err(|e| Error::config(format!("cannot resolve {addr}: {e}")))?
        .next()
        .ok_or_else(|| Error::config(format!("{addr} resolves to no address")))?;
    let mut key = [0u8; 16];
    getrandom::fill(&mut key).map_err(|e| Error::internal(format!("OS entropy failed: {e}")))?;
    let mut conns = Vec::with_capacity(3);
    let mut info = None;
    for server in 0..3u8 {
        let name = format!("server{server}");
        let stream = TcpStream::connect_timeout(&target, options.timeout).map_err(|e| Error::network(&name, e))?;
        stream.set_nodelay(true).map_err(|e| Error::network(&name, e))?;
        stream.set_read_timeout(Some(options.timeout)).map_err(|e| Error::network(&name, e))?;
        stream.set_write_timeout(Some(options.timeout)).map_err(|e| Error::network(&name, e))?;
        let mut hello = PayloadWriter::default();
        hello.u16(VERSION).bytes(&[server]).bytes(&key);
        (&stream)
            .write_all(&Frame { kind: Kind::Hello, id: 0, payload: hello.0 }.encode())
            .map_err(|e| Error::network(&name, e))?;
        let mut reader = BufReader::new(stream.try_clone().map_err(|e| Error::network(&name, e))?);
        let frame = read_frame(&mut reader, 1 << 16, &name)?
            .ok_or_else(|| Error::network(&name, "the service closed the connection before its welcome"))?;
        let welcome = parse_welcome(&frame, &name)?;
        if info.as_ref().is_some_and(|i| *i != welcome) {
            return Err(Error::protocol(&name, "describes another model than server0"));
        }
        info = Some(welcome);
        conns.push(Conn { name, stream, reader });
    }
    Ok((conns, info.expect("three servers")))
}

fn parse_welcome(frame: &Frame, peer: &str) -> Result<ModelInfo> {
    if frame.kind == Kind::Error {
        return Err(Error::protocol(
            peer,
            format!("refused the connection: {}", String::from_utf8_lossy(&frame.payload)),
        ));
    }
    let mut p = Payload::opening(frame, Kind::Welcome, peer)?;
    let max_batch = p.u32("the largest batch")? as usize;
    let fixed = FixedConfig::new(p.u32("the fractional bits")?, p.u32("the integer bits")?)
        .map_err(|e| Error::protocol(peer, e))?;
    let input_shape = p.shape("the input shape")?;
    let count = p.u32("the number of outputs")? as usize;
    if count == 0 || count > 64 {
        return Err(Error::protocol(peer, format!("{count} outputs, expected 1 to 64")));
    }
    let output_shapes = (0..count).map(|_| p.shape("an output shape")).collect::<Result<Vec<_>>>()?;
    let sizes = std::iter::once(&input_shape).chain(&output_shapes);
    for shape in sizes {
        let n = shape.iter().try_fold(max_batch.max(1), |n, &d| n.checked_mul(d));
        if n.is_none_or(|n| n > 1 << 28) {
            return Err(Error::protocol(peer, "describes a model larger than 2^28 values per batch"));
        }
    }
    Ok(ModelInfo { input_shape, output_shapes, max_batch, fixed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_add_up_to_the_input_and_differ_between_requests() {
        let seed = Seed::insecure_deterministic_for_tests(1);
        let words = [5u64, u64::MAX, 0];
        let [a, b, c] = split(&words, &seed, 1);
        for i in 0..3 {
            assert_eq!(a[i].wrapping_add(b[i]).wrapping_add(c[i]), words[i]);
        }
        let [a2, b2, _] = split(&words, &seed, 2);
        assert!(a != a2 && b != b2 && a != b);
    }
}
