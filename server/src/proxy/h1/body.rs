//! The body of a proxied message: a request body still arriving from the client, a response body
//! still arriving from an upstream, or a short body the proxy wrote itself (errors, mocks, a
//! buffered request replayed on a retry).

use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use tokio::io::AsyncRead;

use super::conn::Conn;
use super::deadline::Deadline;
use super::framing::{Decoder, FramingError};
use super::io::{ReadHalf, Socket};

/// Why a body could not be read to its end.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The socket failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The peer broke the framing.
    #[error(transparent)]
    Framing(#[from] FramingError),
    /// The body did not end in time.
    #[error("the body did not arrive within {0:?}")]
    Timeout(Duration),
}

/// A request or response body on either side of the proxy.
#[derive(Debug)]
pub enum Body {
    /// Written by the proxy; `None` once sent (or when empty).
    Full(Option<Bytes>),
    /// A request body arriving from the client.
    Inbound(Box<Inbound>),
    /// A response body arriving from an upstream.
    Upstream(Box<Upstream>),
}

impl Body {
    /// A body the proxy wrote.
    pub fn full(data: impl Into<Bytes>) -> Self {
        let data = data.into();
        Self::Full((!data.is_empty()).then_some(data))
    }

    /// No body.
    pub fn empty() -> Self {
        Self::Full(None)
    }

    /// Whether the proxy holds the body whole (so it can be sent again), rather than
    /// streaming it.
    pub fn is_whole(&self) -> bool {
        matches!(self, Self::Full(_))
    }
}

/// Where an upstream connection goes after a response body that ended with the connection kept
/// alive (the connection pool, a layer above).
pub trait Recycle: Send + Sync + fmt::Debug {
    /// Takes back `conn`, a connection to `addr` ready for another exchange.
    fn recycle(&self, addr: SocketAddr, conn: Conn<Socket>);
}

/// The right to give a connection back after its exchange.
#[derive(Debug)]
pub struct Lease {
    addr: SocketAddr,
    pool: Arc<dyn Recycle>,
}

impl Lease {
    /// A connection to `addr` goes back to `pool`.
    pub fn new(addr: SocketAddr, pool: Arc<dyn Recycle>) -> Self {
        Self { addr, pool }
    }

    /// Gives the connection back for the next exchange.
    pub fn release(&self, conn: Conn<Socket>) {
        self.pool.recycle(self.addr, conn);
    }
}

/// A client connection's reader, back from a request body that is over or was dropped.
#[derive(Debug)]
pub struct Given {
    /// The reader.
    pub conn: Conn<ReadHalf>,
    /// Where the body stopped.
    pub decoder: Decoder,
    /// The client waits for `100 Continue` that was never sent (the body was never read), so
    /// it may or may not send the body.
    pub awaited: bool,
}

/// What a request body hands back to its connection's server.
#[derive(Debug, Default)]
pub struct Handback {
    /// The reader, once the body is over or dropped (`None` while it is held, or when the body
    /// broke and took the connection with it).
    pub given: Option<Given>,
    /// How the client broke the body's framing, if it did: it gets 400 whatever the handler
    /// answered, and the connection ends.
    pub broken: Option<FramingError>,
}

/// Where a client connection's reader goes back once its request body is over or dropped.
pub type Returned = Arc<Mutex<Handback>>;

/// The interim response a client that sent `Expect: 100-continue` waits for.
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// A request body read from the client's connection as it is forwarded.
#[derive(Debug)]
pub struct Inbound {
    reading: Reading<ReadHalf>,
    returned: Returned,
    /// Bytes of `100 Continue` sent so far, while the client waits for it.
    continued: Option<usize>,
}

impl Inbound {
    /// A body framed by `decoder` on `conn`, which goes back to `returned` afterwards. With
    /// `ask`, the client waits for `100 Continue`, sent when the body is first read. The body
    /// fails when the client stalls for `stall`.
    pub fn new(conn: Conn<ReadHalf>, decoder: Decoder, returned: Returned, ask: bool, stall: Duration) -> Self {
        Self {
            reading: Reading {
                conn: Some(conn),
                decoder,
                deadline: Deadline::idle(stall),
            },
            returned,
            continued: ask.then_some(0),
        }
    }

    fn give_back(&mut self) {
        if let Some(conn) = self.reading.conn.take() {
            self.returned.lock().unwrap_or_else(PoisonError::into_inner).given = Some(Given {
                conn,
                decoder: self.reading.decoder.clone(),
                awaited: self.continued == Some(0),
            });
        }
    }

