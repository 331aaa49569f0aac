//! One exchange on an upstream connection: the request written (its body streamed as it
//! arrives, chunked when its length is unknown), then the response head read. While a streamed
//! body is still arriving the response is awaited too, so an upstream that answers before the
//! upload ends is heard at once; a body the proxy holds whole is written in one go first.

use std::future::poll_fn;

use bytes::BytesMut;
use hyper::Method;
use hyper::body::Body as _;
use hyper::header;
use hyper::http::request::Parts;
use tokio::io::{AsyncRead, AsyncWriteExt};

use super::body::Body;
use super::conn::{Conn, fill_from};
use super::framing::Framing;
use super::head::{self, HeadError, ResponseHead};
use super::io::Socket;
use super::write::{WriteError, Writer};

/// What went wrong in an exchange.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Writing the request (a head and a body held whole) failed.
    #[error("sending the request failed")]
    Send(#[source] std::io::Error),
    /// Streaming the request's body failed.
    #[error("sending the request failed")]
    Upload(#[source] WriteError),
    /// The upstream closed the connection before a response head.
    #[error("the upstream closed the connection without answering")]
    Closed,
    /// Reading the response failed.
    #[error("reading the response failed")]
    Receive(#[source] std::io::Error),
    /// The response head is not HTTP/1.x the mesh accepts.
    #[error("bad response")]
    BadResponse(#[source] HeadError),
    /// `101 Switching Protocols`.
    #[error("the upstream switched protocols, which the mesh does not proxy")]
    SwitchedProtocols,
}

/// Why an exchange failed.
#[derive(Debug)]
pub struct ExchangeError {
    /// What went wrong.
    pub failure: Failure,
    /// Nothing of a response arrived and the request can be sent again as it was.
    pub resendable: bool,
}

impl std::fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.failure.fmt(f)
    }
}

impl std::error::Error for ExchangeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.failure.source()
    }
}

impl ExchangeError {
    fn new(failure: Failure, resendable: bool) -> Self {
        Self { failure, resendable }
    }
}

/// Sends the request (`parts` and `body`) on `conn` and reads the response head; the body
/// stays on `conn`. A body the proxy holds whole ([`Body::Full`]) is left in place, so the
/// request can go again on another connection.
///
/// # Errors
/// The connection failed or the upstream answered something that is not HTTP/1.x.
pub async fn exchange(conn: &mut Conn<Socket>, parts: &Parts, body: &mut Body) -> Result<ResponseHead, ExchangeError> {
    let mut digits = itoa::Buffer::new();
    let mut extra: Vec<(&str, &[u8])> = Vec::new();
    let framing = if body.is_end_stream() {
        Framing::Empty
    } else if let Some(n) = body.size_hint().exact() {
        if !parts.headers.contains_key(header::CONTENT_LENGTH) {
            extra.push(("content-length", digits.format(n).as_bytes()));
        }
        Framing::length(n)
    } else {
        extra.push(("transfer-encoding", b"chunked"));
        Framing::Chunked
    };
    let out = &mut conn.out;
    out.clear();
    head::write_request_head(out, parts, &extra);
    let method = &parts.method;
    if body.is_whole() {
        if let Body::Full(Some(data)) = body {
            out.extend_from_slice(data);
        }
        conn.io
            .write_all(out)
            .await
            .map_err(|err| ExchangeError::new(Failure::Send(err), true))?;
        return read_response(&mut conn.io, &mut conn.buf, method, true).await;
    }
    Box::pin(streamed_exchange(conn, method, body, framing)).await
}

/// The exchange of a request whose body is still arriving (boxed by the caller: it is the
/// rarer case, and its future is the larger).
async fn streamed_exchange(
    conn: &mut Conn<Socket>,
    method: &Method,
    body: &mut Body,
    framing: Framing,
) -> Result<ResponseHead, ExchangeError> {
    let (mut reader, writer) = conn.io.split();
    let buf = &mut conn.buf;
    // No stall limit of its own: the exchange's time limit covers the upload.
    let mut writer = Writer::new(writer, None);
    let upload = writer.message(&mut conn.out, body, framing);
    tokio::pin!(upload);
    tokio::select! {
        biased;
        early = read_response(&mut reader, buf, method, false) => {
            // Answered before the upload ended: what is left of it cannot follow.
            let mut head = early?;
            head.keep_alive = false;
            Ok(head)
        }
        uploaded = &mut upload => {
            uploaded.map_err(|err| ExchangeError::new(Failure::Upload(err), false))?;
            read_response(&mut reader, buf, method, false).await
        }
    }
}

/// Reads the final response head (interim 1xx responses are skipped).
async fn read_response<R: AsyncRead + Unpin>(
    reader: &mut R,
    buf: &mut BytesMut,
    method: &Method,
    resendable: bool,
) -> Result<ResponseHead, ExchangeError> {
    let mut answered = false;
    loop {
        match head::parse_response(buf, method) {
            Ok(Some(head)) if head.parts.status == 101 => {
                return Err(ExchangeError::new(Failure::SwitchedProtocols, false));
            }
            Ok(Some(head)) if head.parts.status.is_informational() => answered = true,
            Ok(Some(head)) => return Ok(head),
            Ok(None) => {}
            Err(err) => return Err(ExchangeError::new(Failure::BadResponse(err), false)),
        }
        let read = poll_fn(|cx| fill_from(reader, buf, cx)).await;
        let untouched = resendable && !answered && buf.is_empty();
        match read {
            Ok(0) => return Err(ExchangeError::new(Failure::Closed, untouched)),
            Ok(_) => {}
            Err(err) => return Err(ExchangeError::new(Failure::Receive(err), untouched)),
        }
    }
}
