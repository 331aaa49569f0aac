//! Serving one client connection: requests read in turn (keep-alive, pipelining), each handed
//! to the handler in this same task, and its response written back with the framing the client
//! understands. A client that breaks the protocol (a malformed head, a broken chunked body) gets
//! the answer of the `refuse` function it is given, and the connection closes.

use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;

use hyper::body::Body as _;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Version};
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;

use super::body::{Body, Handback, Inbound, Returned};
use super::conn::Conn;
use super::deadline::Deadline;
use super::fields;
use super::framing::{Decoder, Framing, FramingError};
use super::head::{self, HeadError, RequestHead};
use super::io::{ReadHalf, Socket, WriteHalf};
use super::write::{WriteError, Writer};

/// The most of an unread request body read and dropped so the connection can go on.
const DRAIN_LIMIT: u64 = 1024 * 1024;
/// How long dropping an unread request body may take.
const DRAIN_TIME: Duration = Duration::from_secs(2);
/// How long a closing connection reads what the client still sends.
const LINGER: Duration = Duration::from_secs(1);

/// Both ends of an accepted connection.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    /// The caller's end.
    pub remote: SocketAddr,
    /// The address the caller dialled (on the egress it names the service).
    pub local: SocketAddr,
}

/// How a client broke HTTP/1.1.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Its request head cannot be accepted.
    #[error(transparent)]
    Head(#[from] HeadError),
    /// Its request body's framing broke.
    #[error(transparent)]
    Body(#[from] FramingError),
}

impl ClientError {
    /// The status the client gets.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Head(err) => err.status(),
            Self::Body(_) => StatusCode::BAD_REQUEST,
        }
    }
}

/// How a connection is served.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How long the client may stay silent before a request head is complete (after connecting
    /// or after its last response), or stall its request body or reading a response.
    pub idle_timeout: Duration,
    /// The answer to a client that broke the protocol (the connection closes after it).
    pub refuse: fn(&ClientError) -> Response<Body>,
}

