//! Serving a proxy listener: HTTP/1.1 with keep-alive, every request handed to a handler, and a
//! graceful stop that lets the requests in flight finish (for at most [`DRAIN`]).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::body::Body;

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

/// Both ends of an accepted connection.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    /// The caller's end.
    pub remote: SocketAddr,
    /// The address the caller dialled (on the egress it names the service).
    pub local: SocketAddr,
}

/// Serves `listener` until `stop` turns true, calling `handler` for every request. With
/// `header_timeout`, a connection that does not send a request head within it is closed (for
/// listeners facing untrusted clients; it costs a timer per request).
pub async fn serve<H, F>(
    listener: TcpListener,
    handler: H,
    mut stop: watch::Receiver<bool>,
    header_timeout: Option<Duration>,
) where
    H: Fn(Request<Incoming>, Peer) -> F + Clone + Send + 'static,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stopped| *stopped) => break,
        };
        let (stream, remote) = match accepted {
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
        let service = service_fn(move |request| {
            let response = handler(request, peer);
            async move { Ok::<_, Infallible>(response.await) }
        });
        let mut builder = http1::Builder::new();
        if let Some(timeout) = header_timeout {
            builder.timer(TokioTimer::new()).header_read_timeout(timeout);
        }
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%remote, error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight after {DRAIN:?}; closing them");
    }
}
