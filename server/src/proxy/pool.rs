//! Kept-alive HTTP/1.1 connections to upstreams, by address. A connection is leased for one
//! exchange and comes back when the response body has ended; the warmest idle one is reused
//! first. An idle connection is never polled: whether the peer closed it is checked when it is
//! taken and by a periodic sweep, which also expires connections idle for too long. New
//! connections come from a [`Connect`]: TCP, or in-memory streams in tests and fuzzing.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::h1::body::{Lease, Recycle};
use super::h1::conn::Conn;
use super::h1::io::Socket;

/// Opens connections to upstreams.
pub trait Connect: Send + Sync + fmt::Debug + 'static {
    /// A new connection to `addr`.
    fn connect(&self, addr: SocketAddr) -> Pin<Box<dyn Future<Output = std::io::Result<Socket>> + Send + '_>>;
}

/// Connects over TCP, with `TCP_NODELAY` (a request goes out in one write; nothing waits for more).
#[derive(Debug, Clone, Copy, Default)]
pub struct Tcp;

impl Connect for Tcp {
    fn connect(&self, addr: SocketAddr) -> Pin<Box<dyn Future<Output = std::io::Result<Socket>> + Send + '_>> {
        Box::pin(async move {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            Ok(Socket::from(stream))
        })
    }
}

/// Pool limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Idle connections kept per upstream.
    pub max_idle: usize,
    /// How long an idle connection is kept.
    pub idle_timeout: Duration,
    /// How long connecting may take.
    pub connect_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_idle: 64,
            idle_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(2),
        }
    }
}

#[derive(Debug)]
struct Idle {
    conn: Conn<Socket>,
    since: Instant,
}

#[derive(Debug)]
struct Inner {
    idle: Mutex<HashMap<SocketAddr, Vec<Idle>>>,
    limits: Limits,
    connector: Arc<dyn Connect>,
}

impl Inner {
    fn idle(&self) -> MutexGuard<'_, HashMap<SocketAddr, Vec<Idle>>> {
        // A panic elsewhere cannot leave the map inconsistent: every change is one push or pop.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn put(&self, addr: SocketAddr, conn: Conn<Socket>) {
        let mut idle = self.idle();
        let list = idle.entry(addr).or_default();
        if list.len() < self.limits.max_idle {
            list.push(Idle {
                conn,
                since: Instant::now(),
            });
        }
    }

    /// Drops closed and expired connections.
    fn sweep(&self) {
        let now = Instant::now();
        let mut idle = self.idle();
        for list in idle.values_mut() {
            list.retain_mut(|c| now.duration_since(c.since) < self.limits.idle_timeout && c.conn.reusable());
        }
        idle.retain(|_, list| !list.is_empty());
    }
}

impl Recycle for Inner {
    fn recycle(&self, addr: SocketAddr, conn: Conn<Socket>) {
        self.put(addr, conn);
    }
}

/// Why no connection could be had.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Connecting took too long.
    #[error("connecting timed out")]
    Timeout,
    /// The upstream refused or was unreachable.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The connection pool.
#[derive(Debug, Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

impl Pool {
    /// An empty pool connecting over TCP; a background task drops expired connections (so call
    /// it in a runtime).
    pub fn new(limits: Limits) -> Self {
        Self::with_connector(limits, Arc::new(Tcp))
    }

    /// An empty pool whose new connections come from `connector`.
    pub fn with_connector(limits: Limits, connector: Arc<dyn Connect>) -> Self {
        let inner = Arc::new(Inner {
            idle: Mutex::new(HashMap::new()),
            limits,
            connector,
        });
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(limits.idle_timeout / 4);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                match weak.upgrade() {
                    Some(inner) => inner.sweep(),
                    None => return,
                }
            }
        });
        Self { inner }
    }

    /// An idle connection to `addr` that can carry a request, if one is left.
    pub fn take(&self, addr: SocketAddr) -> Option<Conn<Socket>> {
        let mut idle = self.inner.idle();
        let list = idle.get_mut(&addr)?;
        while let Some(mut candidate) = list.pop() {
            if candidate.since.elapsed() < self.inner.limits.idle_timeout && candidate.conn.reusable() {
                return Some(candidate.conn);
            }
        }
        idle.remove(&addr);
        None
    }

    /// A new connection to `addr`.
    ///
    /// # Errors
    /// The upstream is unreachable or too slow to accept.
    pub async fn connect(&self, addr: SocketAddr) -> Result<Conn<Socket>, ConnectError> {
        let socket = tokio::time::timeout(self.inner.limits.connect_timeout, self.inner.connector.connect(addr))
            .await
            .map_err(|_| ConnectError::Timeout)??;
        Ok(Conn::new(socket))
    }

    /// The lease under which a connection to `addr` comes back.
    pub fn lease(&self, addr: SocketAddr) -> Lease {
        Lease::new(addr, Arc::clone(&self.inner) as Arc<dyn Recycle>)
    }

    /// Idle connections kept, over every upstream (for tests and `/config`).
    pub fn idle_count(&self) -> usize {
        self.inner.idle().values().map(Vec::len).sum()
    }
}