/// Serves `socket` until the client closes it, breaks the protocol, stays silent for the idle
/// timeout before a request head is complete, or `stop` turns true.
pub async fn serve_connection<H, F>(
    socket: Socket,
    peer: Peer,
    handler: H,
    settings: Settings,
    mut stop: watch::Receiver<bool>,
) where
    H: Fn(Request<Body>, Peer) -> F,
    F: Future<Output = Response<Body>>,
{
    let Settings { idle_timeout, refuse } = settings;
    let (read, write) = socket.into_split();
    let mut write = Writer::new(write, Some(idle_timeout));
    let mut conn = Some(Conn::new(read));
    let mut linger = false;
    let mut out = Vec::with_capacity(4096);
    // One timer for the connection's life, not one per request: a connection is closed between
    // one and two timeouts after its last request.
    let mut idle = Deadline::idle(idle_timeout);
    while let Some(reader) = conn.as_mut() {
        let head = match read_head(reader, &mut idle, &mut stop).await {
            Ok(Some(head)) => head,
            Ok(None) => break,
            Err(err) => {
                tracing::debug!(remote = %peer.remote, error = %err, "bad request head");
                let response = refuse(&ClientError::Head(err));
                let sent = write_response(&mut write, response, &Method::GET, Version::HTTP_11, false, &mut out);
                let _ = sent.await;
                linger = true;
                break;
            }
        };
        let RequestHead {
            mut parts,
            framing,
            keep_alive,
            expect_continue,
            hop_by_hop,
        } = head;
        // What the client says about its connection stops here, before the proxy adds headers
        // of its own that a `Connection` field could otherwise name.
        if hop_by_hop {
            fields::strip_hop_by_hop(&mut parts.headers);
        }
        // The expectation is met here (for HTTP/1.1 clients only, RFC 9110 §10.1.1), once the
        // body is first read: a call answered without it (a mock, a limit) asks for nothing.
        let ask_for_body = expect_continue && parts.version == Version::HTTP_11;
        if expect_continue {
            parts.headers.remove(header::EXPECT);
        }
        let method = parts.method.clone();
        let version = parts.version;
        let (body, returned) = match (framing, conn.take()) {
            (Framing::Empty, reader) => {
                conn = reader;
                (Body::empty(), None)
            }
            (framing, Some(reader)) => {
                let returned: Returned = Arc::new(Mutex::new(Handback::default()));
                let decoder = Decoder::new(framing);
                let inbound = Inbound::new(reader, decoder, Arc::clone(&returned), ask_for_body, idle_timeout);
                (Body::Inbound(Box::new(inbound)), Some(returned))
            }
            (_, None) => break,
        };
        // The call runs in this task. Should the client close the connection meanwhile (noticed
        // while the request body is not being read, so for requests without one), the call is
        // dropped, which closes its upstream connection too: an aborted call leaves nothing
        // open behind it. Bytes that arrive meanwhile are the next request, read later.
        let mut handled = pin!(handler(Request::from_parts(parts, body), peer));
        let mut response = match conn.as_mut() {
            Some(reader) => {
                let answered = tokio::select! {
                    biased;
                    response = handled.as_mut() => Some(response),
                    read = reader.fill() => {
                        if !matches!(read, Ok(n) if n > 0) {
                            break;
                        }
                        None
                    }
                };
                match answered {
                    Some(response) => response,
                    None => handled.await,
                }
            }
            None => handled.await,
        };
        let mut unread = None;
        let mut cut_short = false;
        if let Some(returned) = returned {
            let Handback { given, broken } =
                std::mem::take(&mut *returned.lock().unwrap_or_else(PoisonError::into_inner));
            match given {
                // The client broke its body's framing: whatever the handler made of the rest,
                // the client hears why, and the connection ends.
                Some(given) if broken.is_some() => {
                    conn = Some(given.conn);
                    cut_short = true;
                }
                Some(given) if given.decoder.is_done() => conn = Some(given.conn),
                // A body left unread is skipped when short; a long one, or one the client may
                // not send at all (it still waits for 100 Continue), costs the connection.
                Some(given) if !given.awaited && given.decoder.remaining().is_some_and(|n| n <= DRAIN_LIMIT) => {
                    unread = Some((given.conn, given.decoder));
                }
                Some(given) => {
                    conn = Some(given.conn);
                    cut_short = true;
                }
                // Still held somewhere: the connection cannot go on.
                None => {}
            }
            if let Some(err) = broken {
                tracing::debug!(remote = %peer.remote, error = %err, "bad request body");
                response = refuse(&ClientError::Body(err));
            }
        }
        let keep_alive = keep_alive && !cut_short && (conn.is_some() || unread.is_some()) && !*stop.borrow();
        match write_response(&mut write, response, &method, version, keep_alive, &mut out).await {
            Ok(true) => {}
            Ok(false) => {
                linger = cut_short;
                break;
            }
            Err(err) => {
                tracing::debug!(remote = %peer.remote, error = %err, "writing the response failed");
                return;
            }
        }
        idle.progressed();
        if let Some((reader, decoder)) = unread {
            conn = drain(reader, decoder).await;
            linger = conn.is_none();
        }
    }
    let _ = write.half.shutdown().await;
    if linger && let Some(reader) = conn.as_mut() {
        linger_on(reader).await;
    }
}

/// Reads and drops what the client still sends for a moment after the proxy closed its side:
/// closing with unread bytes makes the kernel reset the connection, and the client could lose
/// the response it was just sent.
async fn linger_on(conn: &mut Conn<ReadHalf>) {
    let _ = tokio::time::timeout(LINGER, async {
        let mut dropped = 0;
        while dropped < DRAIN_LIMIT {
            conn.buf.clear();
            match conn.fill().await {
                Ok(0) | Err(_) => return,
                Ok(n) => dropped += n as u64,
            }
        }
    })
    .await;
}

