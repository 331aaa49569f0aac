//! Serving a proxy listener: HTTP/1.1 with keep-alive, every request handed to a handler, at most
//! [`MAX_CONNECTIONS`] at once, and a graceful stop that lets the requests in flight finish (for
//! at most [`DRAIN`]). A client that breaks the protocol is answered by [`respond`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::{Request, Response};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

use super::h1::body::Body;
pub use super::h1::server::Peer;
use super::h1::server::{Settings, serve_connection};
use super::respond;

/// The longest wait for requests in flight at shutdown.
pub const DRAIN: Duration = Duration::from_secs(10);

/// Binds a listener, naming what it is for when the address is taken.
///
/// # Errors
/// The address cannot be bound.
pub async fn bind(address: SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on {what} address {address}: {err}"))
}

/// How long a proxy listener waits for a request head, on a new connection or a kept-alive one
/// (nginx's `keepalive_timeout`).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(75);

/// The most connections one listener serves at once; more wait in the accept queue.
pub const MAX_CONNECTIONS: usize = 16 * 1024;

/// Serves `listener` until `stop` turns true, calling `handler` for every request. A connection
/// that does not complete a request head within `idle_timeout` (after connecting or after its
/// last response) is closed.
pub async fn serve<H, F>(listener: TcpListener, handler: H, mut stop: watch::Receiver<bool>, idle_timeout: Duration)
where
    H: Fn(Request<Body>, Peer) -> F + Clone + Send + 'static,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    let settings = Settings {
        idle_timeout,
        refuse: respond::client_error,
    };
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    // Every connection holds a sender; the channel closes when the last one has ended.
    let (open_tx, mut open_rx) = mpsc::channel::<()>(1);
    loop {
        let accepted = tokio::select! {
            accepted = accept(&listener, &slots) => accepted,
            _ = stop.wait_for(|stopped| *stopped) => break,
        };
        let (stream, remote, slot) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(error = %err, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let peer = Peer {
            remote,
            local: stream.local_addr().unwrap_or(remote),
        };
        let handler = handler.clone();
        let stop = stop.clone();
        let open = open_tx.clone();
        tokio::spawn(async move {
            serve_connection(stream.into(), peer, handler, settings, stop).await;
            drop((slot, open));
        });
    }
    drop(listener);
    drop(open_tx);
    if tokio::time::timeout(DRAIN, open_rx.recv()).await.is_err() {
        tracing::warn!("requests still in flight after {DRAIN:?}; they end with the process");
    }
}

async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> std::io::Result<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let slot = Arc::clone(slots).acquire_owned().await.map_err(std::io::Error::other)?;
    let (stream, remote) = listener.accept().await?;
    Ok((stream, remote, slot))
}
