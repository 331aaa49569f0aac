//! Writing a message out: a head already put in the output, then the body in its framing, both
//! to clients (responses) and to upstreams (requests). The pieces that are ready go out in one
//! write, a large piece goes through as it is, and nothing goes past a declared length.

use std::future::{Future as _, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Body as _;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::body::{Body, BodyError};
use super::deadline::Deadline;
use super::framing::{Framing, LAST_CHUNK, chunk_head, encode_chunk};

/// Output gathered before it is written.
const WRITE_AT: usize = 64 * 1024;
/// Pieces at least this large are written as they are instead of copied.
const WRITE_DIRECT: usize = 16 * 1024;

/// Why a message could not be written whole.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The socket failed or the peer read nothing for too long.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The body broke off.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// The body's length was not the one declared.
    #[error("the body had {sent} bytes where Content-Length said {declared}")]
    Length {
        /// The declared length.
        declared: u64,
        /// What the body had (so far, when too long).
        sent: u64,
    },
}

/// One side of a connection, written with an optional limit on how long writing may stall.
#[derive(Debug)]
pub struct Writer<W> {
    /// The socket's write side.
    pub half: W,
    /// One lazy timer for the writer's life: a write that does not wait reads no clock.
    stall: Option<Deadline>,
}

impl<W: AsyncWrite + Unpin> Writer<W> {
    /// A writer whose writes fail once nothing was written for `stall` (between one and two
    /// `stall`s after the last completed write): a peer that stops reading would otherwise
    /// hold the call for ever.
    pub fn new(half: W, stall: Option<Duration>) -> Self {
        Self {
            half,
            stall: stall.map(Deadline::idle),
        }
    }

    /// Writes all of `bytes`.
    ///
    /// # Errors
    /// The socket failed, or writing stalled past the limit.
    pub async fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let Self { half, stall } = self;
        let Some(deadline) = stall else {
            return half.write_all(bytes).await;
        };
        let mut write = pin!(half.write_all(bytes));
        poll_fn(|cx| match write.as_mut().poll(cx) {
            Poll::Ready(written) => {
                deadline.progressed();
                Poll::Ready(written)
            }
            Poll::Pending if deadline.poll_passed(cx) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the peer read nothing for {:?}", deadline.limit()),
            ))),
            Poll::Pending => Poll::Pending,
        })
        .await
    }

    /// Writes what `out` holds (a head), then `body` in `framing`. A body shorter than its
    /// declared length is written as far as it goes and is then an error (the connection must
    /// end); a longer one is an error before its excess is written.
    ///
    /// # Errors
    /// The socket failed, the body broke off, or its length was not the declared one.
    pub async fn message(&mut self, out: &mut Vec<u8>, body: &mut Body, framing: Framing) -> Result<(), WriteError> {
        if framing == Framing::Empty {
            return Ok(self.send(out).await?);
        }
        let mut sent = 0u64;
        loop {
            let ended = self.gather(body, out, framing, &mut sent).await?;
            if let Framing::Length(n) = framing
                && ended
                && sent < n
            {
                self.send(out).await?;
                return Err(WriteError::Length { declared: n, sent });
            }
            if ended {
                if framing == Framing::Chunked {
                    out.extend_from_slice(LAST_CHUNK);
                }
                self.send(out).await?;
                out.clear();
                return Ok(());
            }
            if !out.is_empty() {
                self.send(out).await?;
                out.clear();
            }
        }
    }

    /// Waits for the next piece of `body`, then takes every piece ready without waiting into
    /// `out` (a large one is written through instead of copied); `true` when the body has ended.
    async fn gather(
        &mut self,
        body: &mut Body,
        out: &mut Vec<u8>,
        framing: Framing,
        sent: &mut u64,
    ) -> Result<bool, WriteError> {
        let (ended, large) = poll_fn(|cx| {
            let mut added = false;
            loop {
                match Pin::new(&mut *body).poll_frame(cx) {
                    Poll::Ready(Some(Ok(frame))) => {
                        let Ok(data) = frame.into_data() else { continue };
                        *sent += data.len() as u64;
                        if let Framing::Length(n) = framing
                            && *sent > n
                        {
                            return Poll::Ready(Err(WriteError::Length {
                                declared: n,
                                sent: *sent,
                            }));
                        }
                        if data.len() >= WRITE_DIRECT {
                            return Poll::Ready(Ok((false, Some(data))));
                        }
                        put(out, &data, framing);
                        added = true;
                        if out.len() >= WRITE_AT {
                            return Poll::Ready(Ok((false, None)));
                        }
                    }
                    Poll::Ready(Some(Err(err))) => return Poll::Ready(Err(err.into())),
                    Poll::Ready(None) => return Poll::Ready(Ok((true, None))),
                    Poll::Pending if added => return Poll::Ready(Ok((false, None))),
                    Poll::Pending => return Poll::Pending,
                }
            }
        })
        .await?;
        if let Some(data) = large {
            self.write_through(out, data, framing).await?;
        }
        Ok(ended)
    }

    /// Writes what `out` holds and then a large piece as it is.
    async fn write_through(&mut self, out: &mut Vec<u8>, data: Bytes, framing: Framing) -> std::io::Result<()> {
        if framing == Framing::Chunked {
            chunk_head(out, data.len());
        }
        self.send(out).await?;
        out.clear();
        self.send(&data).await?;
        if framing == Framing::Chunked {
            out.extend_from_slice(b"\r\n");
        }
        Ok(())
    }
}

/// Adds a piece of body to `out` in `framing`.
fn put(out: &mut Vec<u8>, data: &[u8], framing: Framing) {
    if framing == Framing::Chunked {
        encode_chunk(out, data);
    } else {
        out.extend_from_slice(data);
    }
}
