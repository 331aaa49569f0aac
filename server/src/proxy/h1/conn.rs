//! One side of a connection being read: the socket (or its read half) and the bytes read from it
//! but not used yet.

use std::future::{Future as _, poll_fn};
use std::io;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::time::Sleep;

use super::io::Socket;

/// How much is read at a time.
const READ_SIZE: usize = 8 * 1024;
/// Room below which the buffer grows (or is reclaimed) before a read. Half a read, so a typical
/// message arrives in one read: with 1 KiB, a 1.2 kB response landing in the last kilobyte of
/// room took a second read (and a trip through the event loop) about one time in eight.
const MIN_ROOM: usize = READ_SIZE / 2;

/// A socket being read, with its read buffer.
#[derive(Debug)]
pub struct Conn<R> {
    /// The socket.
    pub io: R,
    /// Read but not used yet.
    pub buf: BytesMut,
    /// Output being put together (kept for the connection's next message).
    pub out: Vec<u8>,
    /// The timer of an upstream exchange, kept for the connection's next one.
    pub timer: Option<Pin<Box<Sleep>>>,
}

impl<R: AsyncRead + Unpin> Conn<R> {
    /// A connection with nothing read yet.
    pub fn new(io: R) -> Self {
        Self {
            io,
            buf: BytesMut::with_capacity(READ_SIZE),
            out: Vec::new(),
            timer: None,
        }
    }

    /// Reads what has arrived into the buffer; `Ok(0)` at the end of input.
    ///
    /// # Errors
    /// The socket failed.
    pub fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        fill_from(&mut self.io, &mut self.buf, cx)
    }

    /// Waits for input and reads it into the buffer; `Ok(0)` at the end of input.
    ///
    /// # Errors
    /// The socket failed.
    pub async fn fill(&mut self) -> io::Result<usize> {
        poll_fn(|cx| self.poll_fill(cx)).await
    }
}

/// Reads what has arrived on `io` into `buf`; `Ok(0)` at the end of input.
///
/// # Errors
/// The socket failed.
pub fn fill_from<R: AsyncRead + Unpin>(
    io: &mut R,
    buf: &mut BytesMut,
    cx: &mut Context<'_>,
) -> Poll<io::Result<usize>> {
    if buf.capacity() - buf.len() < MIN_ROOM {
        buf.reserve(READ_SIZE);
    }
    pin!(io.read_buf(buf)).poll(cx)
}

impl Conn<Socket> {
    /// Whether an idle connection can carry another exchange: nothing is left unread and the
    /// peer has neither sent anything nor closed since.
    pub fn reusable(&mut self) -> bool {
        self.buf.is_empty() && self.io.is_quiet()
    }
}