/// Waits for a complete request head. `Ok(None)`: the client closed, went silent, or the
/// server is stopping while no request is under way.
async fn read_head(
    conn: &mut Conn<ReadHalf>,
    idle: &mut Deadline,
    stop: &mut watch::Receiver<bool>,
) -> Result<Option<RequestHead>, HeadError> {
    loop {
        if let Some(head) = head::parse_request(&mut conn.buf)? {
            return Ok(Some(head));
        }
        let waiting = conn.buf.is_empty();
        let read = tokio::select! {
            biased;
            read = conn.fill() => read,
            () = poll_fn(|cx| if idle.poll_passed(cx) { Poll::Ready(()) } else { Poll::Pending }) => return Ok(None),
            _ = stop.changed(), if waiting => return Ok(None),
        };
        match read {
            Ok(0) if conn.buf.is_empty() => return Ok(None),
            Ok(0) => {
                return Err(HeadError::Malformed(
                    "connection closed inside a request head".to_owned(),
                ));
            }
            Ok(_) => {}
            Err(_) => return Ok(None),
        }
    }
}

/// Reads and drops the rest of a request body the handler did not read, so the connection can
/// carry the next request; `None` when it is too long or too slow (the connection then closes).
async fn drain(mut conn: Conn<ReadHalf>, mut decoder: Decoder) -> Option<Conn<ReadHalf>> {
    let mut dropped = 0u64;
    let drained = tokio::time::timeout(DRAIN_TIME, async {
        loop {
            while let Some(data) = decoder.decode(&mut conn.buf).ok()? {
                dropped += data.len() as u64;
                if dropped > DRAIN_LIMIT {
                    return None;
                }
            }
            if decoder.is_done() {
                return Some(());
            }
            if conn.fill().await.ok()? == 0 {
                return None;
            }
        }
    })
    .await;
    matches!(drained, Ok(Some(()))).then_some(conn)
}

/// Writes `response` to a `method` request of `version`; `Ok(false)` when the connection must
/// close after it (asked for, or a body delimited by the close).
///
/// # Errors
/// The socket failed, or the body broke off (the client then sees the connection end early).
async fn write_response(
    write: &mut Writer<WriteHalf>,
    response: Response<Body>,
    method: &Method,
    version: Version,
    keep_alive: bool,
    out: &mut Vec<u8>,
) -> Result<bool, WriteError> {
    let (mut parts, mut body) = response.into_parts();
    let status = parts.status;
    let bodiless = method == Method::HEAD
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    parts.headers.remove(header::TRANSFER_ENCODING);
    let mut digits = itoa::Buffer::new();
    let mut extra: Vec<(&str, &[u8])> = Vec::new();
    // The framing is the body's own; a Content-Length the response carries is kept when it is
    // one value that agrees with it (always, for a forwarded response, whose length was checked
    // and folded to one value when read).
    let exact = if bodiless { None } else { body.size_hint().exact() };
    let framing = if bodiless {
        // 1xx and 204 never carry one (RFC 9110 §8.6); HEAD and 304 keep the length a GET would
        // have had, as one value, unless it is not one.
        let length = fields::Length::of(&parts.headers);
        if matches!(length.get(), Ok(Some(_))) && !status.is_informational() && status != StatusCode::NO_CONTENT {
            length.normalise(&mut parts.headers);
        } else {
            parts.headers.remove(header::CONTENT_LENGTH);
        }
        Framing::Empty
    } else if let Some(n) = exact {
        let text = digits.format(n).as_bytes();
        let mut declared = parts.headers.get_all(header::CONTENT_LENGTH).iter();
        let agrees = matches!((declared.next(), declared.next()), (Some(v), None) if v.as_bytes() == text);
        if !agrees {
            parts.headers.remove(header::CONTENT_LENGTH);
            extra.push(("content-length", text));
        }
        Framing::length(n)
    } else {
        parts.headers.remove(header::CONTENT_LENGTH);
        if version == Version::HTTP_11 {
            extra.push(("transfer-encoding", b"chunked"));
            Framing::Chunked
        } else {
            Framing::Close
        }
    };
    let keep_alive = keep_alive && framing != Framing::Close;
    if !keep_alive {
        parts
            .headers
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    } else if version == Version::HTTP_10 {
        parts
            .headers
            .insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
    }
    out.clear();
    head::write_response_head(out, &parts, &extra);
    write.message(out, &mut body, framing).await?;
    Ok(keep_alive)
}
