//! What the data plane reads and writes: a TCP socket, split into owned halves that need no lock
//! (the path every proxied byte takes), or any other `AsyncRead + AsyncWrite` (an in-memory
//! `tokio::io::duplex` in tests and fuzzing), whose two halves share it behind a lock held only
//! for one poll.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// A byte stream h1 can serve or call over.
pub trait Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Stream for T {}

/// A stream that is not a TCP socket, shared by the halves it is split into.
#[derive(Clone)]
pub struct Shared(Arc<Mutex<Box<dyn Stream>>>);

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Shared")
    }
}

impl Shared {
    fn with<T>(&self, f: impl FnOnce(Pin<&mut dyn Stream>) -> T) -> T {
        // A panic while polling cannot leave the stream half-updated in a way a later poll
        // would misread: the stream's own state is all there is.
        let mut stream = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(Pin::new(&mut **stream))
    }
}

/// A connection, or one of its halves: `T` on TCP (the socket or its half), else a shared stream.
#[derive(Debug)]
pub enum Socket<T = TcpStream> {
    /// A TCP socket or its half.
    Tcp(T),
    /// Any other stream.
    Other(Shared),
}

/// The half a connection is read from.
pub type ReadHalf = Socket<OwnedReadHalf>;
/// The half a connection is written to.
pub type WriteHalf = Socket<OwnedWriteHalf>;

impl From<TcpStream> for Socket {
    fn from(stream: TcpStream) -> Self {
        Self::Tcp(stream)
    }
}

impl Socket {
    /// A connection over any stream (not TCP: a TCP socket goes in with `From`, unshared).
    pub fn other(stream: impl Stream) -> Self {
        Self::Other(Shared(Arc::new(Mutex::new(Box::new(stream)))))
    }

    /// Its read and write halves, to be used apart.
    pub fn into_split(self) -> (ReadHalf, WriteHalf) {
        match self {
            Self::Tcp(stream) => {
                let (read, write) = stream.into_split();
                (Socket::Tcp(read), Socket::Tcp(write))
            }
            Self::Other(shared) => (Socket::Other(shared.clone()), Socket::Other(shared)),
        }
    }

    /// Its two halves, borrowed, to read and write at once.
    pub fn split(
        &mut self,
    ) -> (
        Socket<tokio::net::tcp::ReadHalf<'_>>,
        Socket<tokio::net::tcp::WriteHalf<'_>>,
    ) {
        match self {
            Self::Tcp(stream) => {
                let (read, write) = stream.split();
                (Socket::Tcp(read), Socket::Tcp(write))
            }
            Self::Other(shared) => (Socket::Other(shared.clone()), Socket::Other(shared.clone())),
        }
    }

    /// Whether the peer has neither sent anything nor closed since it was last read. Costs no
    /// system call unless the socket was reported readable.
    pub fn is_quiet(&mut self) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        match self {
            Self::Tcp(stream) => match stream.poll_read_ready(&mut cx) {
                Poll::Pending => true,
                Poll::Ready(Err(_)) => false,
                // Readable can be stale (the last read took exactly what there was): ask.
                Poll::Ready(Ok(())) => {
                    matches!(stream.try_read(&mut [0; 1]), Err(err) if err.kind() == io::ErrorKind::WouldBlock)
                }
            },
            Self::Other(shared) => {
                let mut byte = [0; 1];
                let mut buf = ReadBuf::new(&mut byte);
                shared.with(|stream| stream.poll_read(&mut cx, &mut buf)).is_pending()
            }
        }
    }
}

impl ReadHalf {
    /// Writes `bytes` (an interim response such as `100 Continue`) through the read half, while
    /// the write half is idle: the request body is being read, its response not yet written.
    ///
    /// # Errors
    /// The socket failed.
    pub fn poll_write_interim(&self, cx: &mut Context<'_>, bytes: &[u8]) -> Poll<io::Result<usize>> {
        match self {
            Self::Tcp(read) => {
                let socket: &TcpStream = read.as_ref();
                loop {
                    std::task::ready!(socket.poll_write_ready(cx))?;
                    match socket.try_write(bytes) {
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                        written => return Poll::Ready(written),
                    }
                }
            }
            Self::Other(shared) => shared.with(|stream| stream.poll_write(cx, bytes)),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Socket<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_read(cx, buf),
            Self::Other(shared) => shared.with(|stream| stream.poll_read(cx, buf)),
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Socket<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_write(cx, buf),
            Self::Other(shared) => shared.with(|stream| stream.poll_write(cx, buf)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_flush(cx),
            Self::Other(shared) => shared.with(|stream| stream.poll_flush(cx)),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_shutdown(cx),
            Self::Other(shared) => shared.with(|stream| stream.poll_shutdown(cx)),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            Self::Other(shared) => shared.with(|stream| stream.poll_write_vectored(cx, bufs)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Tcp(io) => io.is_write_vectored(),
            Self::Other(_) => false,
        }
    }
}
