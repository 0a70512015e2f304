//! TLS 1.3 channels between players (rustls), mutually authenticated by
//! pinned certificates: each player presents its own certificate and
//! accepts a peer only if the peer's certificate is the one the hostmap
//! lists for it. Self-signed certificates from `tfe certs` are the usual case.
//!
//! During the mesh setup a [`TlsLink`] reads and writes the hellos with
//! deadlines, waiting for readiness with poll(2) on a non-blocking socket;
//! the endpoint then owns the connection as a `TlsWire`, read and written
//! by the player's own thread without blocking.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

use super::socket_peer::wait_ready;
use crate::error::{Error, Result};

/// This player's certificate and key, and every peer's pinned certificate.
pub struct TlsSettings {
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    peers: HashMap<String, CertificateDer<'static>>,
}

impl std::fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never goes into a log; the certificates are long and public.
        f.debug_struct("TlsSettings").field("peers", &self.peers.keys().collect::<Vec<_>>()).finish_non_exhaustive()
    }
}

impl TlsSettings {
    /// From PEM text: this player's certificate and private key, and the
    /// certificate of every player by name.
    pub fn from_pem(cert_pem: &str, key_pem: &str, peers_pem: &[(String, String)]) -> Result<Self> {
        let cert = parse_cert(cert_pem, "this player's certificate")?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|e| Error::config(format!("the private key is not a PEM private key: {e}")))?;
        let mut peers = HashMap::new();
        for (name, pem) in peers_pem {
            peers.insert(name.clone(), parse_cert(pem, &format!("the certificate of '{name}'"))?);
        }
        Ok(TlsSettings { cert, key, peers })
    }

    fn peer_cert(&self, name: &str) -> Result<CertificateDer<'static>> {
        self.peers.get(name).cloned().ok_or_else(|| Error::config(format!("no certificate for player '{name}'")))
    }
}

fn parse_cert(pem: &str, what: &str) -> Result<CertificateDer<'static>> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| Error::config(format!("{what} is not a PEM certificate: {e}")))
}

/// ring's TLS 1.3 suites, AES-128-GCM first: share data is megabytes per
/// op, AES-128 encrypts it about a third faster than AES-256, and 128-bit
/// security is what the rest of tfe offers.
fn provider() -> Arc<CryptoProvider> {
    use rustls::crypto::ring::cipher_suite::{
        TLS13_AES_128_GCM_SHA256, TLS13_AES_256_GCM_SHA384, TLS13_CHACHA20_POLY1305_SHA256,
    };
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites = vec![TLS13_AES_128_GCM_SHA256, TLS13_AES_256_GCM_SHA384, TLS13_CHACHA20_POLY1305_SHA256];
    Arc::new(provider)
}

