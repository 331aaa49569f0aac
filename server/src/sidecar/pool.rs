//! Kept-alive HTTP/1.1 connections to upstreams, by address. A connection is leased for one
//! exchange and comes back when the response body has ended; the warmest idle one is reused first.
//! Connections the peer closed are dropped when met; idle ones expire after a while.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use hyper::client::conn::http1::{Builder, SendRequest};
use hyper_util::rt::TokioIo;

use super::body::Body;

/// How long a kept-alive connection may take to become ready again before it is given up.
const READY_GRACE: Duration = Duration::from_millis(5);

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

struct Idle {
    sender: SendRequest<Body>,
    since: Instant,
}

struct Inner {
    idle: Mutex<HashMap<SocketAddr, Vec<Idle>>>,
    limits: Limits,
}

impl Inner {
    fn idle(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, Vec<Idle>>> {
        // A panic elsewhere cannot leave the map inconsistent: every change is one push or pop.
        self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn put(&self, addr: SocketAddr, sender: SendRequest<Body>) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle();
        let list = idle.entry(addr).or_default();
        if list.len() < self.limits.max_idle {
            list.push(Idle {
                sender,
                since: Instant::now(),
            });
        }
    }

    /// Drops closed and expired connections.
    fn sweep(&self) {
        let now = Instant::now();
        let mut idle = self.idle();
        for list in idle.values_mut() {
            list.retain(|c| !c.sender.is_closed() && now.duration_since(c.since) < self.limits.idle_timeout);
        }
        idle.retain(|_, list| !list.is_empty());
    }
}

/// A connection out of the pool for one exchange.
pub struct Lease {
    sender: SendRequest<Body>,
    addr: SocketAddr,
    pool: Arc<Inner>,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Lease {
    /// Gives the connection back for the next exchange.
    pub fn release(self) {
        self.pool.put(self.addr, self.sender);
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
    /// The HTTP handshake failed.
    #[error(transparent)]
    Http(#[from] hyper::Error),
}

/// The connection pool.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

impl Pool {
    /// An empty pool; a background task drops expired connections (so call it in a runtime).
    pub fn new(limits: Limits) -> Self {
        let inner = Arc::new(Inner {
            idle: Mutex::new(HashMap::new()),
            limits,
        });
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(limits.idle_timeout / 2);
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

    /// An idle connection to `addr` ready for a request, if one is left.
    pub async fn take(&self, addr: SocketAddr) -> Option<SendRequest<Body>> {
        loop {
            let mut sender = {
                let mut idle = self.inner.idle();
                let list = idle.get_mut(&addr)?;
                let Some(candidate) = list.pop() else {
                    idle.remove(&addr);
                    return None;
                };
                if candidate.sender.is_closed() || candidate.since.elapsed() >= self.inner.limits.idle_timeout {
                    continue;
                }
                candidate.sender
            };
            // Ready at once, or after its connection task's next turn when its last response has
            // only just ended. One still busy (its upload unfinished after an early answer) is
            // dropped rather than waited for: a new connection is faster than an unknown wait.
            if let Ok(Ok(())) = tokio::time::timeout(READY_GRACE, sender.ready()).await {
                return Some(sender);
            }
        }
    }

    /// A new connection to `addr`.
    ///
    /// # Errors
    /// The upstream is unreachable, too slow to accept, or fails the handshake.
    pub async fn connect(&self, addr: SocketAddr) -> Result<SendRequest<Body>, ConnectError> {
        let stream = tokio::time::timeout(self.inner.limits.connect_timeout, tokio::net::TcpStream::connect(addr))
            .await
            .map_err(|_| ConnectError::Timeout)??;
        stream.set_nodelay(true)?;
        let (sender, connection) = Builder::new().handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%addr, error = %err, "upstream connection ended");
            }
        });
        Ok(sender)
    }

    /// Wraps a connection so it can come back after its exchange.
    pub fn lease(&self, sender: SendRequest<Body>, addr: SocketAddr) -> Lease {
        Lease {
            sender,
            addr,
            pool: Arc::clone(&self.inner),
        }
    }

    /// Idle connections kept, over every upstream (for tests and `/config`).
    pub fn idle_count(&self) -> usize {
        self.inner.idle().values().map(Vec::len).sum()
    }
}
