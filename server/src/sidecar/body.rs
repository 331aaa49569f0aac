//! The body of a proxied message: a peer's stream passed through untouched, or a short body the
//! sidecar wrote itself (errors, mocks, a buffered request replayed on a retry).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};

use super::pool::Lease;

/// A request or response body on either side of the proxy.
#[derive(Debug)]
pub enum Body {
    /// Streamed from a peer. When it is an upstream's response, the lease gives the upstream
    /// connection back to the pool once the stream has ended (and drops it if it broke).
    Stream {
        /// The peer's stream.
        incoming: Incoming,
        /// The upstream connection the stream arrives on.
        lease: Option<Lease>,
    },
    /// Written by the sidecar; `None` once sent (or when empty).
    Full(Option<Bytes>),
}

impl Body {
    /// A body the sidecar wrote.
    pub fn full(data: impl Into<Bytes>) -> Self {
        let data = data.into();
        Self::Full((!data.is_empty()).then_some(data))
    }

    /// No body.
    pub fn empty() -> Self {
        Self::Full(None)
    }

    /// A peer's stream, passed through.
    pub fn stream(incoming: Incoming) -> Self {
        Self::Stream { incoming, lease: None }
    }

    /// Gives the upstream connection back once the stream is over.
    fn settle(incoming: &Incoming, lease: &mut Option<Lease>) {
        if incoming.is_end_stream()
            && let Some(lease) = lease.take()
        {
            lease.release();
        }
    }
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.get_mut() {
            Self::Full(data) => Poll::Ready(data.take().map(|data| Ok(Frame::data(data)))),
            Self::Stream { incoming, lease } => {
                let polled = Pin::new(&mut *incoming).poll_frame(cx);
                match &polled {
                    Poll::Ready(None) => {
                        if let Some(lease) = lease.take() {
                            lease.release();
                        }
                    }
                    // A broken exchange: the connection is not reused.
                    Poll::Ready(Some(Err(_))) => drop(lease.take()),
                    Poll::Ready(Some(Ok(_))) => Self::settle(incoming, lease),
                    Poll::Pending => {}
                }
                polled
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Self::Full(data) => data.is_none(),
            Self::Stream { incoming, .. } => incoming.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(data) => SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64)),
            Self::Stream { incoming, .. } => incoming.size_hint(),
        }
    }
}

impl Drop for Body {
    /// A body dropped after its end (or that never had one, like a 204's) still gives its
    /// connection back; one dropped part-way closes it.
    fn drop(&mut self) {
        if let Self::Stream { incoming, lease } = self {
            Self::settle(incoming, lease);
        }
    }
}