/// Accepts exactly the pinned certificates: as a client's verifier of the
/// server, the expected peer's one; as a server's verifier of clients, any
/// player's. Only TLS 1.3 is configured; refusing 1.2 signatures here is
/// belt and braces.
#[derive(Debug)]
struct Pinned {
    accepted: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

type Verified<T> = std::result::Result<T, rustls::Error>;

impl Pinned {
    fn check(&self, end_entity: &CertificateDer<'_>, refusal: &str) -> Verified<()> {
        if self.accepted.iter().any(|c| c.as_ref() == end_entity.as_ref()) {
            Ok(())
        } else {
            Err(rustls::Error::General(refusal.into()))
        }
    }
}

/// The handshake-signature methods, the same in both verifier traits:
/// TLS 1.2 signatures are refused, TLS 1.3 ones checked with the provider's
/// algorithms.
macro_rules! tls13_signatures_only {
    () => {
        fn verify_tls12_signature(
            &self,
            _: &[u8],
            _: &CertificateDer<'_>,
            _: &DigitallySignedStruct,
        ) -> Verified<HandshakeSignatureValid> {
            Err(rustls::Error::General("TLS 1.2 is not accepted".into()))
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Verified<HandshakeSignatureValid> {
            verify_tls13_signature(message, cert, dss, &self.algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.algorithms.supported_schemes()
        }
    };
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Verified<ServerCertVerified> {
        self.check(end_entity, "the peer's certificate is not the one the hostmap lists")?;
        Ok(ServerCertVerified::assertion())
    }
    tls13_signatures_only!();
}

impl ClientCertVerifier for Pinned {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Verified<ClientCertVerified> {
        self.check(end_entity, "the client's certificate is not in the hostmap")?;
        Ok(ClientCertVerified::assertion())
    }
    tls13_signatures_only!();
}

/// One TLS connection during the mesh setup (handshake and hellos), where
/// blocking reads and writes with deadlines are simplest. The endpoint then
/// takes it over as a `TlsWire`.
pub struct TlsLink {
    wire: TlsWire,
    /// How long one read or write of the setup may wait for the peer.
    timeout: Duration,
}

impl TlsLink {
    /// Connects as the client to `peer`, whose certificate must be the pinned one.
    pub fn client(sock: TcpStream, settings: &TlsSettings, peer: &str, timeout: Duration) -> Result<Self> {
        let provider = provider();
        let verifier = Pinned {
            accepted: vec![settings.peer_cert(peer)?],
            algorithms: provider.signature_verification_algorithms,
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| Error::config(format!("TLS: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_auth_cert(vec![settings.cert.clone()], settings.key.clone_key())
            .map_err(|e| Error::config(format!("TLS: this player's certificate or key is unusable: {e}")))?;
        let name = ServerName::try_from("tfe-player").expect("a valid DNS name");
        let conn =
            rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| Error::config(format!("TLS: {e}")))?;
        TlsLink::handshake(rustls::Connection::Client(conn), sock, peer, timeout)
    }

    fn handshake(mut conn: rustls::Connection, sock: TcpStream, peer: &str, timeout: Duration) -> Result<Self> {
        conn.set_buffer_limit(None);
        while conn.is_handshaking() {
            conn.complete_io(&mut SockIo(&sock)).map_err(|e| match e.kind() {
                // The socket's read timeout: the connect deadline.
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                    Error::network(peer, "TLS handshake failed: no answer before the connect timeout")
                }
                _ => Error::protocol(peer, format!("TLS handshake failed: {e}")),
            })?;
        }
        sock.set_nonblocking(true).map_err(|e| Error::network(peer, format!("socket setup: {e}")))?;
        Ok(TlsLink { wire: TlsWire { conn, sock }, timeout })
    }

    /// The connection for its one owner from now on: the endpoint, which
    /// reads and writes it without blocking.
    pub(crate) fn into_wire(self) -> TlsWire {
        self.wire
    }
}

/// A TLS connection owned by the endpoint's thread, on a non-blocking
/// socket: reads return `WouldBlock` when nothing has arrived, writes hand
/// everything to rustls and send what the socket takes.
pub(crate) struct TlsWire {
    conn: rustls::Connection,
    sock: TcpStream,
}

impl TlsWire {
    /// The server side of a new connection, on a non-blocking socket: the
    /// handshake advances with each [`TlsWire::read`], so many connections
    /// can be admitted at once. The client must present the certificate
    /// pinned for one of `accepted` ([`TlsWire::authenticated`] says whose).
    pub(crate) fn server(sock: TcpStream, settings: &TlsSettings, accepted: &[&str]) -> Result<Self> {
        let provider = provider();
        let certs = accepted.iter().map(|name| settings.peer_cert(name)).collect::<Result<Vec<_>>>()?;
        let verifier = Pinned { accepted: certs, algorithms: provider.signature_verification_algorithms };
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| Error::config(format!("TLS: {e}")))?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(vec![settings.cert.clone()], settings.key.clone_key())
            .map_err(|e| Error::config(format!("TLS: this player's certificate or key is unusable: {e}")))?;
        let mut conn =
            rustls::ServerConnection::new(Arc::new(config)).map_err(|e| Error::config(format!("TLS: {e}")))?;
        conn.set_buffer_limit(None);
        sock.set_nonblocking(true).map_err(|e| Error::network("a connecting player", format!("socket setup: {e}")))?;
        Ok(TlsWire { conn: rustls::Connection::Server(conn), sock })
    }

    /// The player among `accepted` whose pinned certificate the peer
    /// presented, once the handshake has finished.
    pub(crate) fn authenticated(&self, settings: &TlsSettings, accepted: &[&str]) -> Option<String> {
        if self.conn.is_handshaking() {
            return None;
        }
        let presented = self.conn.peer_certificates()?.first()?;
        let name = accepted.iter().find(|name| settings.peers.get(**name).is_some_and(|c| c == presented))?;
        Some(name.to_string())
    }

    /// Whether records wait for room in the socket.
    pub(crate) fn wants_write(&self) -> bool {
        self.conn.wants_write()
    }

    /// A link for the rest of the setup, whose reads and writes wait at
    /// most `timeout` for the peer.
    pub(crate) fn into_link(self, timeout: Duration) -> TlsLink {
        TlsLink { wire: self, timeout }
    }

    pub(crate) fn sock(&self) -> &TcpStream {
        &self.sock
    }

    /// Decrypted bytes that have arrived; `WouldBlock` when there are none
    /// (rustls holds no plaintext either), 0 when the peer has closed.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.conn.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            if self.conn.read_tls(&mut SockIo(&self.sock))? == 0 {
                return Ok(0);
            }
            let processed = self.conn.process_new_packets();
            processed.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("TLS: {e}")))?;
            // Alerts or key updates the peer expects; the rest goes out with
            // the next flush.
            self.send_records()?;
        }
    }

    /// Encrypts all of `data` into rustls' buffer (it has no limit) and
    /// sends what the socket takes now; [`TlsWire::flush`] sends the rest.
    pub(crate) fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.conn.writer().write_all(data)?;
        self.send_records()
    }

    /// Sends buffered records; `WouldBlock` while the socket cannot take
    /// all of them.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.send_records()?;
        if self.conn.wants_write() { Err(io::ErrorKind::WouldBlock.into()) } else { Ok(()) }
    }

    /// Sends TLS records until rustls has nothing left, or the socket is full.
    fn send_records(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut SockIo(&self.sock)) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Writes to a socket with `send(MSG_NOSIGNAL)` (what `TcpStream::write`
/// does), never `writev`: rustls writes vectored by default, and `writev` to
/// a peer that has gone raises SIGPIPE, which kills a host process that did
/// not ignore it (most C programs) instead of returning an error.
struct SockIo<'a>(&'a TcpStream);