    /// Sends what is left of `100 Continue` (on the read half's socket: the response is not
    /// being written while the request body is read).
    fn poll_continue(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let (Some(conn), Some(sent)) = (self.reading.conn.as_ref(), self.continued.as_mut()) else {
            return Poll::Ready(Ok(()));
        };
        while *sent < CONTINUE.len() {
            match std::task::ready!(conn.io.poll_write_interim(cx, &CONTINUE[*sent..]))? {
                0 => return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into())),
                n => *sent += n,
            }
        }
        self.continued = None;
        Poll::Ready(Ok(()))
    }

    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BodyError>>> {
        if let Err(err) = std::task::ready!(self.poll_continue(cx)) {
            return Poll::Ready(Some(Err(err.into())));
        }
        let polled = self.reading.poll_data(cx);
        if let Poll::Ready(Some(Err(BodyError::Framing(err)))) = &polled {
            self.returned.lock().unwrap_or_else(PoisonError::into_inner).broken = Some(err.clone());
            self.give_back();
        }
        if self.reading.decoder.is_done() {
            self.give_back();
        }
        polled
    }
}

impl Drop for Inbound {
    fn drop(&mut self) {
        self.give_back();
    }
}

/// A response body read from an upstream connection; the connection goes back to the pool
/// when the body has ended and the upstream keeps it open.
#[derive(Debug)]
pub struct Upstream {
    reading: Reading<Socket>,
    keep_alive: bool,
    lease: Lease,
}

impl Upstream {
    /// A body framed by `decoder` on `conn`.
    pub fn new(conn: Conn<Socket>, decoder: Decoder, keep_alive: bool, lease: Lease, deadline: Deadline) -> Self {
        let mut body = Self {
            reading: Reading {
                conn: Some(conn),
                decoder,
                deadline,
            },
            keep_alive,
            lease,
        };
        body.finish();
        body
    }

    /// Gives the connection back once the body is over (and the upstream keeps it open).
    fn finish(&mut self) {
        if self.reading.decoder.is_done()
            && let Some(conn) = self.reading.conn.take()
            && self.keep_alive
        {
            self.lease.release(conn);
        }
    }

    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BodyError>>> {
        let polled = self.reading.poll_data(cx);
        self.finish();
        polled
    }
}

/// A body being read off a connection, within its deadline. The connection stays in place when
/// the body ends or its framing breaks (its owner decides where it goes) and is dropped when the
/// connection fails.
#[derive(Debug)]
struct Reading<R> {
    conn: Option<Conn<R>>,
    decoder: Decoder,
    deadline: Deadline,
}

impl<R: AsyncRead + Unpin> Reading<R> {
    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BodyError>>> {
        let broken = |reading: &mut Self, err: BodyError| {
            reading.conn = None;
            Poll::Ready(Some(Err(err)))
        };
        loop {
            let Some(conn) = self.conn.as_mut() else {
                return Poll::Ready(None);
            };
            match self.decoder.decode(&mut conn.buf) {
                Ok(Some(data)) => {
                    self.deadline.progressed();
                    return Poll::Ready(Some(Ok(data)));
                }
                Ok(None) if self.decoder.is_done() => return Poll::Ready(None),
                Ok(None) => {}
                // The connection stays, so that a client who broke the framing can be answered
                // (and its connection closed gently); it is never read again.
                Err(err) => return Poll::Ready(Some(Err(err.into()))),
            }
            match conn.poll_fill(cx) {
                Poll::Ready(Ok(0)) => {
                    if let Err(err) = self.decoder.end_of_input() {
                        return broken(self, err.into());
                    }
                }
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(err)) => return broken(self, err.into()),
                Poll::Pending if self.deadline.poll_passed(cx) => {
                    let limit = self.deadline.limit();
                    return broken(self, BodyError::Timeout(limit));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let polled = match self.get_mut() {
            Self::Full(data) => return Poll::Ready(data.take().map(|data| Ok(Frame::data(data)))),
            Self::Inbound(inbound) => inbound.poll_data(cx),
            Self::Upstream(upstream) => upstream.poll_data(cx),
        };
        polled.map(|data| data.map(|data| data.map(Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Self::Full(data) => data.is_none(),
            Self::Inbound(inbound) => inbound.reading.decoder.is_done(),
            Self::Upstream(upstream) => upstream.reading.decoder.is_done(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        let exact = match self {
            Self::Full(data) => Some(data.as_ref().map_or(0, |d| d.len() as u64)),
            Self::Inbound(inbound) => inbound.reading.decoder.remaining(),
            Self::Upstream(upstream) => upstream.reading.decoder.remaining(),
        };
        exact.map_or_else(SizeHint::default, SizeHint::with_exact)
    }
}
