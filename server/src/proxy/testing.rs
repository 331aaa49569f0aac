//! An in-memory harness for the data plane, for tests and fuzzing (feature `test-util`): one
//! client connection served by h1 over `tokio::io::duplex` and forwarded to in-memory upstreams
//! that answer with given bytes. What the client got back and what reached the upstreams are
//! the result: no socket, no port. Run it on a paused clock (`start_paused`): the client never
//! closes its side, so a connection ends when the proxy closes it, at the latest after its
//! idle timeout, which a paused clock passes at once.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::forward::Forwarder;
use super::h1::framing::Decoder;
use super::h1::head::parse_request;
use super::h1::io::Socket;
use super::h1::server::{Peer, Settings, serve_connection};
use super::pool::Connect;
use super::respond::{self, Refusal};

/// How much an in-memory pipe holds before a writer waits.
const PIPE: usize = 64 * 1024;
/// Where requests go (nothing listens there: connections come from [`Scripted`]).
pub const UPSTREAM: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 1);

/// Upstreams in memory: every connection is answered with the same bytes once a whole request
/// has arrived (or bytes that are no request, or the end of the connection); the upstream then
/// closes its side and records all it was sent.
#[derive(Debug, Clone, Default)]
pub struct Scripted {
    response: Arc<[u8]>,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Scripted {
    /// Upstreams answering `response`.
    pub fn new(response: &[u8]) -> Self {
        Self {
            response: response.into(),
            received: Arc::default(),
        }
    }

    /// What each connection the proxy opened carried, in the order they were opened.
    pub fn received(&self) -> Vec<Vec<u8>> {
        self.received.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Connect for Scripted {
    fn connect(&self, _addr: SocketAddr) -> Pin<Box<dyn Future<Output = std::io::Result<Socket>> + Send + '_>> {
        let (proxy_side, mut upstream) = tokio::io::duplex(PIPE);
        let response = Arc::clone(&self.response);
        let received = Arc::clone(&self.received);
        let slot = {
            let mut all = received.lock().unwrap_or_else(PoisonError::into_inner);
            all.push(Vec::new());
            all.len() - 1
        };
        tokio::spawn(async move {
            let mut buf = vec![0; PIPE];
            let mut answered = false;
            let mut request = Vec::new();
            loop {
                let n = upstream.read(&mut buf).await.unwrap_or(0);
                received.lock().unwrap_or_else(PoisonError::into_inner)[slot].extend_from_slice(&buf[..n]);
                request.extend_from_slice(&buf[..n]);
                if !answered && (n == 0 || !awaits_more(&request)) {
                    answered = true;
                    let _ = upstream.write_all(&response).await;
                    let _ = upstream.shutdown().await;
                }
                if n == 0 {
                    return;
                }
            }
        });
        Box::pin(async move { Ok(Socket::other(proxy_side)) })
    }
}

/// Whether `wire` is the start of a request still arriving (so an upstream waits before it
/// answers, which keeps what it is sent the same however the client's bytes were split).
fn awaits_more(wire: &[u8]) -> bool {
    let mut buf = BytesMut::from(wire);
    let Ok(Some(head)) = parse_request(&mut buf) else {
        return matches!(parse_request(&mut BytesMut::from(wire)), Ok(None));
    };
    let mut decoder = Decoder::new(head.framing);
    loop {
        match decoder.decode(&mut buf) {
            Ok(Some(_)) => {}
            Ok(None) => return !decoder.is_done(),
            Err(_) => return false,
        }
    }
}

/// What one client connection came to.
#[derive(Debug, Clone)]
pub struct Exchanged {
    /// Every byte the client got, up to the end of the connection.
    pub to_client: Vec<u8>,
    /// What each upstream connection carried.
    pub to_upstreams: Vec<Vec<u8>>,
}

/// Sends `pieces` from a client, one write each; the proxy forwards every request to upstreams
/// answering `response`. Returns once the proxy has closed the connection. (A client closing its
/// side would abort the requests still in flight, as it does with nginx.)
pub async fn exchange(pieces: &[&[u8]], response: &[u8]) -> Exchanged {
    let upstreams = Scripted::new(response);
    let forwarder = Forwarder::with_connector(Duration::from_secs(5), Arc::new(upstreams.clone()));
    let (client, server) = tokio::io::duplex(PIPE);
    let peer = Peer {
        remote: SocketAddr::from(([127, 0, 0, 1], 40000)),
        local: SocketAddr::from(([127, 0, 0, 1], 15001)),
    };
    let settings = Settings {
        idle_timeout: Duration::from_secs(5),
        refuse: respond::client_error,
    };
    // Held to the end: a dropped sender reads as a stop.
    let (_stopping, stop) = tokio::sync::watch::channel(false);
    let served = serve_connection(
        Socket::other(server),
        peer,
        move |request, _| {
            let forwarder = forwarder.clone();
            async move {
                match forwarder.forward(request, UPSTREAM, None).await {
                    Ok(response) => response,
                    Err(err) => Refusal::from(err).respond(),
                }
            }
        },
        settings,
        stop,
    );
    let (mut reader, mut writer) = tokio::io::split(client);
    let send = async {
        for piece in pieces {
            if writer.write_all(piece).await.is_err() {
                break;
            }
            tokio::task::yield_now().await;
        }
        writer
    };
    let mut to_client = Vec::new();
    let receive = reader.read_to_end(&mut to_client);
    let ((), _writer, _) = tokio::join!(served, send, receive);
    Exchanged {
        to_client,
        to_upstreams: upstreams.received(),
    }
}