impl Read for SockIo<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&mut &*self.0).read(buf)
    }
}

impl Write for SockIo<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        (&mut &*self.0).write(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writing plaintext: encrypt into rustls' buffer, then drain it to the
/// socket, waiting while the socket is full.
impl Write for TlsLink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        let deadline = Instant::now() + self.timeout;
        self.wire.write(data)?;
        loop {
            match self.wire.flush() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    wait_ready(&self.wire.sock, libc::POLLOUT, deadline)?;
                }
                done => return done,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reading plaintext: decrypt what has arrived, else wait for the socket.
impl Read for TlsLink {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.wire.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // A peer that goes silent during the setup is an error
                    // within the timeout, never a hang.
                    wait_ready(&self.wire.sock, libc::POLLIN, Instant::now() + self.timeout)?;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_silent_after_the_tls_handshake_is_an_error_within_the_timeout() {
        let names = vec!["a".to_string(), "b".to_string()];
        let mut settings = crate::net::self_signed::ephemeral_set(&names).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let client_settings = settings.remove(0);
        let silent = std::thread::spawn(move || {
            let sock = TcpStream::connect(address).unwrap();
            let link = TlsLink::client(sock, &client_settings, "b", Duration::from_secs(5)).unwrap();
            std::thread::sleep(Duration::from_secs(2)); // never says hello
            drop(link);
        });
        let (sock, _) = listener.accept().unwrap();
        let mut wire = TlsWire::server(sock, &settings[0], &["a"]).unwrap();
        let mut byte = [0u8; 1];
        // The handshake advances with each read, until the client's certificate is in.
        let name = loop {
            match wire.read(&mut byte) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                other => panic!("the handshake should have gone on: {other:?}"),
            }
            if let Some(name) = wire.authenticated(&settings[0], &["a"]) {
                break name;
            }
            wait_ready(wire.sock(), libc::POLLIN, Instant::now() + Duration::from_secs(5)).unwrap();
        };
        let mut link = wire.into_link(Duration::from_millis(300));
        assert_eq!(name, "a");
        let started = Instant::now();
        let err = crate::net::Hello::read(&mut link, "a").unwrap_err();
        assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());
        assert!(err.to_string().contains("sent nothing"), "{err}");
        silent.join().unwrap();
    }
}
